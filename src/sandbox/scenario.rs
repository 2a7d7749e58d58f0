//! Named starting states and admin actions derived from wizard data.
//!
//! `apply_step` does in the tenant what a step's instructions tell the admin to click, reading
//! only the wizard's data (names, rows, `verify` expectations): there is no per-vendor code.

use secrecy::SecretString;

use super::at_entities::grid_entities;
use super::seed::{self, CW_CLIENT_ID, CW_COMPANY_ID, CW_PRIVATE_KEY, CW_PUBLIC_KEY};
use super::tenant::*;
use super::{AutotaskDemo, ConnectwiseDemo, SandboxError};
use crate::wizard::{self, Access, Column, Op, Psa, Step, StepKind, Wizard};

/// Why a step could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("wizard {wizard} has no step {step:?}")]
    UnknownStep { wizard: String, step: String },
    #[error("step {step:?} of {wizard} has no {field}: the wizard file must give it")]
    MissingField {
        wizard: String,
        step: String,
        field: &'static str,
    },
    #[error(
        "step {step:?} needs {what}, which does not exist yet: apply the step that creates it first"
    )]
    Missing { step: String, what: String },
}

/// Scenario names: `unconfigured` and `configured:<id>` for every built-in wizard.
pub fn scenario_names() -> Vec<String> {
    std::iter::once("unconfigured".to_string())
        .chain(
            wizard::builtin()
                .into_iter()
                .map(|l| format!("configured:{}", l.wizard.id)),
        )
        .collect()
}

/// Builds a scenario's tenant and, for a configured Autotask wizard, its API user's credentials.
pub fn build(name: &str) -> Result<(Tenant, Option<AutotaskDemo>), SandboxError> {
    let mut tenant = seed::unconfigured();
    let name = name.trim();
    if name.eq_ignore_ascii_case("unconfigured") {
        return Ok((tenant, None));
    }
    let Some(id) = name.strip_prefix("configured:") else {
        return Err(SandboxError::UnknownScenario(name.to_string()));
    };
    let Some(loaded) = wizard::builtin().into_iter().find(|l| l.wizard.id == id) else {
        return Err(SandboxError::UnknownScenario(name.to_string()));
    };
    let w = loaded.wizard;
    let mut created = None;
    for step in &w.steps {
        if let Some(c) = apply_step(&mut tenant, &w, &step.id)? {
            created = Some(c);
        }
    }
    if created.is_none() && w.psa == Psa::Autotask {
        created = Some(autotask_demo_for(&w, &mut tenant.autotask));
    }
    Ok((tenant, created))
}

/// Whether the guide stops before the API keys: N-able's and CyberFox's pages give only the
/// security role, Hudu's stored page stops at the member. The step that ends the guide's part
/// then also does what the admin does before entering keys: the member (on the wizard's role,
/// when the guide has no member step) gets the demo keys.
fn keys_are_implied(w: &Wizard) -> bool {
    w.psa == Psa::Connectwise && w.step_of(StepKind::ApiKeys).is_none()
}

/// Gives the wizard's API member the demo key pair (creating the member on the wizard's role
/// when the guide has no member step).
fn connectwise_keys_for(w: &Wizard, cw: &mut ConnectwiseTenant) -> Result<(), ApplyError> {
    let identifier = member_identifier(w);
    if cw.member_by_identifier(&identifier).is_none() {
        api_member(cw, w, w.step_of(StepKind::ApiMember))?;
    }
    let member = cw
        .member_by_identifier(&identifier)
        .expect("just created")
        .id;
    cw.keys.retain(|k| k.public_key != CW_PUBLIC_KEY);
    cw.keys.push(ApiKey {
        public_key: CW_PUBLIC_KEY.into(),
        private_key: SecretString::from(CW_PRIVATE_KEY),
        member_id: member,
    });
    Ok(())
}

/// The ConnectWise demo credentials (fixed, public values).
pub fn connectwise_demo() -> ConnectwiseDemo {
    ConnectwiseDemo {
        company_id: CW_COMPANY_ID.into(),
        public_key: CW_PUBLIC_KEY.into(),
        private_key: SecretString::from(CW_PRIVATE_KEY),
        client_id: CW_CLIENT_ID.into(),
        admin_public_key: seed::CW_ADMIN_PUBLIC_KEY.into(),
        admin_private_key: SecretString::from(seed::CW_ADMIN_PRIVATE_KEY),
    }
}

/// The API user a wizard's `api_user` step creates: `<username_hint or vendor>@<demo domain>`.
pub fn autotask_demo_for(w: &Wizard, at: &mut AutotaskTenant) -> AutotaskDemo {
    let hint = w
        .step_of(StepKind::ApiUser)
        .and_then(|s| s.username_hint.clone())
        .unwrap_or_else(|| {
            w.vendor
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect()
        });
    AutotaskDemo {
        username: format!("{hint}@{DEMO_DOMAIN}"),
        secret: SecretString::from(DEMO_SECRET),
        integration_code: tracking_code_for(w, at),
    }
}

/// Credentials of the default API user (named in the unconfigured scenario; not created).
pub fn default_autotask_demo(at: &mut AutotaskTenant) -> AutotaskDemo {
    AutotaskDemo {
        username: format!("api@{DEMO_DOMAIN}"),
        secret: SecretString::from(DEMO_SECRET),
        integration_code: at.tracking_code("Custom (Internal Integration)"),
    }
}

/// The vendor's tracking identifier: given by the wizard, else the code for its Integration
/// Vendor label, else for the vendor's name.
fn tracking_code_for(w: &Wizard, at: &mut AutotaskTenant) -> String {
    if let Some(code) = &w.integration.tracking_identifier {
        return code.clone();
    }
    let label = w
        .steps
        .iter()
        .find_map(|s| s.integration_vendor.clone())
        .unwrap_or_else(|| w.vendor.clone());
    at.tracking_code(&label)
}

/// Applies one step; returns the Autotask credentials when the step created an API user.
pub fn apply_step(
    t: &mut Tenant,
    w: &Wizard,
    step_id: &str,
) -> Result<Option<AutotaskDemo>, ApplyError> {
    let step = w.step(step_id).ok_or_else(|| ApplyError::UnknownStep {
        wizard: w.id.clone(),
        step: step_id.to_string(),
    })?;
    let missing = |field| ApplyError::MissingField {
        wizard: w.id.clone(),
        step: step.id.clone(),
        field,
    };
    match step.kind {
        StepKind::SecurityLevel => {
            let name = level_name_of(w, step);
            security_level(&mut t.autotask, step, &name);
        }
        StepKind::ApiUser => return api_user(&mut t.autotask, w, step).map(Some),
        StepKind::TrackingIdentifier => {
            let demo = autotask_demo_for(w, &mut t.autotask);
            if let Some(r) = t.autotask.resource_by_user_mut(&demo.username) {
                r.tracking_code = Some(demo.integration_code);
            }
        }
        StepKind::Impersonation => impersonation(&mut t.autotask, w, step)?,
        StepKind::Webhooks => {
            let name = api_level_name(w)
                .ok_or_else(|| missing("security level (security_level step name)"))?;
            let level = t
                .autotask
                .level_by_name_mut(&name)
                .ok_or_else(|| ApplyError::Missing {
                    step: step.id.clone(),
                    what: format!("the security level {name:?}"),
                })?;
            level.webhook_permission = true;
            level.webhook_max = level.webhook_max.max(10);
        }
        StepKind::SecurityRole => {
            let name = step.name.clone().unwrap_or_else(|| role_name_for(w));
            // A further (conditional) security_role step adds its rows to the role.
            let first = w
                .step_of(StepKind::SecurityRole)
                .is_some_and(|f| f.id == step.id);
            security_role(&mut t.connectwise, step, &name, first);
            if first && keys_are_implied(w) && w.step_of(StepKind::ApiMember).is_none() {
                connectwise_keys_for(w, &mut t.connectwise)?;
            }
        }
        StepKind::ApiMember => {
            api_member(&mut t.connectwise, w, Some(step))?;
            if keys_are_implied(w) {
                connectwise_keys_for(w, &mut t.connectwise)?;
            }
        }
        StepKind::ApiKeys => {
            if w.psa == Psa::Connectwise {
                let identifier = member_identifier(w);
                let member = t
                    .connectwise
                    .member_by_identifier(&identifier)
                    .ok_or_else(|| ApplyError::Missing {
                        step: step.id.clone(),
                        what: format!("the API member {identifier:?}"),
                    })?
                    .id;
                t.connectwise.keys.retain(|k| k.public_key != CW_PUBLIC_KEY);
                t.connectwise.keys.push(ApiKey {
                    public_key: CW_PUBLIC_KEY.into(),
                    private_key: SecretString::from(CW_PRIVATE_KEY),
                    member_id: member,
                });
            }
        }
        StepKind::ClientId => {
            let id = w
                .integration
                .client_id
                .clone()
                .unwrap_or_else(|| CW_CLIENT_ID.to_string());
            t.connectwise.client_ids.insert(id);
        }
        // Callbacks have no data in the wizard model yet; manual steps change nothing the
        // PSA holds.
        StepKind::Callbacks | StepKind::Manual | StepKind::CredentialSubmission => {}
    }
    Ok(None)
}

/// The name a security_level step's level has in the tenant: the guide's, or, when the guide
/// leaves it to the admin, one the sandbox picks as the admin would.
pub fn level_name_of(w: &Wizard, step: &Step) -> String {
    step.name
        .clone()
        .unwrap_or_else(|| format!("{} integration", w.vendor))
}

/// The name of the level the wizard's API user gets.
fn api_level_name(w: &Wizard) -> Option<String> {
    w.step_of(StepKind::ApiUser)
        .and_then(|s| s.security_level.clone())
        .or_else(|| {
            w.step_of(StepKind::SecurityLevel)
                .map(|s| level_name_of(w, s))
        })
}

fn normalized(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// The level a `copy_from` names, tolerating the guides' spellings
/// ("API User (System) (API-only)" for "API User (system)").
fn find_copy_source<'a>(at: &'a AutotaskTenant, copy_from: &str) -> Option<&'a SecurityLevel> {
    let want = normalized(copy_from);
    at.levels.iter().find(|l| {
        let have = normalized(&l.name);
        have == want || want.starts_with(&have) || have.starts_with(&want)
    })
}

fn access_of(a: Access) -> AccessLevel {
    match a {
        Access::All | Access::Any => AccessLevel::All,
        Access::Restricted => AccessLevel::Restricted,
        Access::None => AccessLevel::None,
    }
}

/// A manual row's recorded value: the dropdown value, the checkbox state or the level columns.
fn manual_value(row: &wizard::PermissionRow) -> String {
    if let Some(v) = &row.value {
        return v.clone();
    }
    if row.checkbox.is_some() {
        return if row.is_checked() {
            "checked"
        } else {
            "unchecked"
        }
        .into();
    }
    if !row.required.is_empty() {
        return row.required.join(", ");
    }
    row.levels()
        .map(|(c, v)| format!("{}={v}", c.key()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a row maps a module permission to entity expectations (not manual, not observed).
fn maps_entities(row: &wizard::PermissionRow) -> bool {
    row.verify
        .as_ref()
        .is_some_and(|v| v.manual.is_none() && v.observe.is_none() && !v.all_entities().is_empty())
}

/// The grid section a row belongs to: its module is "Web Services API › <section>".
fn grid_section(row: &wizard::PermissionRow) -> Option<&str> {
    let rest = row.module.strip_prefix("Web Services API")?.trim_start();
    let section = rest
        .strip_prefix('›')
        .or_else(|| rest.strip_prefix('>'))?
        .trim();
    (!section.is_empty()).then_some(section)
}

/// The Web Services API impersonation grid the rows set: object rows by their checked columns,
/// requirement rows ("add the View permission", "All Available Permissions") by their list,
/// on the object or, without one, on the whole section.
fn grid_grants(rows: &[wizard::PermissionRow]) -> Vec<(&'static str, Op)> {
    let mut grants = Vec::new();
    for row in rows.iter().filter(|r| r.checkbox.is_none()) {
        let Some(section) = grid_section(row) else {
            continue;
        };
        let entities = grid_entities(section, row.object.as_deref());
        let mut ops: Vec<Op> = row
            .levels()
            .filter(|(_, v)| granted(v))
            .filter_map(|(c, _)| op_of(c))
            .collect();
        for r in &row.required {
            let r = r.to_ascii_lowercase();
            if r.contains("all available") {
                ops.extend([Op::Query, Op::Create, Op::Update, Op::Delete]);
            } else if r.contains("view") {
                ops.push(Op::Query);
            } else if r.contains("add") {
                ops.push(Op::Create);
            } else if r.contains("edit") {
                ops.push(Op::Update);
            } else if r.contains("delete") {
                ops.push(Op::Delete);
            }
        }
        for e in &entities {
            for op in &ops {
                grants.push((*e, *op));
            }
        }
    }
    grants
}

/// Creates (or resets) the level. Its license comes from the level it copies (API User by
/// default). When the step's rows map module permissions to entities, the guide's table defines
/// the level: "No Permission" for every module, then each row's expectations are granted
/// (conflicting rows resolve to the grant; write access without an explicit query expectation
/// also grants query: a level cannot edit what it cannot see). When no row does (the guide only
/// adds Web Services API grid permissions to a copy), the copy keeps its source's access: the
/// system "API User" level has full access, as Autotask documents. Grid rows
/// ("Web Services API › …") set the level's impersonation grid; manual rows are recorded.
fn security_level(at: &mut AutotaskTenant, step: &Step, name: &str) {
    let source = step
        .copy_from
        .as_deref()
        .and_then(|c| find_copy_source(at, c))
        .cloned();
    let license = source
        .as_ref()
        .map(|l| l.license)
        .unwrap_or(LICENSE_API_USER);
    let id = match at.level_by_name(name) {
        Some(l) => l.id,
        None => {
            let id = at.alloc_id();
            at.levels.push(SecurityLevel::new(id, name, license, false));
            id
        }
    };
    let level = at
        .levels
        .iter_mut()
        .find(|l| l.id == id)
        .expect("just ensured");
    match source {
        Some(src) if !step.permissions.iter().any(maps_entities) => {
            level.access = src.access.clone();
            level.default_access = src.default_access;
        }
        _ => {
            level.access.clear();
            level.default_access = EntityAccess::NONE;
        }
    }
    level.web_services_login = true;
    level.impersonation_grants.clear();
    for (e, op) in grid_grants(&step.permissions) {
        level.impersonation_grants.insert((e.to_string(), op));
    }
    let mut explicit_query: Vec<String> = Vec::new();
    for row in &step.permissions {
        let Some(v) = &row.verify else {
            level.manual.insert(row.label(), manual_value(row));
            continue;
        };
        if v.manual.is_some() {
            level.manual.insert(row.label(), manual_value(row));
            continue;
        }
        for entity in v.all_entities() {
            for (op, want) in v.expectations() {
                let acc = level.entity_access_mut(entity);
                let new = access_of(want);
                if new > acc.get(op) {
                    acc.set(op, new);
                }
                if op == Op::Query {
                    explicit_query.push(entity.to_ascii_lowercase());
                }
            }
        }
    }
    for (entity, acc) in level.access.iter_mut() {
        let writes = [acc.create, acc.update, acc.delete]
            .iter()
            .any(|a| *a != AccessLevel::None);
        if writes && !explicit_query.contains(&entity.to_ascii_lowercase()) {
            acc.query = AccessLevel::All;
        }
    }
}

fn api_user(at: &mut AutotaskTenant, w: &Wizard, step: &Step) -> Result<AutotaskDemo, ApplyError> {
    // A guide that keeps the built-in level may offer a dedicated copy as an option (MSP360):
    // when that copy was made, the admin gave it to the API user.
    let optional_copy = w
        .steps
        .iter()
        .find(|s| step.system_level && s.kind == StepKind::SecurityLevel && s.optional)
        .map(|s| level_name_of(w, s))
        .filter(|name| at.level_by_name(name).is_some());
    let level_name = optional_copy
        .or_else(|| step.security_level.clone())
        .or_else(|| api_level_name(w))
        .ok_or_else(|| ApplyError::MissingField {
            wizard: w.id.clone(),
            step: step.id.clone(),
            field: "security_level",
        })?;
    let level_id = at
        .level_by_name(&level_name)
        .ok_or_else(|| ApplyError::Missing {
            step: step.id.clone(),
            what: format!("the security level {level_name:?}"),
        })?
        .id;
    let demo = autotask_demo_for(w, at);
    let (first, last) = (w.vendor.clone(), "API".to_string());
    match at.resource_by_user_mut(&demo.username) {
        Some(r) => {
            r.user_type = level_id;
            r.license_type = LICENSE_API_USER;
            r.is_active = true;
            r.locked = false;
            r.failed_attempts = 0;
            r.secret = demo.secret.clone();
            r.tracking_code = Some(demo.integration_code.clone());
        }
        None => {
            let id = at.alloc_id();
            at.resources.push(Resource {
                id,
                user_name: demo.username.clone(),
                email: demo.username.clone(),
                first_name: first,
                last_name: last,
                is_active: true,
                license_type: LICENSE_API_USER,
                user_type: level_id,
                secret: demo.secret.clone(),
                tracking_code: Some(demo.integration_code.clone()),
                locked: false,
                failed_attempts: 0,
            });
        }
    }
    Ok(demo)
}

fn op_of(column: Column) -> Option<Op> {
    match column {
        Column::View | Column::Inquire => Some(Op::Query),
        Column::Add => Some(Op::Create),
        Column::Edit => Some(Op::Update),
        Column::Delete => Some(Op::Delete),
        Column::Permission => None,
    }
}

fn granted(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "checked" | "yes" | "all" | "mine"
    )
}

/// Impersonation: grid rows ("Web Services API › …") are the API level's impersonation grid;
/// checkbox rows are settings of the human levels in use (system levels are copied first, as
/// Autotask requires).
fn impersonation(at: &mut AutotaskTenant, w: &Wizard, step: &Step) -> Result<(), ApplyError> {
    let grid = grid_grants(&step.permissions);
    if !grid.is_empty() {
        let name = api_level_name(w).ok_or_else(|| ApplyError::MissingField {
            wizard: w.id.clone(),
            step: step.id.clone(),
            field: "security level (security_level step name)",
        })?;
        let level = at
            .level_by_name_mut(&name)
            .ok_or_else(|| ApplyError::Missing {
                step: step.id.clone(),
                what: format!("the security level {name:?}"),
            })?;
        for (e, op) in grid {
            level.impersonation_grants.insert((e.to_string(), op));
        }
    }
    let checkboxes: Vec<&wizard::PermissionRow> = step
        .permissions
        .iter()
        .filter(|r| r.checkbox.is_some())
        .collect();
    if checkboxes.is_empty() {
        return Ok(());
    }
    for level_id in human_levels_in_use(at) {
        let id = editable_copy(at, level_id);
        let level = at.levels.iter_mut().find(|l| l.id == id).expect("exists");
        for row in &checkboxes {
            let label = row.checkbox.as_deref().unwrap_or("");
            if label.eq_ignore_ascii_case("Can login to Web Services API") {
                level.web_services_login = row.is_checked();
            } else if label.to_ascii_lowercase().contains("impersonat") {
                level.allow_impersonation = row.is_checked();
            } else {
                level.manual.insert(row.label(), manual_value(row));
            }
        }
    }
    Ok(())
}

/// Security levels of active human (non-API) resources.
pub fn human_levels_in_use(at: &AutotaskTenant) -> Vec<i64> {
    let mut ids: Vec<i64> = at
        .resources
        .iter()
        .filter(|r| r.is_active && r.license_type != LICENSE_API_USER)
        .map(|r| r.user_type)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// System levels cannot be edited: copy one, move its resources to the copy, return the copy.
fn editable_copy(at: &mut AutotaskTenant, level_id: i64) -> i64 {
    let Some(level) = at.level(level_id).cloned() else {
        return level_id;
    };
    if !level.is_system {
        return level_id;
    }
    let name = format!("{} (copy)", level.name.replace(" (system)", ""));
    let id = match at.level_by_name(&name) {
        Some(l) => l.id,
        None => {
            let id = at.alloc_id();
            let mut copy = level.clone();
            copy.id = id;
            copy.name = name;
            copy.is_system = false;
            at.levels.push(copy);
            id
        }
    };
    for r in at.resources.iter_mut().filter(|r| r.user_type == level_id) {
        r.user_type = id;
    }
    id
}

/// The role a ConnectWise wizard sets up: the guide's name, or (where the guide lets the admin
/// name it) the vendor's.
fn role_name_for(w: &Wizard) -> String {
    w.level_name()
        .map(str::to_string)
        .unwrap_or_else(|| w.vendor.clone())
}

/// Creates or updates the role. The wizard's first security_role step defines it (every other
/// function None, a column the guide does not give None); a further, conditional one sets only
/// the columns its rows give. Rows are stored under ConnectWise's names (`verify.module` /
/// `verify.function` where the guide spells them differently).
fn security_role(cw: &mut ConnectwiseTenant, step: &Step, name: &str, defines: bool) {
    let id = match cw.role_by_name(name) {
        Some(r) => r.id,
        None => {
            let id = cw.alloc_id();
            cw.roles.push(SecurityRole {
                id,
                name: name.to_string(),
                role_type: "Standard".into(),
                admin_flag: false,
                inactive_flag: false,
                settings: Default::default(),
            });
            id
        }
    };
    let role = cw.roles.iter_mut().find(|r| r.id == id).expect("exists");
    if defines {
        role.settings.clear();
    }
    for row in step.permissions.iter().filter(|r| r.has_levels()) {
        let Some(function) = row.psa_function() else {
            continue;
        };
        let setting = role.setting_mut(row.psa_module(), function);
        for (column, value) in row.levels() {
            if let Some(level) = CwLevel::parse(value) {
                setting.set(column, level);
            }
        }
    }
}

fn member_identifier(w: &Wizard) -> String {
    w.step_of(StepKind::ApiMember)
        .and_then(|s| s.member.as_ref())
        .and_then(|m| m.identifier.clone())
        .unwrap_or_else(|| {
            w.vendor
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect()
        })
}

/// "Corporate (Level 1)" → (1, "Corporate").
fn structure_level(label: &str) -> (i32, String) {
    let name = label.split(" (").next().unwrap_or(label).trim().to_string();
    let id = label
        .rsplit("Level ")
        .next()
        .and_then(|s| s.trim_end_matches(')').trim().parse().ok())
        .unwrap_or(1);
    (id, name)
}

/// Creates (or resets) the wizard's API member; `step` is its api_member step, if the guide has
/// one (else the demo member the keys need).
fn api_member(
    cw: &mut ConnectwiseTenant,
    w: &Wizard,
    step: Option<&Step>,
) -> Result<(), ApplyError> {
    let spec = step.and_then(|s| s.member.clone()).unwrap_or_default();
    let identifier = member_identifier(w);
    let role_name = spec
        .role
        .clone()
        .or_else(|| step.and_then(|s| s.security_level.clone()))
        .unwrap_or_else(|| role_name_for(w));
    let role_id = cw
        .role_by_name(&role_name)
        .ok_or_else(|| ApplyError::Missing {
            step: step.map_or_else(|| "api-keys".to_string(), |s| s.id.clone()),
            what: format!("the security role {role_name:?}"),
        })?
        .id;
    let level = structure_level(spec.level.as_deref().unwrap_or("Corporate (Level 1)"));
    let location = (
        2,
        spec.location.clone().unwrap_or_else(|| "Corporate".into()),
    );
    let email = spec
        .email
        .clone()
        .map(|e| format!("{}@{DEMO_DOMAIN}", e.split('@').next().unwrap_or("api")))
        .unwrap_or_else(|| format!("{}@{DEMO_DOMAIN}", identifier.to_lowercase()));
    let name = spec
        .name
        .clone()
        .unwrap_or_else(|| format!("{} API", w.vendor));
    let existing = cw
        .members
        .iter()
        .position(|m| m.identifier.eq_ignore_ascii_case(&identifier));
    let id = match existing {
        Some(i) => cw.members[i].id,
        None => cw.alloc_id(),
    };
    let member = Member {
        id,
        identifier,
        first_name: name,
        last_name: String::new(),
        email,
        license_class: "A".into(),
        inactive: false,
        role_id,
        structure_level: level,
        security_location: location,
        excluded_service_board_ids: vec![],
    };
    match existing {
        Some(i) => cw.members[i] = member,
        None => cw.members.push(member),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_structure_levels_and_copy_sources() {
        assert_eq!(
            structure_level("Corporate (Level 1)"),
            (1, "Corporate".into())
        );
        assert_eq!(structure_level("Sales (Level 3)"), (3, "Sales".into()));
        let t = seed::unconfigured();
        let src = find_copy_source(&t.autotask, "API User (System) (API-only)").unwrap();
        assert_eq!(src.name, "API User (system)");
        assert!(find_copy_source(&t.autotask, "Nonexistent Level").is_none());
    }

    #[test]
    fn applying_an_unknown_step_names_it() {
        let mut t = seed::unconfigured();
        let w = wizard::builtin().remove(0).wizard;
        let e = apply_step(&mut t, &w, "no-such-step").unwrap_err();
        assert!(e.to_string().contains("no-such-step"), "{e}");
    }

    /// A conditional security_role step (CyberFox's † levels) adds to the role the first one
    /// defines; a guide without a keys step still gets the demo keys, on a member with that role.
    #[test]
    fn a_conditional_role_step_adds_to_the_role_and_the_keys_go_to_a_member_on_it() {
        use CwLevel::{All, None as No};
        let w = wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "autoelevate-connectwise")
            .expect("built-in")
            .wizard;
        let (mut t, _) = build("configured:autoelevate-connectwise").unwrap();
        let role = t
            .connectwise
            .role_by_name("CyberFox")
            .expect("named after the vendor");
        let levels = |s: RoleSetting| (s.add, s.edit, s.delete, s.inquire);
        // Time Entry: Add and Inquire from the role step, Edit from the † step.
        assert_eq!(
            levels(role.setting("Time & Expense", "Time Entry")),
            (All, All, No, All)
        );
        let key = t
            .connectwise
            .keys
            .iter()
            .find(|k| k.public_key == CW_PUBLIC_KEY)
            .expect("the demo keys");
        let member = t.connectwise.member(key.member_id).expect("their member");
        assert_eq!(member.role_id, role.id);
        assert_eq!(member.license_class, "A");

        // The role step again defines the role: the † levels are gone until chosen again.
        apply_step(&mut t, &w, "security-role").unwrap();
        let role = t.connectwise.role_by_name("CyberFox").unwrap();
        assert_eq!(
            levels(role.setting("Time & Expense", "Time Entry")),
            (All, No, No, All)
        );
        assert_eq!(
            levels(role.setting("Finance", "Agreements")),
            (No, No, No, No)
        );
    }

    #[test]
    fn api_user_needs_its_level_first() {
        let mut t = seed::unconfigured();
        let w = wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.psa == Psa::Autotask)
            .unwrap()
            .wizard;
        let step = w.step_of(StepKind::ApiUser).unwrap().id.clone();
        let e = apply_step(&mut t, &w, &step).unwrap_err();
        assert!(
            e.to_string()
                .contains("apply the step that creates it first"),
            "{e}"
        );
    }
}
