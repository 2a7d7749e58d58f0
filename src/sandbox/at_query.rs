//! Autotask query bodies (`QueryModel`): filter evaluation, `IncludeFields`, `MaxRecords`.
//! Keys are case-insensitive (autotask-api.md §2.4: the swagger uses PascalCase, clients camelCase).

use serde_json::{Map, Value};

/// A parsed query body.
#[derive(Debug, Clone)]
pub struct Query {
    pub max_records: usize,
    pub include_fields: Vec<String>,
    pub filter: Vec<Value>,
}

/// Looks a key up case-insensitively.
pub fn get_ci<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

impl Query {
    /// Parses a body; errors are the messages Autotask answers with HTTP 500.
    pub fn parse(body: &Value) -> Result<Query, String> {
        let obj = body
            .as_object()
            .ok_or_else(|| "The query body must be a JSON object.".to_string())?;
        let max_records = match get_ci(obj, "MaxRecords") {
            None | Some(Value::Null) => 500,
            Some(v) => {
                let n = v.as_i64().unwrap_or(-1);
                // autotask-api.md §2.4 (WYRE-AI/autotask-mcp PR #132).
                if !(1..=500).contains(&n) {
                    return Err("maxCountOfRecordsToReturn must be between 1 and 500".into());
                }
                n as usize
            }
        };
        let include_fields = match get_ci(obj, "IncludeFields") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let filter = match get_ci(obj, "Filter") {
            Some(Value::Array(a)) if !a.is_empty() => a.clone(),
            // A filter is required (autotask-api.md §2.4).
            _ => {
                return Err(
                    "A filter is required: add at least one filter expression, e.g. {\"op\":\"gte\",\"field\":\"id\",\"value\":0}."
                        .into(),
                );
            }
        };
        for f in &filter {
            validate(f)?;
        }
        Ok(Query {
            max_records,
            include_fields,
            filter,
        })
    }

    /// Whether an item passes every top-level filter (they are AND-ed).
    pub fn matches(&self, item: &Value) -> Result<bool, String> {
        for f in &self.filter {
            if !eval(f, item)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Keeps only the included fields (all fields when none are listed).
    pub fn project(&self, item: &Value) -> Value {
        if self.include_fields.is_empty() {
            return item.clone();
        }
        let Some(obj) = item.as_object() else {
            return item.clone();
        };
        let out: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| {
                self.include_fields
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(k))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Object(out)
    }
}

const OPS: &[&str] = &[
    "eq",
    "noteq",
    "gt",
    "gte",
    "lt",
    "lte",
    "beginsWith",
    "endsWith",
    "contains",
    "exist",
    "notExist",
    "in",
    "notIn",
    "and",
    "or",
];

fn op_of(f: &Value) -> Result<String, String> {
    let obj = f
        .as_object()
        .ok_or_else(|| "Each filter must be a JSON object.".to_string())?;
    let op = get_ci(obj, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| "A filter is missing its \"op\".".to_string())?;
    OPS.iter()
        .find(|o| o.eq_ignore_ascii_case(op))
        .map(|o| o.to_string())
        .ok_or_else(|| format!("Invalid filter operator: {op}."))
}

fn validate(f: &Value) -> Result<(), String> {
    let op = op_of(f)?;
    let obj = f.as_object().expect("checked");
    if op == "and" || op == "or" {
        let items = get_ci(obj, "items")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("The \"{op}\" filter needs \"items\"."))?;
        for i in items {
            validate(i)?;
        }
        return Ok(());
    }
    if get_ci(obj, "field").and_then(Value::as_str).is_none() {
        return Err(format!("The \"{op}\" filter needs a \"field\"."));
    }
    Ok(())
}

fn eval(f: &Value, item: &Value) -> Result<bool, String> {
    let op = op_of(f)?;
    let obj = f.as_object().expect("validated");
    if op == "and" || op == "or" {
        let items = get_ci(obj, "items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut results = Vec::with_capacity(items.len());
        for i in &items {
            results.push(eval(i, item)?);
        }
        return Ok(if op == "and" {
            results.iter().all(|b| *b)
        } else {
            results.iter().any(|b| *b)
        });
    }
    let field = get_ci(obj, "field").and_then(Value::as_str).unwrap_or("");
    let actual = item.as_object().and_then(|o| get_ci(o, field)).cloned();
    let value = get_ci(obj, "value").cloned().unwrap_or(Value::Null);
    let actual_present = matches!(&actual, Some(v) if !v.is_null());
    Ok(match op.as_str() {
        "exist" => actual_present,
        "notExist" => !actual_present,
        _ => {
            let a = actual.unwrap_or(Value::Null);
            match op.as_str() {
                "eq" => cmp(&a, &value) == Some(std::cmp::Ordering::Equal),
                "noteq" => cmp(&a, &value) != Some(std::cmp::Ordering::Equal),
                "gt" => cmp(&a, &value) == Some(std::cmp::Ordering::Greater),
                "gte" => matches!(
                    cmp(&a, &value),
                    Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                ),
                "lt" => cmp(&a, &value) == Some(std::cmp::Ordering::Less),
                "lte" => matches!(
                    cmp(&a, &value),
                    Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                ),
                "beginsWith" => text(&a).starts_with(&text(&value)),
                "endsWith" => text(&a).ends_with(&text(&value)),
                "contains" => text(&a).contains(&text(&value)),
                "in" | "notIn" => {
                    let list = value.as_array().cloned().unwrap_or_else(|| vec![value]);
                    let found = list
                        .iter()
                        .any(|v| cmp(&a, v) == Some(std::cmp::Ordering::Equal));
                    if op == "in" { found } else { !found }
                }
                _ => false,
            }
        }
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string().to_lowercase(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// Compares an item value with a filter value: numerically when both read as numbers
/// (filter values often arrive as strings), booleans by truth, strings case-insensitively.
fn cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    if a.is_null() || b.is_null() {
        return if a.is_null() && b.is_null() {
            Some(std::cmp::Ordering::Equal)
        } else {
            None
        };
    }
    if let (Value::Bool(x), _) = (a, b) {
        let y = match b {
            Value::Bool(y) => *y,
            Value::String(s) => s.eq_ignore_ascii_case("true") || s == "1",
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => return None,
        };
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (number(a), number(b))
        && (a.is_number() || b.is_number())
    {
        return x.partial_cmp(&y);
    }
    Some(text(a).cmp(&text(b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_nest_and_compare_loosely() {
        let q = Query::parse(&json!({"filter":[{"op":"or","items":[
            {"op":"eq","field":"userName","value":"X@Y"},
            {"op":"in","field":"licenseType","value":["7", 9]}]}]}))
        .unwrap();
        assert!(
            q.matches(&json!({"userName":"x@y","licenseType":1}))
                .unwrap()
        );
        assert!(q.matches(&json!({"userName":"z","licenseType":7})).unwrap());
        assert!(!q.matches(&json!({"userName":"z","licenseType":3})).unwrap());
    }

    #[test]
    fn max_records_and_filter_are_required() {
        assert!(Query::parse(&json!({"MaxRecords":1})).is_err());
        let e =
            Query::parse(&json!({"MaxRecords":501,"Filter":[{"op":"gte","field":"id","value":0}]}))
                .unwrap_err();
        assert_eq!(e, "maxCountOfRecordsToReturn must be between 1 and 500");
    }
}
