//! Wizard-driven admin actions.

use super::*;

/// Applying every step of each built-in wizard to `unconfigured` gives a tenant that the
/// wizard's own data describes as configured; before, verification fails.
#[tokio::test]
async fn applying_every_step_configures_the_tenant_the_wizard_describes() {
    for l in wizard::builtin() {
        let w = l.wizard;
        let sb = start("unconfigured").await;
        let creds = sb.credentials_for(&w);
        assert_eq!(
            sign_in_status(&sb, w.psa, &creds).await,
            401,
            "{}: fails before",
            w.id
        );
        for s in &w.steps {
            sb.apply_step(&w, &s.id)
                .unwrap_or_else(|e| panic!("{}: {e}", w.id));
        }
        assert_eq!(
            sign_in_status(&sb, w.psa, &creds).await,
            200,
            "{}: passes after",
            w.id
        );
        match w.psa {
            Psa::Autotask => {
                assert_eq!(sb.credentials().autotask.username, creds.autotask.username);
                check_autotask(&sb, &At::new(&sb, &creds), &w).await;
            }
            Psa::Connectwise => check_connectwise(&Cw::api(&sb, &creds), &w).await,
        }
        sb.shutdown().await;
    }
}

async fn check_autotask(sb: &Sandbox, at: &At, w: &Wizard) {
    for step in &w.steps {
        match step.kind {
            StepKind::SecurityLevel => {
                let name = psa_onboard::sandbox::level_name_of(w, step);
                sb.with_tenant(|t| {
                    let level = t
                        .autotask
                        .level_by_name(&name)
                        .unwrap_or_else(|| panic!("{name}"));
                    assert!(level.web_services_login && !level.is_system);
                    for row in &step.permissions {
                        if row.manual_reason().is_some() || row.verify.is_none() {
                            assert!(
                                level.manual.contains_key(&row.label()),
                                "{}: {}",
                                w.id,
                                row.label()
                            );
                        }
                    }
                });
                for row in &step.permissions {
                    let Some(v) = &row.verify else { continue };
                    for entity in v.all_entities() {
                        for (op, want) in v.expectations() {
                            let got = at.access(entity, op).await;
                            let ok = match want {
                                Access::All => got == "All",
                                Access::Any => got != "None",
                                Access::Restricted => got == "Restricted",
                                Access::None => got == "None",
                            };
                            assert!(
                                ok,
                                "{} {}: {entity} {op:?} is {got}, wants {want:?}",
                                w.id,
                                row.label()
                            );
                        }
                    }
                }
            }
            StepKind::ApiUser => {
                // The guide's level; a level the guide leaves unnamed (Guardz) or, beside the
                // built-in level, the optional copy the admin made (MSP360): the sandbox's name.
                let level_name = match &step.security_level {
                    Some(l) if !step.system_level => l.clone(),
                    _ => w
                        .step_of(StepKind::SecurityLevel)
                        .map(|s| psa_onboard::sandbox::level_name_of(w, s))
                        .or_else(|| step.security_level.clone())
                        .unwrap(),
                };
                let me = at
                    .post(
                        "Resources/query",
                        json!({"MaxRecords": 1,
                    "Filter": [{"op": "eq", "field": "userName", "value": at.user}]}),
                    )
                    .await
                    .json();
                let item = &me["items"][0];
                assert_eq!(item["isActive"], true);
                assert_eq!(item["licenseType"], LICENSE_API_USER);
                let fields = at.get("Resources/entityInformation/fields").await.json();
                let label = fields["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|f| f["name"] == "userType")
                    .unwrap()["picklistValues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| {
                        p["value"].as_str()
                            == Some(item["userType"].as_i64().unwrap().to_string().as_str())
                    })
                    .unwrap()["label"]
                    .clone();
                assert_eq!(label, level_name, "{}", w.id);
            }
            StepKind::Impersonation => check_impersonation_step(sb, w, step),
            StepKind::Webhooks => {
                assert_eq!(
                    at.access("TicketWebhooks", Op::Create).await,
                    "All",
                    "{}",
                    w.id
                );
            }
            _ => {}
        }
    }
}

fn check_impersonation_step(sb: &Sandbox, w: &Wizard, step: &wizard::Step) {
    // Object rows: the API level's Web Services API grid.
    let api_level = w
        .step_of(StepKind::ApiUser)
        .and_then(|s| s.security_level.clone())
        .unwrap();
    for row in step
        .permissions
        .iter()
        .filter(|r| r.checkbox.is_none() && r.object.is_some())
    {
        let entity: String = row
            .object
            .as_deref()
            .unwrap()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        for (col, value) in row.levels() {
            if !value.eq_ignore_ascii_case("checked") {
                continue;
            }
            let op = match col {
                wizard::Column::Add => Op::Create,
                wizard::Column::Edit => Op::Update,
                wizard::Column::Delete => Op::Delete,
                _ => Op::Query,
            };
            let has = sb.with_tenant(|t| {
                t.autotask
                    .level_by_name(&api_level)
                    .unwrap()
                    .impersonation_grants
                    .contains(&(entity.clone(), op))
            });
            assert!(has, "{}: {} grant {op:?}", w.id, row.label());
        }
    }
    // Checkbox rows: every human level in use (copied first if it was a system level).
    for row in step.permissions.iter().filter(|r| r.checkbox.is_some()) {
        let label = row.checkbox.clone().unwrap().to_lowercase();
        sb.with_tenant(|t| {
            let levels = sandbox_human_levels(t);
            assert!(!levels.is_empty());
            for id in levels {
                let level = t.autotask.level(id).unwrap();
                assert!(
                    !level.is_system,
                    "{}: system level {} was edited",
                    w.id, level.name
                );
                if label.contains("impersonat") {
                    assert_eq!(
                        level.allow_impersonation,
                        row.is_checked(),
                        "{}: {}",
                        w.id,
                        level.name
                    );
                } else if label == "can login to web services api" {
                    assert_eq!(
                        level.web_services_login,
                        row.is_checked(),
                        "{}: {}",
                        w.id,
                        level.name
                    );
                }
            }
        });
    }
}

fn sandbox_human_levels(t: &sandbox::Tenant) -> Vec<i64> {
    let mut ids: Vec<i64> = t
        .autotask
        .resources
        .iter()
        .filter(|r| r.is_active && r.license_type != LICENSE_API_USER)
        .map(|r| r.user_type)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

async fn check_connectwise(cw: &Cw, w: &Wizard) {
    let rows = cw.get("system/mySecurity?pageSize=1000").await.json();
    let rows = rows.as_array().unwrap();
    // The role's table: the level rows of every security_role step (a conditional one adds to
    // the role), under ConnectWise's names; the levels each row gives are set.
    let table: Vec<&wizard::PermissionRow> = w
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::SecurityRole)
        .flat_map(|s| &s.permissions)
        .filter(|r| r.has_levels())
        .collect();
    for row in &table {
        let (module, function) = (row.psa_module(), row.psa_function().unwrap());
        let got = rows
            .iter()
            .find(|r| r["moduleName"] == module && r["moduleFunctionName"] == function)
            .unwrap_or_else(|| panic!("{}: {} missing from mySecurity", w.id, row.label()));
        for (col, key) in [
            (Column::Add, "addLevel"),
            (Column::Edit, "editLevel"),
            (Column::Delete, "deleteLevel"),
            (Column::Inquire, "inquireLevel"),
        ] {
            if let Some(want) = row.level(col) {
                assert_eq!(
                    got[key].as_str(),
                    Some(want),
                    "{}: {} {key}",
                    w.id,
                    row.label()
                );
            }
        }
    }
    let listed: Vec<(String, String)> = table
        .iter()
        .map(|r| {
            (
                r.psa_module().to_string(),
                r.psa_function().unwrap().to_string(),
            )
        })
        .collect();
    for r in rows {
        let key = (
            r["moduleName"].as_str().unwrap().to_string(),
            r["moduleFunctionName"].as_str().unwrap().to_string(),
        );
        if !listed.contains(&key) {
            assert_eq!(
                r["inquireLevel"], "None",
                "{}: {key:?} is outside the table",
                w.id
            );
        }
    }
    // The member whose keys these are: the guide's, or (where the guide stops at the role) the
    // one the sandbox puts on the wizard's role.
    let me = cw.get("system/myMembers").await.json();
    assert_eq!(me["licenseClass"], "A");
    assert_eq!(me["inactiveFlag"], false);
    let spec = w
        .step_of(StepKind::ApiMember)
        .and_then(|s| s.member.clone())
        .unwrap_or_default();
    let role = spec
        .role
        .clone()
        .or_else(|| w.level_name().map(str::to_string))
        .unwrap_or_else(|| w.vendor.clone());
    assert_eq!(me["securityRole"]["name"].as_str(), Some(role.as_str()));
    if let Some(id) = &spec.identifier {
        assert_eq!(me["identifier"].as_str(), Some(id.as_str()));
    }
    assert_eq!(
        me["securityLocation"]["name"].as_str(),
        Some(spec.location.as_deref().unwrap_or("Corporate"))
    );
    assert!(
        spec.level
            .as_deref()
            .unwrap_or("Corporate (Level 1)")
            .starts_with(me["structureLevel"]["name"].as_str().unwrap())
    );
}
