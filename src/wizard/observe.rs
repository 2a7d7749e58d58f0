//! The facts the verification engine can observe through a PSA's API, named in wizard files
//! (`observe = "…"`).

use serde::{Deserialize, Serialize};

use crate::profile::Psa;

/// The facts the verification engine knows how to observe through a PSA's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observe {
    // --- Autotask ---
    /// `zoneInformation` resolves the API username to a zone.
    AutotaskZone,
    /// One `Version` call with the three headers succeeds.
    AutotaskCredentials,
    /// `ThresholdInformation`: the tenant's hourly budget is under half used.
    AutotaskThreshold,
    /// The API user's resource record is active.
    AutotaskUserActive,
    /// The API user's license type is "API User".
    AutotaskUserLicense,
    /// The API user's security level is the named dedicated copy, not "API User (system)".
    AutotaskUserSecurityLevel,
    /// Active human resources' security levels and licenses, as the impersonation checklist.
    AutotaskImpersonationLevels,
    /// The API user may create webhooks (TicketWebhooks create access).
    AutotaskWebhookAccess,
    /// Write test: an impersonated ticket note (opt-in; leaves a note behind).
    AutotaskImpersonationWrite,
    /// Write test: create and delete an inactive webhook (opt-in).
    AutotaskWebhookWrite,

    // --- ConnectWise ---
    /// `login/companyinfo` resolves the company's codebase.
    ConnectwiseCompanyInfo,
    /// `system/info` answers with these keys and clientId.
    ConnectwiseCredentials,
    /// The clientId is accepted.
    ConnectwiseClientId,
    /// The keys belong to the expected member.
    ConnectwiseMemberIdentity,
    /// The member is an API member (license class A).
    ConnectwiseMemberLicense,
    /// The member is active.
    ConnectwiseMemberActive,
    /// The member's security role is the expected one.
    ConnectwiseMemberRole,
    /// The member's level (structure level) is as the guide says.
    ConnectwiseMemberLevel,
    /// The member's location is as the guide says.
    ConnectwiseMemberLocation,
    /// Functions outside the guide's table are at None.
    ConnectwiseRoleExcess,
    /// The role is not an admin role.
    ConnectwiseRoleNotAdmin,
    /// Callbacks the integration registered are active.
    ConnectwiseCallbacks,
}

impl Observe {
    pub fn psa(self) -> Psa {
        use Observe::*;
        match self {
            AutotaskZone
            | AutotaskCredentials
            | AutotaskThreshold
            | AutotaskUserActive
            | AutotaskUserLicense
            | AutotaskUserSecurityLevel
            | AutotaskImpersonationLevels
            | AutotaskWebhookAccess
            | AutotaskImpersonationWrite
            | AutotaskWebhookWrite => Psa::Autotask,
            ConnectwiseCompanyInfo
            | ConnectwiseCredentials
            | ConnectwiseClientId
            | ConnectwiseMemberIdentity
            | ConnectwiseMemberLicense
            | ConnectwiseMemberActive
            | ConnectwiseMemberRole
            | ConnectwiseMemberLevel
            | ConnectwiseMemberLocation
            | ConnectwiseRoleExcess
            | ConnectwiseRoleNotAdmin
            | ConnectwiseCallbacks => Psa::Connectwise,
        }
    }

    /// Whether observing this performs a write in the PSA.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Observe::AutotaskImpersonationWrite | Observe::AutotaskWebhookWrite
        )
    }
}
