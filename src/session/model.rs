//! The session data model: exactly what is written to `<name>.toml`.
//!
//! Everything here is non-secret by construction: secrets appear only as [`SecretRef`]s.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::secrets::SecretRef;
use crate::verdict::{Decision, Facts, RunRef, Verdict};
use crate::verify::report::StepReport;
use crate::wizard::{Loaded, Psa, Wizard};

/// The schema this build writes. Older files are migrated on load (see `migrate`).
pub const SCHEMA_VERSION: u32 = 2;

/// How many verification runs are kept per step (oldest dropped first).
pub const HISTORY_LIMIT: usize = 20;

/// A resumable onboarding session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub schema_version: u32,
    /// The session's name: a slug, also its file name.
    pub name: String,
    pub created: Timestamp,
    /// Last activity.
    pub updated: Timestamp,
    /// The OS user who started the session.
    pub who: String,
    /// A demo session runs against the embedded sandbox, not a real PSA; exports say so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
    /// The step the admin was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step: Option<String>,
    pub wizard: WizardRef,
    /// The PSA instance (non-secret parts only), once the admin has entered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Non-secret form answers, by field name.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// Where each secret field's value lives in the OS keyring, by field name.
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretRef>,
    /// Per-step progress and evidence, by step id.
    #[serde(default)]
    pub steps: BTreeMap<String, StepRecord>,
    /// The optional (conditional) steps the admin chose to do, by step id: `check --session`
    /// checks these and skips the other optional steps as not chosen.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub choices: std::collections::BTreeSet<String>,
}

/// Which wizard a session follows, pinned by content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WizardRef {
    pub id: String,
    pub title: String,
    pub vendor: String,
    pub psa: Psa,
    /// SHA-256 of the wizard file's text when the session began.
    pub content_hash: String,
    /// Where it was loaded from (`built-in` or a path).
    pub origin: String,
    /// SHA-256 of each step's TOML form, in wizard order, to tell which steps changed.
    #[serde(default)]
    pub step_hashes: BTreeMap<String, String>,
    /// Step ids in wizard order (the map above is sorted by id).
    #[serde(default)]
    pub step_order: Vec<String>,
}

pub use crate::connection::Target;

/// One step's evidence and the admin's decisions about it. The step's verdict is not stored:
/// it is derived from these by [`crate::verdict::verdict`] every time it is shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRecord {
    /// Continued unverified or skipped by the admin, if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Verification runs, oldest first, at most [`HISTORY_LIMIT`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<VerificationRun>,
    /// The admin's confirmations of manual checks, by check id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub confirmations: BTreeMap<String, Confirmation>,
}

impl StepRecord {
    /// Whether anything happened on this step.
    pub fn started(&self) -> bool {
        self.decision.is_some() || !self.runs.is_empty() || !self.confirmations.is_empty()
    }
}

/// One verification of a step, with its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationRun {
    pub at: Timestamp,
    pub report: StepReport,
}

/// The admin's confirmation of a manual check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    pub at: Timestamp,
    pub by: String,
}

/// A session name problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid session name {name:?}: {why}. Use 1–64 lowercase letters, digits and dashes, \
     e.g. \"acme-topleft\""
)]
pub struct NameError {
    pub name: String,
    pub why: &'static str,
}

/// Session names become file names: keep them to a safe slug.
pub fn validate_name(name: &str) -> Result<(), NameError> {
    let err = |why| {
        Err(NameError {
            name: name.to_owned(),
            why,
        })
    };
    if name.is_empty() || name.len() > 64 {
        return err("it must be 1 to 64 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return err("it may contain only a-z, 0-9 and '-'");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return err("it must not start or end with '-'");
    }
    Ok(())
}

/// Make a valid session name from any text (a wizard id, a company name): lowercase ASCII
/// letters and digits, other runs become one '-', at most 64 characters. Empty input gives
/// "session".
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 64 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "session".into()
    } else {
        out
    }
}

/// The person at the keyboard, for "who did this": the OS account's full name where the OS
/// keeps one (the GECOS field on Unix), else the login name.
pub fn current_user() -> String {
    let login = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|v| !v.trim().is_empty()))
        .map(|v| v.trim().to_owned());
    #[cfg(unix)]
    {
        let uid = rustix::process::getuid().as_raw();
        if let Some((name, full)) = passwd_entry(uid) {
            let login = login.unwrap_or(name);
            return match full {
                Some(full) if full != login => format!("{full} ({login})"),
                _ => login,
            };
        }
        login.unwrap_or_else(|| format!("uid {uid}"))
    }
    #[cfg(not(unix))]
    {
        login.unwrap_or_else(|| "unknown".to_owned())
    }
}

/// The login and full name of `uid` from /etc/passwd (read bounded; a missing or odd file
/// gives `None`).
#[cfg(unix)]
fn passwd_entry(uid: u32) -> Option<(String, Option<String>)> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open("/etc/passwd")
        .ok()?
        .take(4 << 20)
        .read_to_string(&mut text)
        .ok()?;
    parse_passwd(&text, uid)
}

#[cfg(unix)]
fn parse_passwd(text: &str, uid: u32) -> Option<(String, Option<String>)> {
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 5 || f[2].parse::<u32>().ok()? != uid {
            return None;
        }
        let full = f[4].split(',').next().unwrap_or("").trim();
        let full = crate::sanitize::clean_line(full);
        Some((
            crate::sanitize::clean_line(f[0]),
            (!full.is_empty()).then_some(full),
        ))
    })
}

/// SHA-256 of each step's TOML form, by step id.
pub fn step_hashes(wizard: &Wizard) -> BTreeMap<String, String> {
    wizard
        .steps
        .iter()
        .map(|s| {
            // Serializing a plain data struct cannot fail; fall back to Debug just in case so a
            // change is still noticed.
            let text = toml::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
            (s.id.clone(), crate::wizard::load::hash(&text))
        })
        .collect()
}

impl WizardRef {
    pub fn from_loaded(loaded: &Loaded) -> Self {
        let w = &loaded.wizard;
        WizardRef {
            id: w.id.clone(),
            title: w.title.clone(),
            vendor: w.vendor.clone(),
            psa: w.psa,
            content_hash: loaded.content_hash.clone(),
            origin: loaded.origin.label(),
            step_hashes: step_hashes(w),
            step_order: w.steps.iter().map(|s| s.id.clone()).collect(),
        }
    }
}

impl Session {
    /// A fresh session for a wizard.
    pub fn new(
        name: &str,
        loaded: &Loaded,
        who: &str,
        now: Timestamp,
    ) -> Result<Session, NameError> {
        validate_name(name)?;
        Ok(Session {
            schema_version: SCHEMA_VERSION,
            name: name.to_owned(),
            created: now,
            updated: now,
            who: who.to_owned(),
            demo: false,
            current_step: loaded.wizard.steps.first().map(|s| s.id.clone()),
            wizard: WizardRef::from_loaded(loaded),
            target: None,
            answers: BTreeMap::new(),
            secrets: BTreeMap::new(),
            steps: loaded
                .wizard
                .steps
                .iter()
                .map(|s| (s.id.clone(), StepRecord::default()))
                .collect(),
            choices: Default::default(),
        })
    }

    /// The keyring reference for a secret field (`<session>/<field>`), recorded in the session
    /// so `sessions delete` can remove it. Store the value with `secrets::Keyring::store`.
    pub fn secret_ref(&mut self, field: &str) -> SecretRef {
        // A renamed session keeps the entries it recorded under its earlier name.
        if let Some(r) = self.secrets.get(field) {
            return r.clone();
        }
        let r = SecretRef::for_field(&self.name, field);
        self.secrets.insert(field.to_owned(), r.clone());
        r
    }

    /// Set the PSA instance and the matching non-secret form answers (the TUI's connection
    /// form reads them back on resume).
    pub fn set_target(&mut self, target: Target) {
        let pairs: Vec<(&str, &str)> = target
            .fields()
            .into_iter()
            .map(|(f, v)| (f.key(), v))
            .collect();
        for (k, v) in pairs {
            self.answers.insert(k.to_owned(), v.to_owned());
        }
        self.target = Some(target);
    }

    pub fn psa(&self) -> Psa {
        self.target.as_ref().map_or(self.wizard.psa, Target::psa)
    }

    /// Step ids in wizard order (falls back to sorted ids for migrated sessions).
    pub fn step_ids(&self) -> Vec<String> {
        if self.wizard.step_order.is_empty() {
            self.steps.keys().cloned().collect()
        } else {
            self.wizard.step_order.clone()
        }
    }

    /// Each step's verdict, in wizard order. With the wizard, steps whose only items are manual
    /// are judged by their confirmations; without it, by their latest report alone.
    pub fn verdicts(&self, wizard: Option<&Wizard>) -> Vec<(String, Verdict)> {
        self.step_ids()
            .into_iter()
            .map(|id| {
                let v = self.verdict(&id, wizard.and_then(|w| w.step(&id)));
                (id, v)
            })
            .collect()
    }

    /// One step's verdict (the one rule: [`crate::verdict::verdict`]).
    pub fn verdict(&self, id: &str, step: Option<&crate::wizard::Step>) -> Verdict {
        let empty = StepRecord::default();
        let rec = self.steps.get(id).unwrap_or(&empty);
        let runs: Vec<RunRef<'_>> = rec
            .runs
            .iter()
            .map(|r| RunRef {
                report: &r.report,
                at: Some(r.at),
            })
            .collect();
        let confirmed: Vec<(&str, Option<Timestamp>)> = rec
            .confirmations
            .iter()
            .map(|(k, c)| (k.as_str(), Some(c.at)))
            .collect();
        crate::verdict::verdict(&Facts {
            step,
            runs: &runs,
            confirmed: &confirmed,
            decision: rec.decision.as_ref(),
        })
    }

    /// (done, total) steps: done is any verdict that no longer blocks progress.
    pub fn progress(&self, wizard: Option<&Wizard>) -> (usize, usize) {
        let v = self.verdicts(wizard);
        (v.iter().filter(|(_, v)| v.is_done()).count(), v.len())
    }

    fn record(&mut self, step: &str) -> &mut StepRecord {
        self.steps.entry(step.to_owned()).or_default()
    }

    /// The latest verification run of a step.
    pub fn latest(&self, step: &str) -> Option<&VerificationRun> {
        self.steps.get(step).and_then(|r| r.runs.last())
    }

    /// Add a verification run and update the step's state from it.
    pub fn record_run(&mut self, report: StepReport, at: Timestamp) {
        let step = report.id.clone();
        let rec = self.record(&step);
        rec.runs.push(VerificationRun { at, report });
        let excess = rec.runs.len().saturating_sub(HISTORY_LIMIT);
        rec.runs.drain(..excess);
        self.current_step = Some(step);
        self.updated = at;
    }

    /// Record the admin's confirmation of a manual check.
    pub fn confirm(&mut self, step: &str, check: &str, by: &str, at: Timestamp) {
        self.record(step).confirmations.insert(
            check.to_owned(),
            Confirmation {
                at,
                by: by.to_owned(),
            },
        );
        self.updated = at;
    }

    /// Move on without verification, saying why.
    pub fn continue_unverified(&mut self, step: &str, reason: &str, at: Timestamp) {
        self.record(step).decision = Some(Decision::ContinuedUnverified {
            at,
            reason: reason.to_owned(),
        });
        self.updated = at;
    }

    /// Skip an optional step.
    pub fn skip_optional(&mut self, step: &str, at: Timestamp) {
        self.record(step).decision = Some(Decision::SkippedOptional { at });
        self.updated = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::AutotaskTarget;
    use crate::verify::report::{CheckResult, Status};

    fn loaded() -> Loaded {
        crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "rewst-autotask")
            .expect("built-in rewst wizard")
    }

    fn check(id: &str, status: Status) -> CheckResult {
        CheckResult::new(id, id, status)
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn slug_makes_valid_names() {
        for (input, want) in [
            ("TopLeft Autotask", "topleft-autotask"),
            ("  --Acme  MSP!! ", "acme-msp"),
            ("", "session"),
            ("ÄÖÜ", "session"),
            (
                "topleft-autotask-20260105-090000",
                "topleft-autotask-20260105-090000",
            ),
        ] {
            assert_eq!(slug(input), want);
            assert!(validate_name(&slug(input)).is_ok());
        }
        let long = slug(&"ab-".repeat(50));
        assert!(validate_name(&long).is_ok(), "{long}");
    }

    #[test]
    fn names_are_slugs() {
        assert!(validate_name("acme-topleft-2").is_ok());
        for bad in [
            "",
            "Acme",
            "a/b",
            "../x",
            "-a",
            "a-",
            "a b",
            &"x".repeat(65),
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_run_with_unconfirmed_manual_checks_is_in_progress_until_confirmed() {
        let l = loaded();
        let t0 = ts("2026-01-05T10:00:00Z");
        let mut s = Session::new("acme", &l, "alice", t0).unwrap();
        let step = l.wizard.steps[0].id.clone();
        let report = StepReport::new(
            step.clone(),
            "t".into(),
            vec![check("a", Status::Pass), check("m", Status::Manual)],
        );
        s.record_run(report, ts("2026-01-05T10:01:00Z"));
        assert_eq!(s.verdict(&step, None).key(), "not_verified");
        s.confirm(&step, "m", "alice", ts("2026-01-05T10:02:00Z"));
        // An automated pass plus a confirmation is partly verified, never plain "verified".
        assert_eq!(s.verdict(&step, None).key(), "partly_verified");
        assert_eq!(s.progress(None), (1, l.wizard.steps.len()));
        assert_eq!(s.updated, ts("2026-01-05T10:02:00Z"));
    }

    #[test]
    fn history_is_bounded_and_keeps_the_newest() {
        let l = loaded();
        let t0 = ts("2026-01-05T10:00:00Z");
        let mut s = Session::new("acme", &l, "alice", t0).unwrap();
        let step = l.wizard.steps[0].id.clone();
        for i in 0..(HISTORY_LIMIT as i64 + 5) {
            let r = StepReport::new(step.clone(), "t".into(), vec![check("a", Status::Fail)]);
            s.record_run(r, t0 + jiff::SignedDuration::from_secs(i));
        }
        let runs = &s.steps[&step].runs;
        assert_eq!(runs.len(), HISTORY_LIMIT);
        assert_eq!(
            runs.last().unwrap().at,
            t0 + jiff::SignedDuration::from_secs(HISTORY_LIMIT as i64 + 4)
        );
        assert_eq!(runs[0].at, t0 + jiff::SignedDuration::from_secs(5));
        assert_eq!(s.verdict(&step, None).key(), "not_verified");
    }

    #[test]
    fn a_failing_run_does_not_undo_continue_unverified() {
        let l = loaded();
        let t0 = ts("2026-01-05T10:00:00Z");
        let mut s = Session::new("acme", &l, "alice", t0).unwrap();
        let step = l.wizard.steps[0].id.clone();
        s.continue_unverified(&step, "PSA unreachable", t0);
        let r = StepReport::new(step.clone(), "t".into(), vec![check("a", Status::Fail)]);
        s.record_run(r, t0);
        assert_eq!(s.verdict(&step, None).key(), "continued_unverified");
    }

    #[test]
    fn round_trips_through_toml() {
        let l = loaded();
        let t0 = ts("2026-01-05T10:00:00Z");
        let mut s = Session::new("acme", &l, "alice", t0).unwrap();
        s.target = Some(Target::Autotask(AutotaskTarget {
            api_root: crate::connection::AUTOTASK_DEFAULT_API_ROOT.into(),
            username: "api@acme.example".into(),
            integration_code: "CODE".into(),
        }));
        let r = s.secret_ref("secret");
        assert_eq!(r.account, "acme/secret");
        assert_eq!(s.secrets["secret"], r);
        let step = l.wizard.steps[0].id.clone();
        let mut c = check("a", Status::Warn);
        c.permission = Some(crate::verify::report::PermissionObservation {
            module: "m".into(),
            function: "f".into(),
            op: "query".into(),
            required: "None".into(),
            actual: "All".into(),
        });
        s.record_run(StepReport::new(step, "t".into(), vec![c]), t0);
        let text = toml::to_string(&s).unwrap();
        let back: Session = toml::from_str(&text).unwrap();
        assert_eq!(back, s);
    }

    #[cfg(unix)]
    #[test]
    fn the_person_is_named_from_the_passwd_full_name() {
        let text = "root:x:0:0:root:/root:/bin/sh\nada:x:1000:1000:Ada Lovelace,,,:/home/ada:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n";
        assert_eq!(
            parse_passwd(text, 1000),
            Some(("ada".into(), Some("Ada Lovelace".into())))
        );
        assert_eq!(parse_passwd(text, 1001), Some(("bob".into(), None)));
        assert_eq!(parse_passwd(text, 7), None);
        // Hostile GECOS text is made inert.
        let hostile = "eve:x:5:5:Eve\u{1b}]0;pwned\u{7}:/:/bin/sh\n";
        let (_, full) = parse_passwd(hostile, 5).unwrap();
        assert!(!full.unwrap().contains('\u{1b}'));
    }
}
