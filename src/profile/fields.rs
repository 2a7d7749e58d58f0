//! The connection fields an admin types, across every PSA (each profile lists its own).

use serde::{Deserialize, Serialize};

use super::AUTOTASK_DEFAULT_API_ROOT;

/// One connection value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldId {
    Site,
    CompanyId,
    PublicKey,
    PrivateKey,
    ClientId,
    Username,
    Secret,
    TrackingId,
    ApiRoot,
}

impl FieldId {
    pub fn label(self) -> &'static str {
        match self {
            FieldId::Site => "ConnectWise site",
            FieldId::CompanyId => "Company ID",
            FieldId::PublicKey => "Public key",
            FieldId::PrivateKey => "Private key",
            FieldId::ClientId => "clientId",
            FieldId::Username => "API username",
            FieldId::Secret => "API secret (password)",
            FieldId::TrackingId => "Tracking identifier",
            FieldId::ApiRoot => "Zone-lookup root",
        }
    }

    pub fn placeholder(self) -> &'static str {
        match self {
            FieldId::Site => "na.myconnectwise.net",
            FieldId::CompanyId => "the company ID you type at login",
            FieldId::PublicKey => "from the member's API Keys tab",
            FieldId::PrivateKey => "shown once, when the key was created",
            FieldId::ClientId => "00000000-0000-0000-0000-000000000000",
            FieldId::Username => "the API user's username",
            FieldId::Secret => "the API user's password",
            FieldId::TrackingId => "see where it comes from, below",
            FieldId::ApiRoot => AUTOTASK_DEFAULT_API_ROOT,
        }
    }

    /// The field's name in the session's answers.
    pub fn key(self) -> &'static str {
        match self {
            FieldId::Site => "site",
            FieldId::CompanyId => "company_id",
            FieldId::PublicKey => "public_key",
            FieldId::PrivateKey => "private_key",
            FieldId::ClientId => "client_id",
            FieldId::Username => "username",
            FieldId::Secret => "secret",
            FieldId::TrackingId => "integration_code",
            FieldId::ApiRoot => "api_root",
        }
    }

    pub const ALL: [FieldId; 9] = [
        FieldId::Site,
        FieldId::CompanyId,
        FieldId::PublicKey,
        FieldId::PrivateKey,
        FieldId::ClientId,
        FieldId::Username,
        FieldId::Secret,
        FieldId::TrackingId,
        FieldId::ApiRoot,
    ];

    pub fn is_secret(self) -> bool {
        matches!(self, FieldId::PrivateKey | FieldId::Secret)
    }

    /// The PSA whose form has this field (each field belongs to exactly one).
    pub fn psa(self) -> super::Psa {
        use super::Psa;
        match self {
            FieldId::Username | FieldId::Secret | FieldId::TrackingId | FieldId::ApiRoot => {
                Psa::Autotask
            }
            FieldId::Site
            | FieldId::CompanyId
            | FieldId::PublicKey
            | FieldId::PrivateKey
            | FieldId::ClientId => Psa::Connectwise,
        }
    }
}
