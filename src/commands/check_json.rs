//! `psa-onboard check --format json`: the report's documented shape (docs/CHECK_JSON.md).

use super::CommandError;
use crate::secrets::StoreKind;
use crate::verdict::Verdict;
use crate::verify::Report;

/// The JSON report (docs/CHECK_JSON.md): the run, with each step's verdict, and the keyring
/// the run used (`null` when it used none: no `--session` or `--save-session`).
pub fn render_json(
    report: &Report,
    verdicts: &[Verdict],
    keyring: Option<StoreKind>,
) -> Result<String, CommandError> {
    let mut v = serde_json::to_value(report)?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("format_version".into(), CHECK_JSON_VERSION.into());
        obj.insert(
            "keyring".into(),
            keyring.map_or(
                serde_json::Value::Null,
                |k| serde_json::json!({ "store": k.id(), "name": k.name(), "lasts": k.lasts() }),
            ),
        );
    }
    if let Some(steps) = v.get_mut("steps").and_then(|s| s.as_array_mut()) {
        for (step, verdict) in steps.iter_mut().zip(verdicts) {
            if let Some(obj) = step.as_object_mut() {
                obj.insert("verdict".into(), verdict.key().into());
                obj.insert("verdict_text".into(), verdict.sentence().into());
            }
        }
    }
    Ok(serde_json::to_string_pretty(&v)? + "\n")
}

/// The version of `check --format json`'s shape (docs/CHECK_JSON.md).
pub const CHECK_JSON_VERSION: u32 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::check::verdicts_of;
    use crate::commands::check_human::tests::report;

    #[test]
    fn json_shape_is_the_documented_one() {
        let (w, r) = report();
        let v: serde_json::Value =
            serde_json::from_str(&render_json(&r, &verdicts_of(&w, &r), None).unwrap()).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["format_version"], CHECK_JSON_VERSION);
        assert_eq!(v["counts"]["fail"], 1);
        assert!(v["tool_version"].is_string());
        let c = &v["steps"][0]["checks"][0];
        assert_eq!(c["status"], "fail");
        assert_eq!(c["permission"]["op"], "edit");
        // `permission` is omitted, not null, when absent.
        assert!(v["steps"][0]["checks"][1].get("permission").is_none());
        // No keyring was used: present, and null.
        assert!(v.get("keyring").is_some_and(|k| k.is_null()), "{v}");
        let v: serde_json::Value = serde_json::from_str(
            &render_json(&r, &verdicts_of(&w, &r), Some(StoreKind::KernelKeyring)).unwrap(),
        )
        .unwrap();
        assert_eq!(v["keyring"]["store"], "kernel-keyring");
        assert_eq!(v["keyring"]["name"], "kernel keyring");
        assert_eq!(v["keyring"]["lasts"], "until logout or reboot");
    }
}
