//! Named starting states and admin actions derived from wizard data.
//!
//! `apply_step` does in the tenant what a step's instructions tell the admin to click, reading
//! only the wizard's data (names, rows, `verify` expectations): there is no per-vendor code.

use super::seed;
use super::tenant::*;
use super::{AutotaskDemo, SandboxError};
use crate::wizard::{self, Wizard};

mod autotask;
mod connectwise;
mod registry;

use registry::for_psa;

pub use autotask::{autotask_demo_for, default_autotask_demo, level_name_of};
pub use connectwise::connectwise_demo;

/// Why a step could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("wizard {wizard} has no step {step:?}")]
    UnknownStep { wizard: String, step: String },
    #[error("step {step:?} of {wizard} has no {field}: the wizard file must give it")]
    MissingField {
        wizard: String,
        step: String,
        field: &'static str,
    },
    #[error(
        "step {step:?} needs {what}, which does not exist yet: apply the step that creates it first"
    )]
    Missing { step: String, what: String },
}

/// Scenario names: `unconfigured` and `configured:<id>` for every built-in wizard.
pub fn scenario_names() -> Vec<String> {
    std::iter::once("unconfigured".to_string())
        .chain(
            wizard::builtin()
                .into_iter()
                .map(|l| format!("configured:{}", l.wizard.id)),
        )
        .collect()
}

/// Builds a scenario's tenant and, for a configured Autotask wizard, its API user's credentials.
pub fn build(name: &str) -> Result<(Tenant, Option<AutotaskDemo>), SandboxError> {
    let mut tenant = seed::unconfigured();
    let name = name.trim();
    if name.eq_ignore_ascii_case("unconfigured") {
        return Ok((tenant, None));
    }
    let Some(id) = name.strip_prefix("configured:") else {
        return Err(SandboxError::UnknownScenario(name.to_string()));
    };
    let Some(loaded) = wizard::builtin().into_iter().find(|l| l.wizard.id == id) else {
        return Err(SandboxError::UnknownScenario(name.to_string()));
    };
    let w = loaded.wizard;
    let mut created = None;
    for step in &w.steps {
        if let Some(c) = apply_step(&mut tenant, &w, &step.id)? {
            created = Some(c);
        }
    }
    if created.is_none() {
        created = for_psa(w.psa).finish(&mut tenant, &w);
    }
    Ok((tenant, created))
}

/// Applies one step; returns the Autotask credentials when the step created an API user.
pub fn apply_step(
    t: &mut Tenant,
    w: &Wizard,
    step_id: &str,
) -> Result<Option<AutotaskDemo>, ApplyError> {
    let step = w.step(step_id).ok_or_else(|| ApplyError::UnknownStep {
        wizard: w.id.clone(),
        step: step_id.to_string(),
    })?;
    // A PSA's own step kinds go to its tenant; the shared ones (API keys, manual) to the
    // wizard's PSA's.
    let psa = step.kind.psa().unwrap_or(w.psa);
    for_psa(psa).apply(t, w, step)
}

#[cfg(test)]
mod tests {
    use super::autotask::*;
    use super::connectwise::*;
    use super::*;
    use crate::sandbox::seed::CW_PUBLIC_KEY;
    use crate::wizard::{Psa, StepKind};

    #[test]
    fn reads_structure_levels_and_copy_sources() {
        assert_eq!(
            structure_level("Corporate (Level 1)"),
            (1, "Corporate".into())
        );
        assert_eq!(structure_level("Sales (Level 3)"), (3, "Sales".into()));
        let t = seed::unconfigured();
        let src = find_copy_source(&t.autotask, "API User (System) (API-only)").unwrap();
        assert_eq!(src.name, "API User (system)");
        assert!(find_copy_source(&t.autotask, "Nonexistent Level").is_none());
    }

    #[test]
    fn applying_an_unknown_step_names_it() {
        let mut t = seed::unconfigured();
        let w = wizard::builtin().remove(0).wizard;
        let e = apply_step(&mut t, &w, "no-such-step").unwrap_err();
        assert!(e.to_string().contains("no-such-step"), "{e}");
    }

    /// A conditional security_role step (CyberFox's † levels) adds to the role the first one
    /// defines; a guide without a keys step still gets the demo keys, on a member with that role.
    #[test]
    fn a_conditional_role_step_adds_to_the_role_and_the_keys_go_to_a_member_on_it() {
        use CwLevel::{All, None as No};
        let w = wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "autoelevate-connectwise")
            .expect("built-in")
            .wizard;
        let (mut t, _) = build("configured:autoelevate-connectwise").unwrap();
        let role = t
            .connectwise
            .role_by_name("CyberFox")
            .expect("named after the vendor");
        let levels = |s: RoleSetting| (s.add, s.edit, s.delete, s.inquire);
        // Time Entry: Add and Inquire from the role step, Edit from the † step.
        assert_eq!(
            levels(role.setting("Time & Expense", "Time Entry")),
            (All, All, No, All)
        );
        let key = t
            .connectwise
            .keys
            .iter()
            .find(|k| k.public_key == CW_PUBLIC_KEY)
            .expect("the demo keys");
        let member = t.connectwise.member(key.member_id).expect("their member");
        assert_eq!(member.role_id, role.id);
        assert_eq!(member.license_class, "A");

        // The role step again defines the role: the † levels are gone until chosen again.
        apply_step(&mut t, &w, "security-role").unwrap();
        let role = t.connectwise.role_by_name("CyberFox").unwrap();
        assert_eq!(
            levels(role.setting("Time & Expense", "Time Entry")),
            (All, No, No, All)
        );
        assert_eq!(
            levels(role.setting("Finance", "Agreements")),
            (No, No, No, No)
        );
    }

    #[test]
    fn api_user_needs_its_level_first() {
        let mut t = seed::unconfigured();
        let w = wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.psa == Psa::Autotask)
            .unwrap()
            .wizard;
        let step = w.step_of(StepKind::ApiUser).unwrap().id.clone();
        let e = apply_step(&mut t, &w, &step).unwrap_err();
        assert!(
            e.to_string()
                .contains("apply the step that creates it first"),
            "{e}"
        );
    }
}
