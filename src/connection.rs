//! Connection details for a PSA: what the admin (or the environment) supplies to reach it.
//!
//! Secrets are `SecretString`: zeroized on drop, redacted in Debug, never serialized. The
//! non-secret parts serialize into sessions.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

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
    pub fn psa(&self) -> crate::wizard::Psa {
        match self {
            Connection::Autotask { .. } => crate::wizard::Psa::Autotask,
            Connection::Connectwise { .. } => crate::wizard::Psa::Connectwise,
        }
    }
}
