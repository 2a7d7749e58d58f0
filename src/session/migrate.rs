//! Schema migrations: older session files are upgraded in memory on load (and written in the
//! current shape on the next save). Each step is a function from one version's TOML table to
//! the next, so a file several versions old walks the chain.
//!
//! v0 (early prototypes, no `schema_version` key):
//! ```toml
//! name = "acme"
//! wizard = "topleft-autotask"
//! psa = "autotask"
//! wizard_hash = "…"
//! created = "2025-11-01T09:00:00Z"
//! step = "api-user"              # current step
//! verified = ["security-level"]  # steps verified, no evidence kept
//! [answers]
//! ```

use toml::{Table, Value};

use super::model::SCHEMA_VERSION;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MigrateError {
    #[error(
        "it was written by a newer psa-onboard (schema version {found}; this build reads up to \
         {SCHEMA_VERSION}); upgrade psa-onboard to open it"
    )]
    Newer { found: i64 },
    #[error("it has an unknown schema_version {0}")]
    Unknown(i64),
    #[error(
        "its schema_version is {found} ({kind}), not a whole number; a session file this build \
         writes says `schema_version = {SCHEMA_VERSION}`"
    )]
    NotANumber { found: String, kind: &'static str },
    #[error("it is not a valid version {version} session: {message}")]
    Shape { version: i64, message: String },
}

/// The schema version a file declares (absent = 0).
pub fn version_of(table: &Table) -> Result<i64, MigrateError> {
    match table.get("schema_version") {
        None => Ok(0),
        Some(Value::Integer(v)) => Ok(*v),
        Some(other) => Err(MigrateError::NotANumber {
            found: quote(other),
            kind: match other {
                Value::String(_) => "a string",
                Value::Float(_) => "a decimal number",
                Value::Boolean(_) => "true or false",
                Value::Datetime(_) => "a date",
                Value::Array(_) => "a list",
                Value::Table(_) => "a table",
                Value::Integer(_) => "a number",
            },
        }),
    }
}

/// A value as written in TOML, on one line and short (the file may hold anything).
fn quote(v: &Value) -> String {
    let text = crate::sanitize::clean_line(&v.to_string());
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Upgrade a table to the current schema.
pub fn upgrade(mut table: Table) -> Result<Table, MigrateError> {
    loop {
        let v = version_of(&table)?;
        table = match v {
            v if v == i64::from(SCHEMA_VERSION) => return Ok(table),
            0 => v0_to_v1(table)?,
            1 => v1_to_v2(table)?,
            v if v > i64::from(SCHEMA_VERSION) => return Err(MigrateError::Newer { found: v }),
            v => return Err(MigrateError::Unknown(v)),
        };
    }
}

fn v0_to_v1(old: Table) -> Result<Table, MigrateError> {
    let shape = |message: String| MigrateError::Shape {
        version: 0,
        message,
    };
    let text = |key: &str| -> Result<String, MigrateError> {
        match old.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Datetime(d)) => Ok(d.to_string()),
            Some(other) => Err(shape(format!(
                "`{key}` must be a string, found {}",
                other.type_str()
            ))),
            None => Err(shape(format!("`{key}` is missing"))),
        }
    };
    let name = text("name")?;
    let wizard_id = text("wizard")?;
    let created = text("created")?;
    let psa = text("psa")?;

    let mut wizard = Table::new();
    wizard.insert("id".into(), Value::String(wizard_id.clone()));
    // v0 did not record these; the id is the best title we have until the next save.
    wizard.insert("title".into(), Value::String(wizard_id));
    wizard.insert("vendor".into(), Value::String(String::new()));
    wizard.insert("psa".into(), Value::String(psa));
    wizard.insert(
        "content_hash".into(),
        Value::String(text("wizard_hash").unwrap_or_default()),
    );
    wizard.insert("origin".into(), Value::String("unknown (migrated)".into()));

    let mut steps = Table::new();
    if let Some(Value::Array(ids)) = old.get("verified") {
        for id in ids {
            let Value::String(id) = id else {
                return Err(shape("`verified` must list step ids as strings".into()));
            };
            let mut status = Table::new();
            status.insert("state".into(), Value::String("verified".into()));
            // v0 kept no time of verification; the session's start is the honest lower bound.
            status.insert("at".into(), Value::String(created.clone()));
            let mut rec = Table::new();
            rec.insert("status".into(), Value::Table(status));
            steps.insert(id.clone(), Value::Table(rec));
        }
    }

    let mut new = Table::new();
    new.insert("schema_version".into(), Value::Integer(1));
    new.insert("name".into(), Value::String(name));
    new.insert("created".into(), Value::String(created.clone()));
    new.insert("updated".into(), Value::String(created));
    new.insert("who".into(), Value::String("unknown".into()));
    if let Ok(step) = text("step") {
        new.insert("current_step".into(), Value::String(step));
    }
    new.insert("wizard".into(), Value::Table(wizard));
    if let Some(Value::Table(answers)) = old.get("answers") {
        new.insert("answers".into(), Value::Table(answers.clone()));
    }
    new.insert("steps".into(), Value::Table(steps));
    Ok(new)
}

/// v1 stored a derived `status` per step (`verified`, `in_progress`, …) that could disagree with
/// the evidence. v2 stores only the admin's decisions (`decision`: continued unverified or
/// skipped); the verdict is derived from the runs and confirmations every time. A v1
/// "verified" without a run behind it is therefore no longer called verified.
fn v1_to_v2(mut table: Table) -> Result<Table, MigrateError> {
    if let Some(Value::Table(steps)) = table.get_mut("steps") {
        for (id, rec) in steps.iter_mut() {
            let Value::Table(rec) = rec else {
                return Err(MigrateError::Shape {
                    version: 1,
                    message: format!("step {id:?} must be a table"),
                });
            };
            if let Some(Value::Table(status)) = rec.remove("status") {
                let state = status.get("state").and_then(Value::as_str).unwrap_or("");
                if matches!(state, "continued_unverified" | "skipped_optional") {
                    rec.insert("decision".into(), Value::Table(status));
                }
            }
        }
    }
    table.insert("schema_version".into(), Value::Integer(2));
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::model::Session;
    use crate::verdict::Decision;

    const V0: &str = r#"
name = "acme"
wizard = "topleft-autotask"
psa = "autotask"
wizard_hash = "0123abcd"
created = "2025-11-01T09:00:00Z"
step = "api-user"
verified = ["security-level"]

[answers]
company = "Acme MSP"
"#;

    #[test]
    fn v0_migrates_to_the_current_schema() {
        let table: Table = toml::from_str(V0).unwrap();
        assert_eq!(version_of(&table), Ok(0));
        let up = upgrade(table).unwrap();
        let s: Session = Value::Table(up).try_into().unwrap();
        assert_eq!(s.schema_version, SCHEMA_VERSION);
        assert_eq!(s.name, "acme");
        assert_eq!(s.wizard.id, "topleft-autotask");
        assert_eq!(s.wizard.content_hash, "0123abcd");
        assert_eq!(s.current_step.as_deref(), Some("api-user"));
        assert_eq!(s.answers["company"], "Acme MSP");
        let created: jiff::Timestamp = "2025-11-01T09:00:00Z".parse().unwrap();
        assert_eq!(s.created, created);
        // v0 kept no evidence: its "verified" cannot be called verified now.
        assert_eq!(s.verdict("security-level", None).key(), "not_verified");
        assert!(s.secrets.is_empty());
    }

    #[test]
    fn v1_keeps_decisions_and_drops_derived_states() {
        let text = r#"
schema_version = 1
name = "acme"
created = "2026-01-05T09:00:00Z"
updated = "2026-01-05T09:00:00Z"
who = "alice"
[wizard]
id = "rewst-autotask"
title = "t"
vendor = "v"
psa = "autotask"
content_hash = "h"
origin = "built-in"
[steps.a.status]
state = "verified"
at = "2026-01-05T09:10:00Z"
[steps.b.status]
state = "continued_unverified"
at = "2026-01-05T09:20:00Z"
reason = "PSA unreachable"
[steps.c.status]
state = "skipped_optional"
at = "2026-01-05T09:30:00Z"
"#;
        let up = upgrade(toml::from_str(text).unwrap()).unwrap();
        let s: Session = Value::Table(up).try_into().unwrap();
        assert_eq!(s.steps["a"].decision, None);
        assert_eq!(s.verdict("a", None).key(), "not_verified");
        assert!(matches!(
            &s.steps["b"].decision,
            Some(Decision::ContinuedUnverified { reason, .. }) if reason == "PSA unreachable"
        ));
        assert_eq!(s.verdict("c", None).key(), "skipped_optional");
    }

    #[test]
    fn v0_with_a_datetime_literal_migrates() {
        let text = V0.replace("\"2025-11-01T09:00:00Z\"", "2025-11-01T09:00:00Z");
        let up = upgrade(toml::from_str(&text).unwrap()).unwrap();
        let s: Session = Value::Table(up).try_into().unwrap();
        assert_eq!(s.created.to_string(), "2025-11-01T09:00:00Z");
    }

    #[test]
    fn newer_and_broken_versions_are_refused_clearly() {
        let t: Table = toml::from_str("schema_version = 99").unwrap();
        let e = upgrade(t).unwrap_err();
        assert_eq!(e, MigrateError::Newer { found: 99 });
        assert!(e.to_string().contains("upgrade psa-onboard"));
        let t: Table = toml::from_str("schema_version = \"one\"").unwrap();
        let e = upgrade(t).unwrap_err();
        assert_eq!(
            e.to_string(),
            "its schema_version is \"one\" (a string), not a whole number; a session file this \
             build writes says `schema_version = 2`"
        );
        let t: Table =
            toml::from_str(&format!("schema_version = \"{}\"", "9".repeat(500))).unwrap();
        assert!(upgrade(t).unwrap_err().to_string().len() < 200);
        let t: Table = toml::from_str("name = \"x\"").unwrap();
        let e = upgrade(t).unwrap_err().to_string();
        assert!(e.contains("`wizard` is missing"), "{e}");
    }
}
