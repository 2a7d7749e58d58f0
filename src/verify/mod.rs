//! Verification: turns a wizard step's checks into PSA probes and verdicts.
//!
//! A [`Verifier`] holds one PSA client and caches every observation for the life of a run, so
//! signing in happens once and a refused credential is never sent twice.
//!
//! Requests follow a dependency-aware plan rather than check by check: the steps being verified
//! are first read for everything they will ask the PSA ([`Plan`]), and that is fetched in
//! dependency order — zone lookup (or companyinfo), ONE credential probe, then every read that
//! only needs a signed-in client at once. Meanwhile all checks run concurrently and pick their
//! answers from the shared caches, so `progress` sees each result as soon as its data is in.
//! Concurrency is bounded by the HTTP client's per-run cap (`HttpConfig::max_in_flight`) and,
//! for Autotask, by the client's per-endpoint thread limit (3).

mod autotask;
mod connectwise;
pub mod levels;
mod registry;
pub mod report;
mod text;

use futures::StreamExt;
use futures::future::{BoxFuture, join_all};
use futures::stream::FuturesUnordered;

pub use report::{
    Blocked, CheckResult, Counts, Evidence, ItemRef, PermissionObservation, Report, ReportTarget,
    SkipCause, Status, StepReport,
};
pub use text::row_want;

use crate::connection::Connection;
use crate::psa::PsaError;
use crate::psa::http::{Http, HttpConfig};
use crate::wizard::{Check, Observe, PermissionRow, Psa, Step, Wizard};

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
    /// The optional (conditional) steps the admin chose, by step id (`all` chooses every one).
    /// An optional step not chosen is not checked: its items are skipped as not chosen, which
    /// never counts against the run.
    pub with: std::collections::BTreeSet<String>,
    /// The verifier session's memory of credentials the PSA refused: runs that share it (clones
    /// of these options) never resend them. A fresh `VerifyOptions` starts with an empty one.
    pub refused: RefusedCredentials,
}

/// Fingerprints (SHA-256, memory only) of credential sets a PSA refused, shared by every run of
/// one verifier session: a refused secret is never sent twice, since a PSA may lock the account
/// after repeated failures. Cloning shares the memory.
#[derive(Clone, Default)]
pub struct RefusedCredentials(
    std::sync::Arc<std::sync::Mutex<std::collections::HashSet<[u8; 32]>>>,
);

impl std::fmt::Debug for RefusedCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefusedCredentials(..)")
    }
}

impl RefusedCredentials {
    fn set(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<[u8; 32]>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn contains(&self, fingerprint: &[u8; 32]) -> bool {
        self.set().contains(fingerprint)
    }

    pub(crate) fn insert(&self, fingerprint: [u8; 32]) {
        self.set().insert(fingerprint);
    }

    /// Forget them, for an explicit "try again anyway" (e.g. after unlocking the account in the
    /// PSA without changing any value).
    pub fn forget(&self) {
        self.set().clear();
    }
}

impl VerifyOptions {
    /// Whether `step` is part of this run: every required step, and the optional ones chosen.
    pub fn chosen(&self, step: &Step) -> bool {
        !step.optional || self.with.contains(&step.id) || self.with.contains("all")
    }
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
    /// Every comparison made (rows): the summary's permission table.
    pub observations: Vec<PermissionObservation>,
    /// What was asked and answered. When empty on an observed result, the wrapper records the
    /// observation's request (`text::request`) with the detail as the answer.
    pub evidence: Vec<Evidence>,
    /// Replaces the step's remedy when the failure is not about the setup (see
    /// [`Outcome::because`]).
    pub remedy: Option<String>,
    pub skip: Option<SkipCause>,
    pub blocked: Option<Blocked>,
}

impl Outcome {
    pub(crate) fn with(status: Status, detail: impl Into<String>) -> Self {
        Outcome {
            status,
            detail: detail.into(),
            permission: None,
            observations: Vec::new(),
            evidence: Vec::new(),
            remedy: None,
            skip: None,
            blocked: None,
        }
    }
    pub fn pass(detail: impl Into<String>) -> Self {
        Outcome::with(Status::Pass, detail)
    }
    pub fn fail(detail: impl Into<String>) -> Self {
        Outcome::with(Status::Fail, detail)
    }
    pub fn warn(detail: impl Into<String>) -> Self {
        Outcome::with(Status::Warn, detail)
    }
    pub fn manual(detail: impl Into<String>) -> Self {
        Outcome::with(Status::Manual, detail)
    }
    /// Not run because something it depends on failed: never counts as passing.
    pub fn skipped(detail: impl Into<String>) -> Self {
        Outcome {
            skip: Some(SkipCause::CouldNotRun),
            ..Outcome::with(Status::Skipped, detail)
        }
    }
    /// Not run by the admin's choice (writes not allowed, a part of the guide not chosen).
    pub fn not_chosen(cause: SkipCause, detail: impl Into<String>) -> Self {
        Outcome {
            skip: Some(cause),
            ..Outcome::with(Status::Skipped, detail)
        }
    }
    /// Add what was asked and what the PSA answered.
    pub fn asked(mut self, request: impl Into<String>, answer: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            request: request.into(),
            answer: answer.into(),
        });
        self
    }
    /// Record the PSA call that caused this outcome: a network, TLS or server failure gets the
    /// remedy for that instead of the step's (fixing a role cannot fix a timeout).
    pub fn because(mut self, e: &PsaError) -> Self {
        self.remedy = e.network_remedy();
        self
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

/// Everything a set of steps will ask the PSA, so a run can ask it all at once.
#[derive(Default)]
pub(crate) struct Plan<'a> {
    /// Observations, with the step each comes from (some depend on the step's guide text).
    pub observes: Vec<(&'a Step, Observe)>,
    /// Rows verified against the PSA's permission data (entity access, effective security).
    pub rows: Vec<&'a PermissionRow>,
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

/// One verification session against one PSA connection.
pub struct Verifier {
    /// The PSA's run, from the registry; the error when the client could not be built.
    run: Result<Box<dyn registry::PsaVerifier>, String>,
    psa: Psa,
    opts: VerifyOptions,
}

impl Verifier {
    pub fn new(conn: &Connection, opts: &VerifyOptions) -> Self {
        let psa = conn.psa();
        let run = Http::new(opts.http.clone())
            .map_err(|e| e.describe())
            .and_then(|http| {
                registry::start(psa)(http, conn, opts)
                    .ok_or_else(|| format!("no {} verifier for this connection", psa.label()))
            });
        Verifier {
            run,
            psa,
            opts: opts.clone(),
        }
    }

    fn psa(&self) -> Option<Psa> {
        self.run.is_ok().then_some(self.psa)
    }

    /// The zone this session was routed to, once the PSA's lookup answered (see
    /// `PsaVerifier::zone`).
    pub fn zone(&self) -> Option<String> {
        self.run.as_ref().ok()?.zone()
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
                detail: format!("wizard \"{}\" has no step \"{step_id}\"", wizard.id),
                remedy: "Pick one of the wizard's steps (psa-onboard show <wizard>).".into(),
                ..CheckResult::new("step", format!("Step \"{step_id}\""), Status::Fail)
            };
            progress(&r);
            return StepReport::new(step_id.into(), step_id.into(), vec![r]);
        };
        let plan = self.plan(std::iter::once(step));
        let (report, ()) = futures::join!(
            self.step_checks(wizard, step, progress),
            self.prefetch(wizard, &plan)
        );
        report
    }

    /// Verify every step, sharing this session (sign-in happens once). Every step's reads are
    /// planned together, so the whole run costs a few round trips, not one per check.
    pub async fn verify_all(&self, wizard: &Wizard) -> Report {
        let plan = self.plan(wizard.steps.iter());
        let steps: Vec<BoxFuture<'_, StepReport>> = wizard
            .steps
            .iter()
            .map(|step| self.step_checks(wizard, step, &|_| {}))
            .collect();
        let (steps, ()) = futures::join!(join_all(steps), self.prefetch(wizard, &plan));
        Report::new(wizard.id.clone(), wizard.psa.short().to_string(), steps)
    }

    /// Every check of `step`, all at once (they wait on shared caches, not on each other).
    fn step_checks<'a>(
        &'a self,
        wizard: &'a Wizard,
        step: &'a Step,
        progress: &'a (dyn Fn(&CheckResult) + Send + Sync),
    ) -> BoxFuture<'a, StepReport> {
        Box::pin(async move {
            let items = step.checks.iter().map(Item::Check).chain(
                step.permissions
                    .iter()
                    .enumerate()
                    .map(|(i, r)| Item::Row(i + 1, r)),
            );
            // FuturesUnordered rather than `buffer_unordered`: the combinator's closures defeat
            // rustc's proof that this future is Send, and the TUI spawns it.
            let mut running: FuturesUnordered<_> = items
                .enumerate()
                .map(|(i, item)| indexed(i, self.check(wizard, step, item)))
                .collect();
            let mut results: Vec<Option<CheckResult>> = vec![None; running.len()];
            while let Some((i, r)) = running.next().await {
                progress(&r);
                results[i] = Some(r);
            }
            StepReport::new(
                step.id.clone(),
                step.title.clone(),
                results.into_iter().flatten().collect(),
            )
        })
    }

    /// What `steps` will ask the PSA, mirroring `outcome`: manual checks and writes that are
    /// not allowed ask nothing.
    fn plan<'a>(&self, steps: impl Iterator<Item = &'a Step>) -> Plan<'a> {
        let mut plan = Plan::default();
        for step in steps.filter(|s| self.opts.chosen(s)) {
            let mut observe = |o: Observe| {
                if !o.is_write() || self.opts.allow_writes {
                    plan.observes.push((step, o));
                }
            };
            for c in step.checks.iter().filter(|c| c.manual.is_none()) {
                if let Some(o) = c.observe {
                    observe(o);
                }
            }
            for r in step
                .permissions
                .iter()
                .filter(|r| r.manual_reason().is_none())
            {
                match r.verify.as_ref().and_then(|v| v.observe) {
                    Some(o) => observe(o),
                    None => plan.rows.push(r),
                }
            }
        }
        plan
    }

    /// Fetch what the plan needs into the run's caches, in dependency order.
    fn prefetch<'a>(&'a self, wizard: &'a Wizard, plan: &'a Plan<'a>) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if self.psa() != Some(wizard.psa) {
                return;
            }
            if let Ok(run) = &self.run {
                run.prefetch(wizard, &self.opts, plan).await;
            }
        })
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
                outcome
                    .remedy
                    .clone()
                    .unwrap_or_else(|| text::remedy(wizard.psa, step, item))
            };
            // Details quote the PSA (untrusted text): no control sequences reach a screen or file.
            let clean = crate::sanitize::clean_line;
            let clean_obs = |p: PermissionObservation| PermissionObservation {
                module: clean(&p.module),
                function: clean(&p.function),
                op: p.op,
                required: p.required,
                actual: clean(&p.actual),
            };
            let observed = matches!(outcome.status, Status::Pass | Status::Warn | Status::Fail);
            let mut evidence = outcome.evidence;
            // Every observed verdict keeps its proof: when the check recorded none itself, the
            // request its observation makes and the detail it drew from the answer.
            if observed && evidence.is_empty() && self.run.is_ok() {
                let observe = match item {
                    Item::Check(c) => c.observe,
                    Item::Row(_, r) => r.verify.as_ref().and_then(|v| v.observe),
                };
                if let Some(request) = observe.and_then(text::request) {
                    evidence.push(Evidence {
                        request: request.to_string(),
                        answer: outcome.detail.clone(),
                    });
                }
            }
            CheckResult {
                detail: crate::sanitize::clean(&outcome.detail),
                remedy,
                permission: outcome.permission.map(clean_obs),
                observations: outcome.observations.into_iter().map(clean_obs).collect(),
                evidence: evidence
                    .into_iter()
                    .map(|e| Evidence {
                        request: clean(&e.request),
                        answer: clean(&e.answer),
                    })
                    .collect(),
                observed_at: (observed && self.run.is_ok()).then(jiff::Timestamp::now),
                skip: outcome.skip,
                blocked: outcome.blocked,
                item: match item {
                    Item::Check(c) => step
                        .checks
                        .iter()
                        .position(|x| std::ptr::eq(x, c))
                        .map(ItemRef::Check),
                    Item::Row(n, _) => Some(ItemRef::Row(n - 1)),
                },
                ..CheckResult::new(id, title, outcome.status)
            }
        })
    }

    async fn outcome(&self, ctx: Ctx<'_>, item: Item<'_>) -> Outcome {
        // A part of the guide the admin did not choose asks nothing and counts against nothing.
        if !self.opts.chosen(ctx.step) {
            return Outcome::not_chosen(
                SkipCause::NotChosen,
                format!(
                    "not chosen: the guide makes this step conditional ({}); choose it with `check --with {}` or by verifying the step in the wizard",
                    ctx.step
                        .condition
                        .as_deref()
                        .unwrap_or("optional")
                        .trim_end_matches('.'),
                    ctx.step.id
                ),
            );
        }
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
            return Outcome::not_chosen(
                SkipCause::WritesNotAllowed,
                format!(
                    "skipped: this check writes to your PSA and runs only when you allow writes. {}",
                    text::write_effect(o)
                ),
            );
        }
        match (&self.run, item, observe) {
            (Err(e), _, _) => Outcome::fail(format!("could not start: {e}")),
            (Ok(run), _, Some(o)) => run.observe(ctx, o).await,
            (Ok(run), Item::Row(_, row), None) => run.row(ctx, row).await,
            (Ok(_), Item::Check(_), None) => {
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
    wizard
        .steps
        .iter()
        .flat_map(describe_step_writes)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What one step's write checks would leave behind in the PSA, one "• title — effect" line per
/// check (the TUI asks with these before running them). Empty when the step has none.
pub fn describe_step_writes(step: &Step) -> Vec<String> {
    step.checks
        .iter()
        .filter_map(|c| {
            let o = c.observe.filter(|o| o.is_write())?;
            Some(format!("• {} — {}", c.title, text::write_effect(o)))
        })
        .collect()
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

    /// The TUI polls a verification in a task it aborts on Esc or time-out (dropping every
    /// request in flight); that needs a `Send + 'static` future owning its inputs. Stream
    /// combinators with borrowing closures (`buffer_unordered`) can defeat rustc's proof of
    /// `Send` ("FnOnce is not general enough"): this test then fails to compile.
    #[test]
    fn verification_futures_can_be_spawned() {
        fn spawnable<F: Future + Send + 'static>(_: &F) {}
        let (w, conn, _) = unstartable();
        let opts = VerifyOptions::default();
        let progress = |_: &CheckResult| {};
        let (w2, conn2, opts2) = (w.clone(), conn.clone(), opts.clone());
        let step = async move { verify_step(&w, "security-level", &conn, &opts, &progress).await };
        spawnable(&step);
        let all = async move { verify_all(&w2, &conn2, &opts2).await };
        spawnable(&all);
        // Never polled: nothing is sent.
    }

    /// An Autotask wizard and connection, and options whose client cannot start (the extra
    /// root is not a certificate): nothing is ever sent.
    fn unstartable() -> (Wizard, Connection, VerifyOptions) {
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
        (w, conn, opts)
    }

    /// Every result says which check or row of its step it is about (the TUI links by it).
    #[tokio::test]
    async fn results_carry_their_item() {
        // A client that cannot start: every item still reports, and nothing is sent.
        let (w, conn, opts) = unstartable();
        let report = verify_all(&w, &conn, &opts).await;
        let mut rows = 0;
        for (step, r) in w.steps.iter().zip(&report.steps) {
            assert_eq!(r.checks.len(), step.checks.len() + step.permissions.len());
            for c in &r.checks {
                let want = match step.checks.iter().position(|k| k.id == c.id) {
                    Some(i) => ItemRef::Check(i),
                    None => {
                        rows += 1;
                        let n: usize = c.id.strip_prefix("row-").unwrap().parse().unwrap();
                        ItemRef::Row(n - 1)
                    }
                };
                assert_eq!(c.item, Some(want), "{} {}", step.id, c.id);
            }
        }
        assert!(rows > 0, "the wizard has permission rows");
    }

    #[tokio::test]
    async fn a_client_that_cannot_start_fails_every_observable_check_without_network() {
        let (w, conn, opts) = unstartable();
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
