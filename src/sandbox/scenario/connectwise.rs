//! The ConnectWise sandbox tenant: the security role from the guide's table, the API member on
//! it, its key pair and the integration's clientId.

use secrecy::SecretString;

use super::super::seed::{self, CW_CLIENT_ID, CW_COMPANY_ID, CW_PRIVATE_KEY, CW_PUBLIC_KEY};
use super::super::tenant::*;
use super::super::{AutotaskDemo, ConnectwiseDemo};
use super::ApplyError;
use super::registry::PsaScenario;
use crate::wizard::{Psa, Step, StepKind, Wizard};

pub(super) struct Connectwise;

impl PsaScenario for Connectwise {
    fn apply(
        &self,
        t: &mut Tenant,
        w: &Wizard,
        step: &Step,
    ) -> Result<Option<AutotaskDemo>, ApplyError> {
        match step.kind {
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
            StepKind::ClientId => {
                let id = w
                    .integration
                    .client_id
                    .clone()
                    .unwrap_or_else(|| CW_CLIENT_ID.to_string());
                t.connectwise.client_ids.insert(id);
            }
            // Callbacks have no data in the wizard model yet; manual steps change nothing the
            // PSA holds; the other PSA's kinds never reach here.
            StepKind::Callbacks
            | StepKind::Manual
            | StepKind::CredentialSubmission
            | StepKind::SecurityLevel
            | StepKind::ApiUser
            | StepKind::TrackingIdentifier
            | StepKind::Impersonation
            | StepKind::Webhooks => {}
        }
        Ok(None)
    }

    fn finish(&self, _t: &mut Tenant, _w: &Wizard) -> Option<AutotaskDemo> {
        None
    }
}

/// Whether the guide stops before the API keys: N-able's and CyberFox's pages give only the
/// security role, Hudu's stored page stops at the member. The step that ends the guide's part
/// then also does what the admin does before entering keys: the member (on the wizard's role,
/// when the guide has no member step) gets the demo keys.
pub(super) fn keys_are_implied(w: &Wizard) -> bool {
    w.psa == Psa::Connectwise && w.step_of(StepKind::ApiKeys).is_none()
}

/// Gives the wizard's API member the demo key pair (creating the member on the wizard's role
/// when the guide has no member step).
pub(super) fn connectwise_keys_for(
    w: &Wizard,
    cw: &mut ConnectwiseTenant,
) -> Result<(), ApplyError> {
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

/// The role a ConnectWise wizard sets up: the guide's name, or (where the guide lets the admin
/// name it) the vendor's.
pub(super) fn role_name_for(w: &Wizard) -> String {
    w.level_name()
        .map(str::to_string)
        .unwrap_or_else(|| w.vendor.clone())
}

/// Creates or updates the role. The wizard's first security_role step defines it (every other
/// function None, a column the guide does not give None); a further, conditional one sets only
/// the columns its rows give. Rows are stored under ConnectWise's names (`verify.module` /
/// `verify.function` where the guide spells them differently).
pub(super) fn security_role(cw: &mut ConnectwiseTenant, step: &Step, name: &str, defines: bool) {
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

pub(super) fn member_identifier(w: &Wizard) -> String {
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
pub(super) fn structure_level(label: &str) -> (i32, String) {
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
pub(super) fn api_member(
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
