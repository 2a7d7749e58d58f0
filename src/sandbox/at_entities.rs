//! Autotask entity-type knowledge: the entity list, what each type allows, impersonation
//! support, and `entityInformation/fields`.

use std::sync::OnceLock;

use serde_json::{Value, json};

use super::tenant::{AutotaskTenant, LICENSE_API_USER, LICENSES};
use crate::wizard::Op;

/// Every REST entity the 2022 swagger serves entityInformation for.
pub fn entity_names() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../wizard/autotask_entities.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

pub fn canonical(name: &str) -> Option<&'static str> {
    entity_names()
        .iter()
        .copied()
        .find(|e| e.eq_ignore_ascii_case(name))
}

/// What the API allows on an entity type (`can*`), independent of the caller.
pub fn capabilities(entity: &str) -> [bool; 4] {
    // [create, delete, query, update]
    match entity {
        "Resources" => [false, false, true, true], // autotask-api.md §2.7
        "Tickets" | "TicketNotes" | "ProjectNotes" | "TaskNotes" => [true, false, true, true], // §3: DELETE on Tickets or Notes → 405
        _ => [true, true, true, true],
    }
}

pub fn can(entity: &str, op: Op) -> bool {
    let c = capabilities(entity);
    match op {
        Op::Create => c[0],
        Op::Delete => c[1],
        Op::Query => c[2],
        Op::Update => c[3],
    }
}

/// Entities that support impersonation (autotask-api.md §4, citing `_EntitiesOverview.htm`).
pub const IMPERSONATION_ENTITIES: &[&str] = &[
    "AttachmentInfo",
    "Companies",
    "CompanyNotes",
    "CompanyNoteAttachments",
    "CompanyToDos",
    "Contacts",
    "ContractNotes",
    "ConfigurationItems",
    "ConfigurationItemNotes",
    "ConfigurationItemNoteAttachments",
    "ConfigurationItemAttachments",
    "InventoryItems",
    "InventoryLocations",
    "Opportunities",
    "Products",
    "ProductNotes",
    "Projects",
    "ProjectNotes",
    "PurchaseOrders",
    "Quotes",
    "SalesOrders",
    "ServiceCalls",
    "Subscriptions",
    "TaskNotes",
    "Tickets",
    "TicketNotes",
    "TimeEntries",
];

/// Whether a license may be impersonated for an entity (autotask-api.md §4 "License limits").
pub fn license_allows_impersonation(license: i32, entity: &str) -> bool {
    let blocked: &[&str] = match license {
        5 | 6 | LICENSE_API_USER => return false,
        4 => &["Projects", "TaskNotes"],
        8 => &[
            "Tickets",
            "Projects",
            "ServiceCalls",
            "TimeEntries",
            "TicketNotes",
            "TaskNotes",
        ],
        9 => &["Tickets", "Projects", "TaskNotes"],
        _ => &[],
    };
    !blocked.contains(&entity)
}

pub fn singular(e: &str) -> String {
    if let Some(s) = e.strip_suffix("ies") {
        format!("{s}y")
    } else if let Some(s) = e.strip_suffix("sses") {
        format!("{s}ss")
    } else {
        e.strip_suffix('s').unwrap_or(e).to_string()
    }
}

/// `entityInformation/fields`. Picklist values are strings while entity fields are ints
/// (autotask-api.md §2.6).
pub fn fields(at: &AutotaskTenant, e: &str) -> Vec<Value> {
    let field = |name: &str, data_type: &str, picklist: Option<Vec<Value>>| {
        json!({
            "name": name, "dataType": data_type, "length": if data_type == "string" { 100 } else { 0 },
            "isRequired": name == "id", "isReadOnly": name == "id", "isQueryable": true,
            "isReference": false, "referenceEntityType": "",
            "isPickList": picklist.is_some(), "picklistValues": picklist.unwrap_or_default(),
            "picklistParentValueField": "", "isSupportedWebhookField": false,
        })
    };
    let pick = |value: String, label: &str, sort: usize, system: bool| {
        json!({"value": value, "label": label, "isDefaultValue": false, "sortOrder": sort,
               "parentValue": "", "isActive": true, "isSystem": system})
    };
    match e {
        "Resources" => {
            let user_types = at
                .levels
                .iter()
                .enumerate()
                .map(|(i, l)| pick(l.id.to_string(), &l.name, i, l.is_system))
                .collect();
            let licenses = LICENSES
                .iter()
                .enumerate()
                .map(|(i, (v, label))| pick(v.to_string(), label, i, true))
                .collect();
            vec![
                field("id", "long", None),
                field("userName", "string", None),
                field("email", "string", None),
                field("firstName", "string", None),
                field("lastName", "string", None),
                field("isActive", "boolean", None),
                field("licenseType", "integer", Some(licenses)),
                field("userType", "integer", Some(user_types)),
                field("resourceType", "string", None),
                field("title", "string", None),
                field("locationID", "integer", None),
            ]
        }
        "TicketWebhooks" => [
            "id",
            "name",
            "webhookUrl",
            "deactivationUrl",
            "isActive",
            "isReady",
            "ownerResourceID",
        ]
        .iter()
        .map(|n| field(n, if *n == "id" { "long" } else { "string" }, None))
        .collect(),
        _ => vec![
            field("id", "long", None),
            field("name", "string", None),
            field("title", "string", None),
        ],
    }
}
