//! Autotask observations. Order of trust: zone lookup → ONE sign-in request → everything else;
//! when sign-in fails, everything that needs it is skipped (never hammer a locked account). The
//! sign-in is the API user's own Resources query (with the people to impersonate, when the run
//! needs them): one credentialed request like `Version`, but one whose answer the run uses.
// An `Outcome` is the natural error of a gate: it is what the check reports.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::connection::AutotaskTarget;
use crate::psa::autotask::{
    API_USER_LICENSE, AutotaskClient, EntityInfo, FieldInfo, Resource, Threshold, UserAccess,
    ZoneInfo, picklist_label,
};
use crate::psa::http::Http;
use crate::psa::{ErrorKind, PsaError};
use crate::wizard::{Access, ImpersonationSupport, Observe, Op, PermissionRow, RowShape, StepKind};

mod plan;
mod rows;
mod writes;

use super::text::AUTOTASK_401_CAUSES;
use super::{Ctx, Outcome, PermissionObservation, Status, needs_signin, said};

type Cell<T> = OnceCell<Result<T, PsaError>>;

fn fingerprint(target: &AutotaskTarget, secret: &SecretString) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [
        target.api_root.trim(),
        target.username.trim(),
        target.integration_code.trim(),
        secret.expose_secret(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

/// The registry's entry: an Autotask run for an Autotask connection.
pub(crate) fn start(
    http: Http,
    conn: &crate::connection::Connection,
    opts: &super::VerifyOptions,
) -> Option<Box<dyn super::registry::PsaVerifier>> {
    let crate::connection::Connection::Autotask { target, secret } = conn else {
        return None;
    };
    Some(Box::new(AtRun::new(
        http,
        target,
        secret.clone(),
        opts.refused.clone(),
    )))
}

impl super::registry::PsaVerifier for AtRun {
    fn prefetch<'a>(
        &'a self,
        _wizard: &'a crate::wizard::Wizard,
        _opts: &'a super::VerifyOptions,
        plan: &'a super::Plan<'a>,
    ) -> futures::future::BoxFuture<'a, ()> {
        Box::pin(AtRun::prefetch(self, plan))
    }

    fn observe<'a>(&'a self, ctx: Ctx<'a>, o: Observe) -> futures::future::BoxFuture<'a, Outcome> {
        Box::pin(AtRun::observe(self, ctx, o))
    }

    fn row<'a>(
        &'a self,
        ctx: Ctx<'a>,
        row: &'a PermissionRow,
    ) -> futures::future::BoxFuture<'a, Outcome> {
        Box::pin(AtRun::row(self, ctx, row))
    }

    fn zone(&self) -> Option<String> {
        let z = self.zone.get()?.as_ref().ok()?;
        // The PSA's own words: made inert like every other PSA text before any output.
        Some(crate::sanitize::clean_line(&format!(
            "{} ({})",
            z.zone_name.as_deref().unwrap_or("?"),
            z.url
        )))
    }
}

pub(crate) struct AtRun {
    client: AutotaskClient,
    fingerprint: [u8; 32],
    /// The verifier session's refused credentials (shared with its other runs).
    refused: super::RefusedCredentials,
    /// The sign-in was held back because these credentials were refused before.
    not_resent: AtomicBool,
    zone: Cell<ZoneInfo>,
    signin: Cell<()>,
    threshold: Cell<Threshold>,
    me: Cell<Option<Resource>>,
    resource_fields: Cell<Vec<FieldInfo>>,
    humans: Cell<Vec<Resource>>,
    /// The sign-in query also reads the people to impersonate (set by the plan before it).
    signin_reads_humans: AtomicBool,
    entity: Mutex<HashMap<String, Arc<Cell<EntityInfo>>>>,
    probe: Mutex<HashMap<String, Arc<Cell<usize>>>>,
    impersonation_write: OnceCell<Outcome>,
    webhook_write: OnceCell<Outcome>,
}

fn keyed<T>(map: &Mutex<HashMap<String, Arc<Cell<T>>>>, key: &str) -> Arc<Cell<T>> {
    map.lock()
        .expect("cache lock")
        .entry(key.to_ascii_lowercase())
        .or_insert_with(|| Arc::new(OnceCell::new()))
        .clone()
}

/// The API user's level when the guide has it keep Autotask's built-in level as it is
/// (`system_level`): that level passes; a dedicated level passes when the guide offers one as an
/// optional step (its rows check it when chosen), else warns: the guide lists nothing to check
/// it against.
fn system_level_outcome(
    w: &crate::wizard::Wizard,
    label: &str,
    expected: Option<&str>,
    norm: impl Fn(&str) -> String,
) -> Outcome {
    let want = expected.unwrap_or("API User (system)");
    // The UI shows the built-in API level as "API User (system) (API-only)".
    let have = norm(label);
    if have.trim_end_matches(" (api-only)") == norm(want) {
        return Outcome::pass(format!(
            "security level \"{label}\": Autotask's built-in level, as the guide says to use it"
        ));
    }
    match w
        .steps
        .iter()
        .find(|s| s.kind == StepKind::SecurityLevel && s.optional)
    {
        Some(copy) => Outcome::pass(format!(
            "security level \"{label}\": a level of your own, which the guide offers instead of \"{want}\" \
(\"{}\"); its permissions are checked when you choose that step (check --with {})",
            copy.title, copy.id
        )),
        None => Outcome::warn(format!(
            "the API user's security level is \"{label}\", not Autotask's built-in \"{want}\" that the guide \
uses as it is: the guide lists no permissions to check \"{label}\" against; make sure it grants what \"{want}\" does"
        )),
    }
}

impl AtRun {
    pub fn new(
        http: Http,
        target: &AutotaskTarget,
        secret: SecretString,
        refused: super::RefusedCredentials,
    ) -> Self {
        AtRun {
            fingerprint: fingerprint(target, &secret),
            refused,
            not_resent: AtomicBool::new(false),
            client: AutotaskClient::new(
                http,
                &target.api_root,
                &target.username,
                secret,
                &target.integration_code,
            ),
            zone: OnceCell::new(),
            signin: OnceCell::new(),
            threshold: OnceCell::new(),
            me: OnceCell::new(),
            resource_fields: OnceCell::new(),
            humans: OnceCell::new(),
            signin_reads_humans: AtomicBool::new(false),
            entity: Mutex::new(HashMap::new()),
            probe: Mutex::new(HashMap::new()),
            impersonation_write: OnceCell::new(),
            webhook_write: OnceCell::new(),
        }
    }

    async fn zone(&self) -> &Result<ZoneInfo, PsaError> {
        self.zone.get_or_init(|| self.client.zone()).await
    }

    /// Exactly one sign-in request per session, whatever asks for it, and none at all for values
    /// Autotask already refused in this process (a new session must not add a failed login).
    /// The request is the API user's own Resources query (and the people to impersonate when
    /// the plan asked for them first): Autotask authenticates it like any call, so a refusal is
    /// the same 401, and its answer fills `me` (and `humans`). A permission refusal means the
    /// credentials were accepted but the level may not read Resources: signed in.
    async fn signin(&self) -> &Result<(), PsaError> {
        self.signin
            .get_or_init(|| async {
                if self.refused.contains(&self.fingerprint) {
                    self.not_resent.store(true, Ordering::SeqCst);
                    return Err(PsaError::new(
                        ErrorKind::Auth,
                        Some(401),
                        "not sent again: Autotask refused these exact values earlier in this session; change one \
to try again",
                        &self.client.base().unwrap_or_default(),
                    ));
                }
                let with_humans = self.signin_reads_humans.load(Ordering::SeqCst);
                let user = self.client.username();
                match self.client.people(user, with_humans).await {
                    Ok(people) => {
                        let me = people
                            .iter()
                            .find(|r| r.user_name.eq_ignore_ascii_case(user))
                            .cloned();
                        let _ = self.me.set(Ok(me));
                        if with_humans {
                            let humans = people
                                .into_iter()
                                .filter(|r| {
                                    r.is_active == Some(true)
                                        && r.license_type != Some(API_USER_LICENSE)
                                })
                                .collect();
                            let _ = self.humans.set(Ok(humans));
                        }
                        Ok(())
                    }
                    Err(e) if e.is_permission() => {
                        let _ = self.me.set(Err(e.clone()));
                        if with_humans {
                            let _ = self.humans.set(Err(e));
                        }
                        Ok(())
                    }
                    Err(e) => {
                        if e.kind == ErrorKind::Auth
                            || e.message.contains("Zone information could not be determined")
                        {
                            self.refused.insert(self.fingerprint);
                        }
                        Err(e)
                    }
                }
            })
            .await
    }

    /// Zone, then sign-in; a skipped outcome naming what failed otherwise.
    async fn gate(&self) -> Result<(), Outcome> {
        if self.zone().await.is_err() {
            return Err(Outcome::skipped(
                "skipped: the zone lookup failed (see the zone check)",
            ));
        }
        if self.signin().await.is_err() {
            return Err(Outcome::skipped("skipped: sign-in failed"));
        }
        Ok(())
    }

    async fn entity_info(&self, entity: &str) -> Result<EntityInfo, PsaError> {
        let cell = keyed(&self.entity, entity);
        cell.get_or_init(|| self.client.entity_information(entity))
            .await
            .clone()
    }

    async fn probe_query(&self, entity: &str) -> Result<usize, PsaError> {
        // The sign-in was a Resources query: its answer is the Resources probe.
        if entity.eq_ignore_ascii_case("Resources")
            && let Some(read) = self.me.get()
        {
            return read
                .as_ref()
                .map(|me| usize::from(me.is_some()))
                .map_err(Clone::clone);
        }
        let cell = keyed(&self.probe, entity);
        cell.get_or_init(|| self.client.probe_query(entity))
            .await
            .clone()
    }

    async fn me(&self) -> &Result<Option<Resource>, PsaError> {
        self.me
            .get_or_init(|| self.client.resource_by_username(self.client.username()))
            .await
    }

    async fn resource_fields(&self) -> &Result<Vec<FieldInfo>, PsaError> {
        self.resource_fields
            .get_or_init(|| self.client.entity_fields("Resources"))
            .await
    }

    async fn humans(&self) -> &Result<Vec<Resource>, PsaError> {
        self.humans
            .get_or_init(|| self.client.human_resources())
            .await
    }

    pub async fn observe(&self, ctx: Ctx<'_>, o: Observe) -> Outcome {
        if o.psa() != crate::wizard::Psa::Autotask {
            return Outcome::fail(format!(
                "{o:?} is a ConnectWise observation in an Autotask wizard"
            ));
        }
        if needs_signin(o)
            && o != Observe::AutotaskCredentials
            && let Err(skip) = self.gate().await
        {
            return skip;
        }
        match o {
            Observe::AutotaskZone => self.zone_outcome().await,
            Observe::AutotaskCredentials => self.credentials_outcome().await,
            Observe::AutotaskThreshold => self.threshold_outcome(ctx).await,
            Observe::AutotaskUserActive => self.user_active().await,
            Observe::AutotaskUserLicense => self.user_license().await,
            Observe::AutotaskUserSecurityLevel => self.user_level(ctx).await,
            Observe::AutotaskImpersonationLevels => self.impersonation_levels(ctx).await,
            Observe::AutotaskWebhookAccess => self.webhook_access().await,
            Observe::AutotaskImpersonationWrite => self
                .impersonation_write
                .get_or_init(|| self.impersonation_write(ctx.opts.test_ticket))
                .await
                .clone(),
            Observe::AutotaskWebhookWrite => self
                .webhook_write
                .get_or_init(|| self.webhook_write())
                .await
                .clone(),
            _ => Outcome::fail(format!("{o:?} cannot be observed on Autotask")),
        }
    }

    async fn zone_outcome(&self) -> Outcome {
        match self.zone().await {
            Ok(z) => Outcome::pass(format!(
                "zone {} ({})",
                z.zone_name.as_deref().unwrap_or("?"),
                z.url
            )),
            Err(e) => {
                let user = self.client.username();
                let d = if e.kind == ErrorKind::NotFound {
                    // An API username has the form user@domain, so its shape says nothing; the
                    // lookup simply found no such user where it asked.
                    format!(
                        "Autotask does not know the username \"{user}\": {}. Check: (1) the API user exists and \
was saved (Admin > Resources/Users; copy its Username field: the Email field can differ); (2) a typo, \
including the domain after the @; (3) the API root ({}): a username from another Autotask database \
(a sandbox or another company's) is unknown there.",
                        said(e),
                        self.client.api_root()
                    )
                } else {
                    format!("the zone lookup for \"{user}\" failed: {}", said(e))
                };
                Outcome::fail(d).because(e)
            }
        }
    }

    async fn credentials_outcome(&self) -> Outcome {
        if let Err(e) = self.zone().await {
            return Outcome::skipped(format!("skipped: the zone lookup failed ({})", e.message));
        }
        match self.signin().await {
            Ok(()) => Outcome::pass(match self.me.get() {
                Some(Err(_)) => {
                    "Autotask accepted the username, secret and tracking identifier (the sign-in \
request, a Resources query, was authenticated; the level may not read Resources)"
                }
                _ => {
                    "Autotask accepted the username, secret and tracking identifier (the sign-in request, \
the API user's own Resources query, answered)"
                }
            }),
            Err(e) if e.kind == ErrorKind::Auth => {
                let msg = e.message.to_ascii_lowercase();
                let lead = if msg.contains("integrationcode") {
                    "Autotask refused the API tracking identifier"
                } else if msg.contains("locked") {
                    "Autotask says the account is locked"
                } else {
                    "Autotask refused the sign-in"
                };
                let mut out =
                    Outcome::fail(format!("{lead}: {}. {AUTOTASK_401_CAUSES}", said(e))).because(e);
                if self.not_resent.load(Ordering::SeqCst) {
                    out.blocked = Some(super::Blocked::CredentialsRefusedBefore);
                }
                out
            }
            Err(e)
                if e.message
                    .contains("Zone information could not be determined") =>
            {
                // Older tenants answer an unknown username this way instead of a 401.
                Outcome::fail(format!(
                    "Autotask does not know the username: {}. {AUTOTASK_401_CAUSES}",
                    said(e)
                ))
                .because(e)
            }
            Err(e) => Outcome::fail(format!("the sign-in check failed: {}", said(e))).because(e),
        }
    }

    async fn threshold_outcome(&self, ctx: Ctx<'_>) -> Outcome {
        let t = match self.threshold.get_or_init(|| self.client.threshold()).await {
            Ok(t) => *t,
            Err(e) => {
                return Outcome::fail_or_warn(
                    ctx.warn_only,
                    format!("could not read the usage: {}", said(e)),
                )
                .because(e);
            }
        };
        let used = t.current_timeframe_request_count.unwrap_or(0.0);
        let budget = t.external_request_threshold.unwrap_or(0.0);
        match t.used_fraction() {
            Some(f) if f > 0.5 => Outcome::warn(format!(
                "{used:.0} of {budget:.0} requests used this hour ({:.0}%): above half, Autotask slows every \
integration down and blocks all of them at 100%",
                f * 100.0
            )),
            Some(f) => Outcome::pass(format!(
                "{used:.0} of {budget:.0} requests used this hour ({:.0}%)",
                f * 100.0
            )),
            None => Outcome::warn("ThresholdInformation did not report the usage and the budget"),
        }
    }

    /// The API user's own record, or the outcome to report when it cannot be read.
    async fn my_record(&self) -> Result<Resource, Outcome> {
        match self.me().await {
            Ok(Some(r)) => Ok(r.clone()),
            Ok(None) => Err(Outcome::fail(format!(
                "no resource with userName \"{}\" is visible to the API user (the username differs, or its \
security level cannot see Resources)",
                self.client.username()
            ))),
            Err(e) if e.is_permission() => Err(Outcome::manual(format!(
                "the API user may not read Resources, so its own record cannot be checked ({}); confirm it \
in Admin > Resources/Users",
                said(e)
            ))),
            Err(e) => Err(Outcome::fail(format!(
                "could not read the API user's record: {}",
                said(e)
            ))
            .because(e)),
        }
    }

    async fn label(&self, field: &str, value: Option<i64>) -> Option<String> {
        let v = value?;
        match self.resource_fields().await {
            Ok(fields) => picklist_label(fields, field, v),
            Err(_) => None,
        }
    }

    async fn user_active(&self) -> Outcome {
        let r = match self.my_record().await {
            Ok(r) => r,
            Err(o) => return o,
        };
        match r.is_active {
            Some(true) => {
                Outcome::pass(format!("resource {} (\"{}\") is active", r.id, r.user_name))
            }
            Some(false) => Outcome::fail(format!(
                "resource {} (\"{}\") is inactive",
                r.id, r.user_name
            )),
            None => Outcome::warn("the resource record does not say whether it is active"),
        }
    }

    async fn user_license(&self) -> Outcome {
        let r = match self.my_record().await {
            Ok(r) => r,
            Err(o) => return o,
        };
        let label = self.label("licenseType", r.license_type).await;
        let shown = match (&label, r.license_type) {
            (Some(l), Some(v)) => format!("\"{l}\" ({v})"),
            (None, Some(v)) => format!("{v}"),
            _ => "not reported".into(),
        };
        if r.license_type == Some(API_USER_LICENSE) {
            Outcome::pass(format!("license {shown}"))
        } else if r.license_type.is_none() {
            Outcome::warn("the resource record does not report its license type")
        } else {
            Outcome::fail(format!(
                "the resource's license is {shown}, not \"API User\" ({API_USER_LICENSE}): it is an ordinary user, \
not an API-only user"
            ))
        }
    }

    async fn user_level(&self, ctx: Ctx<'_>) -> Outcome {
        // `ctx.warn_only` changes nothing here: a different name only ever warns.
        let r = match self.my_record().await {
            Ok(r) => r,
            Err(o) => return o,
        };
        let expected = ctx
            .step
            .security_level
            .as_deref()
            .or_else(|| {
                ctx.wizard
                    .step_of(StepKind::ApiUser)
                    .and_then(|s| s.security_level.as_deref())
            })
            .or_else(|| ctx.wizard.level_name());
        let Some(label) = self.label("userType", r.user_type).await else {
            return Outcome::warn(format!(
                "the security level id is {}, but its name is not in Resources' userType picklist",
                r.user_type
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "not reported".into())
            ));
        };
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        if ctx.wizard.uses_system_level() {
            return system_level_outcome(ctx.wizard, &label, expected, norm);
        }
        if norm(&label).starts_with("api user (system)") {
            return Outcome::fail(format!(
                "the API user has the built-in \"{label}\" security level, not a dedicated copy{}",
                expected
                    .map(|e| format!(" such as \"{e}\""))
                    .unwrap_or_default()
            ));
        }
        match expected {
            Some(e) if norm(e) == norm(&label) => {
                Outcome::pass(format!("security level \"{label}\""))
            }
            // The name is the admin's choice (guides name an example, or allow an existing
            // pattern); what the level grants is checked row by row. A different name warns.
            Some(e) => Outcome::warn(format!(
                "the API user's security level is \"{label}\", not \"{e}\" as the guide names it: the name is \
your choice, and its permissions are checked row by row; make sure \"{label}\" is the level you set up for this \
integration"
            )),
            None => Outcome::pass(format!("security level \"{label}\" (a dedicated level)")),
        }
    }

    async fn impersonation_levels(&self, ctx: Ctx<'_>) -> Outcome {
        let humans = match self.humans().await {
            Ok(h) => h,
            Err(e) if e.is_permission() => {
                return Outcome::manual(format!(
                    "the API user may not list resources ({}); list your resources' security levels in Admin > Resources/Users",
                    said(e)
                ));
            }
            Err(e) => {
                return Outcome::fail(format!("could not list resources: {}", said(e))).because(e);
            }
        };
        let limits = if ctx.step.license_limits.is_empty() {
            ctx.wizard
                .steps
                .iter()
                .find(|s| !s.license_limits.is_empty())
                .map(|s| s.license_limits.as_slice())
                .unwrap_or(&[])
        } else {
            ctx.step.license_limits.as_slice()
        };
        let fields = self
            .resource_fields()
            .await
            .as_ref()
            .ok()
            .cloned()
            .unwrap_or_default();
        // level label → (count, license label → count)
        let mut groups: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
        // license label → (who, what the license cannot do)
        let mut flagged: BTreeMap<String, (Vec<String>, String)> = BTreeMap::new();
        let mut limited = false;
        let lnorm = |s: &str| {
            s.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        };
        for h in humans
            .iter()
            .filter(|h| h.license_type != Some(API_USER_LICENSE) && h.is_active != Some(false))
        {
            let level = h
                .user_type
                .and_then(|v| picklist_label(&fields, "userType", v))
                .unwrap_or_else(|| {
                    format!(
                        "security level id {}",
                        h.user_type.map(|v| v.to_string()).unwrap_or("?".into())
                    )
                });
            let license = h
                .license_type
                .and_then(|v| picklist_label(&fields, "licenseType", v))
                .unwrap_or_else(|| {
                    format!(
                        "license {}",
                        h.license_type.map(|v| v.to_string()).unwrap_or("?".into())
                    )
                });
            let g = groups.entry(level).or_default();
            g.0 += 1;
            *g.1.entry(license.clone()).or_default() += 1;
            if let Some(limit) = limits.iter().find(|l| {
                l.licenses
                    .iter()
                    .any(|n| lnorm(n) == lnorm(&license) || lnorm(&license).starts_with(&lnorm(n)))
            }) {
                let who = if h.name.is_empty() {
                    h.user_name.clone()
                } else {
                    h.name.clone()
                };
                match limit.impersonation {
                    ImpersonationSupport::Full => {}
                    ImpersonationSupport::None => {
                        limited = true;
                        let e = flagged.entry(license.clone()).or_insert_with(|| {
                            (
                                Vec::new(),
                                format!("can never be impersonated. {}", limit.note),
                            )
                        });
                        e.0.push(who);
                    }
                    ImpersonationSupport::Partial => {
                        limited = true;
                        let cannot = if limit.cannot.is_empty() {
                            limit.note.clone()
                        } else {
                            format!("cannot: {}", limit.cannot.join("; "))
                        };
                        let e = flagged.entry(license.clone()).or_insert_with(|| {
                            (Vec::new(), format!("only partly impersonable — {cannot}"))
                        });
                        e.0.push(who);
                    }
                }
            }
        }
        if groups.is_empty() {
            return Outcome::manual(
                "no active non-API resources are visible to the API user (none exist, or its security level \
may not see Resources); list your resources' security levels in Admin > Resources/Users",
            );
        }
        let mut d = String::from(
            "Tick \"Allow impersonation of resources with this security level\" on each of these levels:",
        );
        for (level, (n, lic)) in &groups {
            let lic: Vec<String> = lic.iter().map(|(l, c)| format!("{l} ×{c}")).collect();
            d.push_str(&format!(
                "\n  • {level}: {n} resource(s) ({})",
                lic.join(", ")
            ));
        }
        if !flagged.is_empty() {
            d.push_str("\nLicense limits:");
            for (license, (who, what)) in &flagged {
                let mut names = who.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
                if who.len() > 3 {
                    names.push_str(&format!(" and {} more", who.len() - 3));
                }
                d.push_str(&format!("\n  • {license} ({names}): {what}"));
            }
        }
        if limited {
            Outcome::warn(d)
        } else {
            Outcome::manual(d)
        }
    }

    async fn webhook_access(&self) -> Outcome {
        match self.entity_info("TicketWebhooks").await {
            Ok(info) => match info.access_create {
                Some(UserAccess::None) => {
                    let mut o = Outcome::fail(
                        "TicketWebhooks userAccessForCreate is None: the security level may not create webhooks",
                    );
                    o.permission = Some(PermissionObservation {
                        module: "Webhooks".into(),
                        function: "TicketWebhooks".into(),
                        op: "create".into(),
                        required: "All".into(),
                        actual: "None".into(),
                    });
                    o
                }
                Some(a) => Outcome::pass(format!(
                    "TicketWebhooks userAccessForCreate is {}",
                    a.label()
                )),
                None => Outcome::warn(
                    "TicketWebhooks entityInformation does not report userAccessForCreate",
                ),
            },
            Err(e) => Outcome::fail(format!(
                "could not read TicketWebhooks' entity information: {}",
                said(&e)
            ))
            .because(&e),
        }
    }
}
