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

/// Normalise guide text for comparison: the guides use non-breaking spaces and curly quotes
/// (and once a mismatched `"API User'`).
fn norm(s: &str) -> String {
    s.replace('\u{a0}', " ")
        .replace(['\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\''], "\"")
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
            "autoelevate-connectwise",
            "cloudradial-autotask",
            "cow-autotask",
            "guardz-autotask",
            "hudu-connectwise",
            "itglue-autotask",
            "msp360-autotask",
            "ncentral-connectwise",
            "nsight-connectwise",
            "passportal-connectwise",
            "rewst-autotask",
            "tasky-autotask",
            "topleft-autotask",
            "topleft-connectwise"
        ]
    );
    for (name, text) in wizard::load::BUILTIN {
        let w = wizard::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        // The tests name built-ins by file (`wizard::load::BUILTIN`): the file is the id.
        assert_eq!(*name, format!("{}.toml", w.id));
        // Every built-in says where it comes from.
        assert!(!w.sources.is_empty(), "{name} cites its guide");
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
// The catalog (issue 16): wizards from vendors' public pages. Each page's rows, as docs/FIDELITY.md
// transcribes them, are the wizard's rows, in order; the prose around them is ours.

/// A row's facts in one line: `step: module › subject: columns` (a checkbox `[x]`/`[ ]`, a setting
/// `= value`, a requirement's list).
fn facts(w: &Wizard) -> Vec<String> {
    w.rows()
        .map(|(s, r)| {
            let what = match r.shape() {
                RowShape::Levels => r
                    .levels()
                    .map(|(c, v)| format!("{} {v}", c.label(w.psa)))
                    .collect::<Vec<_>>()
                    .join(" · "),
                RowShape::Checkbox => if r.is_checked() { "[x]" } else { "[ ]" }.to_string(),
                RowShape::Setting => format!("= {}", r.value.as_deref().unwrap_or("")),
                RowShape::Requirement => r.required.join(", "),
                RowShape::Customize => format!("Customize: {}", r.customize.join(", ")),
            };
            format!("{}: {}: {what}", s.id, r.label())
        })
        .collect()
}

/// Where every source of a catalog wizard is: an https address and the date the copy was read.
fn cites_page_and_date(w: &Wizard) {
    for s in &w.sources {
        assert!(s.contains("https://"), "{}: {s}", w.id);
        assert!(
            s.contains("2026-12-06") || s.contains("2024"),
            "{}: {s}",
            w.id
        );
    }
}

#[test]
fn guardz_autotask_carries_the_pages_rows() {
    let w = builtin("guardz-autotask");
    cites_page_and_date(&w);
    assert_eq!(
        facts(&w),
        [
            "security-level: CRM › Account & Contact Access › All objects: Permission All",
            "security-level: Service Desk › Tickets: View All · Add Yes · Edit Yes",
            "security-level: Admin › Kaseya Integrations: [x]",
            "security-level: Web Services API › CRM › Account: View Checked",
            "security-level: Web Services API › Service Desk › Tickets: View Checked · Add Checked · Edit Checked",
        ]
    );
    let level = w.step("security-level").unwrap();
    assert_eq!(level.name, None, "the page leaves the name to the admin");
    assert_eq!(
        level.copy_from.as_deref(),
        Some("API User (system) (API-only)")
    );
    let user = w.step("api-user").unwrap();
    assert_eq!(
        user.security_level, None,
        "the level from the previous step"
    );
    assert!(
        w.portal().is_none(),
        "the stored copy stops before the hand-over"
    );
}

#[test]
fn cow_autotask_carries_the_pages_rows() {
    let w = builtin("cow-autotask");
    cites_page_and_date(&w);
    assert_eq!(
        facts(&w),
        [
            "security-level: CRM › Customer & Cancelation: Permission All",
            "security-level: CRM › Configuration Items & Subscriptions: View All · Edit All",
            "security-level: Inventory › Products: View All",
            "security-level: Admin › Configuration Items: [x]",
        ]
    );
    assert_eq!(w.level_name(), Some("COW Warranty Permissions"));
    let user = w.step("api-user").unwrap();
    assert_eq!(user.integration_vendor.as_deref(), Some("CyberDrain B.V."));
    assert_eq!(w.portal().unwrap().page.as_deref(), Some("cow.tech"));
}

#[test]
fn msp360_autotask_carries_the_pages_rows() {
    let w = builtin("msp360-autotask");
    cites_page_and_date(&w);
    let m = "minimal-permissions";
    assert_eq!(
        facts(&w),
        [
            format!("{m}: Web Service API › Can login to Web Services API: [x]"),
            format!("{m}: CRM › Account & Contact Access › Customer & Cancelation: Permission All"),
            format!("{m}: CRM › Account & Contact Access › Vendor & Partners: Permission All"),
            format!(
                "{m}: CRM › Account & Contact Access › Prospects, Leads, & Dead: Permission All"
            ),
            format!("{m}: CRM › Object Permissions › Accounts: Add None · Edit None · Delete None"),
            format!("{m}: CRM › Object Permissions › Contacts: Add None"),
            format!(
                "{m}: Service Desk › Object Permissions › Tickets: View Mine · Add Yes · Edit No · Delete None"
            ),
            format!(
                "{m}: Service Desk › Object Permissions › Ticket Notes: Edit None · Delete None"
            ),
            format!(
                "{m}: Service Desk › Object Permissions › Service Calls: View Mine · Add No · Edit No · Delete None"
            ),
            format!(
                "{m}: Service Desk › Object Permissions › Charges: View None · Add No · Edit None · Delete None"
            ),
            format!(
                "{m}: Service Desk › Object Permissions › Expenses: View None · Add No · Edit None · Delete None"
            ),
            format!("{m}: Contracts › Object Permissions › Contracts: View All · Add Yes"),
            format!("{m}: Contracts › Contract Visibility: = Full"),
        ]
    );
    // The default level is enough; the minimal copy is the admin's choice.
    let copy = w.step(m).unwrap();
    assert!(copy.optional && copy.condition.is_some());
    assert_eq!(copy.name, None, "the page names no copy");
    let user = w.step("api-user").unwrap();
    assert!(user.system_level);
    assert_eq!(user.security_level.as_deref(), Some("API User (system)"));
    assert_eq!(
        user.integration_vendor.as_deref(),
        Some("CloudBerry Lab - BDR")
    );
    // Mine is checked as Restricted, never as "any".
    let tickets = &copy.permissions[6];
    assert_eq!(
        tickets.verify.as_ref().unwrap().query,
        Some(wizard::Access::Restricted)
    );
}

#[test]
fn cloudradial_autotask_carries_the_pages_rows() {
    let w = builtin("cloudradial-autotask");
    cites_page_and_date(&w);
    assert_eq!(
        facts(&w),
        [
            "security-level: Web Services API › Resource Impersonation › Tickets: Check the boxes",
            "security-level: Web Services API › Resource Impersonation › Ticket Notes: Check the boxes",
            "security-level: Web Services API › Resource Impersonation › Attachments: Check the boxes",
            "webhooks: Other › Webhooks › Webhooks: = On",
            "webhooks: Other › Webhooks › Maximum number of Webhooks: = A nonzero value",
        ]
    );
    assert_eq!(w.level_name(), Some("CloudRadial Chat Security User"));
    let hooks = w.step("webhooks").unwrap();
    assert!(hooks.optional, "the page marks webhooks (Optional)");
    assert!(hooks.condition.as_deref().unwrap().contains("API limits"));
    // Steps 2 and 3 are headings only in the stored copy, and say so.
    for id in ["api-user", "submit"] {
        let s = w.step(id).unwrap();
        assert!(
            s.instructions[0].contains("stored copy of the page ends"),
            "{id}"
        );
    }
}

#[test]
fn itglue_autotask_carries_the_pages_rows() {
    let w = builtin("itglue-autotask");
    cites_page_and_date(&w);
    assert_eq!(
        facts(&w),
        ["protected-data: Protected Data Permission › View Protected Data: [x]"]
    );
    assert!(w.step_of(StepKind::SecurityLevel).is_none(), "no copy");
    let user = w.step("api-user").unwrap();
    assert!(user.system_level);
    assert_eq!(user.security_level.as_deref(), Some("API User (system)"));
    assert_eq!(
        user.integration_vendor.as_deref(),
        Some("ITG - Documentation Management")
    );
    assert!(w.portal().is_none(), "the page gives no step in IT Glue");
}

/// `show` says the built-in level is kept, and prints each row's reading of the page.
#[test]
fn cli_show_prints_the_built_in_level_and_the_rows_readings() {
    let out = bin().args(["show", "msp360-autotask"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "Security level: API User (system) (Autotask's built-in level, kept as it is)"
        ),
        "{text}"
    );
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (_, r) in builtin("msp360-autotask").rows() {
        if let Some(note) = r.verify.as_ref().and_then(|v| v.note.as_deref()) {
            assert!(flat.contains(note), "note not shown: {note}");
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Issue 16: ConnectWise wizards from vendors' public permission pages. Each page's rows, as the
// page gives them (module, function, Add, Edit, Delete, Inquire; "" = blank or no such column),
// step by step; docs/FIDELITY.md sets them beside the wizard's and states each reading taken.

type PageRow = (&'static str, &'static str, &'static str, [&'static str; 4]);

/// The wizard's ConnectWise level rows as (step, module, function, levels).
fn level_rows(w: &Wizard) -> Vec<(String, String, String, [String; 4])> {
    w.rows()
        .filter(|(_, r)| r.shape() == RowShape::Levels)
        .map(|(s, r)| {
            let l = |c| r.level(c).unwrap_or("").to_string();
            (
                s.id.clone(),
                r.module.clone(),
                r.function.clone().unwrap_or_default(),
                [
                    l(Column::Add),
                    l(Column::Edit),
                    l(Column::Delete),
                    l(Column::Inquire),
                ],
            )
        })
        .collect()
}

fn assert_page_rows(id: &str, page: &[PageRow]) {
    let w = builtin(id);
    let got = level_rows(&w);
    let want: Vec<(String, String, String, [String; 4])> = page
        .iter()
        .map(|(s, m, f, l)| {
            (
                s.to_string(),
                m.to_string(),
                f.to_string(),
                l.map(str::to_string),
            )
        })
        .collect();
    assert_eq!(got, want, "{id}: the page's rows, in its order");
    // A level the page does not give is left out, and the row says how it was read; so does a
    // row checked under a name the page does not write.
    for (_, r) in w.rows().filter(|(_, r)| r.shape() == RowShape::Levels) {
        let partial = [Column::Add, Column::Edit, Column::Delete, Column::Inquire]
            .iter()
            .any(|c| r.level(*c).is_none());
        let renamed = r.psa_function() != r.function.as_deref() || r.psa_module() != r.module;
        if partial || renamed {
            assert!(r.note().is_some(), "{id} {}: no reading stated", r.label());
        }
    }
    // Where it comes from, and when it was read.
    assert!(!w.sources.is_empty());
    for s in &w.sources {
        assert!(
            s.starts_with("https://") && s.contains("read 2026-12-06"),
            "{id}: {s}"
        );
    }
}

#[test]
fn nable_passportal_rows_match_the_page() {
    const L: [&str; 4] = ["All", "All", "All", "All"];
    assert_page_rows(
        "passportal-connectwise",
        &[
            ("security-role", "Companies", "Company Maintenance", L),
            ("security-role", "Companies", "Configurations", L),
            ("security-role", "Companies", "Contacts", L),
            ("security-role", "System", "Member Maintenance", L),
            ("security-role", "System", "Security", L),
            ("security-role", "System", "Table Setup", L),
        ],
    );
}

#[test]
fn nable_nsight_rows_match_the_page() {
    let s = "security-role";
    assert_page_rows(
        "nsight-connectwise",
        &[
            (
                s,
                "Companies",
                "Company Maintenance",
                ["All", "None", "All", "All"],
            ),
            (
                s,
                "Companies",
                "Configurations",
                ["All", "All", "None", "All"],
            ),
            (
                s,
                "Project",
                "Project Tickets",
                ["None", "None", "None", "All"],
            ),
            (
                s,
                "Service Desk",
                "Close Service Tickets",
                ["None", "All", "None", "All"],
            ),
            (
                s,
                "Service Desk",
                "Service Tickets",
                ["All", "All", "All", "All"],
            ),
            (s, "System", "API Reports", ["None", "None", "None", "All"]),
            (
                s,
                "System",
                "Member Maintenance",
                ["None", "None", "None", "All"],
            ),
            (s, "System", "Table Setup", ["None", "None", "All", "All"]),
            (
                s,
                "Time & Expenses",
                "Time Entry",
                ["All", "None", "All", "All"],
            ),
        ],
    );
    let w = builtin("nsight-connectwise");
    let t = w
        .rows()
        .find(|(_, r)| r.module == "Time & Expenses")
        .unwrap()
        .1;
    assert_eq!(t.psa_module(), "Time & Expense");
}

#[test]
fn nable_ncentral_rows_match_the_page_and_its_conditions_are_choices() {
    let s = "security-role";
    assert_page_rows(
        "ncentral-connectwise",
        &[
            (s, "Companies", "Company Maintenance", ["", "", "", "All"]),
            (
                s,
                "Companies",
                "Configurations",
                ["All", "All", "All", "All"],
            ),
            (s, "Companies", "Contacts", ["", "", "", "All"]),
            (s, "Procurement", "Product Catalog", ["", "", "", "All"]),
            (
                s,
                "Service Desk",
                "Close Service Ticket",
                ["All", "All", "All", "All"],
            ),
            (
                s,
                "Service Desk",
                "Resource Scheduling",
                ["All", "", "All", "All"],
            ),
            (
                s,
                "Service Desk",
                "Service Tickets",
                ["My", "My", "My", "My"],
            ),
            (s, "System", "API Reports", ["", "", "", "All"]),
            (s, "System", "Member Maintenance", ["", "", "", "All"]),
            (s, "System", "Table Setup", ["", "", "", "All"]),
            (s, "Time and Expense", "Time Entry", ["All", "", "", "All"]),
            (
                "billing-profiles",
                "Finance",
                "Agreements",
                ["", "All", "", "All"],
            ),
            (
                "time-entries",
                "Finance",
                "Billing View Time",
                ["", "", "", "All"],
            ),
        ],
    );
    let w = builtin("ncentral-connectwise");
    for (step, condition) in [
        (
            "billing-profiles",
            "Only if you use N-able N-central's Billing Profiles feature.",
        ),
        (
            "time-entries",
            "Only if you use N-able N-central to create Time Entries against tickets.",
        ),
    ] {
        let st = w.step(step).unwrap();
        assert!(st.optional && st.kind == StepKind::SecurityRole, "{step}");
        assert_eq!(st.condition.as_deref(), Some(condition));
    }
}

#[test]
fn cyberfox_autoelevate_rows_match_the_page_with_its_dagger_rows_a_choice() {
    let s = "security-role";
    let t = "technician-mode";
    // The page's table: Add, Edit and Inquire columns only; † cells are Technician Mode
    // Ticketing's and form the optional step.
    assert_page_rows(
        "autoelevate-connectwise",
        &[
            (s, "Companies", "Company Maintenance", ["All", "", "", ""]),
            (s, "Companies", "Configurations", ["All", "", "", ""]),
            (s, "Finance", "Billing View Time", ["", "All", "", ""]),
            (
                s,
                "Service Desk",
                "Resource Scheduling",
                ["All", "All", "", "All"],
            ),
            (
                s,
                "Service Desk",
                "Service Tickets",
                ["My", "All", "", "All"],
            ),
            (s, "System", "Member Maintenance", ["All", "", "", ""]),
            (s, "System", "My Company", ["All", "", "", ""]),
            (s, "System", "Table Setup", ["All", "All", "", ""]),
            (s, "Time & Expense", "Time Entry", ["All", "", "", "All"]),
            (
                s,
                "Time & Expense",
                "Time Entry Billable Option",
                ["All", "All", "", ""],
            ),
            (t, "Finance", "Billing View Time", ["All", "", "", ""]),
            (t, "Finance", "Agreements", ["All", "", "", ""]),
            (
                t,
                "Service Desk",
                "Close Service Tickets",
                ["All", "All", "", ""],
            ),
            (t, "Time & Expense", "Time Entry", ["", "All", "", ""]),
        ],
    );
    let w = builtin("autoelevate-connectwise");
    let customize: Vec<(&str, Vec<&str>)> = w
        .rows()
        .filter(|(_, r)| r.shape() == RowShape::Customize)
        .map(|(_, r)| {
            assert!(r.manual_reason().is_some(), "{}: manual", r.label());
            (
                r.function.as_deref().unwrap(),
                r.customize.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        customize,
        [
            (
                "Configurations",
                vec!["Managed Server", "Managed Workstation"]
            ),
            (
                "Resource Scheduling",
                vec!["The company levels this role needs scheduling access for"]
            ),
            (
                "Table Setup",
                vec!["General / Manage Hosted API", "Service / Service Board"]
            ),
        ]
    );
    assert!(w.step(t).unwrap().optional);
}

#[test]
fn hudu_rows_and_member_match_the_page() {
    let s = "security-role";
    assert_page_rows(
        "hudu-connectwise",
        &[
            (
                s,
                "Companies",
                "Company Maintenance",
                ["All", "All", "None", "All"],
            ),
            (
                s,
                "Companies",
                "Configuration - Display Passwords",
                ["None", "None", "None", "All"],
            ),
            (
                s,
                "Companies",
                "Configurations",
                ["All", "All", "None", "All"],
            ),
            (s, "Companies", "Contacts", ["All", "All", "None", "All"]),
            (
                s,
                "Service Desk",
                "Service Tickets",
                ["None", "None", "None", "All"],
            ),
            (s, "System", "API Reports", ["All", "All", "None", "All"]),
            (
                s,
                "System",
                "Member Maintenance",
                ["None", "None", "None", "All"],
            ),
            (s, "System", "Table Setup", ["None", "None", "None", "All"]),
            (s, "Finance", "Agreements", ["None", "None", "None", "All"]),
        ],
    );
    let w = builtin("hudu-connectwise");
    let m = w.step("api-member").unwrap();
    assert_eq!(
        m.member.as_ref().unwrap().identifier.as_deref(),
        Some("Hudu API Integrator")
    );
    let clicks = m.instructions.join("\n");
    for fact in [
        "System -> Members -> API Members",
        "License Class: API",
        "Time Zone",
        "Role ID",
        "highest level of access",
    ] {
        assert!(clicks.contains(fact), "{fact}");
    }
    let portal = w.portal().unwrap();
    assert_eq!(portal.fields.len(), 4);
}

// ----------------------------------------------------------------------------------------------
// Sentences an admin needs, from the guides, and where each step's clicks happen.

/// Everything a step shows as the guide's prose: why, clicks and notes.
fn prose(w: &Wizard) -> String {
    let mut out = norm(&w.summary);
    for s in &w.steps {
        for t in std::iter::once(&s.why)
            .chain(&s.instructions)
            .chain(&s.notes)
        {
            out.push(' ');
            out.push_str(&norm(t));
        }
    }
    out
}

#[test]
fn the_guides_sentences_an_admin_needs_are_on_screen() {
    for (id, guide, sentences) in [
        (
            "topleft-autotask",
            GUIDE_000,
            &["Note that this is under the Miscellaneous subheading"][..],
        ),
        ("topleft-autotask", GUIDE_001, &["Go to Autotask."][..]),
        (
            "topleft-autotask",
            GUIDE_001,
            &["To enable impersonation, navigate to Admin > Advanced Options"][..],
        ),
        (
            "topleft-connectwise",
            GUIDE_002,
            &[
                "The module function administration table is displayed. Change the permissions rows to match the following levels.",
                "Please see the documentation to configure that here.",
                "API members can only access ConnectWise via the API, not with the GUI clients.",
            ][..],
        ),
        (
            "tasky-autotask",
            GUIDE_003,
            &[
                // The overview (the guide's stray full stop after "Tasky users" left out).
                "Enabling Resource Impersonation requires creating or updating an API User Security Level and assigning it to the Tasky API user.",
                "must have Resource Impersonation enabled; which may require creating copies of system security levels.",
                // The walkthrough's intros.
                "The first thing required is to copy the built-in \"API User\" Security Level and modify the copy to allow Resource Impersonation.",
                "This walkthrough specifies the exact permissions the Tasky integration requires.",
                "Now the copy of the default system \"API User\" Security Level needs to be customized",
                "This walkthrough is editing the standard \"Service Desk User\" Security Level for demonstration purposes.",
                "This walkthrough shows the process of creating a new \"API User\".",
                "Return to the list of Resources (which should still be visible).",
            ][..],
        ),
        (
            "rewst-autotask",
            GUIDE_004,
            &[
                "The following table outlines the categorized permissions required for each category of endpoints in Autotask that Rewst will access.",
                "review the Actions & Endpoints page for an exhaustive list.",
            ][..],
        ),
    ] {
        let shown = prose(&builtin(id));
        let guide = norm(guide);
        for sentence in sentences {
            let sentence = norm(sentence);
            // The guide's own words (case aside, for a sentence the wizard starts mid-way)...
            assert!(
                guide.to_lowercase().contains(&sentence.to_lowercase()),
                "not the guide's words: {sentence}"
            );
            // ...shown by the wizard.
            assert!(
                shown.to_lowercase().contains(&sentence.to_lowercase()),
                "{id} drops {sentence:?}"
            );
        }
    }
}

#[test]
fn every_step_names_where_its_clicks_happen() {
    for (id, step, place) in [
        ("topleft-autotask", "impersonation-in-topleft", "TopLeft"),
        ("topleft-autotask", "submit", "TopLeft's setup portal"),
        ("topleft-connectwise", "allow-list", "your firewall"),
        ("topleft-connectwise", "submit", "TopLeft's setup portal"),
        ("tasky-autotask", "tasky-credentials", "the Tasky Console"),
        ("tasky-autotask", "impersonation-test", "Slack"),
        ("rewst-autotask", "submit", "Rewst"),
    ] {
        let w = builtin(id);
        assert_eq!(w.step(step).unwrap().place(w.psa), place, "{id} {step}");
    }
    // Every other step happens in the PSA, and says so.
    let w = builtin("tasky-autotask");
    let user = w.step("api-user").unwrap();
    assert_eq!(user.place, None);
    assert_eq!(user.place(w.psa), "Datto Autotask PSA");
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

/// An expectation on an operation Autotask's REST API does not offer for the entity could never
/// fail (or never pass): rejected, pointing at it; a note must say something, and a manual row's
/// reason is its note.
#[test]
fn impossible_expectations_and_empty_notes_are_rejected() {
    let base = r#"id = "acme-autotask"
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
module = "Service Desk"
object = "Tickets"
view = "All"
delete = "None"
VERIFY
"#;
    let with = |v: &str| base.replace("VERIFY", v);
    let ok = with(
        r#"verify = { entity = "Tickets", query = "All", note = "Delete = None is not checked: the REST API cannot delete tickets." }"#,
    );
    wizard::parse("acme.toml", &ok).unwrap();

    let text = with(r#"verify = { entity = "Tickets", query = "All", delete = "None" }"#);
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "delete = \"None\" }"));
    assert!(
        e.message.contains("no delete for \"Tickets\"") && e.message.contains("could never fail"),
        "{}",
        e.message
    );
    let text = with(r#"verify = { entity = "Resources", create = "Any" }"#);
    assert!(error_for(&text).message.contains("could never pass"));
    let text = with(r#"verify = { entity = "Tickets", query = "All", note = " " }"#);
    assert!(error_for(&text).message.contains("note"));
    let text = with(r#"verify = { manual = "Not readable.", note = "x" }"#);
    assert!(error_for(&text).message.contains("put it in `manual`"));
}

/// Guides that keep Autotask's built-in API User level (MSP360: "the default API user
/// permissions are enough"; IT Glue: "Select API User (system)") say so with `system_level`;
/// guides that leave the level's name to the admin (Guardz, MSP360) leave `name` out.
#[test]
fn system_level_and_unnamed_levels_are_validated_where_they_are_written() {
    let base = r#"id = "acme-autotask"
psa = "autotask"
vendor = "Acme"
title = "Acme for Autotask"

LEVEL

[[steps]]
id = "api-user"
kind = "api_user"
title = "Create the API user"
USER
instructions = ["Admin → Resources (Users) → New API User"]
"#;
    let level = r#"[[steps]]
id = "level"
kind = "security_level"
title = "Copy the API level"
OPTIONAL
copy_from = "API User (system) (API-only)"
instructions = ["Admin → Security Levels → Copy"]"#;
    let text = |level: &str, user: &str| base.replace("LEVEL", level).replace("USER", user);

    // The built-in level as it is, alone or beside an optional copy.
    let system = r#"security_level = "API User (system)"
system_level = true"#;
    let w = wizard::parse("acme.toml", &text("", system)).unwrap();
    assert!(w.uses_system_level());
    let optional = level.replace(
        "OPTIONAL",
        "optional = true\ncondition = \"If you want fewer permissions.\"",
    );
    wizard::parse("acme.toml", &text(&optional, system)).unwrap();

    // An unnamed level copied from a system one; the API user refers to it without a name.
    let unnamed = level.replace("OPTIONAL", "");
    let w = wizard::parse("acme.toml", &text(&unnamed, "")).unwrap();
    assert_eq!(w.level_name(), None);

    // A required copy contradicts the built-in level.
    let t = text(&unnamed, system);
    let e = error_for(&t);
    assert_eq!(e.line, line_of(&t, "system_level"));
    assert!(e.message.contains("required security_level step"), "{e}");

    // `system_level` names a built-in level...
    let t = text("", "security_level = \"Acme\"\nsystem_level = true");
    let e = error_for(&t);
    assert_eq!(e.line, line_of(&t, "system_level"));
    assert!(e.message.contains("API User (system)"), "{e}");
    // ...and a built-in level needs `system_level`, or the check would fail the guide's choice.
    let t = text("", "security_level = \"API User (system)\"");
    let e = error_for(&t);
    assert_eq!(e.line, line_of(&t, "security_level = "));
    assert!(e.message.contains("system_level = true"), "{e}");

    // A level with neither name nor source, and an API user with no level to refer to.
    let t = text(
        &unnamed.replace("copy_from = \"API User (system) (API-only)\"\n", ""),
        "security_level = \"Acme\"",
    );
    assert!(error_for(&t).message.contains("copy_from"), "{t}");
    let e = error_for(&text("", ""));
    assert!(e.message.contains("security_level"), "{e}");

    // `system_level` belongs to the API user.
    let t = text(
        &level.replace("OPTIONAL", "system_level = true"),
        "security_level = \"Acme\"",
    );
    let e = error_for(&t);
    assert_eq!(e.line, line_of(&t, "system_level"));
    assert!(e.message.contains("belongs to an api_user step"), "{e}");
}

/// The guide's Mine is Autotask's Restricted: an expectation of its own.
#[test]
fn restricted_is_an_expectation_for_the_guides_mine() {
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
module = "Service Desk"
object = "Tickets"
view = "Mine"
verify = { entity = "Tickets", query = "Restricted" }
"#;
    let w = wizard::parse("acme.toml", text).unwrap();
    let v = w.steps[0].permissions[0].verify.as_ref().unwrap();
    assert_eq!(
        v.expectations(),
        [(wizard::Op::Query, wizard::Access::Restricted)]
    );
    let t = text.replace("\"Restricted\"", "\"Mine\"");
    let e = error_for(&t);
    assert_eq!(e.line, line_of(&t, "query = \"Mine\""));
}

/// Issue 16: a ConnectWise row may leave out a column the guide does not give (CyberFox
/// AutoElevate's table has no Delete column and blank cells; N-able N-central's matrix names only
/// the levels to set), but then it must say how it was read; a name the guide spells differently
/// from ConnectWise is checked under ConnectWise's name, again with a note.
#[test]
fn connectwise_rows_without_a_column_or_with_the_psas_name_need_a_note() {
    // A blank column without a note: rejected at the row, naming the way out.
    let blank = GOOD.replace("delete = \"None\"\n", "");
    let e = error_for(&blank);
    assert_eq!(e.line, line_of(&blank, "[[steps.permissions]]"));
    assert!(
        e.message.contains("`delete` is missing") && e.message.contains("verify = { note"),
        "{}",
        e.message
    );
    // With the reading stated, it is valid, and the column is simply not given.
    let read = blank.replace(
        "inquire = \"All\"",
        "inquire = \"All\"\nverify = { note = \"The page's table has no Delete Level column.\" }",
    );
    let w = wizard::parse("acme.toml", &read).unwrap();
    let row = &w.steps[0].permissions[0];
    assert_eq!(row.delete, None);
    assert_eq!(
        row.note(),
        Some("The page's table has no Delete Level column.")
    );

    // ConnectWise's name for a function the guide misspells: only with a note.
    let renamed = GOOD.replace(
        "inquire = \"All\"",
        "inquire = \"All\"\nverify = { function = \"Service Tickets\" }",
    );
    let e = error_for(&renamed);
    assert_eq!(e.line, line_of(&renamed, "verify = {"));
    assert!(e.message.contains("verify.note"), "{}", e.message);
    let renamed = GOOD.replace("function = \"Service Tickets\"", "function = \"Service Ticket\"").replace(
        "inquire = \"All\"",
        "inquire = \"All\"\nverify = { module = \"Service Desk\", function = \"Service Tickets\", note = \"The page writes Service Ticket.\" }",
    );
    let w = wizard::parse("acme.toml", &renamed).unwrap();
    let row = &w.steps[0].permissions[0];
    assert_eq!(
        row.function.as_deref(),
        Some("Service Ticket"),
        "the page's spelling is kept"
    );
    assert_eq!(row.psa_function(), Some("Service Tickets"));
    assert_eq!(row.psa_module(), "Service Desk");
    // An empty note says nothing.
    let text = read.replace("The page's table has no Delete Level column.", " ");
    assert!(error_for(&text).message.contains("note"));
}

/// Issue 16 (CyberFox AutoElevate): a ConnectWise function's Customize allow-list is a row of
/// its own, ConnectWise only, naming its function, and (its entries' identifiers being
/// undocumented) a manual check with its reason.
#[test]
fn customize_rows_are_connectwise_rows_with_a_function_and_a_reason() {
    let row = |body: &str| format!("{GOOD}\n[[steps.permissions]]\nmodule = \"System\"\n{body}\n");
    let ok = row(
        "function = \"Table Setup\"\ncustomize = [\"Service / Service Board\"]\nverify = { manual = \"Identifiers undocumented.\" }",
    );
    let w = wizard::parse("acme.toml", &ok).unwrap();
    let r = &w.steps[0].permissions[1];
    assert_eq!(r.shape(), RowShape::Customize);
    assert_eq!(r.customize, ["Service / Service Board"]);
    assert!(r.manual_reason().is_some());

    let text = row("function = \"Table Setup\"\ncustomize = [\"Service / Service Board\"]");
    let e = error_for(&text);
    assert!(
        e.message.contains("needs `verify = { manual"),
        "{}",
        e.message
    );
    let text = row("customize = [\"Service / Service Board\"]\nverify = { manual = \"x\" }");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "customize = ["));
    assert!(e.message.contains("needs `function`"), "{}", e.message);
    let text = row(
        "function = \"Table Setup\"\ncustomize = [\"Service / Service Board\"]\ninquire = \"All\"\nverify = { manual = \"x\" }",
    );
    assert!(error_for(&text).message.contains("is one thing"));

    let at = r#"id = "acme-autotask"
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
module = "Admin"
object = "Tables"
customize = ["Service / Service Board"]
verify = { manual = "x" }
"#;
    let e = error_for(at);
    assert_eq!(e.line, line_of(at, "customize = ["));
    assert!(e.message.contains("Autotask has none"), "{}", e.message);
}

/// Issue 16 (N-able N-central): the guide's conditional rows ("only required if using …
/// Billing Profiles") are a further, optional security_role step adding to the same role; the
/// role's name may be left to the admin ("Enter a name for the Role ID").
#[test]
fn a_further_security_role_step_is_a_conditional_part_of_the_same_role() {
    let extra = |head: &str| {
        format!(
            "{GOOD}\n[[steps]]\nid = \"billing\"\nkind = \"security_role\"\ntitle = \"Billing\"\n{head}\ninstructions = [\"Also set:\"]\n\n[[steps.permissions]]\nmodule = \"Finance\"\nfunction = \"Agreements\"\nadd = \"None\"\nedit = \"All\"\ndelete = \"None\"\ninquire = \"All\"\n"
        )
    };
    let ok = extra("name = \"Acme\"\noptional = true\ncondition = \"Only if you bill.\"");
    let w = wizard::parse("acme.toml", &ok).unwrap();
    assert!(w.steps[1].optional);

    let text = extra("name = \"Acme\"");
    let e = error_for(&text);
    assert_eq!(
        e.line,
        line_of(&text, "id = \"billing\"") + 1,
        "at its kind"
    );
    assert!(e.message.contains("must be `optional`"), "{}", e.message);
    let text = extra("name = \"Other\"\noptional = true\ncondition = \"Only if you bill.\"");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "name = \"Other\""));
    assert!(e.message.contains("same `name`"), "{}", e.message);

    // No name at all: the guide leaves it to the admin.
    let unnamed = GOOD.replace("name = \"Acme\"\n", "");
    let w = wizard::parse("acme.toml", &unnamed).unwrap();
    assert_eq!(w.level_name(), None);
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
fn where_is_one_short_line_and_is_located() {
    let ok = GOOD.replace(
        "instructions = [",
        "where = \"the vendor's portal\"\ninstructions = [",
    );
    let w = wizard::parse("acme.toml", &ok).unwrap();
    assert_eq!(w.steps[0].place(w.psa), "the vendor's portal");
    for (bad, says) in [
        ("where = \"  \"", "`where` is empty"),
        ("where = \"Slack\\nand more\"", "one line"),
        (
            &format!("where = \"{}\"", "x".repeat(61)) as &str,
            "at most 60",
        ),
    ] {
        let text = GOOD.replace("instructions = [", &format!("{bad}\ninstructions = ["));
        let e = error_for(&text);
        assert_eq!(e.line, line_of(&text, "where = "), "{e}");
        assert_eq!(e.column, 9, "points at the value: {e}");
        assert!(e.message.contains(says), "{}", e.message);
    }
}

#[test]
fn where_the_tracking_identifier_and_client_id_come_from() {
    // From the vendor, unless the guide says otherwise; the Integration Vendor label named.
    let w = builtin("topleft-autotask");
    let src = w.tracking_identifier_source();
    assert!(src.contains("ask TopLeft"), "{src}");
    assert!(src.contains("TopLeft - Workflow Management"), "{src}");
    let w = builtin("topleft-connectwise");
    let src = w.client_id_source();
    assert!(
        src.contains("developer.connectwise.com") && src.contains("ask TopLeft"),
        "{src}"
    );
    // Rewst's guide says where: its own sentence, quoted.
    let w = builtin("rewst-autotask");
    let src = w.tracking_identifier_source();
    let quoted = "Each API user has a tracking identifier that must be used when setting up the Autotask PSA integration.";
    assert!(src.contains(quoted) && GUIDE_004.contains(quoted), "{src}");
    // `show` says it for every wizard that asks for one.
    for id in [
        "topleft-autotask",
        "topleft-connectwise",
        "tasky-autotask",
        "rewst-autotask",
    ] {
        let out = bin().args(["show", id]).output().unwrap();
        let text = norm(&String::from_utf8(out.stdout).unwrap());
        let w = builtin(id);
        let src = match w.psa {
            Psa::Autotask => w.tracking_identifier_source(),
            Psa::Connectwise => w.client_id_source(),
        };
        assert!(
            text.contains(&format!("Where it comes from: {}", norm(&src))),
            "{id}: {text}"
        );
    }
    // A source for the other PSA's value, or an empty one, is located.
    let text = format!("{GOOD}\n[integration]\ntracking_identifier_source = \"ask Acme\"\n");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "tracking_identifier_source"));
    assert!(e.message.contains("Autotask value"), "{}", e.message);
    let text = format!("{GOOD}\n[integration]\nclient_id_source = \" \"\n");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "client_id_source"));
    assert!(e.message.contains("is empty"), "{}", e.message);
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

/// Issue 16: `wizards --psa` and `--search` narrow the list; every word of the search must
/// appear (any case) in the id, vendor, title or PSA; no match says so and exits 0.
#[test]
fn cli_wizards_filters_by_psa_and_search() {
    let list = |args: &[&str]| {
        let out = bin().arg("wizards").args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let ids: Vec<String> = text
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .filter(|id| wizard::validate::is_slug(id))
            .map(str::to_string)
            .collect();
        (ids, text)
    };
    let all = wizard::builtin();
    for (psa, name) in [
        (Psa::Autotask, "autotask"),
        (Psa::Connectwise, "connectwise"),
    ] {
        let (ids, _) = list(&["--psa", name]);
        let want: Vec<String> = all
            .iter()
            .filter(|l| l.wizard.psa == psa)
            .map(|l| l.wizard.id.clone())
            .collect();
        assert_eq!(ids, want, "--psa {name}");
    }
    let (ids, _) = list(&["--search", "N-ABLE central"]);
    assert_eq!(ids, ["ncentral-connectwise"]);
    let (ids, _) = list(&["--search", "autoelevate"]);
    assert_eq!(ids, ["autoelevate-connectwise"]);
    let (ids, _) = list(&["--search", "n-able", "--psa", "connectwise"]);
    assert_eq!(
        ids,
        [
            "ncentral-connectwise",
            "nsight-connectwise",
            "passportal-connectwise"
        ]
    );
    let (ids, text) = list(&["--search", "hudu", "--psa", "autotask"]);
    assert!(ids.is_empty(), "{text}");
    assert!(
        text.contains("No wizard matches --psa autotask --search \"hudu\""),
        "{text}"
    );
    let out = bin().args(["wizards", "--psa", "halo"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown PSA is a usage error"
    );
}

/// `show` prints each row's reading (its note) under it, and a Customize allow-list as a table
/// of its own.
#[test]
fn cli_show_prints_each_rows_reading_and_the_customize_lists() {
    let out = bin()
        .args(["show", "autoelevate-connectwise", "--width", "200"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = norm(&String::from_utf8(out.stdout).unwrap());
    let w = builtin("autoelevate-connectwise");
    for (_, r) in w.rows() {
        if let Some(n) = r.note() {
            assert!(text.contains(&norm(&format!("Note: {n}"))), "{}", r.label());
        }
    }
    for needle in [
        "Customize: allow access to",
        "General / Manage Hosted API, Service / Service Board",
        "Managed Server, Managed Workstation",
        "When: If you use AutoElevate's Technician Mode Ticketing",
        "--with technician-mode",
        "Source: https://support.cyberfox.com/",
    ] {
        assert!(text.contains(&norm(needle)), "missing {needle:?}");
    }
}

#[test]
fn cli_show_topleft_connectwise_prints_all_26_rows() {
    // Wide enough for each row on one line (at 80 columns, cells wrap; see checklist's tests).
    let out = bin()
        .args(["show", "topleft-connectwise", "--width", "200"])
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
        // Each group's note, as the guide says it.
        "\"Contractor\" based security levels cannot use impersonation for some requests",
        "They can be used on resources without any forced limitations from Autotask.",
        "They will not be able to make any changes in TopLeft.",
        // Where each step's clicks happen.
        "Do this in Datto Autotask PSA:",
        "Do this in TopLeft:",
        "Do this in TopLeft's setup portal:",
        "License Time & Attendance Only, Dashboard User: cannot be impersonated",
        "Autotask does not support resource impersonation for adding or editing checklists",
        "Contract Visibility │ Full",
    ] {
        // Prose wraps: compare with whitespace normalised.
        assert!(norm(&text).contains(&norm(needle)), "missing {needle:?}");
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

    // A wizard can also be named by path (wide: its table row on one line).
    let out = bin()
        .args(["show", "--width", "200"])
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

/// Every built-in wizard cites the address of the public page it follows, so an admin can
/// compare it with the vendor's own words (issue #16).
#[test]
fn every_builtin_wizard_cites_its_source_address() {
    let all = wizard::builtin();
    assert!(all.len() >= 14, "{} wizards", all.len());
    for l in all {
        let w = &l.wizard;
        assert!(!w.sources.is_empty(), "{}: no sources", w.id);
        assert!(
            w.sources.iter().any(|s| s.contains("https://")),
            "{}: no source address in {:?}",
            w.id,
            w.sources
        );
    }
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
