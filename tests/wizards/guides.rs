//! The TopLeft, Tasky and Rewst wizards say what their vendors' guides say, sentence by sentence.

use super::*;

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
