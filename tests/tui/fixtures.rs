//! What the screens are drawn from: check results, saved sessions, the wizard list.

use super::*;

/// Observed results carry their time, as the verifier stamps them.
pub fn observed(status: Status) -> Option<jiff::Timestamp> {
    matches!(status, Status::Pass | Status::Warn | Status::Fail)
        .then(|| "2026-01-05T10:00:00Z".parse().unwrap())
}

pub fn check(id: &str, title: &str, status: Status, detail: &str, remedy: &str) -> CheckResult {
    CheckResult {
        detail: detail.into(),
        remedy: remedy.into(),
        observed_at: observed(status),
        ..CheckResult::new(id, title, status)
    }
}

pub fn perm(
    module: &str,
    function: &str,
    op: &str,
    required: &str,
    actual: &str,
    status: Status,
) -> CheckResult {
    CheckResult {
        observed_at: observed(status),
        remedy: if status == Status::Pass {
            String::new()
        } else {
            format!(
                "System → Security Roles → TopLeft → {module}: set {function} {op} to {required}."
            )
        },
        permission: Some(PermissionObservation {
            module: module.into(),
            function: function.into(),
            op: op.into(),
            required: required.into(),
            actual: actual.into(),
        }),
        evidence: vec![psa_onboard::verify::Evidence {
            request: "GET system/mySecurity".into(),
            answer: format!("{module} › {function}: {op} {actual}"),
        }],
        ..CheckResult::new(
            format!("{function}/{op}"),
            format!("{module} › {function} {op}"),
            status,
        )
    }
}

/// Every row of the role step passes except the ones named.
pub fn role_results(s: &State, fail: &[&str], warn_excess: bool) -> Vec<CheckResult> {
    let w = &s.run().unwrap().wizard;
    let mut out = Vec::new();
    for row in &w.steps[0].permissions {
        let f = row.function.clone().unwrap();
        let status = if fail.contains(&f.as_str()) {
            Status::Fail
        } else {
            Status::Pass
        };
        let (req, act) = if status == Status::Fail {
            ("All", "None")
        } else {
            ("All", "All")
        };
        out.push(perm(&row.module, &f, "inquire", req, act, status));
    }
    let excess = if warn_excess {
        check(
            "no-excess",
            "Functions outside TopLeft's table grant nothing",
            Status::Warn,
            "System › Setup Tables: Add Level is All (not in TopLeft's table)",
            "System → Security Roles → TopLeft: set functions TopLeft does not list to None.",
        )
    } else {
        check(
            "no-excess",
            "Functions outside TopLeft's table grant nothing",
            Status::Pass,
            "",
            "",
        )
    };
    out.push(excess);
    out
}

/// The four wizards these snapshots were taken with (the catalog grows; the screens should not
/// change with it).
pub const SNAPSHOT_WIZARDS: [&str; 4] = [
    "topleft-autotask",
    "topleft-connectwise",
    "tasky-autotask",
    "rewst-autotask",
];

pub fn wizard_entries() -> Vec<WizardEntry> {
    wizard::builtin()
        .into_iter()
        .filter(|l| SNAPSHOT_WIZARDS.contains(&l.wizard.id.as_str()))
        .map(|l| WizardEntry {
            id: l.wizard.id.clone(),
            title: l.wizard.title.clone(),
            psa: l.wizard.psa,
            vendor: l.wizard.vendor.clone(),
            source: "built-in".into(),
            sources: l.wizard.sources.clone(),
        })
        .collect()
}

/// Sessions a person can tell apart: named or not, demo or not, on different PSAs.
pub fn several_sessions() -> Vec<SessionSummary> {
    let title = |id: &str| wizards::wizard(id).title.clone();
    let step = |id: &str, i: usize| wizards::wizard(id).steps[i].title.clone();
    vec![
        SessionSummary {
            id: "acme-topleft".into(),
            title: title("topleft-connectwise"),
            wizard_id: "topleft-connectwise".into(),
            instance: "na.myconnectwise.net, company acme".into(),
            at_number: Some(3),
            at_step: step("topleft-connectwise", 2),
            done: 2,
            total: 5,
            updated: "2026-11-22 22:15".into(),
            demo: false,
        },
        SessionSummary {
            id: "contoso-rewst".into(),
            title: title("rewst-autotask"),
            wizard_id: "rewst-autotask".into(),
            instance: "rewst-api@contoso.example".into(),
            at_number: Some(2),
            at_step: step("rewst-autotask", 1),
            done: 1,
            total: 5,
            updated: "2026-11-21 09:40".into(),
            demo: false,
        },
        SessionSummary {
            id: "demo-topleft-autotask".into(),
            title: title("topleft-autotask"),
            wizard_id: "topleft-autotask".into(),
            instance: "embedded sandbox".into(),
            at_number: None,
            at_step: String::new(),
            done: 6,
            total: 6,
            updated: "2026-11-20 17:02".into(),
            demo: true,
        },
        SessionSummary {
            id: "topleft-connectwise-20261119-101500".into(),
            title: title("topleft-connectwise"),
            wizard_id: "topleft-connectwise".into(),
            instance: String::new(),
            at_number: Some(1),
            at_step: step("topleft-connectwise", 0),
            done: 0,
            total: 5,
            updated: "2026-11-19 10:15".into(),
            demo: false,
        },
    ]
}
