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

mod roles;

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

/// The registry's entry: a ConnectWise run for a ConnectWise connection.
pub(crate) fn start(
    http: Http,
    conn: &crate::connection::Connection,
    opts: &VerifyOptions,
) -> Option<Box<dyn super::registry::PsaVerifier>> {
    let crate::connection::Connection::Connectwise {
        target,
        private_key,
    } = conn
    else {
        return None;
    };
    Some(Box::new(CwRun::new(
        http,
        target,
        private_key.clone(),
        opts.connectwise_admin.as_ref(),
    )))
}

impl super::registry::PsaVerifier for CwRun {
    fn prefetch<'a>(
        &'a self,
        wizard: &'a Wizard,
        opts: &'a VerifyOptions,
        plan: &'a Plan<'a>,
    ) -> BoxFuture<'a, ()> {
        Box::pin(CwRun::prefetch(self, wizard, opts, plan))
    }

    fn observe<'a>(&'a self, ctx: Ctx<'a>, o: Observe) -> BoxFuture<'a, Outcome> {
        Box::pin(CwRun::observe(self, ctx, o))
    }

    fn row<'a>(&'a self, ctx: Ctx<'a>, row: &'a PermissionRow) -> BoxFuture<'a, Outcome> {
        Box::pin(CwRun::row(self, ctx, row))
    }
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
