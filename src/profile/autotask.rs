//! Autotask's profile.

use super::{
    AutotaskTarget, ColumnWords, FieldId, Lockout, PermissionModel, Psa, PsaProfile, Target,
    VendorCode,
};

pub(super) static PROFILE: PsaProfile = PsaProfile {
    psa: Psa::Autotask,
    label: "Datto Autotask PSA",
    short: "autotask",
    // Autotask security-level grids mix scope levels (View: All/Mine/None) with yes/no columns
    // (Add: Yes/No) and checkbox grids (Web Services API: Checked).
    levels: &["All", "Mine", "None", "Yes", "No", "Checked"],
    columns: ColumnWords {
        add: "Add",
        edit: "Edit",
        delete: "Delete",
        subject: "Description",
    },
    permissions: PermissionModel::EntityGrids,
    vendor_code: VendorCode::TrackingIdentifier,
    fields: &[
        FieldId::Username,
        FieldId::Secret,
        FieldId::TrackingId,
        FieldId::ApiRoot,
    ],
    secret: FieldId::Secret,
    lockout: Some(Lockout {
        accounts: "Autotask locks accounts after repeated failures",
        an_account: "Autotask locks an account after repeated failures",
    }),
    target,
};

fn target(v: &dyn Fn(FieldId) -> String) -> Target {
    Target::Autotask(AutotaskTarget {
        api_root: v(FieldId::ApiRoot),
        username: v(FieldId::Username),
        integration_code: v(FieldId::TrackingId),
    })
}
