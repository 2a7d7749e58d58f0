//! ConnectWise permission comparison: pure functions over mySecurity rows and the guide's table.

use crate::psa::connectwise::SecuritySetting;
use crate::wizard::{Column, PermissionRow};

/// ConnectWise module-function levels, ordered `None < My < All`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CwLevel {
    None,
    My,
    All,
}

/// A level as ConnectWise reported it: the parsed level and the verbatim text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub level: CwLevel,
    pub verbatim: String,
    /// False when the string is outside the documented enum and was read as `My`.
    pub known: bool,
}

/// Parse a level. The enum is documented as `None | My | All` (older models: `NONE`); anything
/// else that is not empty ("Mine", "My Territory") is treated as `My` and kept verbatim.
pub fn parse_level(s: Option<&str>) -> Reported {
    let verbatim = s.unwrap_or("").trim().to_string();
    let (level, known) = match verbatim.to_ascii_lowercase().as_str() {
        "" | "none" => (CwLevel::None, true),
        "my" => (CwLevel::My, true),
        "all" => (CwLevel::All, true),
        _ => (CwLevel::My, false),
    };
    Reported {
        level,
        verbatim: if verbatim.is_empty() {
            "None".into()
        } else {
            verbatim
        },
        known,
    }
}

/// The four operations, as ConnectWise names them, with the wizard column for each.
pub const OPS: [(&str, Column); 4] = [
    ("add", Column::Add),
    ("edit", Column::Edit),
    ("delete", Column::Delete),
    ("inquire", Column::Inquire),
];

pub fn reported_for(s: &SecuritySetting, op: &str) -> Reported {
    parse_level(match op {
        "add" => s.add_level.as_deref(),
        "edit" => s.edit_level.as_deref(),
        "delete" => s.delete_level.as_deref(),
        _ => s.inquire_level.as_deref(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Below,
    Above,
}

/// One operation that differs from the guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpDiff {
    pub op: &'static str,
    pub required: String,
    pub actual: String,
    pub direction: Direction,
    /// The reported string was outside the documented enum.
    pub unknown_string: bool,
}

/// Compare a guide row with the member's effective setting, operation by operation.
pub fn compare_row(row: &PermissionRow, actual: &SecuritySetting) -> Vec<OpDiff> {
    let mut diffs = Vec::new();
    for (op, col) in OPS {
        let Some(req_text) = row.level(col) else {
            continue;
        };
        let required = parse_level(Some(req_text));
        let got = reported_for(actual, op);
        let direction = if got.level < required.level {
            Some(Direction::Below)
        } else if got.level > required.level {
            Some(Direction::Above)
        } else {
            None
        };
        if let Some(direction) = direction {
            diffs.push(OpDiff {
                op,
                required: req_text.to_string(),
                actual: got.verbatim.clone(),
                direction,
                unknown_string: !got.known,
            });
        }
    }
    diffs
}

/// Names compared ignoring case, spacing and punctuation ("Service Ticket - Dependencies" ==
/// "Service Ticket – Dependencies").
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn setting_module(s: &SecuritySetting) -> &str {
    s.module_name
        .as_deref()
        .or(s.module_identifier.as_deref())
        .unwrap_or("")
}

fn setting_function(s: &SecuritySetting) -> &str {
    s.module_function_name
        .as_deref()
        .or(s.module_function_identifier.as_deref())
        .unwrap_or("")
}

pub fn setting_label(s: &SecuritySetting) -> String {
    format!("{} › {}", setting_module(s), setting_function(s))
}

/// The setting for a guide row's module and function.
pub fn find_setting<'a>(
    settings: &'a [SecuritySetting],
    module: &str,
    function: &str,
) -> Option<&'a SecuritySetting> {
    let (m, f) = (norm(module), norm(function));
    settings.iter().find(|s| {
        norm(setting_function(s)) == f
            && (norm(setting_module(s)) == m
                || s.module_identifier.as_deref().map(norm).as_deref() == Some(m.as_str()))
    })
}

/// Functions whose names resemble a missing row's (renamed on this version, or in another module).
pub fn near_matches(settings: &[SecuritySetting], module: &str, function: &str) -> Vec<String> {
    let f = norm(function);
    let m = norm(module);
    let words: Vec<String> = function
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
        .collect();
    let mut scored: Vec<(usize, String)> = settings
        .iter()
        .filter_map(|s| {
            let sf = norm(setting_function(s));
            let name = setting_function(s).to_lowercase();
            let shared = words.iter().filter(|w| name.contains(w.as_str())).count();
            let score = if sf == f {
                100
            } else if sf.contains(&f) || (!sf.is_empty() && f.contains(&sf)) {
                50
            } else if shared > 0 && norm(setting_module(s)) == m {
                10 + shared
            } else if shared > 1 {
                shared
            } else {
                0
            };
            (score > 0).then(|| (score, setting_label(s)))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, l)| l).collect()
}

/// Functions the guide does not list that grant something: `(label, levels)`.
pub fn excess(settings: &[SecuritySetting], rows: &[&PermissionRow]) -> Vec<(String, String)> {
    settings
        .iter()
        .filter(|s| {
            !rows.iter().any(|r| {
                r.psa_function().is_some_and(|f| {
                    let m = r.psa_module();
                    norm(f) == norm(setting_function(s))
                        && (norm(m) == norm(setting_module(s))
                            || s.module_identifier.as_deref().map(norm) == Some(norm(m)))
                })
            })
        })
        .filter_map(|s| {
            let granted: Vec<String> = OPS
                .iter()
                .filter_map(|(op, _)| {
                    let r = reported_for(s, op);
                    (r.level != CwLevel::None).then(|| format!("{op} {}", r.verbatim))
                })
                .collect();
            (!granted.is_empty()).then(|| (setting_label(s), granted.join(", ")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(
        module: &str,
        function: &str,
        a: &str,
        e: &str,
        d: &str,
        i: &str,
    ) -> SecuritySetting {
        SecuritySetting {
            module_name: Some(module.into()),
            module_identifier: None,
            module_function_name: Some(function.into()),
            module_function_identifier: None,
            add_level: Some(a.into()),
            edit_level: Some(e.into()),
            delete_level: Some(d.into()),
            inquire_level: Some(i.into()),
        }
    }

    fn row(module: &str, function: &str, a: &str, e: &str, d: &str, i: &str) -> PermissionRow {
        PermissionRow {
            module: module.into(),
            function: Some(function.into()),
            add: Some(a.into()),
            edit: Some(e.into()),
            delete: Some(d.into()),
            inquire: Some(i.into()),
            ..PermissionRow::default()
        }
    }

    #[test]
    fn level_ordering_and_drift() {
        assert!(CwLevel::None < CwLevel::My && CwLevel::My < CwLevel::All);
        assert_eq!(parse_level(Some("NONE")).level, CwLevel::None);
        assert_eq!(parse_level(None).level, CwLevel::None);
        let mine = parse_level(Some("Mine"));
        assert_eq!(mine.level, CwLevel::My);
        assert!(!mine.known);
        assert_eq!(mine.verbatim, "Mine");
        assert!(parse_level(Some("All")).known);
    }

    #[test]
    fn below_and_above() {
        let r = row(
            "Service Desk",
            "Service Tickets",
            "All",
            "All",
            "None",
            "All",
        );
        let s = setting("Service Desk", "Service Tickets", "My", "All", "All", "All");
        let d = compare_row(&r, &s);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].op, d[0].direction), ("add", Direction::Below));
        assert_eq!((d[1].op, d[1].direction), ("delete", Direction::Above));
        let exact = setting(
            "Service Desk",
            "Service Tickets",
            "All",
            "All",
            "None",
            "All",
        );
        assert!(compare_row(&r, &exact).is_empty());
        let mine = setting(
            "Service Desk",
            "Service Tickets",
            "Mine",
            "All",
            "None",
            "All",
        );
        let d = compare_row(&r, &mine);
        assert_eq!(d.len(), 1);
        assert!(d[0].unknown_string);
        assert_eq!(d[0].actual, "Mine");
    }

    #[test]
    fn finding_rows_and_near_matches() {
        let settings = vec![
            setting(
                "Service Desk",
                "Service Ticket – Dependencies",
                "All",
                "All",
                "All",
                "All",
            ),
            setting(
                "Service Desk",
                "Service Tickets",
                "None",
                "None",
                "None",
                "All",
            ),
            setting(
                "System",
                "Member Maintenance",
                "None",
                "None",
                "None",
                "All",
            ),
            setting("Finance", "Invoicing", "All", "None", "None", "All"),
        ];
        assert!(find_setting(&settings, "service desk", "Service Ticket - Dependencies").is_some());
        assert!(find_setting(&settings, "Service Desk", "Merge Tickets").is_none());
        let near = near_matches(&settings, "Service Desk", "Service Ticket Dependency");
        assert!(near[0].contains("Dependencies"), "{near:?}");
        let rows = [
            row(
                "Service Desk",
                "Service Ticket - Dependencies",
                "All",
                "All",
                "All",
                "All",
            ),
            row(
                "Service Desk",
                "Service Tickets",
                "None",
                "None",
                "None",
                "All",
            ),
        ];
        let refs: Vec<&PermissionRow> = rows.iter().collect();
        let ex = excess(&settings, &refs);
        assert_eq!(ex.len(), 2);
        assert_eq!(ex[0].0, "System › Member Maintenance");
        assert_eq!(
            ex[1],
            (
                "Finance › Invoicing".to_string(),
                "add All, inquire All".to_string()
            )
        );
    }
}
