//! Autotask response shapes, parsed defensively (documented variants all accepted).

use serde::Deserialize;
use serde_json::Value;

/// licenseType 7 is "API User".
pub const API_USER_LICENSE: i64 = 7;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZoneInfo {
    #[serde(default)]
    pub zone_name: Option<String>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub ci: Option<Value>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Threshold {
    #[serde(default)]
    pub external_request_threshold: Option<f64>,
    #[serde(default)]
    pub request_threshold_timeframe: Option<f64>,
    #[serde(default)]
    pub current_timeframe_request_count: Option<f64>,
}

impl Threshold {
    /// The share of the hourly budget used, when both numbers are known.
    pub fn used_fraction(&self) -> Option<f64> {
        match (
            self.current_timeframe_request_count,
            self.external_request_threshold,
        ) {
            (Some(c), Some(t)) if t > 0.0 => Some(c / t),
            _ => None,
        }
    }
}

/// `userAccessFor*`: the caller's own access to an entity operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UserAccess {
    None,
    Restricted,
    All,
}

impl UserAccess {
    /// Strings `"None" | "All" | "Restricted"` or ints `0 | 1 | 2` (both are documented).
    pub fn parse(v: &Value) -> Option<UserAccess> {
        match v {
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "none" | "0" => Some(UserAccess::None),
                "all" | "1" => Some(UserAccess::All),
                "restricted" | "2" => Some(UserAccess::Restricted),
                _ => None,
            },
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(UserAccess::None),
                Some(1) => Some(UserAccess::All),
                Some(2) => Some(UserAccess::Restricted),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserAccess::None => "None",
            UserAccess::Restricted => "Restricted",
            UserAccess::All => "All",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EntityInfo {
    pub name: String,
    pub can_create: bool,
    pub can_query: bool,
    pub can_update: bool,
    pub can_delete: bool,
    pub access_query: Option<UserAccess>,
    pub access_create: Option<UserAccess>,
    pub access_update: Option<UserAccess>,
    pub access_delete: Option<UserAccess>,
    pub supports_webhooks: bool,
}

impl EntityInfo {
    /// From `{"info":{…}}` (or the bare object).
    pub fn from_json(v: &Value) -> Option<EntityInfo> {
        let info = v.get("info").unwrap_or(v);
        if !info.is_object() {
            return None;
        }
        let b = |k: &str| info.get(k).and_then(Value::as_bool).unwrap_or(false);
        let a = |k: &str| info.get(k).and_then(UserAccess::parse);
        Some(EntityInfo {
            name: info
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            can_create: b("canCreate"),
            can_query: b("canQuery"),
            can_update: b("canUpdate"),
            can_delete: b("canDelete"),
            access_query: a("userAccessForQuery"),
            access_create: a("userAccessForCreate"),
            access_update: a("userAccessForUpdate"),
            access_delete: a("userAccessForDelete"),
            supports_webhooks: b("supportsWebhookCallouts"),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldsResponse {
    #[serde(default)]
    pub fields: Vec<FieldInfo>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    pub name: String,
    #[serde(default)]
    pub is_pick_list: bool,
    #[serde(default)]
    pub picklist_values: Option<Vec<PicklistValue>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PicklistValue {
    /// A string on the wire ("1"), though some clients see ints.
    pub value: Value,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub is_active: Option<bool>,
}

impl PicklistValue {
    pub fn value_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// The label for `value` in the named field's picklist.
pub fn picklist_label(fields: &[FieldInfo], field: &str, value: i64) -> Option<String> {
    fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(field))?
        .picklist_values
        .as_ref()?
        .iter()
        .find(|p| p.value_i64() == Some(value))
        .map(|p| p.label.clone())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryPage {
    #[serde(default)]
    pub items: Vec<Value>,
    #[serde(default)]
    pub page_details: Option<PageDetails>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageDetails {
    #[serde(default)]
    pub next_page_url: Option<String>,
}

/// A resource (user), from a query item.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: i64,
    pub user_name: String,
    pub is_active: Option<bool>,
    pub license_type: Option<i64>,
    pub user_type: Option<i64>,
    pub name: String,
}

fn as_i64(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Resource {
    pub fn from_json(v: &Value) -> Resource {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let name = format!("{} {}", s("firstName"), s("lastName"))
            .trim()
            .to_string();
        Resource {
            id: as_i64(v.get("id")).unwrap_or(0),
            user_name: s("userName"),
            is_active: v
                .get("isActive")
                .and_then(|b| b.as_bool().or_else(|| b.as_i64().map(|i| i != 0))),
            license_type: as_i64(v.get("licenseType")),
            user_type: as_i64(v.get("userType")),
            name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_access_strings_and_ints() {
        for (v, want) in [
            (json!("None"), UserAccess::None),
            (json!("All"), UserAccess::All),
            (json!("Restricted"), UserAccess::Restricted),
            (json!("restricted"), UserAccess::Restricted),
            (json!(0), UserAccess::None),
            (json!(1), UserAccess::All),
            (json!(2), UserAccess::Restricted),
        ] {
            assert_eq!(UserAccess::parse(&v), Some(want), "{v}");
        }
        assert_eq!(UserAccess::parse(&json!("Mine")), None);
        assert_eq!(UserAccess::parse(&json!(7)), None);
        assert_eq!(UserAccess::parse(&Value::Null), None);
    }

    #[test]
    fn entity_information_both_forms() {
        let e = EntityInfo::from_json(&json!({"info":{"name":"Ticket","canCreate":true,"canQuery":true,
            "userAccessForCreate":"All","userAccessForDelete":"None","userAccessForQuery":2,"userAccessForUpdate":1,
            "supportsWebhookCallouts":true}}))
        .unwrap();
        assert_eq!(e.access_create, Some(UserAccess::All));
        assert_eq!(e.access_delete, Some(UserAccess::None));
        assert_eq!(e.access_query, Some(UserAccess::Restricted));
        assert_eq!(e.access_update, Some(UserAccess::All));
        assert!(e.supports_webhooks);
        assert!(EntityInfo::from_json(&json!([])).is_none());
    }

    #[test]
    fn picklists_with_string_values() {
        let f: FieldsResponse = serde_json::from_value(json!({"fields":[{"name":"licenseType","isPickList":true,
            "picklistValues":[{"value":"1","label":"Administrator","isActive":true},{"value":"7","label":"API User"}]},
            {"name":"userType","isPickList":true,"picklistValues":[{"value":24,"label":"API User (system)"}]}]}))
        .unwrap();
        assert_eq!(
            picklist_label(&f.fields, "licenseType", 7).as_deref(),
            Some("API User")
        );
        assert_eq!(
            picklist_label(&f.fields, "usertype", 24).as_deref(),
            Some("API User (system)")
        );
        assert_eq!(picklist_label(&f.fields, "licenseType", 3), None);
    }

    #[test]
    fn threshold_fraction() {
        let t: Threshold = serde_json::from_value(
            json!({"currentTimeframeRequestCount":8000,"externalRequestThreshold":10000}),
        )
        .unwrap();
        assert_eq!(t.used_fraction(), Some(0.8));
    }
}
