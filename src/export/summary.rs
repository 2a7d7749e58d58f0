//! The data every export format renders. Its JSON form is the stable export schema
//! (docs/EXPORT.md): add fields freely, never rename or remove them without bumping
//! `format_version`.

use jiff::Timestamp;
use serde::Serialize;

use super::sanitize::clean;
use crate::session::{Session, Target, WizardChanges};
use crate::verdict::Verdict;
use crate::verify::report::{CheckResult, Status};
use crate::wizard::{StepKind, Wizard};

pub const FORMAT: &str = "psa-onboard/setup-summary";
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub format: &'static str,
    pub format_version: u32,
    pub session: String,
    /// True for a demo session: verified against the embedded sandbox, not a real PSA.
    pub demo: bool,
    pub wizard: WizardInfo,
    /// The PSA instance; absent until the admin entered connection details.
    pub instance: Option<Instance>,
    pub started: Timestamp,
    pub last_activity: Timestamp,
    /// The OS user who ran the session.
    pub by: String,
    pub progress: Progress,
    /// Steps whose definition changed since they were verified: their evidence is stale.
    pub reverify: Vec<String>,
    pub steps: Vec<StepLine>,
    /// Every permission comparison from each step's latest verification.
    pub permissions: Vec<PermissionLine>,
    /// Warnings from each step's latest verification (excess privilege first).
    pub warnings: Vec<Warning>,
    pub manual_confirmations: Vec<ConfirmationLine>,
    pub continued_unverified: Vec<UnverifiedLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WizardInfo {
    pub id: String,
    pub title: String,
    pub vendor: String,
    /// `autotask` | `connectwise`.
    pub psa: String,
    pub psa_label: String,
    /// SHA-256 of the wizard file the session began with.
    pub content_hash: String,
    /// True when the wizard file has changed since.
    pub changed_since_start: bool,
}

/// Non-secret facts about the PSA instance. Absent fields do not apply to the PSA.
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub psa: String,
    /// Autotask: the zone-lookup root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_root: Option<String>,
    /// Autotask: the zone URL, when it was resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Autotask: the API user's username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_user: Option<String>,
    /// ConnectWise: the site host or URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// ConnectWise: the login company id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub verified: usize,
    pub partly_verified: usize,
    pub confirmed_by_you: usize,
    pub not_verified: usize,
    pub continued_unverified: usize,
    pub skipped_optional: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepLine {
    pub id: String,
    pub title: String,
    /// The wizard's step kind (`security_level`, `api_user`, …); null for a step the wizard no
    /// longer has.
    pub kind: Option<StepKind>,
    pub optional: bool,
    /// For an optional step: whether the admin chose to do it (`check --with`, or verifying it
    /// in the wizard). Null for a required step.
    pub chosen: Option<bool>,
    /// The step's verdict: `verified` | `partly_verified` | `confirmed_by_you` |
    /// `not_verified` | `continued_unverified` | `skipped_optional`.
    pub status: String,
    /// The verdict in words, with its reason and time ("Not re-verified since …").
    pub status_text: String,
    /// When the step reached its verdict (observed, confirmed, continued or skipped).
    pub status_at: Option<Timestamp>,
    /// The time of the latest verification run.
    pub last_verified: Option<Timestamp>,
    /// The latest run's overall result: `pass` | `warn` | `fail` | `manual` | `skipped`.
    pub last_result: Option<Status>,
    pub runs: usize,
    /// Checks of the latest run that failed, were skipped, or are manual and unconfirmed.
    pub open_checks: Vec<CheckLine>,
    /// Passed results of the latest run that the wizard does not define itself, such as the
    /// vendor's answer to a credential submission.
    pub evidence: Vec<CheckLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckLine {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub detail: String,
    /// What to click to fix it (empty when the verifier gave none).
    pub remedy: String,
}

/// One line of the permission table: a guide row (and, where the PSA reports per entity or
/// operation, one line each) with what the PSA answered.
#[derive(Debug, Clone, Serialize)]
pub struct PermissionLine {
    pub step: String,
    pub check: String,
    /// The guide's row as it names it.
    pub row: String,
    pub module: String,
    pub function: String,
    /// Empty for a row compared as a whole (a setting, or a row not observed).
    pub op: String,
    /// The guide's value.
    pub required: String,
    /// What the PSA answered; empty when it was not observed.
    pub observed: String,
    /// The row's check result (`manual` rows cannot be observed through the API).
    pub status: Status,
    /// Whether the admin confirmed a manual row.
    pub confirmed: bool,
    /// When the PSA's answer was observed.
    pub observed_at: Option<Timestamp>,
    /// What was asked and what decided it.
    pub evidence: Vec<crate::verify::Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    pub step: String,
    pub check: String,
    pub title: String,
    pub detail: String,
    /// True when the PSA grants more than the guide requires.
    pub excess_privilege: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfirmationLine {
    pub step: String,
    pub step_title: String,
    pub check: String,
    pub title: String,
    pub confirmed_at: Timestamp,
    pub by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnverifiedLine {
    pub step: String,
    pub title: String,
    pub at: Timestamp,
    pub reason: String,
}

impl Summary {
    pub fn build(session: &Session, wizard: &Wizard) -> Summary {
        let hash_now = crate::session::step_hashes(wizard);
        let changed = session.wizard.step_hashes != hash_now;
        let changes = WizardChanges::by_steps(session, wizard, changed);
        let step_title = |id: &str| {
            wizard
                .step(id)
                .map(|s| clean(&s.title))
                .unwrap_or_else(|| clean(id))
        };

        // Steps in wizard order, then any the session knows that the wizard no longer has.
        let mut ids: Vec<String> = wizard.steps.iter().map(|s| s.id.clone()).collect();
        for id in session.step_ids() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }

        let mut steps = Vec::new();
        let mut permissions = Vec::new();
        let mut warnings = Vec::new();
        let mut manual_confirmations = Vec::new();
        let mut continued_unverified = Vec::new();
        let mut progress = Progress {
            done: 0,
            total: ids.len(),
            verified: 0,
            partly_verified: 0,
            confirmed_by_you: 0,
            not_verified: 0,
            continued_unverified: 0,
            skipped_optional: 0,
        };

        for id in &ids {
            let def = wizard.step(id);
            let rec = session.steps.get(id).cloned().unwrap_or_default();
            let latest = rec.runs.last();
            let verdict = session.verdict(id, def);
            if verdict.is_done() {
                progress.done += 1;
            }
            match &verdict {
                Verdict::Verified { .. } => progress.verified += 1,
                Verdict::PartlyVerified { .. } => progress.partly_verified += 1,
                Verdict::ConfirmedByYou { .. } => progress.confirmed_by_you += 1,
                Verdict::NotVerified(_) => progress.not_verified += 1,
                Verdict::ContinuedUnverified { at, reason } => {
                    progress.continued_unverified += 1;
                    continued_unverified.push(UnverifiedLine {
                        step: clean(id),
                        title: step_title(id),
                        at: *at,
                        reason: clean(reason),
                    });
                }
                Verdict::SkippedOptional { .. } => progress.skipped_optional += 1,
            }
            // The permission table: every guide row, observed or not.
            if let Some(d) = def {
                for (i, row) in d.permissions.iter().enumerate() {
                    let key = format!("row-{}", i + 1);
                    let result = latest.and_then(|r| r.report.checks.iter().find(|c| c.id == key));
                    let line =
                        |op: &str, required: String, observed: String, c: Option<&CheckResult>| {
                            PermissionLine {
                                step: clean(id),
                                check: key.clone(),
                                row: clean(&row.label()),
                                module: clean(&row.module),
                                function: clean(row.subject()),
                                op: clean(op),
                                required: clean(&required),
                                observed: clean(&observed),
                                status: c.map(|c| c.status).unwrap_or(
                                    if row.manual_reason().is_some() {
                                        Status::Manual
                                    } else {
                                        Status::Skipped
                                    },
                                ),
                                confirmed: rec.confirmations.contains_key(&key),
                                observed_at: c.and_then(|c| c.observed_at),
                                evidence: c.map(|c| c.evidence.clone()).unwrap_or_default(),
                            }
                        };
                    match result {
                        Some(c) if !c.observations.is_empty() => {
                            for o in &c.observations {
                                let mut l =
                                    line(&o.op, o.required.clone(), o.actual.clone(), Some(c));
                                l.function = clean(&o.function);
                                permissions.push(l);
                            }
                        }
                        c => permissions.push(line(
                            "",
                            crate::verify::row_want(wizard.psa, row),
                            c.filter(|c| c.observed())
                                .map(|c| c.detail.clone())
                                .unwrap_or_default(),
                            c,
                        )),
                    }
                }
            }
            let mut open_checks = Vec::new();
            let mut evidence = Vec::new();
            if let Some(run) = latest {
                for c in &run.report.checks {
                    let defined = c.id.starts_with("row-")
                        || def.is_some_and(|d| d.checks.iter().any(|x| x.id == c.id));
                    if !defined && c.permission.is_none() && c.status == Status::Pass {
                        evidence.push(CheckLine {
                            id: clean(&c.id),
                            title: clean(&c.title),
                            status: c.status,
                            detail: clean(&c.detail),
                            remedy: clean(&c.remedy),
                        });
                    }
                    if c.status == Status::Warn {
                        warnings.push(Warning {
                            step: clean(id),
                            check: clean(&c.id),
                            title: clean(&c.title),
                            detail: clean(&c.detail),
                            excess_privilege: c.permission.is_some(),
                            required: c.permission.as_ref().map(|p| clean(&p.required)),
                            observed: c.permission.as_ref().map(|p| clean(&p.actual)),
                        });
                    }
                    let confirmed = rec.confirmations.contains_key(&c.id);
                    // Warnings have their own section; confirmed manual checks are done.
                    let open = match c.status {
                        Status::Pass | Status::Warn => false,
                        Status::Manual => !confirmed,
                        Status::Fail | Status::Skipped => true,
                    };
                    if open {
                        open_checks.push(CheckLine {
                            id: clean(&c.id),
                            title: clean(&c.title),
                            status: c.status,
                            detail: clean(&c.detail),
                            remedy: clean(&c.remedy),
                        });
                    }
                }
            }
            for (check, conf) in &rec.confirmations {
                let title = latest
                    .and_then(|r| r.report.checks.iter().find(|c| &c.id == check))
                    .map(|c| c.title.clone())
                    .or_else(|| {
                        def.and_then(|d| d.checks.iter().find(|c| &c.id == check))
                            .map(|c| c.title.clone())
                    })
                    .unwrap_or_else(|| check.clone());
                manual_confirmations.push(ConfirmationLine {
                    step: clean(id),
                    step_title: step_title(id),
                    check: clean(check),
                    title: clean(&title),
                    confirmed_at: conf.at,
                    by: clean(&conf.by),
                });
            }
            steps.push(StepLine {
                id: clean(id),
                title: step_title(id),
                kind: def.map(|d| d.kind),
                optional: def.is_some_and(|d| d.optional),
                chosen: def
                    .filter(|d| d.optional)
                    .map(|_| session.choices.contains(id) || session.choices.contains("all")),
                status: verdict.key().to_owned(),
                status_text: verdict.sentence(),
                status_at: verdict.at(),
                last_verified: latest.map(|r| r.at),
                last_result: latest.map(|r| r.report.status),
                runs: rec.runs.len(),
                open_checks,
                evidence,
            });
        }
        // Excess privilege first: it is what a reviewer must act on.
        warnings.sort_by_key(|w| !w.excess_privilege);

        Summary {
            format: FORMAT,
            format_version: FORMAT_VERSION,
            session: clean(&session.name),
            demo: session.demo,
            wizard: WizardInfo {
                id: clean(&wizard.id),
                title: clean(&wizard.title),
                vendor: clean(&wizard.vendor),
                psa: session.psa().short().to_owned(),
                psa_label: session.psa().label().to_owned(),
                content_hash: clean(&session.wizard.content_hash),
                changed_since_start: changes.changed,
            },
            instance: session.target.as_ref().map(|t| instance(t, session)),
            started: session.created,
            last_activity: session.updated,
            by: clean(&session.who),
            progress,
            reverify: changes.reverify.iter().map(|s| clean(s)).collect(),
            steps,
            permissions,
            warnings,
            manual_confirmations,
            continued_unverified,
        }
    }
}

fn instance(t: &Target, session: &Session) -> Instance {
    let i = t.instance();
    let opt = |s: Option<&str>| s.map(clean);
    Instance {
        psa: t.psa().short().into(),
        api_root: opt(i.api_root),
        // The zone the lookup answered, for a PSA that has zones (recorded with its API root).
        zone: i
            .api_root
            .and_then(|_| session.answers.get("zone"))
            .filter(|z| !z.trim().is_empty())
            .map(|z| clean(z)),
        api_user: opt(i.api_user),
        site: opt(i.site),
        company_id: opt(i.company_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    out.insert(k.clone());
                    keys(v, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
            _ => {}
        }
    }

    /// The JSON schema is documented: every key the example produces appears in EXPORT.md.
    #[test]
    fn every_json_field_is_documented() {
        let doc = include_str!("../../docs/EXPORT.md");
        let (session, wizard) = crate::export::example::session();
        let v = serde_json::to_value(Summary::build(&session, &wizard)).unwrap();
        let mut all = std::collections::BTreeSet::new();
        keys(&v, &mut all);
        assert!(all.len() > 40, "{all:?}");
        let missing: Vec<_> = all
            .iter()
            .filter(|k| {
                ![
                    format!("`{k}`"),
                    format!(".{k}`"),
                    format!(".{k} "),
                    format!("`{k} "),
                    format!("`{k}."),
                    format!("`{k}[]"),
                    format!(".{k}[]"),
                ]
                .iter()
                .any(|p| doc.contains(p.as_str()))
            })
            .collect();
        assert!(missing.is_empty(), "undocumented JSON fields: {missing:?}");
    }
}
