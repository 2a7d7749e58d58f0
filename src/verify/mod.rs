//! Verification: turns a wizard step's checks into PSA probes and verdicts.
//!
//! A [`Verifier`] holds one PSA client and caches every observation for the life of a run, so
//! signing in happens once and a refused credential is never sent twice. Checks of a step run
//! concurrently (two at a time; the clients also cap each Autotask endpoint at three requests in
//! flight), and `progress` sees each result as it completes.

mod autotask;
pub mod check_cmd;
mod connectwise;
pub mod levels;
pub mod report;
mod text;

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;

pub use autotask::forget_refused_credentials;
pub use report::{CheckResult, PermissionObservation, Report, Status, StepReport};

use crate::connection::Connection;
use crate::psa::PsaError;
use crate::psa::http::{Http, HttpConfig};
use crate::wizard::{Check, Observe, PermissionRow, Psa, Step, Wizard};

/// Checks of one step in flight at once.
const CONCURRENT_CHECKS: usize = 2;

/// How a verification run behaves.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Run the checks that write to the PSA (impersonated ticket note, test webhook).
    pub allow_writes: bool,
    /// Least privilege: permissions above the guide's fail instead of warning.
    pub strict: bool,
    pub http: HttpConfig,
    /// ConnectWise only: an administrator's own API keys, for what the integration's keys cannot
    /// read (the role's Admin flag and its settings). Kept in memory only.
    pub connectwise_admin: Option<AdminKeys>,
    /// Autotask: the ticket the impersonated write test adds its note to (default: the first
    /// ticket Autotask returns). The note cannot be deleted, so an admin should pick one.
    pub test_ticket: Option<i64>,
}

/// An administrator's ConnectWise API key pair.
#[derive(Debug, Clone)]
pub struct AdminKeys {
    pub public_key: String,
    pub private_key: secrecy::SecretString,
}

/// What one check observed, before the wrapper adds id, title and remedy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub status: Status,
    pub detail: String,
    pub permission: Option<PermissionObservation>,
}

impl Outcome {
    pub fn pass(detail: impl Into<String>) -> Self {
        Outcome {
            status: Status::Pass,
            detail: detail.into(),
            permission: None,
        }
    }
    pub fn fail(detail: impl Into<String>) -> Self {
        Outcome {
            status: Status::Fail,
            detail: detail.into(),
            permission: None,
        }
    }
    pub fn warn(detail: impl Into<String>) -> Self {
        Outcome {
            status: Status::Warn,
            detail: detail.into(),
            permission: None,
        }
    }
    pub fn manual(detail: impl Into<String>) -> Self {
        Outcome {
            status: Status::Manual,
            detail: detail.into(),
            permission: None,
        }
    }
    pub fn skipped(detail: impl Into<String>) -> Self {
        Outcome {
            status: Status::Skipped,
            detail: detail.into(),
            permission: None,
        }
    }
    /// A failure that becomes a warning when the check is only a recommendation.
    pub fn fail_or_warn(warn_only: bool, detail: impl Into<String>) -> Self {
        if warn_only {
            Outcome::warn(detail)
        } else {
            Outcome::fail(detail)
        }
    }
}

/// What is being checked: a step-level check or a permission row (1-based index).
#[derive(Clone, Copy)]
pub(crate) enum Item<'a> {
    Check(&'a Check),
    Row(usize, &'a PermissionRow),
}

/// Context every check function gets.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub wizard: &'a Wizard,
    pub step: &'a Step,
    pub opts: &'a VerifyOptions,
    /// The check's `warn_only` (false for rows).
    pub warn_only: bool,
}

enum Run {
    Autotask(Box<autotask::AtRun>),
    Connectwise(Box<connectwise::CwRun>),
    /// The client could not be built, or the connection is for the other PSA.
    Broken(String),
}

/// One verification session against one PSA connection.
pub struct Verifier {
    run: Run,
    opts: VerifyOptions,
}

impl Verifier {
    pub fn new(conn: &Connection, opts: &VerifyOptions) -> Self {
        let run = match Http::new(opts.http.clone()) {
            Err(e) => Run::Broken(e.describe()),
            Ok(http) => match conn {
                Connection::Autotask { target, secret } => {
                    Run::Autotask(Box::new(autotask::AtRun::new(http, target, secret.clone())))
                }
                Connection::Connectwise {
                    target,
                    private_key,
                } => Run::Connectwise(Box::new(connectwise::CwRun::new(
                    http,
                    target,
                    private_key.clone(),
                    opts.connectwise_admin.as_ref(),
                ))),
            },
        };
        Verifier {
            run,
            opts: opts.clone(),
        }
    }

    fn psa(&self) -> Option<Psa> {
        match self.run {
            Run::Autotask(_) => Some(Psa::Autotask),
            Run::Connectwise(_) => Some(Psa::Connectwise),
            Run::Broken(_) => None,
        }
    }

    /// Verify one step. Unknown step ids give an empty failing report.
    pub async fn verify_step(
        &self,
        wizard: &Wizard,
        step_id: &str,
        progress: &(dyn Fn(&CheckResult) + Send + Sync),
    ) -> StepReport {
        let Some(step) = wizard.step(step_id) else {
            let r = CheckResult {
                id: "step".into(),
                title: format!("Step \"{step_id}\""),
                status: Status::Fail,
                detail: format!("wizard \"{}\" has no step \"{step_id}\"", wizard.id),
                remedy: "Pick one of the wizard's steps (psa-onboard show <wizard>).".into(),
                permission: None,
            };
            progress(&r);
            return StepReport::new(step_id.into(), step_id.into(), vec![r]);
        };
        let items: Vec<Item> = step
            .checks
            .iter()
            .map(Item::Check)
            .chain(
                step.permissions
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Item::Row(i + 1, r)),
            )
            .collect();
        let futs: Vec<BoxFuture<'_, CheckResult>> = items
            .into_iter()
            .map(|item| self.check(wizard, step, item))
            .collect();
        let n = futs.len();
        let mut results: Vec<Option<CheckResult>> = vec![None; n];
        // A hand-rolled `buffer_unordered`: the combinator's closures defeat rustc's proof
        // that this future is Send, and the TUI spawns it.
        let mut pending = futs.into_iter().enumerate();
        let mut running = FuturesUnordered::new();
        for (i, f) in pending.by_ref().take(CONCURRENT_CHECKS) {
            running.push(indexed(i, f));
        }
        while let Some((i, r)) = running.next().await {
            progress(&r);
            results[i] = Some(r);
            if let Some((j, f)) = pending.next() {
                running.push(indexed(j, f));
            }
        }
        StepReport::new(
            step.id.clone(),
            step.title.clone(),
            results.into_iter().flatten().collect(),
        )
    }

    /// Verify every step, sharing this session (sign-in happens once).
    pub async fn verify_all(&self, wizard: &Wizard) -> Report {
        let mut steps = Vec::new();
        for step in &wizard.steps {
            steps.push(self.verify_step(wizard, &step.id, &|_| {}).await);
        }
        Report::new(wizard.id.clone(), wizard.psa.short().to_string(), steps)
    }

    fn check<'a>(
        &'a self,
        wizard: &'a Wizard,
        step: &'a Step,
        item: Item<'a>,
    ) -> BoxFuture<'a, CheckResult> {
        Box::pin(async move {
            let (id, title) = match item {
                Item::Check(c) => (c.id.clone(), c.title.clone()),
                Item::Row(n, r) => (format!("row-{n}"), r.label()),
            };
            let warn_only = matches!(item, Item::Check(c) if c.warn_only);
            let ctx = Ctx {
                wizard,
                step,
                opts: &self.opts,
                warn_only,
            };
            let outcome = self.outcome(ctx, item).await;
            let remedy = if outcome.status == Status::Pass {
                String::new()
            } else {
                text::remedy(step, item)
            };
            // Details quote the PSA (untrusted text): no control sequences reach a screen or file.
            let clean = crate::sanitize::clean_line;
            CheckResult {
                id,
                title,
                status: outcome.status,
                detail: crate::sanitize::clean(&outcome.detail),
                remedy,
                permission: outcome.permission.map(|p| PermissionObservation {
                    module: clean(&p.module),
                    function: clean(&p.function),
                    op: p.op,
                    required: p.required,
                    actual: clean(&p.actual),
                }),
            }
        })
    }

    async fn outcome(&self, ctx: Ctx<'_>, item: Item<'_>) -> Outcome {
        // Manual first: no request is needed to say a person must confirm it.
        let observe = match item {
            Item::Check(c) => {
                if let Some(reason) = &c.manual {
                    return Outcome::manual(reason.clone());
                }
                c.observe
            }
            Item::Row(_, r) => {
                if let Some(reason) = r.manual_reason() {
                    return Outcome::manual(reason.to_string());
                }
                r.verify.as_ref().and_then(|v| v.observe)
            }
        };
        if ctx.wizard.psa != self.psa().unwrap_or(ctx.wizard.psa) {
            return Outcome::fail(format!(
                "this wizard is for {}, but the connection is for the other PSA",
                ctx.wizard.psa.label()
            ));
        }
        if let Some(o) = observe
            && o.is_write()
            && !self.opts.allow_writes
        {
            return Outcome::skipped(format!(
                "skipped: this check writes to your PSA and runs only when you allow writes. {}",
                text::write_effect(o)
            ));
        }
        match (&self.run, item, observe) {
            (Run::Broken(e), _, _) => Outcome::fail(format!("could not start: {e}")),
            (Run::Autotask(run), _, Some(o)) => run.observe(ctx, o).await,
            (Run::Autotask(run), Item::Row(_, row), None) => run.row(ctx, row).await,
            (Run::Connectwise(run), _, Some(o)) => run.observe(ctx, o).await,
            (Run::Connectwise(run), Item::Row(_, row), None) => run.row(ctx, row).await,
            (_, Item::Check(_), None) => {
                Outcome::manual("The PSA's API cannot observe this; confirm it yourself.")
            }
        }
    }
}

fn indexed<'a>(i: usize, f: BoxFuture<'a, CheckResult>) -> BoxFuture<'a, (usize, CheckResult)> {
    Box::pin(async move { (i, f.await) })
}

/// Verify one step with a fresh session.
pub async fn verify_step(
    wizard: &Wizard,
    step_id: &str,
    conn: &Connection,
    opts: &VerifyOptions,
    progress: &(dyn Fn(&CheckResult) + Send + Sync),
) -> StepReport {
    Verifier::new(conn, opts)
        .verify_step(wizard, step_id, progress)
        .await
}

/// Verify every step of a wizard with one session.
pub async fn verify_all(wizard: &Wizard, conn: &Connection, opts: &VerifyOptions) -> Report {
    Verifier::new(conn, opts).verify_all(wizard).await
}

/// What the wizard's write checks would leave behind in the PSA, to show before opting in.
/// Empty when the wizard has none.
pub fn describe_writes(wizard: &Wizard) -> String {
    let mut lines = Vec::new();
    for step in &wizard.steps {
        for c in &step.checks {
            if let Some(o) = c.observe.filter(|o| o.is_write()) {
                lines.push(format!("• {} — {}", c.title, text::write_effect(o)));
            }
        }
    }
    lines.join("\n")
}

/// A PSA error as a detail line, quoting the PSA.
pub(crate) fn said(e: &PsaError) -> String {
    e.describe()
}

/// Whether an observation needs the API user's sign-in first (everything but zone/companyinfo).
pub(crate) fn needs_signin(o: Observe) -> bool {
    !matches!(o, Observe::AutotaskZone | Observe::ConnectwiseCompanyInfo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::AutotaskTarget;

    #[tokio::test]
    async fn a_client_that_cannot_start_fails_every_observable_check_without_network() {
        let w = crate::wizard::resolve("topleft-autotask", None)
            .unwrap()
            .wizard;
        let conn = Connection::Autotask {
            target: AutotaskTarget {
                api_root: "https://127.0.0.1:9/atservicesrest".into(),
                username: "u".into(),
                integration_code: "c".into(),
            },
            secret: secrecy::SecretString::from("s"),
        };
        let opts = VerifyOptions {
            http: HttpConfig {
                extra_root_pems: vec![
                    "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n".into(),
                ],
                ..HttpConfig::default()
            },
            ..VerifyOptions::default()
        };
        let r = verify_step(&w, "api-user", &conn, &opts, &|_| {}).await;
        assert!(!r.checks.is_empty());
        for c in &r.checks {
            assert_eq!(c.status, Status::Fail, "{}", c.id);
            assert!(
                c.detail.contains("could not start") && c.detail.contains("CA certificate"),
                "{}",
                c.detail
            );
            assert!(!c.remedy.is_empty());
        }
        let manual = verify_step(&w, "submit", &conn, &opts, &|_| {}).await;
        assert!(manual.checks.iter().all(|c| c.status == Status::Manual));
        let unknown = verify_step(&w, "no-such-step", &conn, &opts, &|_| {}).await;
        assert_eq!(unknown.status, Status::Fail);
    }
}
