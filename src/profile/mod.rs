//! One seam per PSA: what the rest of the program needs to know about each PSA, as data.
//!
//! Every PSA has one [`PsaProfile`] (its names, its level vocabulary and column words, the
//! connection fields the admin types, its secret, its wording) registered in [`PSAS`], and
//! [`Psa::profile`] is the only exhaustive `match` on [`Psa`] outside a PSA's own modules.
//! Code that differs by PSA reads the profile, or matches on one of the profile's typed traits
//! ([`PermissionModel`], [`VendorCode`]), never on the PSA itself; so a third PSA compiles only
//! once it says what it is, instead of silently taking another PSA's branch.
//!
//! This module is low in the layering: it depends on nothing in the crate, so `wizard`, `psa`
//! and everything above can use it. The verifiers register next to it, in `verify::registry`.

mod autotask;
pub mod connection;
mod connectwise;
mod fields;

use serde::{Deserialize, Serialize};

pub use connection::{
    AUTOTASK_DEFAULT_API_ROOT, AutotaskTarget, Connection, ConnectwiseTarget, Instance, Target,
};
pub use fields::FieldId;

/// The PSA a wizard targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Psa {
    Autotask,
    Connectwise,
}

/// Every PSA psa-onboard knows, in the order they are offered (the start screen lists their
/// wizards in this order). The one table a PSA registers in.
pub static PSAS: &[&PsaProfile] = &[&connectwise::PROFILE, &autotask::PROFILE];

impl Psa {
    /// This PSA's profile.
    pub fn profile(self) -> &'static PsaProfile {
        match self {
            Psa::Autotask => &autotask::PROFILE,
            Psa::Connectwise => &connectwise::PROFILE,
        }
    }

    pub fn label(self) -> &'static str {
        self.profile().label
    }

    /// The PSA whose profile has this short name ("autotask", "connectwise").
    pub fn from_short(short: &str) -> Option<Psa> {
        PSAS.iter().find(|p| p.short == short).map(|p| p.psa)
    }

    /// Where this PSA stands in [`PSAS`], for listing things in the order PSAs are offered.
    pub fn rank(self) -> usize {
        PSAS.iter()
            .position(|p| p.psa == self)
            .unwrap_or(PSAS.len())
    }

    pub fn short(self) -> &'static str {
        self.profile().short
    }

    /// The level values that may appear in this PSA's permission tables.
    pub fn levels(self) -> &'static [&'static str] {
        self.profile().levels
    }
}

/// How a PSA grants an integration its permissions, which decides how a wizard's permission rows
/// are written, validated, shown and verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionModel {
    /// A security level of per-entity grids (Autotask): rows name entities, verified by the
    /// entities' access; level rows differ in their columns.
    EntityGrids,
    /// A security role of module functions (ConnectWise): every level row is one
    /// Module/Function line with Inquire, verified against the member's effective security.
    ModuleFunctions,
}

/// The vendor-supplied code that identifies the integration to the PSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorCode {
    /// Autotask's API tracking identifier (`integration.tracking_identifier`).
    TrackingIdentifier,
    /// ConnectWise's clientId GUID (`integration.client_id`).
    ClientId,
}

impl VendorCode {
    /// The connection field that holds this code.
    pub fn field(self) -> FieldId {
        match self {
            VendorCode::TrackingIdentifier => FieldId::TrackingId,
            VendorCode::ClientId => FieldId::ClientId,
        }
    }
}

/// The words a PSA's permission tables use for the level columns that differ between PSAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnWords {
    pub add: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    /// The header of a level table's second column (what a row's subject is).
    pub subject: &'static str,
}

/// A PSA's lockout rule, as clauses to quote in a notice or a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// "… locks accounts after repeated failures".
    pub accounts: &'static str,
    /// "… locks an account after repeated failures".
    pub an_account: &'static str,
}

/// Static facts about one PSA.
#[derive(Debug)]
pub struct PsaProfile {
    pub psa: Psa,
    /// The product's name, e.g. "Datto Autotask PSA".
    pub label: &'static str,
    /// The lowercase id used in files, flags and reports, e.g. "autotask".
    pub short: &'static str,
    /// The level values its permission tables may hold.
    pub levels: &'static [&'static str],
    pub columns: ColumnWords,
    pub permissions: PermissionModel,
    pub vendor_code: VendorCode,
    /// The connection fields the admin types, in the order they meet them.
    pub fields: &'static [FieldId],
    /// The field holding the secret (kept in the keyring under this field's key).
    pub secret: FieldId,
    /// What the PSA does to an account after repeated bad secrets, when it does something
    /// (Autotask locks it); `None` when resending is harmless.
    pub lockout: Option<Lockout>,
    /// The non-secret target from the fields' values.
    target: fn(&dyn Fn(FieldId) -> String) -> Target,
}

impl PsaProfile {
    /// The keyring/session name of this PSA's secret ("secret", "private_key").
    pub fn secret_field(&self) -> &'static str {
        self.secret.key()
    }

    /// The target the fields' values describe; `None` until the first field has a value.
    pub fn target(&self, value: &dyn Fn(FieldId) -> String) -> Option<Target> {
        let first = self.fields.first()?;
        (!value(*first).is_empty()).then(|| (self.target)(value))
    }

    /// The connection the non-secret fields' values describe, with its secret given apart (so a
    /// secret from the keyring or the environment never passes through a plain `String`).
    pub fn connection_with(
        &self,
        value: &dyn Fn(FieldId) -> String,
        secret: secrecy::SecretString,
    ) -> Connection {
        Connection::new((self.target)(value), secret)
    }

    /// The connection the fields' values describe (the one constructor every caller shares).
    pub fn connection(&self, value: &dyn Fn(FieldId) -> String) -> Connection {
        Connection::new(
            (self.target)(value),
            secrecy::SecretString::from(value(self.secret)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn the_table_holds_each_psa_once_under_its_own_profile() {
        for p in PSAS {
            assert!(std::ptr::eq(p.psa.profile(), *p), "{}", p.short);
            assert_eq!(PSAS.iter().filter(|q| q.psa == p.psa).count(), 1);
            assert!(p.fields.contains(&p.secret) && p.secret.is_secret());
            assert_eq!(p.fields.iter().filter(|f| f.is_secret()).count(), 1);
        }
        assert_eq!(PSAS.len(), 2);
    }

    #[test]
    fn connections_are_built_from_fields_for_each_psa() {
        for p in PSAS {
            let value = |f: FieldId| format!("v-{}", f.key());
            let conn = p.connection(&value);
            assert_eq!(conn.psa(), p.psa);
            assert_eq!(
                conn.secret().expose_secret(),
                format!("v-{}", p.secret_field())
            );
            let target = p.target(&value).expect("first field set");
            assert_eq!(target.psa(), p.psa);
            for (f, v) in target.fields() {
                assert!(p.fields.contains(&f), "{f:?}");
                assert_eq!(v, format!("v-{}", f.key()));
            }
            assert!(p.target(&|_| String::new()).is_none());
        }
    }

    #[test]
    fn each_psa_is_found_by_its_short_name_and_ranked_by_the_table() {
        for (i, p) in PSAS.iter().enumerate() {
            assert_eq!(Psa::from_short(p.short), Some(p.psa));
            assert_eq!(p.psa.rank(), i);
            assert!(p.fields.contains(&p.vendor_code.field()));
        }
        assert_eq!(Psa::from_short("halopsa"), None);
    }

    #[test]
    fn a_target_names_its_instance_by_role() {
        let at = Psa::Autotask.profile().target(&|f| match f {
            FieldId::Username => "api@acme.example".into(),
            FieldId::ApiRoot => AUTOTASK_DEFAULT_API_ROOT.into(),
            _ => String::new(),
        });
        let i = at.as_ref().unwrap().instance();
        assert_eq!(i.api_user, Some("api@acme.example"));
        assert_eq!(i.api_root, Some(AUTOTASK_DEFAULT_API_ROOT));
        assert_eq!((i.site, i.company_id, i.public_key), (None, None, None));
        let cw = Psa::Connectwise.profile().target(&|f| match f {
            FieldId::Site => "na.myconnectwise.net".into(),
            FieldId::CompanyId => "acme".into(),
            FieldId::PublicKey => "pub".into(),
            _ => String::new(),
        });
        let i = cw.as_ref().unwrap().instance();
        assert_eq!(
            (i.site, i.company_id, i.public_key),
            (Some("na.myconnectwise.net"), Some("acme"), Some("pub"))
        );
        assert_eq!((i.api_root, i.api_user), (None, None));
    }

    #[test]
    fn only_autotask_warns_of_lockouts() {
        assert!(Psa::Autotask.profile().lockout.is_some());
        assert!(Psa::Connectwise.profile().lockout.is_none());
    }
}
