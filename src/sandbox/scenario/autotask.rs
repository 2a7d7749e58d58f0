//! The Autotask sandbox tenant: a security level from the guide's grids, the API user on it,
//! its tracking identifier, impersonation and webhook rights.

use super::super::AutotaskDemo;
use secrecy::SecretString;

use super::super::at_entities::grid_entities;
use super::super::tenant::*;
use super::ApplyError;
use super::registry::PsaScenario;
use crate::wizard::{self, Access, Column, Op, Step, StepKind, Wizard};

pub(super) struct Autotask;

impl PsaScenario for Autotask {
    fn apply(
        &self,
        t: &mut Tenant,
        w: &Wizard,
        step: &Step,
    ) -> Result<Option<AutotaskDemo>, ApplyError> {
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
                let level =
                    t.autotask
                        .level_by_name_mut(&name)
                        .ok_or_else(|| ApplyError::Missing {
                            step: step.id.clone(),
                            what: format!("the security level {name:?}"),
                        })?;
                level.webhook_permission = true;
                level.webhook_max = level.webhook_max.max(10);
            }
            // The admin copies the API user's secret; nothing changes in the tenant. The other
            // PSA's kinds never reach here; manual steps change nothing the PSA holds.
            StepKind::ApiKeys
            | StepKind::SecurityRole
            | StepKind::ApiMember
            | StepKind::ClientId
            | StepKind::Callbacks
            | StepKind::Manual
            | StepKind::CredentialSubmission => {}
        }
        Ok(None)
    }

    fn finish(&self, t: &mut Tenant, w: &Wizard) -> Option<AutotaskDemo> {
        Some(autotask_demo_for(w, &mut t.autotask))
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
pub(super) fn tracking_code_for(w: &Wizard, at: &mut AutotaskTenant) -> String {
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

/// The name a security_level step's level has in the tenant: the guide's, or, when the guide
/// leaves it to the admin, one the sandbox picks as the admin would.
pub fn level_name_of(w: &Wizard, step: &Step) -> String {
    step.name
        .clone()
        .unwrap_or_else(|| format!("{} integration", w.vendor))
}

/// The name of the level the wizard's API user gets.
pub(super) fn api_level_name(w: &Wizard) -> Option<String> {
    w.step_of(StepKind::ApiUser)
        .and_then(|s| s.security_level.clone())
        .or_else(|| {
            w.step_of(StepKind::SecurityLevel)
                .map(|s| level_name_of(w, s))
        })
}

pub(super) fn normalized(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

/// The level a `copy_from` names, tolerating the guides' spellings
/// ("API User (System) (API-only)" for "API User (system)").
pub(super) fn find_copy_source<'a>(
    at: &'a AutotaskTenant,
    copy_from: &str,
) -> Option<&'a SecurityLevel> {
    let want = normalized(copy_from);
    at.levels.iter().find(|l| {
        let have = normalized(&l.name);
        have == want || want.starts_with(&have) || have.starts_with(&want)
    })
}

pub(super) fn access_of(a: Access) -> AccessLevel {
    match a {
        Access::All | Access::Any => AccessLevel::All,
        Access::Restricted => AccessLevel::Restricted,
        Access::None => AccessLevel::None,
    }
}

/// A manual row's recorded value: the dropdown value, the checkbox state or the level columns.
pub(super) fn manual_value(row: &wizard::PermissionRow) -> String {
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
pub(super) fn maps_entities(row: &wizard::PermissionRow) -> bool {
    row.verify
        .as_ref()
        .is_some_and(|v| v.manual.is_none() && v.observe.is_none() && !v.all_entities().is_empty())
}

/// The grid section a row belongs to: its module is "Web Services API › <section>".
pub(super) fn grid_section(row: &wizard::PermissionRow) -> Option<&str> {
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
pub(super) fn grid_grants(rows: &[wizard::PermissionRow]) -> Vec<(&'static str, Op)> {
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
pub(super) fn security_level(at: &mut AutotaskTenant, step: &Step, name: &str) {
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

pub(super) fn api_user(
    at: &mut AutotaskTenant,
    w: &Wizard,
    step: &Step,
) -> Result<AutotaskDemo, ApplyError> {
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

pub(super) fn op_of(column: Column) -> Option<Op> {
    match column {
        Column::View | Column::Inquire => Some(Op::Query),
        Column::Add => Some(Op::Create),
        Column::Edit => Some(Op::Update),
        Column::Delete => Some(Op::Delete),
        Column::Permission => None,
    }
}

pub(super) fn granted(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "checked" | "yes" | "all" | "mine"
    )
}

/// Impersonation: grid rows ("Web Services API › …") are the API level's impersonation grid;
/// checkbox rows are settings of the human levels in use (system levels are copied first, as
/// Autotask requires).
pub(super) fn impersonation(
    at: &mut AutotaskTenant,
    w: &Wizard,
    step: &Step,
) -> Result<(), ApplyError> {
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
pub(super) fn editable_copy(at: &mut AutotaskTenant, level_id: i64) -> i64 {
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
