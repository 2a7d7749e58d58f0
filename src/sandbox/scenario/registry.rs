//! The sandbox tenants, one per PSA, behind one trait: `apply_step` and `build` ask the registry
//! for the wizard's PSA's tenant and never branch on the PSA themselves.

use super::super::AutotaskDemo;
use super::super::tenant::Tenant;
use super::{ApplyError, autotask, connectwise};
use crate::wizard::{Psa, Step, Wizard};

/// What a PSA's sandbox tenant does with a wizard: one per PSA, registered in [`for_psa`].
pub(crate) trait PsaScenario: Sync {
    /// Does in the tenant what one step tells the admin to click; the Autotask credentials
    /// when the step created an API user.
    fn apply(
        &self,
        t: &mut Tenant,
        w: &Wizard,
        step: &Step,
    ) -> Result<Option<AutotaskDemo>, ApplyError>;

    /// After a configured scenario applied every step and none created credentials: the ones
    /// the scenario hands out anyway (Autotask: the wizard's API user), if any.
    fn finish(&self, t: &mut Tenant, w: &Wizard) -> Option<AutotaskDemo>;
}

/// The sandbox tenant registered for a PSA.
pub(crate) fn for_psa(psa: Psa) -> &'static dyn PsaScenario {
    match psa {
        Psa::Autotask => &autotask::Autotask,
        Psa::Connectwise => &connectwise::Connectwise,
    }
}
