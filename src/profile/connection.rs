//! Connection details for a PSA: what the admin (or the environment) supplies to reach it.
//!
//! Secrets are `SecretString`: zeroized on drop, redacted in Debug, never serialized. The
//! non-secret parts ([`Target`]) serialize into sessions.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{FieldId, Psa};

/// The default Autotask zone-lookup root.
pub const AUTOTASK_DEFAULT_API_ROOT: &str = "https://webservices.autotask.net/atservicesrest";

/// Non-secret Autotask connection details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutotaskTarget {
    /// The zone-lookup root (default [`AUTOTASK_DEFAULT_API_ROOT`]).
    pub api_root: String,
    /// The API user's username (not its email).
    pub username: String,
    /// The API tracking identifier (`ApiIntegrationCode`).
    pub integration_code: String,
}

/// Non-secret ConnectWise connection details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectwiseTarget {
    /// The site as the admin knows it: a host (`na.myconnectwise.net`) or URL.
    pub site: String,
    /// The login company ID.
    pub company_id: String,
    pub public_key: String,
    /// The integration's clientId (GUID).
    pub client_id: String,
}

/// The PSA instance a session is about: non-secret connection details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "psa", rename_all = "lowercase")]
pub enum Target {
    Autotask(AutotaskTarget),
    Connectwise(ConnectwiseTarget),
}

impl Target {
    pub fn psa(&self) -> Psa {
        match self {
            Target::Autotask(_) => Psa::Autotask,
            Target::Connectwise(_) => Psa::Connectwise,
        }
    }

    /// What the target points at, by role (see [`Instance`]).
    pub fn instance(&self) -> Instance<'_> {
        let mut i = Instance::default();
        for (field, value) in self.fields() {
            let value = Some(value).filter(|v| !v.trim().is_empty());
            match field {
                FieldId::ApiRoot => i.api_root = value,
                FieldId::Username => i.api_user = value,
                FieldId::Site => i.site = value,
                FieldId::CompanyId => i.company_id = value,
                FieldId::PublicKey => i.public_key = value,
                // The vendor's code and the secrets say nothing about which instance it is.
                FieldId::TrackingId | FieldId::ClientId | FieldId::Secret | FieldId::PrivateKey => {
                }
            }
        }
        i
    }

    /// The target's values by connection field (the non-secret fields of its PSA's form).
    pub fn fields(&self) -> Vec<(FieldId, &str)> {
        match self {
            Target::Autotask(t) => vec![
                (FieldId::ApiRoot, &t.api_root),
                (FieldId::Username, &t.username),
                (FieldId::TrackingId, &t.integration_code),
            ],
            Target::Connectwise(t) => vec![
                (FieldId::Site, &t.site),
                (FieldId::CompanyId, &t.company_id),
                (FieldId::PublicKey, &t.public_key),
                (FieldId::ClientId, &t.client_id),
            ],
        }
    }
}

/// What a target points at, by role, the same slots whatever the PSA: headers, reports and
/// summaries read these instead of matching on the PSA. Empty values are left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Instance<'a> {
    /// The zone-lookup root (Autotask).
    pub api_root: Option<&'a str>,
    /// The API user's username (Autotask).
    pub api_user: Option<&'a str>,
    /// The site (ConnectWise).
    pub site: Option<&'a str>,
    /// The login company id (ConnectWise).
    pub company_id: Option<&'a str>,
    /// The API member's public key: it names the member (ConnectWise).
    pub public_key: Option<&'a str>,
}

/// Everything needed to talk to a PSA: target plus secret.
#[derive(Debug, Clone)]
pub enum Connection {
    Autotask {
        target: AutotaskTarget,
        secret: SecretString,
    },
    Connectwise {
        target: ConnectwiseTarget,
        private_key: SecretString,
    },
}

impl Connection {
    /// A target with its PSA's secret.
    pub fn new(target: Target, secret: SecretString) -> Connection {
        match target {
            Target::Autotask(target) => Connection::Autotask { target, secret },
            Target::Connectwise(target) => Connection::Connectwise {
                target,
                private_key: secret,
            },
        }
    }

    pub fn psa(&self) -> Psa {
        match self {
            Connection::Autotask { .. } => Psa::Autotask,
            Connection::Connectwise { .. } => Psa::Connectwise,
        }
    }

    /// The non-secret part.
    pub fn target(&self) -> Target {
        match self {
            Connection::Autotask { target, .. } => Target::Autotask(target.clone()),
            Connection::Connectwise { target, .. } => Target::Connectwise(target.clone()),
        }
    }

    /// The secret (Autotask's API secret, ConnectWise's private key).
    pub fn secret(&self) -> &SecretString {
        match self {
            Connection::Autotask { secret, .. } => secret,
            Connection::Connectwise { private_key, .. } => private_key,
        }
    }
}
