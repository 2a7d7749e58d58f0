//! ConnectWise's profile.

use super::{
    ColumnWords, ConnectwiseTarget, FieldId, PermissionModel, Psa, PsaProfile, Target, VendorCode,
};

pub(super) static PROFILE: PsaProfile = PsaProfile {
    psa: Psa::Connectwise,
    label: "ConnectWise PSA",
    short: "connectwise",
    // ConnectWise module functions: the API enum is exactly None | My | All.
    levels: &["None", "My", "All"],
    columns: ColumnWords {
        add: "Add Level",
        edit: "Edit Level",
        delete: "Delete Level",
        subject: "Function",
    },
    permissions: PermissionModel::ModuleFunctions,
    vendor_code: VendorCode::ClientId,
    fields: &[
        FieldId::Site,
        FieldId::CompanyId,
        FieldId::PublicKey,
        FieldId::PrivateKey,
        FieldId::ClientId,
    ],
    secret: FieldId::PrivateKey,
    lockout: None,
    target,
};

fn target(v: &dyn Fn(FieldId) -> String) -> Target {
    Target::Connectwise(ConnectwiseTarget {
        site: v(FieldId::Site),
        company_id: v(FieldId::CompanyId),
        public_key: v(FieldId::PublicKey),
        client_id: v(FieldId::ClientId),
    })
}
