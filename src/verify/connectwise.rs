//! ConnectWise observations: companyinfo → system/info (keys + clientId) → the member's own
//! record and effective security.
// An `Outcome` is the natural error of a gate: it is what the check reports.
#![allow(clippy::result_large_err)]

use futures::future::{BoxFuture, join_all};
use secrecy::SecretString;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::connection::ConnectwiseTarget;
use crate::psa::connectwise::{CompanyInfo, ConnectwiseClient, SecuritySetting};
use crate::psa::http::Http;
use crate::psa::{ErrorKind, PsaError};
use crate::wizard::{MemberSpec, Observe, PermissionRow, StepKind, Wizard};

use super::levels::{Direction, compare_row, excess, find_setting, near_matches};
use super::text::CONNECTWISE_401_CAUSES;
use super::{Ctx, Outcome, PermissionObservation, Plan, Status, VerifyOptions, said};

type Cell<T> = OnceCell<Result<T, PsaError>>;
/// A role as an administrator reads it: its record and its settings (`None`: no such role).
type AdminRole = Option<(Value, Vec<SecuritySetting>)>;

/// The member record as read: from `myMembers` (whose keys these are) or, when that is not
/// allowed, from `members?conditions=identifier=…` (which cannot prove whose keys they are).
#[derive(Debug, Clone)]
struct MemberView {
    record: Value,
    own: bool,
}

pub(crate) struct CwRun {
    client: Result<ConnectwiseClient, PsaError>,
    /// The same site with an administrator's keys, when given.
    admin: Option<Result<ConnectwiseClient, PsaError>>,
    admin_role: Cell<AdminRole>,
    company: Cell<CompanyInfo>,
    info: Cell<Value>,
    member: OnceCell<Result<MemberView, PsaError>>,
    security: Cell<Vec<SecuritySetting>>,
    callbacks: Cell<Vec<Value>>,
    client_id_given: bool,
    /// The clientId as given, when it is not GUID-shaped (named if ConnectWise refuses it).
    client_id_malformed: Option<String>,
}

/// A row's detail with its note (the reading taken of the guide's row) after it.
fn with_note_text(detail: String, row: &PermissionRow) -> String {
    match row.note() {
        Some(note) => format!("{detail}. Note: {note}"),
        None => detail,
    }
}

fn with_note(mut outcome: Outcome, row: &PermissionRow) -> Outcome {
    outcome.detail = with_note_text(std::mem::take(&mut outcome.detail), row);
    outcome
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// The member spec the guide gives (the api_member step's).
fn member_spec(ctx: &Ctx<'_>) -> MemberSpec {
    ctx.step
        .member
        .clone()
        .or_else(|| {
            ctx.wizard
                .step_of(StepKind::ApiMember)
                .and_then(|s| s.member.clone())
        })
        .unwrap_or_default()
}

fn role_name(ctx: &Ctx<'_>) -> Option<String> {
    member_spec(ctx)
        .role
        .or_else(|| ctx.wizard.level_name().map(str::to_string))
}

/// "Corporate (Level 1)" matches a structure level named "Corporate", "Corporate (Level 1)" or
/// "Level 1", or with id 1 when the guide says "Level 1".
pub(crate) fn level_matches(guide: &str, name: Option<&str>, id: Option<i64>) -> bool {
    let g = guide.trim().to_ascii_lowercase();
    if let Some(n) = name
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        && (g == n || g.starts_with(&format!("{n} (")) || g.contains(&format!("({n})")))
    {
        return true;
    }
    if let Some(id) = id
        && (g.contains(&format!("level {id})")) || g == format!("level {id}"))
    {
        return true;
    }
    false
}

impl CwRun {
    pub fn new(
        http: Http,
        target: &ConnectwiseTarget,
        private_key: SecretString,
        admin: Option<&super::AdminKeys>,
    ) -> Self {
        CwRun {
            admin: admin.map(|a| {
                ConnectwiseClient::new(
                    http.clone(),
                    &target.site,
                    &target.company_id,
                    &a.public_key,
                    a.private_key.clone(),
                    &target.client_id,
                )
            }),
            admin_role: OnceCell::new(),
            client: ConnectwiseClient::new(
                http,
                &target.site,
                &target.company_id,
                &target.public_key,
                private_key,
                &target.client_id,
            ),
            company: OnceCell::new(),
            info: OnceCell::new(),
            member: OnceCell::new(),
            security: OnceCell::new(),
            callbacks: OnceCell::new(),
            client_id_given: !target.client_id.trim().is_empty(),
            client_id_malformed: (!crate::wizard::validate::is_guid(target.client_id.trim()))
                .then(|| crate::sanitize::clean_line(target.client_id.trim())),
        }
    }

    fn client(&self) -> Result<&ConnectwiseClient, Outcome> {
        self.client
            .as_ref()
            .map_err(|e| Outcome::fail(format!("the site is not usable: {}", e.message)))
    }

    async fn company(&self) -> Result<&CompanyInfo, Outcome> {
        let c = self.client()?;
        self.company
            .get_or_init(|| c.company_info())
            .await
            .as_ref()
            .map_err(|_| {
                Outcome::skipped("skipped: the company ID did not resolve (see the company check)")
            })
    }

    async fn info(&self) -> &Result<Value, PsaError> {
        let c = self.client.as_ref().expect("checked by company()");
        self.info.get_or_init(|| c.system_info()).await
    }

    async fn gate(&self) -> Result<(), Outcome> {
        self.company().await?;
        match self.info().await {
            Ok(_) => Ok(()),
            Err(e) if e.kind == ErrorKind::ClientId => Err(Outcome::skipped(
                "skipped: ConnectWise refused the clientId",
            )),
            Err(_) => Err(Outcome::skipped("skipped: sign-in failed")),
        }
    }

    async fn member(&self, expected: Option<&str>) -> &Result<MemberView, PsaError> {
        let c = self.client.as_ref().expect("gated");
        self.member
            .get_or_init(|| async {
                match c.my_member().await {
                    Ok(mut rec) => {
                        // myMembers may omit the role/level fields; read the full record then.
                        if rec.get("securityRole").is_none()
                            && let Some(id) = s(&rec, &["identifier"]).map(str::to_string)
                            && let Ok(list) = c.members_by_identifier(&id).await
                            && let Some(full) = list.into_iter().next()
                        {
                            rec = full;
                        }
                        Ok(MemberView {
                            record: rec,
                            own: true,
                        })
                    }
                    Err(e) if matches!(e.kind, ErrorKind::Permission | ErrorKind::NotFound) => {
                        let Some(id) = expected else { return Err(e) };
                        let mut list = c.members_by_identifier(id).await?;
                        if list.is_empty() {
                            list = c.api_members_by_identifier(id).await.unwrap_or_default();
                        }
                        match list.into_iter().next() {
                            Some(record) => Ok(MemberView { record, own: false }),
                            None => Err(PsaError::new(
                                ErrorKind::NotFound,
                                e.status,
                                format!(
                                    "no member \"{id}\" (and system/myMembers answered: {})",
                                    e.message
                                ),
                                &e.url,
                            )),
                        }
                    }
                    Err(e) => Err(e),
                }
            })
            .await
    }

    pub async fn observe(&self, ctx: Ctx<'_>, o: Observe) -> Outcome {
        use Observe::*;
        match o {
            ConnectwiseCompanyInfo => return self.company_outcome().await,
            ConnectwiseClientId => return self.client_id_outcome().await,
            ConnectwiseCredentials => return self.credentials_outcome().await,
            _ => {}
        }
        if o.psa() != crate::wizard::Psa::Connectwise {
            return Outcome::fail(format!(
                "{o:?} is an Autotask observation in a ConnectWise wizard"
            ));
        }
        if let Err(skip) = self.gate().await {
            return skip;
        }
        match o {
            ConnectwiseMemberIdentity
            | ConnectwiseMemberLicense
            | ConnectwiseMemberActive
            | ConnectwiseMemberRole
            | ConnectwiseMemberLevel
            | ConnectwiseMemberLocation => self.member_outcome(ctx, o).await,
            ConnectwiseRoleExcess => self.excess_outcome(ctx).await,
            ConnectwiseRoleNotAdmin => self.not_admin_outcome(ctx).await,
            ConnectwiseCallbacks => self.callbacks_outcome().await,
            _ => Outcome::fail(format!("{o:?} cannot be observed on ConnectWise")),
        }
    }

    /// Fill the caches with everything `plan` reads: companyinfo → system/info (keys and
    /// clientId) together with the member record, its effective security, callbacks and (with
    /// admin keys) the role. Their answers are used only once system/info has signed in.
    pub async fn prefetch(&self, wizard: &Wizard, opts: &VerifyOptions, plan: &Plan<'_>) {
        use Observe::*;
        let mut member: Option<Option<String>> = None;
        let mut security = plan
            .rows
            .iter()
            .any(|r| r.function.is_some() && r.has_levels());
        let mut callbacks = false;
        let mut role: Option<String> = None;
        let mut signin = false;
        for &(step, o) in &plan.observes {
            let ctx = Ctx {
                wizard,
                step,
                opts,
                warn_only: false,
            };
            match o {
                ConnectwiseMemberIdentity
                | ConnectwiseMemberLicense
                | ConnectwiseMemberActive
                | ConnectwiseMemberRole
                | ConnectwiseMemberLevel
                | ConnectwiseMemberLocation => {
                    member.get_or_insert_with(|| member_spec(&ctx).identifier);
                }
                ConnectwiseRoleExcess => security = true,
                ConnectwiseCallbacks => callbacks = true,
                ConnectwiseRoleNotAdmin if self.admin.is_some() => {
                    role = role.or_else(|| role_name(&ctx));
                }
                ConnectwiseClientId | ConnectwiseCredentials => signin = true,
                _ => {}
            }
        }
        let any = signin || member.is_some() || security || callbacks || role.is_some();
        // The codebase first (every URL needs it); then the credential probe and the reads
        // together. ConnectWise does not lock API keys after failures (unlike Autotask), so
        // sending the reads with the probe costs at most their own refusals, and the checks
        // still report "skipped: sign-in failed" when the probe fails: they wait on `gate`.
        if !any || self.company().await.is_err() {
            return;
        }
        let mut reads: Vec<BoxFuture<'_, ()>> = vec![Box::pin(async {
            let _ = self.info().await;
        })];
        let c = self.client.as_ref().expect("company() resolved it");
        if security {
            // The longest read (pages of 1000 rows) first; not through `security()`, which
            // waits for the sign-in.
            reads.push(Box::pin(async move {
                let _ = self.security.get_or_init(|| c.my_security()).await;
            }));
        }
        if let Some(id) = member {
            reads.push(Box::pin(async move {
                let _ = self.member(id.as_deref()).await;
            }));
        }
        if callbacks {
            reads.push(Box::pin(async move {
                let _ = self.callbacks.get_or_init(|| c.callbacks()).await;
            }));
        }
        if let Some(name) = role {
            reads.push(Box::pin(async move {
                let _ = self.admin_role(&name).await;
            }));
        }
        join_all(reads).await;
    }

    async fn company_outcome(&self) -> Outcome {
        let c = match self.client() {
            Ok(c) => c,
            Err(o) => return o,
        };
        match self.company.get_or_init(|| c.company_info()).await {
            // The company's name lets the admin see it is their own tenant, not a look-alike ID.
            Ok(ci) => Outcome::pass(format!(
                "{}codebase {} (version {}) at {}",
                ci.company_name
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .map(|n| format!("\"{}\", ", n.trim()))
                    .unwrap_or_default(),
                ci.codebase.as_deref().unwrap_or("?"),
                ci.version_code.as_deref().unwrap_or("?"),
                c.site_root()
            )),
            Err(e) => {
                Outcome::fail(format!("the company ID did not resolve: {}", said(e))).because(e)
            }
        }
    }

    async fn client_id_outcome(&self) -> Outcome {
        if !self.client_id_given {
            return Outcome::fail(
                "no clientId was given: ConnectWise requires one on every call (set CONNECTWISE_CLIENT_ID, or the \
wizard's integration.client_id)",
            );
        }
        if let Err(o) = self.company().await {
            return o;
        }
        match self.info().await {
            Ok(_) => Outcome::pass("ConnectWise accepted the clientId"),
            Err(e) if e.kind == ErrorKind::ClientId => {
                let shape = match &self.client_id_malformed {
                    Some(v) => format!(
                        ". \"{v}\" is not a GUID: a clientId looks like \
1a2b3c4d-0000-4000-8000-00000000abcd (8-4-4-4-12 hex digits); ask the vendor for theirs"
                    ),
                    None => String::new(),
                };
                Outcome::fail(format!(
                    "ConnectWise refused the clientId: {}{shape}",
                    said(e)
                ))
                .because(e)
            }
            Err(_) => {
                Outcome::skipped("skipped: sign-in failed, so the clientId could not be confirmed")
            }
        }
    }

    async fn credentials_outcome(&self) -> Outcome {
        if let Err(o) = self.company().await {
            return o;
        }
        match self.info().await {
            Ok(v) => Outcome::pass(format!(
                "ConnectWise accepted the keys (server {})",
                s(v, &["version"]).unwrap_or("?")
            )),
            Err(e) if e.kind == ErrorKind::ClientId => {
                Outcome::skipped("skipped: ConnectWise refused the clientId")
            }
            Err(e) if e.kind == ErrorKind::Auth => Outcome::fail(format!(
                "ConnectWise refused the keys: {}. {CONNECTWISE_401_CAUSES}",
                said(e)
            )).because(e),
            Err(e) if e.kind == ErrorKind::NotFound => Outcome::fail(format!(
                "system/info failed: {}. On ConnectWise cloud a 404 can also mean the keys or company ID are wrong. \
{CONNECTWISE_401_CAUSES}",
                said(e)
            )).because(e),
            Err(e) => Outcome::fail(format!("system/info failed: {}", said(e))).because(e),
        }
    }

    async fn member_outcome(&self, ctx: Ctx<'_>, o: Observe) -> Outcome {
        let spec = member_spec(&ctx);
        let view = match self.member(spec.identifier.as_deref()).await {
            Ok(v) => v.clone(),
            Err(e) => {
                return Outcome::fail(format!("could not read the member record: {}", said(e)))
                    .because(e);
            }
        };
        let rec = &view.record;
        let found = s(rec, &["identifier"]).unwrap_or("?").to_string();
        match o {
            Observe::ConnectwiseMemberIdentity => {
                let Some(expected) = spec.identifier.as_deref() else {
                    return Outcome::pass(format!("the keys belong to member \"{found}\""));
                };
                if !view.own {
                    return Outcome::warn(format!(
                        "ConnectWise would not show whose keys these are (system/myMembers refused); member \"{found}\" exists"
                    ));
                }
                if found.eq_ignore_ascii_case(expected) {
                    Outcome::pass(format!("the keys belong to member \"{found}\""))
                } else {
                    Outcome::fail(format!(
                        "the keys belong to member \"{found}\", not to the API member \"{expected}\" the guide asks for \
(keys from someone's My Account run with that person's role)"
                    ))
                }
            }
            Observe::ConnectwiseMemberLicense => match s(rec, &["licenseClass"]) {
                Some(c) if c.eq_ignore_ascii_case("A") => Outcome::pass(format!(
                    "member \"{found}\" is an API member (license class A)"
                )),
                Some(c) => {
                    let what = match c.to_ascii_uppercase().as_str() {
                        "F" => "a Full Member",
                        "C" => "a StreamlineIT Member",
                        "X" => "a Subcontractor Member",
                        _ => "not an API member",
                    };
                    Outcome::fail(format!(
                        "member \"{found}\" has license class \"{c}\" ({what}), not \"A\" (API Member)"
                    ))
                }
                None => Outcome::warn(format!(
                    "member \"{found}\": the record does not report a license class"
                )),
            },
            Observe::ConnectwiseMemberActive => {
                match rec.get("inactiveFlag").and_then(Value::as_bool) {
                    Some(true) => Outcome::fail(format!("member \"{found}\" is inactive")),
                    _ => Outcome::pass(format!("member \"{found}\" is active")),
                }
            }
            Observe::ConnectwiseMemberRole => {
                let got = s(rec, &["securityRole", "name"]);
                match (role_name(&ctx), got) {
                    (_, None) => Outcome::warn(format!(
                        "member \"{found}\": the record does not report its security role"
                    )),
                    // "or follow an existing pattern for role names": the name is the admin's
                    // choice; the role's functions are checked against the table row by row.
                    (Some(want), Some(got)) if !want.eq_ignore_ascii_case(got) => {
                        Outcome::warn(format!(
                            "member \"{found}\" has the security role \"{got}\", not \"{want}\" as the guide \
names it: the name is your choice, and the role's functions are checked row by row; make sure \"{got}\" is the \
role you set up for this integration"
                        ))
                    }
                    (_, Some(got)) => Outcome::pass(format!("security role \"{got}\"")),
                }
            }
            Observe::ConnectwiseMemberLevel => {
                let name = s(rec, &["structureLevel", "name"]);
                let id = rec
                    .get("structureLevel")
                    .and_then(|l| l.get("id"))
                    .and_then(Value::as_i64);
                let shown = match (name, id) {
                    (Some(n), Some(i)) => format!("\"{n}\" (id {i})"),
                    (Some(n), None) => format!("\"{n}\""),
                    (None, Some(i)) => format!("id {i}"),
                    (None, None) => "not reported".into(),
                };
                match spec.level.as_deref() {
                    None => Outcome::pass(format!("level {shown}")),
                    Some(want) if level_matches(want, name, id) => {
                        Outcome::pass(format!("level {shown}"))
                    }
                    Some(want) => Outcome::warn(format!(
                        "member \"{found}\" has level {shown}; the guide says \"{want}\" (the API's name for this field is not documented, so this is a warning)"
                    )),
                }
            }
            Observe::ConnectwiseMemberLocation => {
                let got = s(rec, &["securityLocation", "name"]);
                match (spec.location.as_deref(), got) {
                    (None, g) => Outcome::pass(format!("location \"{}\"", g.unwrap_or("?"))),
                    (Some(want), Some(g)) if want.eq_ignore_ascii_case(g) => {
                        Outcome::pass(format!("location \"{g}\""))
                    }
                    (Some(want), g) => Outcome::warn(format!(
                        "member \"{found}\" has location \"{}\"; the guide says \"{want}\"",
                        g.unwrap_or("not reported")
                    )),
                }
            }
            _ => Outcome::fail("not a member observation"),
        }
    }

    async fn security(&self) -> Result<&Vec<SecuritySetting>, Outcome> {
        self.gate().await?;
        let c = self.client.as_ref().expect("gated");
        self.security
            .get_or_init(|| c.my_security())
            .await
            .as_ref()
            .map_err(|e| {
                Outcome::fail(format!(
                    "could not read the member's effective security (system/mySecurity): {}",
                    said(e)
                ))
                .because(e)
            })
    }

    /// A guide row against the member's effective security.
    pub async fn row(&self, ctx: Ctx<'_>, row: &PermissionRow) -> Outcome {
        let Some(function) = row.psa_function().filter(|_| row.has_levels()) else {
            return Outcome::manual(
                "ConnectWise's API cannot observe this setting; confirm it yourself.",
            );
        };
        // The guide's spelling may differ from ConnectWise's ("Time and Expense"): the row is
        // looked up by ConnectWise's name, and its note says so.
        let module = row.psa_module();
        let settings = match self.security().await {
            Ok(s) => s,
            Err(o) => return o,
        };
        let Some(actual) = find_setting(settings, module, function) else {
            let near = near_matches(settings, module, function);
            let hint = if near.is_empty() {
                "no similar function either".to_string()
            } else {
                format!("similar: {}", near.join(", "))
            };
            return with_note(
                Outcome::warn(format!(
                    "ConnectWise does not list \"{module} › {function}\" in the member's security (renamed on this version?); {hint}"
                )),
                row,
            );
        };
        let diffs = compare_row(row, actual);
        let mut parts: Vec<String> = Vec::new();
        let below: Vec<_> = diffs
            .iter()
            .filter(|d| d.direction == Direction::Below)
            .collect();
        let above: Vec<_> = diffs
            .iter()
            .filter(|d| d.direction == Direction::Above)
            .collect();
        let fmt = |d: &super::levels::OpDiff| {
            let note = if d.unknown_string {
                " (an undocumented level, read as My)"
            } else {
                ""
            };
            format!(
                "{} is {}{note}, the guide says {}",
                d.op, d.actual, d.required
            )
        };
        let first = below
            .first()
            .or(above.first())
            .map(|d| PermissionObservation {
                module: module.to_string(),
                function: function.to_string(),
                op: d.op.to_string(),
                required: d.required.clone(),
                actual: d.actual.clone(),
            });
        if !below.is_empty() {
            parts.push(format!(
                "missing: {}",
                below.iter().map(|d| fmt(d)).collect::<Vec<_>>().join("; ")
            ));
        }
        if !above.is_empty() {
            parts.push(format!(
                "more than needed: {}",
                above.iter().map(|d| fmt(d)).collect::<Vec<_>>().join("; ")
            ));
        }
        let status = if !below.is_empty() || (!above.is_empty() && ctx.opts.strict) {
            Status::Fail
        } else if !above.is_empty() {
            Status::Warn
        } else {
            Status::Pass
        };
        if status != Status::Pass
            && let Some(hint) = self.role_definition_hint(&ctx, row, function).await
        {
            parts.push(hint);
        }
        let detail = if parts.is_empty() {
            // Levels the guide's row does not give are reported apart: they were not compared.
            let level =
                |op: &str| format!("{op} {}", super::levels::reported_for(actual, op).verbatim);
            let (given, other): (Vec<_>, Vec<_>) = super::levels::OPS
                .iter()
                .partition(|(_, col)| row.level(*col).is_some());
            let given: Vec<String> = given.iter().map(|(op, _)| level(op)).collect();
            let other: Vec<String> = other.iter().map(|(op, _)| level(op)).collect();
            if other.is_empty() {
                format!("as the guide says: {}", given.join(", "))
            } else {
                format!(
                    "as the guide says: {}; not in the guide's row, not compared: {}",
                    given.join(", "),
                    other.join(", ")
                )
            }
        } else {
            parts.join(". ")
        };
        let observations: Vec<PermissionObservation> = row
            .levels()
            .filter_map(|(col, required)| {
                let (op, _) = super::levels::OPS.iter().find(|(_, c)| *c == col)?;
                let actual = super::levels::reported_for(actual, op).verbatim;
                Some(PermissionObservation {
                    module: module.to_string(),
                    function: function.to_string(),
                    op: op.to_string(),
                    required: required.to_string(),
                    actual: actual.to_string(),
                })
            })
            .collect();
        let answer = super::levels::OPS
            .iter()
            .map(|(op, _)| format!("{op} {}", super::levels::reported_for(actual, op).verbatim))
            .collect::<Vec<_>>()
            .join(", ");
        let mut out = Outcome::with(status, with_note_text(detail, row)).asked(
            "GET system/mySecurity",
            format!("{module} › {function}: {answer}"),
        );
        out.permission = first.or_else(|| observations.first().cloned());
        out.observations = observations;
        out
    }

    /// With admin keys: what the role itself says for a differing row. When the role is right
    /// but the member's effective security is not, ConnectWise has not applied the change yet.
    async fn role_definition_hint(
        &self,
        ctx: &Ctx<'_>,
        row: &PermissionRow,
        function: &str,
    ) -> Option<String> {
        let name = role_name(ctx)?;
        let Ok(Some((_, settings))) = self.admin_role(&name).await? else {
            return None;
        };
        let def = find_setting(settings, row.psa_module(), function)?;
        if compare_row(row, def)
            .iter()
            .any(|d| d.direction == Direction::Below)
        {
            Some(format!("the role \"{name}\" itself is set this way too"))
        } else {
            Some(format!(
                "the role \"{name}\" itself is set as the guide says: ConnectWise has not applied it to the member yet \
(save the role, then re-save the member, and check again in a minute)"
            ))
        }
    }

    async fn excess_outcome(&self, ctx: Ctx<'_>) -> Outcome {
        let settings = match self.security().await {
            Ok(s) => s,
            Err(o) => return o,
        };
        let wizard: &Wizard = ctx.wizard;
        let rows: Vec<&PermissionRow> = wizard.rows().map(|(_, r)| r).collect();
        let extra = excess(settings, &rows);
        if extra.is_empty() {
            return Outcome::pass(format!(
                "{} functions checked; none outside the guide's table grants anything (psa-onboard's \
least-privilege advice)",
                settings.len()
            ));
        }
        let list: Vec<String> = extra
            .iter()
            .map(|(l, g)| format!("\n  • {l} ({g})"))
            .collect();
        // psa-onboard's least-privilege advice, not the guide's: the guide says functions it
        // does not mention can be left at their default settings. A warning; `--strict` fails it.
        let d = format!(
            "psa-onboard's least-privilege advice (not the guide's requirement: the guide lets functions it does \
not mention stay at their default settings): {} function(s) outside the guide's table grant access:{}",
            extra.len(),
            list.concat()
        );
        if ctx.opts.strict {
            Outcome::fail(d)
        } else {
            Outcome::warn(d)
        }
    }

    /// The role as an administrator sees it: its record and settings (admin keys only).
    async fn admin_role(&self, name: &str) -> Option<&Result<AdminRole, PsaError>> {
        let admin = self.admin.as_ref()?;
        Some(
            self.admin_role
                .get_or_init(|| async {
                    let admin = admin.as_ref().map_err(Clone::clone)?;
                    if admin.base().is_none() {
                        // Same site and company: the codebase the run already resolved.
                        match self.client.as_ref().ok().and_then(|c| c.base()) {
                            Some(base) => admin.set_base(&base),
                            None => {
                                admin.company_info().await?;
                            }
                        }
                    }
                    let roles = admin.security_roles(name).await?;
                    let Some(role) = roles.into_iter().next() else {
                        return Ok(None);
                    };
                    let settings = match role.get("id").and_then(Value::as_i64) {
                        Some(id) => admin.role_settings(id).await?,
                        None => Vec::new(),
                    };
                    Ok(Some((role, settings)))
                })
                .await,
        )
    }

    async fn not_admin_outcome(&self, ctx: Ctx<'_>) -> Outcome {
        let Some(name) = role_name(&ctx) else {
            return Outcome::manual(
                "The guide names no role; confirm in System → Security Roles that the role is not an admin role.",
            );
        };
        match self.admin_role(&name).await {
            None => Outcome::manual(format!(
                "Reading a role's Admin flag needs an administrator's API keys (not given); confirm in System → Security \
Roles that \"{name}\" is not an admin role."
            )),
            Some(Err(e)) => Outcome::fail(format!(
                "could not read the role with the administrator's keys: {}",
                said(e)
            ))
            .because(e),
            Some(Ok(None)) => Outcome::fail(format!("there is no security role named \"{name}\"")),
            Some(Ok(Some((role, _)))) => {
                if role.get("adminFlag").and_then(Value::as_bool) == Some(true) {
                    Outcome::fail(format!(
                        "the role \"{name}\" is an admin role: it grants everything"
                    ))
                } else if role.get("inactiveFlag").and_then(Value::as_bool) == Some(true) {
                    Outcome::fail(format!("the role \"{name}\" is inactive"))
                } else {
                    Outcome::pass(format!("the role \"{name}\" is not an admin role"))
                }
            }
        }
    }

    async fn callbacks_outcome(&self) -> Outcome {
        let c = self.client.as_ref().expect("gated");
        match self.callbacks.get_or_init(|| c.callbacks()).await {
            Ok(list) if list.is_empty() => Outcome::warn("no callbacks are registered yet"),
            Ok(list) => {
                let inactive: Vec<String> = list
                    .iter()
                    .filter(|cb| cb.get("inactiveFlag").and_then(Value::as_bool) == Some(true))
                    .map(|cb| s(cb, &["url"]).unwrap_or("?").to_string())
                    .collect();
                if inactive.is_empty() {
                    Outcome::pass(format!("{} callback(s), all active", list.len()))
                } else {
                    Outcome::fail(format!(
                        "inactive callback(s) (ConnectWise disables a callback after 3 days of failed deliveries): {}",
                        inactive.join(", ")
                    ))
                }
            }
            Err(e) => Outcome::fail(format!("could not list callbacks: {}", said(e))).because(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_shape() {
        assert!(crate::wizard::validate::is_guid(
            "1a2b3c4d-0000-4000-8000-00000000abcd"
        ));
        assert!(crate::wizard::validate::is_guid(
            "{1A2B3C4D-0000-4000-8000-00000000ABCD}"
        ));
        for bad in [
            "",
            "not-a-guid",
            "1a2b3c4d00004000800000000000abcd",
            "1a2b3c4d-0000-4000-8000-00000000abcg",
        ] {
            assert!(!crate::wizard::validate::is_guid(bad), "{bad}");
        }
    }

    #[test]
    fn corporate_level_matching() {
        assert!(level_matches(
            "Corporate (Level 1)",
            Some("Corporate"),
            Some(1)
        ));
        assert!(level_matches("Corporate (Level 1)", Some("Other"), Some(1)));
        assert!(level_matches(
            "Corporate (Level 1)",
            Some("Corporate (Level 1)"),
            None
        ));
        assert!(!level_matches(
            "Corporate (Level 1)",
            Some("Location"),
            Some(2)
        ));
        assert!(!level_matches("Corporate (Level 1)", None, None));
    }
}
