//! Wizards from vendors' public permission pages carry each page's rows.

use super::*;

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
// page gives them, one a line: step | module | function | Add | Edit | Delete | Inquire ("-" =
// blank or no such column), step by step; docs/FIDELITY.md sets them beside the wizard's and states each reading taken.

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

/// `page`'s rows, one a line: step | module | function | Add | Edit | Delete | Inquire.
fn page_rows(page: &str) -> Vec<(String, String, String, [String; 4])> {
    page.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<String> = l
                .split('|')
                .map(|c| match c.trim() {
                    "-" => String::new(),
                    c => c.to_string(),
                })
                .collect();
            assert_eq!(c.len(), 7, "a page row has 7 cells: {l}");
            let levels = [c[3].clone(), c[4].clone(), c[5].clone(), c[6].clone()];
            (c[0].clone(), c[1].clone(), c[2].clone(), levels)
        })
        .collect()
}

fn assert_page_rows(id: &str, page: &str) {
    let w = builtin(id);
    let got = level_rows(&w);
    let want = page_rows(page);
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
    assert_page_rows(
        "passportal-connectwise",
        "
        security-role | Companies | Company Maintenance | All | All | All | All
        security-role | Companies | Configurations      | All | All | All | All
        security-role | Companies | Contacts            | All | All | All | All
        security-role | System    | Member Maintenance  | All | All | All | All
        security-role | System    | Security            | All | All | All | All
        security-role | System    | Table Setup         | All | All | All | All
        ",
    );
}

#[test]
fn nable_nsight_rows_match_the_page() {
    assert_page_rows(
        "nsight-connectwise",
        "
        security-role | Companies       | Company Maintenance   | All  | None | All  | All
        security-role | Companies       | Configurations        | All  | All  | None | All
        security-role | Project         | Project Tickets       | None | None | None | All
        security-role | Service Desk    | Close Service Tickets | None | All  | None | All
        security-role | Service Desk    | Service Tickets       | All  | All  | All  | All
        security-role | System          | API Reports           | None | None | None | All
        security-role | System          | Member Maintenance    | None | None | None | All
        security-role | System          | Table Setup           | None | None | All  | All
        security-role | Time & Expenses | Time Entry            | All  | None | All  | All
        ",
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
    assert_page_rows(
        "ncentral-connectwise",
        "
        security-role    | Companies        | Company Maintenance  | -   | -   | -   | All
        security-role    | Companies        | Configurations       | All | All | All | All
        security-role    | Companies        | Contacts             | -   | -   | -   | All
        security-role    | Procurement      | Product Catalog      | -   | -   | -   | All
        security-role    | Service Desk     | Close Service Ticket | All | All | All | All
        security-role    | Service Desk     | Resource Scheduling  | All | -   | All | All
        security-role    | Service Desk     | Service Tickets      | My  | My  | My  | My
        security-role    | System           | API Reports          | -   | -   | -   | All
        security-role    | System           | Member Maintenance   | -   | -   | -   | All
        security-role    | System           | Table Setup          | -   | -   | -   | All
        security-role    | Time and Expense | Time Entry           | All | -   | -   | All
        billing-profiles | Finance          | Agreements           | -   | All | -   | All
        time-entries     | Finance          | Billing View Time    | -   | -   | -   | All
        ",
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
    // The page's table: Add, Edit and Inquire columns only; † cells are Technician Mode
    // Ticketing's and form the optional step.
    assert_page_rows(
        "autoelevate-connectwise",
        "
        security-role   | Companies      | Company Maintenance        | All | -   | - | -
        security-role   | Companies      | Configurations             | All | -   | - | -
        security-role   | Finance        | Billing View Time          | -   | All | - | -
        security-role   | Service Desk   | Resource Scheduling        | All | All | - | All
        security-role   | Service Desk   | Service Tickets            | My  | All | - | All
        security-role   | System         | Member Maintenance         | All | -   | - | -
        security-role   | System         | My Company                 | All | -   | - | -
        security-role   | System         | Table Setup                | All | All | - | -
        security-role   | Time & Expense | Time Entry                 | All | -   | - | All
        security-role   | Time & Expense | Time Entry Billable Option | All | All | - | -
        technician-mode | Finance        | Billing View Time          | All | -   | - | -
        technician-mode | Finance        | Agreements                 | All | -   | - | -
        technician-mode | Service Desk   | Close Service Tickets      | All | All | - | -
        technician-mode | Time & Expense | Time Entry                 | -   | All | - | -
        ",
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
    assert!(w.step("technician-mode").unwrap().optional);
}

#[test]
fn hudu_rows_and_member_match_the_page() {
    assert_page_rows(
        "hudu-connectwise",
        "
        security-role | Companies    | Company Maintenance               | All  | All  | None | All
        security-role | Companies    | Configuration - Display Passwords | None | None | None | All
        security-role | Companies    | Configurations                    | All  | All  | None | All
        security-role | Companies    | Contacts                          | All  | All  | None | All
        security-role | Service Desk | Service Tickets                   | None | None | None | All
        security-role | System       | API Reports                       | All  | All  | None | All
        security-role | System       | Member Maintenance                | None | None | None | All
        security-role | System       | Table Setup                       | None | None | None | All
        security-role | Finance      | Agreements                        | None | None | None | All
        ",
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
