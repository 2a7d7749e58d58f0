//! Noticing that a session's wizard changed since the session began, and which steps that
//! affects: each step is hashed in its TOML-serialized form, so an edit to one step's rows
//! only asks for that step to be verified again (the hashes themselves: [`step_hashes`], kept
//! with the session model that stores them).

use crate::wizard::{Loaded, Wizard};

use super::model::{Session, step_hashes};

/// How the wizard differs from the one the session began with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WizardChanges {
    /// The file's hash differs.
    pub changed: bool,
    /// Steps that existed and whose definition changed: their evidence is stale and they must
    /// be verified again (only those the admin had started are listed).
    pub reverify: Vec<String>,
    /// Steps new in the wizard.
    pub added: Vec<String>,
    /// Steps the session has progress for that the wizard no longer has.
    pub removed: Vec<String>,
}

impl WizardChanges {
    pub fn between(session: &Session, loaded: &Loaded) -> WizardChanges {
        if session.wizard.content_hash == loaded.content_hash {
            return WizardChanges::default();
        }
        Self::by_steps(session, &loaded.wizard, true)
    }

    /// Per-step comparison against a wizard (`changed` tells whether the file hash differed).
    pub fn by_steps(session: &Session, wizard: &Wizard, changed: bool) -> WizardChanges {
        let now = step_hashes(wizard);
        let then = &session.wizard.step_hashes;
        let started = |id: &str| session.steps.get(id).is_some_and(|r| r.started());
        let mut out = WizardChanges {
            changed,
            ..Default::default()
        };
        for step in &wizard.steps {
            match then.get(&step.id) {
                // A migrated session has no per-step hashes: every started step is suspect.
                None if then.is_empty() => {
                    if started(&step.id) {
                        out.reverify.push(step.id.clone());
                    }
                }
                None => out.added.push(step.id.clone()),
                Some(h) if Some(h) != now.get(&step.id) && started(&step.id) => {
                    out.reverify.push(step.id.clone())
                }
                Some(_) => {}
            }
        }
        out.removed = session
            .steps
            .keys()
            .filter(|id| wizard.step(id).is_none())
            .cloned()
            .collect();
        out
    }

    pub fn is_empty(&self) -> bool {
        !self.changed
    }

    /// A message for the admin.
    pub fn describe(&self, wizard_id: &str) -> String {
        if !self.changed {
            return String::new();
        }
        let mut msg = format!("The wizard {wizard_id:?} changed since this session began.");
        if self.reverify.is_empty() {
            msg.push_str(" No step you worked on changed.");
        } else {
            msg.push_str(&format!(
                " Verify these steps again: {}.",
                self.reverify.join(", ")
            ));
        }
        if !self.added.is_empty() {
            msg.push_str(&format!(" New steps: {}.", self.added.join(", ")));
        }
        if !self.removed.is_empty() {
            msg.push_str(&format!(
                " Steps no longer in the wizard: {}.",
                self.removed.join(", ")
            ));
        }
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::report::StepReport;

    #[test]
    fn only_changed_started_steps_need_reverifying() {
        let original = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "tasky-autotask")
            .unwrap();
        let t0: jiff::Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
        let mut s = Session::new("acme", &original, "alice", t0).unwrap();
        let ids: Vec<String> = original.wizard.steps.iter().map(|s| s.id.clone()).collect();
        assert!(ids.len() >= 3);
        for id in &ids[..3] {
            s.record_run(StepReport::new(id.clone(), "t".into(), vec![]), t0);
        }
        assert!(WizardChanges::between(&s, &original).is_empty());

        // Edit step 0 and the last step (not started); step 1 and 2 unchanged.
        let mut edited = original.clone();
        edited.wizard.steps[0].why.push_str(" (edited)");
        let last = edited.wizard.steps.len() - 1;
        edited.wizard.steps[last].title.push_str(" (edited)");
        edited.content_hash = "different".into();
        let ch = WizardChanges::between(&s, &edited);
        assert!(ch.changed);
        assert_eq!(ch.reverify, vec![ids[0].clone()]);
        assert!(ch.added.is_empty() && ch.removed.is_empty());
        assert!(ch.describe("tasky-autotask").contains(&ids[0]));

        // Remove step 2 and add a new one.
        edited.wizard.steps.remove(2);
        let mut extra = edited.wizard.steps[1].clone();
        extra.id = "brand-new".into();
        edited.wizard.steps.push(extra);
        let ch = WizardChanges::between(&s, &edited);
        assert_eq!(ch.added, vec!["brand-new".to_string()]);
        assert_eq!(ch.removed, vec![ids[2].clone()]);
    }
}
