//! Where the TUI keeps a session between runs, until `psa_onboard::session` lands: one JSON file
//! per session, written atomically (temp file + rename). Never a secret in it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::app::{FieldId, Progress, Run, StepState};
use crate::verify::StepReport;
use crate::wizard::Wizard;

const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedSession {
    pub version: u32,
    pub id: String,
    pub wizard_id: String,
    pub wizard_title: String,
    /// A built-in wizard id or a wizard file path.
    pub source: String,
    pub wizard_hash: String,
    pub demo: bool,
    pub current: usize,
    pub steps: Vec<SavedStep>,
    /// Non-secret connection values only.
    pub fields: BTreeMap<FieldId, String>,
    #[serde(default)]
    pub updated_at: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedStep {
    pub id: String,
    pub state: StepState,
    #[serde(default)]
    pub ticked: Vec<String>,
    #[serde(default)]
    pub applied: bool,
    /// The last verification, as evidence.
    #[serde(default)]
    pub report: Option<StepReport>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot write the session file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the session file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the session file {path} is damaged: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("no saved session named \"{0}\"")]
    Missing(String),
    #[error("no state directory: set PSA_ONBOARD_STATE_DIR or XDG_STATE_HOME")]
    NoDir,
}

/// The sessions directory: `$PSA_ONBOARD_STATE_DIR/sessions`, else the XDG state dir.
pub fn dir() -> Result<PathBuf, StoreError> {
    use etcetera::BaseStrategy;
    if let Some(d) = std::env::var_os("PSA_ONBOARD_STATE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("sessions"));
    }
    etcetera::choose_base_strategy()
        .ok()
        .and_then(|s| s.state_dir())
        .map(|d| d.join("psa-onboard").join("sessions"))
        .ok_or(StoreError::NoDir)
}

fn path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.json"))
}

pub fn save(dir: &Path, s: &SavedSession) -> Result<(), StoreError> {
    let target = path(dir, &s.id);
    let err = |source| StoreError::Write {
        path: target.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let json = serde_json::to_vec_pretty(s).expect("session serializes");
    let tmp = dir.join(format!(".{}.json.tmp", s.id));
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(&json).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, &target).map_err(err)
}

pub fn load(dir: &Path, id: &str) -> Result<SavedSession, StoreError> {
    let p = path(dir, id);
    let text = match std::fs::read(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Missing(id.to_string()));
        }
        Err(source) => return Err(StoreError::Read { path: p, source }),
    };
    serde_json::from_slice(&text).map_err(|source| StoreError::Parse { path: p, source })
}

/// Every readable session, most recently updated first.
pub fn list(dir: &Path) -> Vec<SavedSession> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<SavedSession> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let id = name.strip_suffix(".json")?;
            if id.starts_with('.') {
                return None;
            }
            load(dir, id).ok()
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.updated_at));
    out
}

/// The session as it should be saved (pure).
pub fn snapshot(run: &Run) -> SavedSession {
    SavedSession {
        version: VERSION,
        id: run.session_id.clone(),
        wizard_id: run.wizard.id.clone(),
        wizard_title: run.wizard.title.clone(),
        source: run.source.clone(),
        wizard_hash: run.wizard_hash.clone(),
        demo: run.demo,
        current: run.current,
        steps: run
            .wizard
            .steps
            .iter()
            .zip(&run.progress)
            .map(|(s, p)| SavedStep {
                id: s.id.clone(),
                state: p.state,
                ticked: p.ticked.iter().cloned().collect(),
                applied: p.applied,
                report: p.report.clone(),
            })
            .collect(),
        fields: run.form.public_values().into_iter().collect(),
        updated_at: None,
    }
}

/// Rebuild a run from a saved session. Steps are matched by id, so an edited wizard keeps what
/// still applies.
pub fn restore(saved: &SavedSession, wizard: Arc<Wizard>, hash: String) -> Run {
    let mut run = Run::new(wizard.clone(), saved.id.clone(), saved.source.clone(), hash);
    run.demo = saved.demo;
    for (step, p) in wizard.steps.iter().zip(run.progress.iter_mut()) {
        if let Some(s) = saved.steps.iter().find(|s| s.id == step.id) {
            *p = Progress {
                state: s.state,
                ticked: s.ticked.iter().cloned().collect(),
                applied: s.applied,
                results: s
                    .report
                    .as_ref()
                    .map(|r| r.checks.clone())
                    .unwrap_or_default(),
                report: s.report.clone(),
                ..Progress::default()
            };
        }
    }
    for (id, v) in &saved.fields {
        if !id.is_secret() {
            run.form.set(*id, v);
        }
    }
    run.current = saved.current.min(wizard.steps.len());
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_restores_without_secrets() {
        let loaded = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "topleft-connectwise")
            .unwrap();
        let w = Arc::new(loaded.wizard);
        let mut run = Run::new(
            w.clone(),
            "s1".into(),
            w.id.clone(),
            loaded.content_hash.clone(),
        );
        run.form.set(FieldId::Site, "cw.example.com");
        run.form.set(FieldId::PrivateKey, "very-private-key");
        run.current = 2;
        run.progress[0].state = StepState::Unverified;
        let tmp = tempfile::tempdir().unwrap();
        save(tmp.path(), &snapshot(&run)).unwrap();
        let text = std::fs::read_to_string(tmp.path().join("s1.json")).unwrap();
        assert!(!text.contains("very-private-key"));
        let back = load(tmp.path(), "s1").unwrap();
        let run2 = restore(&back, w, loaded.content_hash);
        assert_eq!(run2.current, 2);
        assert_eq!(run2.progress[0].state, StepState::Unverified);
        assert_eq!(
            run2.form.field(FieldId::Site).unwrap().value(),
            "cw.example.com"
        );
        assert_eq!(run2.form.field(FieldId::PrivateKey).unwrap().value(), "");
        assert_eq!(list(tmp.path()).len(), 1);
        assert!(matches!(
            load(tmp.path(), "nope"),
            Err(StoreError::Missing(_))
        ));
    }
}
