//! A fixed example session (TopLeft on Autotask, fixed timestamps) for `export --example`, the
//! README screenshot and snapshot tests. It exercises every section of the summary, including
//! PSA text that needs cleaning (an escape sequence, a pipe, angle brackets).

use jiff::Timestamp;

use crate::connection::{AUTOTASK_DEFAULT_API_ROOT, AutotaskTarget};
use crate::secrets::SecretRef;
use crate::session::{Session, Target};
use crate::verify::report::{CheckResult, PermissionObservation, Status, StepReport};
use crate::wizard::{Loaded, Wizard};

pub const WIZARD_ID: &str = "topleft-autotask";

fn at(min: i64) -> Timestamp {
    let base: Timestamp = "2026-01-05T09:00:00Z".parse().expect("fixed timestamp");
    base + jiff::SignedDuration::from_mins(min)
}

fn check(id: &str, title: &str, status: Status, detail: &str) -> CheckResult {
    CheckResult {
        detail: detail.into(),
        observed_at: matches!(status, Status::Pass | Status::Warn | Status::Fail).then(|| at(0)),
        ..CheckResult::new(id, title, status)
    }
}

trait WithRemedy {
    fn with_remedy(self, remedy: &str) -> Self;
}

impl WithRemedy for CheckResult {
    fn with_remedy(mut self, remedy: &str) -> Self {
        self.remedy = remedy.into();
        self
    }
}

fn perm(
    id: &str,
    status: Status,
    module: &str,
    function: &str,
    op: &str,
    required: &str,
    actual: &str,
) -> CheckResult {
    let mut c = check(
        id,
        &format!("{module} › {function}: {op}"),
        status,
        &if status == Status::Pass {
            String::new()
        } else {
            format!("The API user has {op} access {actual}; the guide requires {required}.")
        },
    );
    c.permission = Some(PermissionObservation {
        module: module.into(),
        function: function.into(),
        op: op.into(),
        required: required.into(),
        actual: actual.into(),
    });
    c
}

/// The built-in wizard the example follows.
pub fn wizard() -> Loaded {
    crate::wizard::builtin()
        .into_iter()
        .find(|l| l.wizard.id == WIZARD_ID)
        .expect("the built-in topleft-autotask wizard exists")
}

/// The example session and its wizard.
pub fn session() -> (Session, Wizard) {
    let loaded = wizard();
    let mut s = Session::new("acme-topleft", &loaded, "alice", at(0)).expect("valid name");
    s.target = Some(Target::Autotask(AutotaskTarget {
        api_root: AUTOTASK_DEFAULT_API_ROOT.into(),
        username: "topleft-api@acmemsp.example".into(),
        integration_code: "EXAMPLE-TRACKING-ID".into(),
    }));
    s.answers.insert(
        "zone".into(),
        "https://webservices15.autotask.net/ATServicesRest/".into(),
    );
    s.secrets.insert(
        "secret".into(),
        SecretRef::for_field("acme-topleft", "secret"),
    );

    // Step 1: security level — first run fails, second passes with one excess privilege.
    let first = StepReport::new(
        "security-level".into(),
        "Add a security level for TopLeft".into(),
        vec![perm(
            "tickets-update",
            Status::Fail,
            "Service Desk",
            "Tickets",
            "update",
            "Any",
            "None",
        )],
    );
    s.record_run(first, at(12));
    let second = StepReport::new(
        "security-level".into(),
        "Add a security level for TopLeft".into(),
        vec![
            perm(
                "contracts-query",
                Status::Pass,
                "Contracts",
                "Contracts",
                "query",
                "All",
                "All",
            ),
            perm(
                "contracts-create",
                Status::Pass,
                "Contracts",
                "Contracts",
                "create",
                "None",
                "None",
            ),
            perm(
                "tickets-query",
                Status::Pass,
                "Service Desk",
                "Tickets",
                "query",
                "Any",
                "All",
            ),
            perm(
                "tickets-update",
                Status::Pass,
                "Service Desk",
                "Tickets",
                "update",
                "Any",
                "All",
            ),
            perm(
                "tickets-create",
                Status::Warn,
                "Service Desk",
                "Tickets",
                "create",
                "None",
                // PSA-reported text with a terminal escape sequence and markup characters.
                "All \u{1b}[31m<restricted | by \"Acme\">\u{1b}[0m",
            ),
            perm(
                "opportunities-update",
                Status::Pass,
                "CRM",
                "Opportunities & Quotes",
                "update",
                "None",
                "None",
            ),
            check(
                "not-required-to-change-password",
                "Other › Not required to change password",
                Status::Manual,
                "Autotask's REST API cannot read this checkbox.",
            ),
        ],
    );
    s.record_run(second, at(25));
    s.confirm(
        "security-level",
        "not-required-to-change-password",
        "alice",
        at(26),
    );

    // Step 2: API user — verified.
    s.record_run(
        StepReport::new(
            "api-user".into(),
            "Add an API resource".into(),
            vec![
                check("zone", "Autotask knows the API username", Status::Pass, ""),
                check(
                    "credentials",
                    "The username, password and TopLeft's tracking identifier sign in",
                    Status::Pass,
                    "",
                ),
                check(
                    "usage",
                    "The tenant's hourly API budget has room",
                    Status::Warn,
                    "6,204 of 10,000 requests used this hour; other integrations are busy.",
                ),
                check("active", "The API user is active", Status::Pass, ""),
                check(
                    "license",
                    "The resource is an API user (API-only license)",
                    Status::Pass,
                    "",
                ),
                check(
                    "security-level",
                    "The API user has the \"TopLeft\" security level",
                    Status::Pass,
                    "",
                ),
            ],
        ),
        at(34),
    );

    // Step 3: impersonation level — the admin moved on without the opt-in write test.
    s.record_run(
        StepReport::new(
            "impersonation-api-level".into(),
            "Set the TopLeft security level (API-only) for impersonation".into(),
            vec![check(
                "write-test",
                "Add a ticket note as one of your resources (optional write test)",
                Status::Skipped,
                "Write tests were not enabled.",
            )],
        ),
        at(40),
    );
    s.continue_unverified(
        "impersonation-api-level",
        "Write test not allowed on the production tenant; checked by hand in Admin > Security Levels.",
        at(41),
    );

    // Step 4: resource levels — in progress, one failing check.
    s.record_run(
        StepReport::new(
            "impersonation-resource-levels".into(),
            "Set up resource security levels to allow impersonation".into(),
            vec![check(
                "levels-in-use",
                "Security levels your resources use, and their license limits",
                Status::Fail,
                "2 active resources use \"Dispatcher (system)\", which cannot be impersonated.",
            )
            .with_remedy(
                "Admin > Resources/Users (HR) > Resources/Users: give those resources a copy of \
                 their level with impersonation allowed.",
            )],
        ),
        at(48),
    );
    s.current_step = Some("impersonation-in-topleft".into());
    s.updated = at(50);
    (s, loaded.wizard)
}
