//! The real binary's `wizards`, `show`, `validate`, `completions` and `man` commands.

use super::*;

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
