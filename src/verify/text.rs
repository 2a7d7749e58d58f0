//! Remedy and explanation texts. Vendor words come from the wizard; only PSA behaviour is here.

use crate::wizard::{Observe, PermissionRow, Psa, Step};

use super::Item;

/// The fix for a check or row: the check's own remedy, else the guide's clicks for the step.
/// For a row: what to set, where (the step's level or role by name), and the guide's first
/// clicks, which name the UI path.
pub fn remedy(psa: Psa, step: &Step, item: Item<'_>) -> String {
    match item {
        Item::Check(c) => c
            .remedy
            .clone()
            .unwrap_or_else(|| step.instructions.join(" ")),
        Item::Row(_, r) => {
            let mut text = format!("Set {}: {}", r.label(), row_want(psa, r));
            if let Some(name) = &step.name {
                text.push_str(&format!(" in the \"{name}\" {}", step.kind.label()));
            }
            text.push('.');
            let path: Vec<&str> = step
                .instructions
                .iter()
                .take(2)
                .map(String::as_str)
                .collect();
            if !path.is_empty() {
                text.push_str(&format!(" ({})", path.join(" ")));
            }
            text
        }
    }
}

/// What a row asks for, in the guide's words: `Add Level = All, Inquire Level = All`.
pub fn row_want(psa: Psa, r: &PermissionRow) -> String {
    let levels: Vec<String> = r
        .levels()
        .map(|(c, v)| format!("{} = {v}", c.label(psa)))
        .collect();
    if !levels.is_empty() {
        return levels.join(", ");
    }
    if let Some(cb) = &r.checkbox {
        return if r.is_checked() {
            format!("check \"{cb}\"")
        } else {
            format!("clear \"{cb}\"")
        };
    }
    if let (Some(s), Some(v)) = (&r.setting, &r.value) {
        return format!("\"{s}\" = \"{v}\"");
    }
    if !r.required.is_empty() {
        return r.required.join(", ");
    }
    "as the guide says".into()
}

/// What a write check leaves behind.
pub fn write_effect(o: Observe) -> &'static str {
    match o {
        Observe::AutotaskImpersonationWrite => {
            "It adds a note titled \"psa-onboard setup check\" to the first ticket Autotask returns (or, \
with `check --test-ticket ID`, the ticket you name; the result names the ticket), written as one of \
your active resources (impersonated). Autotask does not allow deleting ticket notes through the API, so the \
note stays on that ticket."
        }
        Observe::AutotaskWebhookWrite => {
            "It creates an inactive ticket webhook named \"psa-onboard setup check\" pointing at \
https://example.invalid/ and deletes it again at once; if the delete fails, the inactive webhook is left \
for you to delete."
        }
        _ => "It changes nothing.",
    }
}

/// Every cause of an Autotask 401 the admin can check (Autotask does not say which).
pub const AUTOTASK_401_CAUSES: &str = "Autotask does not say which value is wrong; check each: \
(1) the secret (password) — re-type or reset it, and beware of characters such as $ or # that some tools mangle; \
(2) the username — the API user's username, not its email; \
(3) the API tracking identifier — it must be the one set on this API user (\"Integration Vendor\" or a custom identifier); \
(4) the resource must be an API user (API-only license, created with New API User), with an API-only security level; \
(5) the account must be active and not locked — repeated failed sign-ins lock it; unlock it on the resource in Admin > Resources/Users. \
psa-onboard will not try again with the same values, so as not to lock the account.";

/// Causes of a ConnectWise credential refusal.
pub const CONNECTWISE_401_CAUSES: &str = "Check the company ID (the one typed on the ConnectWise login screen), \
that the public and private key are a pair from the same API key (the private key is shown only once; create a new \
key if unsure), that the key was not deleted, and that the API member is not inactive.";

/// The request an observation makes, as evidence: method and path relative to the API's base
/// (never a header, so never a secret). `None` for what asks nothing.
pub fn request(o: Observe) -> Option<&'static str> {
    use Observe::*;
    Some(match o {
        AutotaskZone => "GET /V1.0/zoneInformation?user=<username>",
        // The sign-in is the API user's own Resources query (one credentialed request).
        AutotaskCredentials => "POST /V1.0/Resources/query (userName = <username>)",
        AutotaskThreshold => "GET /V1.0/ThresholdInformation",
        AutotaskUserActive | AutotaskUserLicense | AutotaskUserSecurityLevel => {
            "POST /V1.0/Resources/query (userName = <username>)"
        }
        AutotaskImpersonationLevels => "POST /V1.0/Resources/query (active resources)",
        AutotaskWebhookAccess => "GET /V1.0/TicketWebhooks/entityInformation",
        AutotaskImpersonationWrite => "POST /V1.0/Tickets/<id>/Notes (ImpersonationResourceId)",
        AutotaskWebhookWrite => "POST + DELETE /V1.0/TicketWebhooks",
        ConnectwiseCompanyInfo => "GET /login/companyinfo/<company>",
        ConnectwiseCredentials | ConnectwiseClientId => "GET system/info",
        ConnectwiseMemberIdentity
        | ConnectwiseMemberLicense
        | ConnectwiseMemberActive
        | ConnectwiseMemberRole
        | ConnectwiseMemberLevel
        | ConnectwiseMemberLocation => "GET system/myMembers",
        ConnectwiseRoleExcess => "GET system/mySecurity",
        ConnectwiseRoleNotAdmin => "GET system/securityroles (with the administrator's keys)",
        ConnectwiseCallbacks => "GET system/callbacks",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::resolve;

    #[test]
    fn row_remedies_name_the_row_the_level_and_the_path() {
        let w = resolve("topleft-connectwise", None).unwrap().wizard;
        let step = w.step("security-role").unwrap();
        let row = &step.permissions[0];
        let r = remedy(w.psa, step, Item::Row(1, row));
        assert!(
            r.starts_with("Set Companies › Company Maintenance: Add Level = None"),
            "{r}"
        );
        assert!(r.contains("in the \"TopLeft\" security role"), "{r}");
        assert!(r.contains("System → Security Roles"), "{r}");
        let w = resolve("topleft-autotask", None).unwrap().wizard;
        let step = w.step("security-level").unwrap();
        let cb = step
            .permissions
            .iter()
            .find(|p| p.checkbox.is_some())
            .unwrap();
        assert!(
            row_want(w.psa, cb).starts_with("check \""),
            "{}",
            row_want(w.psa, cb)
        );
        let setting = step
            .permissions
            .iter()
            .find(|p| p.setting.is_some())
            .unwrap();
        assert_eq!(
            row_want(w.psa, setting),
            "\"Contract Visibility\" = \"Full\""
        );
        let check = &w.step("api-user").unwrap().checks[0];
        assert_eq!(
            remedy(w.psa, w.step("api-user").unwrap(), Item::Check(check)),
            check.remedy.clone().unwrap()
        );
    }
}
