//! Wizard definitions: the built-in files load, say exactly what the vendors' guides say, and
//! malformed files are reported with file, line and column. Also drives the real binary's
//! `wizards`, `show` and `validate` commands.

use std::path::Path;
use std::process::Command;

use psa_onboard::wizard::{self, Column, ImpersonationSupport, Psa, RowShape, StepKind, Wizard};

const GUIDE_000: &str = include_str!("fixtures/guides/000_5089fff6a6ee412f.txt");
const GUIDE_001: &str = include_str!("fixtures/guides/001_0d1652fc8385e352.txt");
const GUIDE_002: &str = include_str!("fixtures/guides/002_869707471cb8fc29.txt");
const GUIDE_003: &str = include_str!("fixtures/guides/003_4d50272b5777222b.txt");
const GUIDE_004: &str = include_str!("fixtures/guides/004_06b1ff5470e45522.txt");

fn builtin(id: &str) -> Wizard {
    wizard::builtin()
        .into_iter()
        .find(|l| l.wizard.id == id)
        .unwrap_or_else(|| panic!("no built-in wizard {id}"))
        .wizard
}

fn cells(line: &str) -> Vec<String> {
    line.trim_end()
        .trim_end_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

/// Normalise guide text for comparison: the guides use non-breaking spaces and curly quotes.
fn norm(s: &str) -> String {
    s.replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// ----------------------------------------------------------------------------------------------
// Built-ins load and validate

#[test]
fn every_builtin_wizard_loads_and_validates() {
    let all = wizard::builtin();
    let mut ids: Vec<&str> = all.iter().map(|l| l.wizard.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "rewst-autotask",
            "tasky-autotask",
            "topleft-autotask",
            "topleft-connectwise"
        ]
    );
    for (name, text) in wizard::load::BUILTIN {
        let w = wizard::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!w.steps.is_empty(), "{name} has steps");
        // Every step says what to click, and every check says how it is decided.
        for s in &w.steps {
            assert!(
                !s.instructions.is_empty(),
                "{name}: step {} has clicks",
                s.id
            );
            for c in &s.checks {
                assert!(
                    c.observe.is_some() != c.manual.is_some(),
                    "{name}: {} is observed or manual",
                    c.id
                );
            }
        }
        // Hashes are stable and content-addressed.
        assert_eq!(wizard::load::hash(text).len(), 64);
    }
}

// ----------------------------------------------------------------------------------------------
// Guide 002: TopLeft for ConnectWise — 26 module-function rows with four levels each.

#[test]
fn topleft_connectwise_rows_match_guide_002() {
    let modules = [
        "Companies",
        "Finance",
        "Project",
        "Sales",
        "Service Desk",
        "System",
        "Time & Expense",
    ];
    let guide_rows: Vec<Vec<String>> = GUIDE_002
        .lines()
        .map(cells)
        .filter(|c| c.len() == 7 && modules.contains(&c[0].as_str()))
        .collect();
    assert_eq!(
        guide_rows.len(),
        26,
        "the guide has 26 module-function rows"
    );

    let w = builtin("topleft-connectwise");
    assert_eq!(w.psa, Psa::Connectwise);
    let role = w.step_of(StepKind::SecurityRole).expect("a role step");
    assert_eq!(role.name.as_deref(), Some("TopLeft"));
    assert_eq!(role.permissions.len(), 26);
    for (g, r) in guide_rows.iter().zip(&role.permissions) {
        assert_eq!(r.module, g[0]);
        assert_eq!(r.function.as_deref(), Some(g[1].as_str()));
        assert_eq!(r.add.as_deref(), Some(g[2].as_str()), "{} add", g[1]);
        assert_eq!(r.edit.as_deref(), Some(g[3].as_str()), "{} edit", g[1]);
        assert_eq!(r.delete.as_deref(), Some(g[4].as_str()), "{} delete", g[1]);
        assert_eq!(
            r.inquire.as_deref(),
            Some(g[5].as_str()),
            "{} inquire",
            g[1]
        );
        assert_eq!(r.comment, g[6], "{} comment", g[1]);
        assert!(r.verify.is_none(), "CW rows verify through mySecurity");
    }

    // Member settings, keys, the on-premise allow-list note, board restrictions, the portal.
    let member = w.step_of(StepKind::ApiMember).unwrap();
    let m = member.member.as_ref().unwrap();
    assert_eq!(m.identifier.as_deref(), Some("TopLeft"));
    assert_eq!(m.name.as_deref(), Some("TopLeft API"));
    assert_eq!(m.email.as_deref(), Some("topleft@yourdomain.com"));
    assert_eq!(m.role.as_deref(), Some("TopLeft"));
    assert_eq!(m.level.as_deref(), Some("Corporate (Level 1)"));
    assert_eq!(m.location.as_deref(), Some("Corporate"));
    assert!(
        member
            .notes
            .iter()
            .any(|n| n.contains("restrict any service boards"))
    );
    let keys = w.step_of(StepKind::ApiKeys).unwrap();
    assert!(
        keys.instructions
            .iter()
            .any(|i| i.contains("never show the private key again"))
    );
    let allow = w.step("allow-list").unwrap();
    assert!(allow.optional);
    assert!(allow.condition.as_deref().unwrap().contains("on-premise"));
    assert_eq!(
        w.portal().unwrap().url.as_deref(),
        Some("https://customers.topleft.team/welcome/")
    );
    assert_eq!(w.troubleshooting.len(), 4);
    for t in &w.troubleshooting {
        assert!(
            norm(GUIDE_002).contains(&norm(t)),
            "troubleshooting text from guide: {t}"
        );
    }
}

// ----------------------------------------------------------------------------------------------
// Guide 000: TopLeft for Autotask — every table row, checkbox and dropdown.

#[test]
fn topleft_autotask_rows_match_guide_000() {
    let w = builtin("topleft-autotask");
    let level = w.step_of(StepKind::SecurityLevel).unwrap();
    assert_eq!(level.name.as_deref(), Some("TopLeft"));
    let rows = &level.permissions;

    let mut header: Vec<String> = Vec::new();
    let mut matched = 0;
    for line in GUIDE_000.lines().filter(|l| l.contains(" | ")) {
        let c = cells(line);
        if c[0] == "Module" {
            header = c;
            continue;
        }
        if header.get(1).map(String::as_str) == Some("Checkmark these boxes") {
            let row = rows
                .iter()
                .find(|r| r.module == c[0] && r.checkbox.as_deref() == Some(c[1].as_str()))
                .unwrap_or_else(|| panic!("checkbox row {:?} missing", c));
            assert!(row.is_checked());
            assert_eq!(row.comment, c[2]);
        } else {
            let row = rows
                .iter()
                .find(|r| r.module == c[0] && r.object.as_deref() == Some(c[1].as_str()))
                .unwrap_or_else(|| panic!("level row {:?} missing", c));
            // Columns between Description and Comments are level columns, in order.
            let cols = &header[2..header.len() - 1];
            let values: Vec<(Column, &str)> = row.levels().collect();
            assert_eq!(values.len(), cols.len(), "{:?}: every level column", c);
            for ((col, val), (h, g)) in values.iter().zip(cols.iter().zip(&c[2..])) {
                assert_eq!(col.label(Psa::Autotask), h.as_str());
                assert_eq!(*val, g.as_str(), "{:?} {h}", c);
            }
            assert_eq!(row.comment, c[c.len() - 1]);
        }
        matched += 1;
    }
    // Dropdowns the guide sets in prose.
    for (setting, value) in [
        ("Contract Visibility", "Full"),
        ("Can enter time on", "All Tasks"),
    ] {
        assert!(GUIDE_000.contains(&format!("\"{setting}\"")));
        assert!(
            rows.iter().any(|r| r.setting.as_deref() == Some(setting)
                && r.value.as_deref() == Some(value)),
            "setting {setting}"
        );
        matched += 1;
    }
    assert_eq!(
        matched,
        rows.len(),
        "every row in the wizard is in the guide"
    );
    assert_eq!(rows.len(), 25, "23 table rows and 2 dropdowns");

    let user = w.step_of(StepKind::ApiUser).unwrap();
    assert_eq!(user.security_level.as_deref(), Some("TopLeft"));
    assert_eq!(
        user.integration_vendor.as_deref(),
        Some("TopLeft - Workflow Management")
    );
    assert_eq!(user.username_hint.as_deref(), Some("topleft"));
    for ins in level.instructions.iter().chain(&user.instructions) {
        // Every click is the guide's own sentence (allowing our joining of two sentences).
        let first = norm(ins.split(". ").next().unwrap());
        assert!(
            norm(GUIDE_000).contains(first.trim_end_matches('.'))
                || ins.starts_with("Set the module's security settings")
                || ins.starts_with("Click Admin > Account Settings"),
            "instruction not from guide 000: {ins}"
        );
    }
}

// ----------------------------------------------------------------------------------------------
// Guide 001: impersonation — the Web Services API grid, the resource checkbox and the limits.

#[test]
fn topleft_autotask_impersonation_matches_guide_001() {
    let w = builtin("topleft-autotask");
    let api = w.step("impersonation-api-level").unwrap();
    assert_eq!(api.kind, StepKind::Impersonation);
    let grid: Vec<&str> = GUIDE_001
        .lines()
        .filter(|l| l.contains("Enables resource impersonation"))
        .collect();
    assert_eq!(grid.len(), 7);
    assert_eq!(api.permissions.len(), 7);
    for (line, row) in grid.iter().zip(&api.permissions) {
        let tokens: Vec<&str> = line.split(' ').collect();
        let first_cell = tokens
            .iter()
            .position(|t| *t == "\u{a0}" || *t == "Checked")
            .unwrap();
        let grid_cells = &tokens[first_cell..first_cell + 4];
        let object = tokens[..first_cell].join(" ");
        assert!(object.ends_with(row.object.as_deref().unwrap()), "{object}");
        for (col, cell) in [Column::View, Column::Add, Column::Edit, Column::Delete]
            .iter()
            .zip(grid_cells)
        {
            let want = (*cell == "Checked").then_some("Checked");
            assert_eq!(row.level(*col), want, "{object} {col:?}");
        }
        assert_eq!(
            norm(&row.comment),
            norm(&tokens[first_cell + 4..].join(" "))
        );
        assert!(row.manual_reason().is_some(), "the grid is not readable");
    }

    let levels = w.step("impersonation-resource-levels").unwrap();
    assert_eq!(
        levels.permissions[0].checkbox.as_deref(),
        Some("Allow impersonation of resources with this security level")
    );
    let lim = &levels.license_limits;
    let find = |lic: &str| {
        lim.iter()
            .find(|l| l.licenses.iter().any(|x| x == lic))
            .unwrap()
    };
    for lic in ["Administrator", "Executive", "Professional"] {
        assert_eq!(find(lic).impersonation, ImpersonationSupport::Full);
    }
    assert_eq!(find("Team Member").cannot.len(), 3);
    assert_eq!(find("Co-managed Help Desk").cannot.len(), 3);
    assert_eq!(find("Contractor").cannot.len(), 5);
    for lic in ["Time & Attendance Only", "Dashboard User"] {
        assert_eq!(find(lic).impersonation, ImpersonationSupport::None);
    }
    for l in lim {
        for c in &l.cannot {
            assert!(GUIDE_001.contains(c.as_str()), "limit from guide: {c}");
        }
    }
    // "Turn On Impersonation in TopLeft" is a manual step.
    let topleft = w.step("impersonation-in-topleft").unwrap();
    assert_eq!(topleft.kind, StepKind::Manual);
    assert!(norm(GUIDE_001).contains(&norm("Admin > Advanced Options, find the IMPERSONATION")));
}

// ----------------------------------------------------------------------------------------------
// Guide 003: Tasky — six steps, the final impersonation test.

#[test]
fn tasky_autotask_matches_guide_003() {
    let w = builtin("tasky-autotask");
    assert_eq!(w.steps.len(), 6, "the guide's six steps");
    let guide = norm(GUIDE_003);
    for step in &w.steps {
        for ins in step.instructions.iter().chain(&step.notes) {
            // Verbatim guide lines (the note prefix "Note: " aside).
            let line = norm(ins);
            assert!(
                guide.contains(line.trim_end_matches('.')),
                "not from guide 003: {ins}"
            );
        }
    }
    let user = w.step_of(StepKind::ApiUser).unwrap();
    assert_eq!(
        user.integration_vendor.as_deref(),
        Some("Tallman.io - Tasky")
    );
    let test = w.step("impersonation-test").unwrap();
    assert!(test.instructions.iter().any(|i| i.contains("/ticket")));
    assert!(test.instructions.iter().any(|i| i.contains("/note")));
    let level = w.step_of(StepKind::SecurityLevel).unwrap();
    assert_eq!(level.copy_from.as_deref(), Some("API User (system)"));
    // CRM: 3 views; Projects: 3 views with add/edit on two notes; Service Desk and Other/Shared.
    let req = |obj: &str| {
        level
            .permissions
            .iter()
            .find(|r| r.object.as_deref() == Some(obj))
            .map(|r| r.required.clone())
            .unwrap()
    };
    assert_eq!(req("Accounts"), ["View"]);
    assert_eq!(req("Task Notes"), ["View", "Add", "Edit"]);
    let resource = w.step("resource-levels").unwrap();
    let login = &resource.permissions[0];
    assert_eq!(
        login.checkbox.as_deref(),
        Some("Can login to Web Services API")
    );
    assert!(
        !login.is_checked(),
        "the guide says to uncheck it on user levels"
    );
}

// ----------------------------------------------------------------------------------------------
// Guide 004: Rewst — eight categories, webhooks optional, the tracking identifier.

#[test]
fn rewst_autotask_matches_guide_004() {
    let lines: Vec<&str> = GUIDE_004
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("CategoryEndpoints"))
        .skip(1)
        .take_while(|l| !l.starts_with("Follow the steps"))
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 32, "8 categories × 4 cells");
    let w = builtin("rewst-autotask");
    let level = w.step_of(StepKind::SecurityLevel).unwrap();
    assert_eq!(level.name.as_deref(), Some("Rewst Automation"));
    assert_eq!(level.permissions.len(), 8);
    for (chunk, row) in lines.chunks(4).zip(&level.permissions) {
        assert_eq!(row.shape(), RowShape::Requirement);
        assert_eq!(row.category.as_deref(), Some(chunk[0]));
        assert_eq!(row.endpoints, Some(chunk[1].parse().unwrap()));
        assert_eq!(row.module, chunk[2]);
        assert_eq!(row.required.join(", "), chunk[3]);
    }
    let hooks = w.step_of(StepKind::Webhooks).unwrap();
    assert!(hooks.optional);
    assert!(w.step_of(StepKind::TrackingIdentifier).is_some());
    let portal = w.portal().unwrap();
    assert!(portal.url.is_none(), "the guide gives no address");
    assert!(
        portal
            .fields
            .contains(&psa_onboard::wizard::PortalField::TrackingIdentifier)
    );
}

// ----------------------------------------------------------------------------------------------
// Malformed files: each kind of mistake names the line and column.

const GOOD: &str = r#"id = "acme-connectwise"
psa = "connectwise"
vendor = "Acme"
title = "Acme for ConnectWise"

[[steps]]
id = "role"
kind = "security_role"
title = "Add a role"
name = "Acme"
instructions = ["System → Security Roles → +"]

[[steps.permissions]]
module = "Service Desk"
function = "Service Tickets"
add = "None"
edit = "All"
delete = "None"
inquire = "All"
"#;

fn error_for(text: &str) -> wizard::WizardError {
    let errs = wizard::parse("acme.toml", text).expect_err("must be rejected");
    errs.0.into_iter().next().unwrap()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn the_reference_file_is_valid() {
    wizard::parse("acme.toml", GOOD).unwrap();
}

#[test]
fn toml_syntax_error_names_line_and_column() {
    let text = GOOD.replace("edit = \"All\"", "edit = \"All");
    let e = error_for(&text);
    assert_eq!(e.file, "acme.toml");
    assert_eq!(e.line, line_of(&text, "edit = \"All"));
    assert!(e.column > 1);
    assert!(e.to_string().starts_with(&format!("acme.toml:{}:", e.line)));
}

#[test]
fn unknown_step_kind_names_line_and_column() {
    let text = GOOD.replace("kind = \"security_role\"", "kind = \"security_rol\"");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "security_rol\""));
    assert_eq!(e.column, 8, "points at the value");
    assert!(e.message.contains("security_role"), "{}", e.message);
}

#[test]
fn level_not_of_this_psa_names_line_and_column() {
    let text = GOOD.replace("edit = \"All\"", "edit = \"Yes\"");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "edit = \"Yes\""));
    assert_eq!(e.column, 8);
    assert!(
        e.message.contains("\"Yes\" is not a ConnectWise PSA level"),
        "{}",
        e.message
    );
    assert!(e.message.contains("None, My, All"));
}

/// Issue #13: text that could drive a terminal is refused where it is written, escaped or raw,
/// in any string; tabs and line breaks are text.
#[test]
fn control_sequences_and_bidi_overrides_in_text_are_refused_at_their_place() {
    let text = GOOD.replace(
        "title = \"Add a role\"",
        r#"title = "Add \u001b]52;c;QQ==\u0007a role""#,
    );
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "title = \"Add \\u001b"));
    assert_eq!(e.column, 14, "points at the escape: {e}");
    assert!(e.message.contains("control character U+001B"), "{e}");

    // Raw, in an array element: the column of the character itself.
    let text = GOOD.replace("+\"]", "+ \u{202e}gpj.exe\"]");
    let e = error_for(&text);
    let line = line_of(&text, "\u{202e}");
    assert_eq!((e.line, e.column), (line, 46), "{e}");
    assert!(
        e.message.contains("bidirectional-text control U+202E"),
        "{e}"
    );

    // All of them at once, each at its own place.
    let text = GOOD
        .replace("vendor = \"Acme\"", r#"vendor = "\u009b31mAcme""#)
        .replace("name = \"Acme\"", r#"name = "Ac\u200bme""#);
    let errs = wizard::parse("acme.toml", &text).unwrap_err().0;
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].line, line_of(&text, "vendor ="));
    assert_eq!(errs[1].line, line_of(&text, "name = \"Ac"));
    assert!(errs[1].message.contains("invisible character U+200B"));

    // Tabs and multi-line text stay welcome.
    let text = GOOD.replace(
        "instructions = [\"System → Security Roles → +\"]",
        "instructions = [\"System\tRoles\", \"\"\"\nline one\r\nline two\"\"\"]",
    );
    wizard::parse("acme.toml", &text).expect("tabs and line breaks are text");
}

#[test]
fn duplicate_step_id_names_line_and_column() {
    let text = format!(
        "{GOOD}\n[[steps]]\nid = \"role\"\nkind = \"manual\"\ntitle = \"Again\"\ninstructions = [\"x\"]\n"
    );
    let e = error_for(&text);
    let second = text.match_indices("id = \"role\"").nth(1).unwrap().0;
    let line = text[..second].matches('\n').count() + 1;
    assert_eq!(e.line, line);
    assert!(e.message.contains("duplicate step id"), "{}", e.message);
}

#[test]
fn unobservable_verification_names_line_and_column() {
    let text = r#"id = "acme-autotask"
psa = "autotask"
vendor = "Acme"
title = "Acme for Autotask"

[[steps]]
id = "level"
kind = "security_level"
title = "Add a level"
name = "Acme"
instructions = ["Admin → Security Levels"]

[[steps.permissions]]
module = "Other"
checkbox = "Not required to change password"
verify = { entity = "SecurityLevels", query = "All" }
"#;
    let e = error_for(text);
    assert_eq!(e.line, line_of(text, "SecurityLevels"));
    assert!(
        e.message.contains("cannot observe \"SecurityLevels\""),
        "{}",
        e.message
    );

    // A ConnectWise row cannot use an Autotask entity mapping.
    let cw = GOOD.replace(
        "inquire = \"All\"",
        "inquire = \"All\"\nverify = { entity = \"Tickets\", query = \"All\" }",
    );
    let e = error_for(&cw);
    assert_eq!(e.line, line_of(&cw, "verify = {"));
    assert!(e.message.contains("mySecurity"), "{}", e.message);
}

#[test]
fn unknown_field_and_missing_field_name_line_and_column() {
    let text = GOOD.replace("inquire = \"All\"", "inquire = \"All\"\ninquiry = \"All\"");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "inquiry"));
    assert!(e.message.contains("inquiry"), "{}", e.message);

    let text = GOOD.replace("inquire = \"All\"\n", "");
    let e = error_for(&text);
    assert!(e.line > 0, "located: {e}");
    assert!(e.message.contains("`inquire` is missing"), "{}", e.message);
}

#[test]
fn wrong_psa_and_bad_guid_are_located() {
    let text = GOOD.replace("kind = \"security_role\"", "kind = \"security_level\"");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "security_level"));
    assert!(
        e.message.contains("Datto Autotask PSA step"),
        "{}",
        e.message
    );

    let text = format!("{GOOD}\n[integration]\nclient_id = \"not-a-guid\"\n");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "not-a-guid"));
    assert!(e.message.contains("not a GUID"));
}

// ----------------------------------------------------------------------------------------------
// The real binary

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
    // Never read the developer's own wizard directory.
    c.env(
        "PSA_ONBOARD_WIZARD_DIR",
        "/nonexistent-psa-onboard-test-dir",
    )
    // The checklist's box drawing is asserted below: a UTF-8 locale, whatever the caller's.
    .env("LANG", "C.UTF-8")
    .env_remove("LC_ALL")
    .env_remove("LC_CTYPE");
    c
}

#[test]
fn cli_lists_the_four_wizards() {
    let out = bin().arg("wizards").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for (id, psa, vendor) in [
        ("topleft-autotask", "autotask", "TopLeft"),
        ("topleft-connectwise", "connectwise", "TopLeft"),
        ("tasky-autotask", "autotask", "Tasky"),
        ("rewst-autotask", "autotask", "Rewst"),
    ] {
        let line = text.lines().find(|l| l.starts_with(id)).unwrap();
        assert!(line.contains(psa) && line.contains(vendor), "{line}");
    }
}

#[test]
fn cli_show_topleft_connectwise_prints_all_26_rows() {
    let out = bin()
        .args(["show", "topleft-connectwise"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let w = builtin("topleft-connectwise");
    let mut n = 0;
    for (_, r) in w.rows().filter(|(_, r)| r.function.is_some()) {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("│ {} ", r.function.as_deref().unwrap())))
            .unwrap_or_else(|| panic!("row {} missing", r.label()));
        let levels: Vec<&str> = line.split('│').map(str::trim).collect();
        assert_eq!(
            &levels[2..6],
            [
                r.add.as_deref().unwrap(),
                r.edit.as_deref().unwrap(),
                r.delete.as_deref().unwrap(),
                r.inquire.as_deref().unwrap()
            ]
        );
        n += 1;
    }
    assert_eq!(n, 26);
    assert!(text.contains("Add Level │ Edit Level │ Delete Level │ Inquire Level"));
}

#[test]
fn cli_show_topleft_autotask_includes_impersonation() {
    let out = bin().args(["show", "topleft-autotask"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Web Services API › Service Desk │ Ticket Notes",
        "Allow impersonation of resources with this security level",
        "License Contractor: limited",
        "cannot: Add notes on Tickets and Tasks",
        "License Time & Attendance Only, Dashboard User: cannot be impersonated",
        "Autotask does not support resource impersonation for adding or editing checklists",
        "Contract Visibility │ Full",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn cli_errors_exit_2_with_a_clear_message() {
    let out = bin().args(["show", "no-such-wizard"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no wizard named \"no-such-wizard\""), "{err}");
    assert!(err.contains("topleft-connectwise"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, GOOD.replace("edit = \"All\"", "edit = \"Maybe\"")).unwrap();
    let out = bin().arg("validate").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let line = line_of(GOOD, "edit = \"All\"");
    assert!(err.contains(&format!("bad.toml:{line}:8:")), "{err}");

    let out = bin().arg("--version").output().unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("psa-onboard ")
    );
}

#[test]
fn user_wizard_dir_adds_wizards_and_reports_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.toml"), GOOD).unwrap();
    std::fs::write(dir.path().join("broken.toml"), "id = ").unwrap();
    let out = bin()
        .arg("--wizard-dir")
        .arg(dir.path())
        .arg("wizards")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("acme-connectwise")),
        "{text}"
    );
    assert!(text.contains("topleft-autotask"), "built-ins still listed");
    assert!(text.contains("broken.toml:1:"), "bad file located: {text}");

    // A wizard can also be named by path.
    let out = bin()
        .args(["show"])
        .arg(dir.path().join("acme.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("Service Tickets")
    );
    assert!(Path::new(&dir.path().join("acme.toml")).exists());
}

/// Wizard files saved on Windows end their lines with CRLF: every built-in loads the same that
/// way (multi-line strings included), and a mistake still names its line and column.
#[test]
fn crlf_wizard_files_load_the_same_and_errors_keep_their_place() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("wizards");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let lf = std::fs::read_to_string(&path).unwrap();
        assert!(!lf.contains('\r'), "{}: the repo keeps LF", path.display());
        let crlf = lf.replace('\n', "\r\n");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let a = wizard::parse(&name, &lf).unwrap();
        let b =
            wizard::parse(&name, &crlf).unwrap_or_else(|e| panic!("{name} with CRLF: {}", e.0[0]));
        assert_eq!(a, b, "{name}: CRLF changes what is loaded");
        seen += 1;
    }
    assert!(seen >= 4, "the built-in wizard files were found");

    let text = GOOD
        .replace("edit = \"All\"", "edit = \"Yes\"")
        .replace('\n', "\r\n");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "edit = \"Yes\""));
    assert_eq!(e.column, 8);
    assert!(!e.to_string().contains('\r'), "{e}");
}

// ----------------------------------------------------------------------------------------------
// Packaging: shell completions and the manual page.

/// The bash script really completes: sourced into bash, it offers the subcommands for `ch` and
/// the wizard-less flags of `check`. The other shells' scripts are their documented forms.
#[test]
fn completions_complete_in_bash_and_have_each_shells_form() {
    let out = bin().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("psa-onboard.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let complete = |words: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
                 _psa__onboard psa-onboard \"${{COMP_WORDS[COMP_CWORD]}}\" \
                 \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let subcommands = complete("psa-onboard c");
    for want in ["check", "completions"] {
        assert!(subcommands.lines().any(|l| l == want), "{subcommands}");
    }
    let flags = complete("psa-onboard check --sa");
    assert!(flags.lines().any(|l| l == "--save-session"), "{flags}");

    for (shell, form) in [
        ("zsh", "#compdef psa-onboard"),
        ("fish", "complete -c psa-onboard"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'psa-onboard'",
        ),
    ] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(form), "{shell}: {text}");
        assert!(
            text.contains("save-session"),
            "{shell} completes check's flags"
        );
    }
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

/// `man` prints one roff page naming every subcommand; `man --dir` writes that page and one per
/// subcommand, the pages the first one refers to.
#[test]
fn man_prints_the_page_and_writes_one_per_command() {
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH psa-onboard 1"), "{page}");
    for sub in [
        "wizards",
        "show",
        "check",
        "sessions",
        "export",
        "completions",
    ] {
        assert!(
            page.contains(&format!("psa\\-onboard\\-{sub}(1)")),
            "{sub} missing:\n{page}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let out = bin().arg("man").arg("--dir").arg(&pages).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for want in [
        "psa-onboard.1",
        "psa-onboard-check.1",
        "psa-onboard-sessions-delete.1",
        "psa-onboard-man.1",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    let check = std::fs::read_to_string(pages.join("psa-onboard-check.1")).unwrap();
    assert!(check.contains("\\-\\-save\\-session"), "{check}");
}
