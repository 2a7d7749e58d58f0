//! Malformed wizard files, each reported with file, line and column.

use super::*;

/// An Autotask wizard whose one step, a security level, has the permission row `row` (TOML).
fn at_level(row: &str) -> String {
    format!(
        r#"id = "acme-autotask"
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
{row}"#
    )
}

/// `text` is rejected at the line holding `at`, saying `says`.
fn assert_rejected_at(text: &str, at: &str, says: &str) {
    let e = error_for(text);
    assert_eq!(e.line, line_of(text, at), "{e}");
    assert!(e.message.contains(says), "{}", e.message);
}

fn error_for(text: &str) -> wizard::WizardError {
    let errs = wizard::parse("acme.toml", text).expect_err("must be rejected");
    errs.0.into_iter().next().unwrap()
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
    let base = at_level(
        r#"module = "Service Desk"
object = "Tickets"
view = "All"
delete = "None"
VERIFY
"#,
    );
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
    assert_rejected_at(&t, "system_level", "required security_level step");

    // `system_level` names a built-in level...
    let t = text("", "security_level = \"Acme\"\nsystem_level = true");
    assert_rejected_at(&t, "system_level", "API User (system)");
    // ...and a built-in level needs `system_level`, or the check would fail the guide's choice.
    let t = text("", "security_level = \"API User (system)\"");
    assert_rejected_at(&t, "security_level = ", "system_level = true");

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
    assert_rejected_at(&t, "system_level", "belongs to an api_user step");
}

/// The guide's Mine is Autotask's Restricted: an expectation of its own.
#[test]
fn restricted_is_an_expectation_for_the_guides_mine() {
    let text = at_level(
        r#"module = "Service Desk"
object = "Tickets"
view = "Mine"
verify = { entity = "Tickets", query = "Restricted" }
"#,
    );
    let w = wizard::parse("acme.toml", &text).unwrap();
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
    assert_rejected_at(&renamed, "verify = {", "verify.note");
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
    assert_rejected_at(&text, "customize = [", "needs `function`");
    let text = row(
        "function = \"Table Setup\"\ncustomize = [\"Service / Service Board\"]\ninquire = \"All\"\nverify = { manual = \"x\" }",
    );
    assert!(error_for(&text).message.contains("is one thing"));

    let at = at_level(
        r#"module = "Admin"
object = "Tables"
customize = ["Service / Service Board"]
verify = { manual = "x" }
"#,
    );
    assert_rejected_at(&at, "customize = [", "Autotask has none");
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
    assert_rejected_at(&text, "name = \"Other\"", "same `name`");

    // No name at all: the guide leaves it to the admin.
    let unnamed = GOOD.replace("name = \"Acme\"\n", "");
    let w = wizard::parse("acme.toml", &unnamed).unwrap();
    assert_eq!(w.level_name(), None);
}

#[test]
fn unobservable_verification_names_line_and_column() {
    let text = at_level(
        r#"module = "Other"
checkbox = "Not required to change password"
verify = { entity = "SecurityLevels", query = "All" }
"#,
    );
    assert_rejected_at(&text, "SecurityLevels", "cannot observe \"SecurityLevels\"");

    // A ConnectWise row cannot use an Autotask entity mapping.
    let cw = GOOD.replace(
        "inquire = \"All\"",
        "inquire = \"All\"\nverify = { entity = \"Tickets\", query = \"All\" }",
    );
    assert_rejected_at(&cw, "verify = {", "mySecurity");
}

#[test]
fn unknown_field_and_missing_field_name_line_and_column() {
    let text = GOOD.replace("inquire = \"All\"", "inquire = \"All\"\ninquiry = \"All\"");
    assert_rejected_at(&text, "inquiry", "inquiry");

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
    assert_rejected_at(&text, "tracking_identifier_source", "Autotask value");
    let text = format!("{GOOD}\n[integration]\nclient_id_source = \" \"\n");
    assert_rejected_at(&text, "client_id_source", "is empty");
}

#[test]
fn wrong_psa_and_bad_guid_are_located() {
    let text = GOOD.replace("kind = \"security_role\"", "kind = \"security_level\"");
    assert_rejected_at(&text, "security_level", "Datto Autotask PSA step");

    let text = format!("{GOOD}\n[integration]\nclient_id = \"not-a-guid\"\n");
    let e = error_for(&text);
    assert_eq!(e.line, line_of(&text, "not-a-guid"));
    assert!(e.message.contains("not a GUID"));
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
