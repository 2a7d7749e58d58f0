//! The interactive wizard: snapshots of every screen (ratatui TestBackend + insta) and the real
//! binary driven through a pseudo-terminal (portable-pty + vt100).

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portable_pty::PtySize;
use psa_onboard::tui::app::{
    self, FieldId, Msg, Run, Screen, ServiceError, SessionSummary, StartScreen, State, WizardEntry,
};
use psa_onboard::verify::{CheckResult, PermissionObservation, Status, StepReport};
use psa_onboard::wizard::{self, Psa};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

// ---------------------------------------------------------------------------------------------
// Snapshots

fn wizard(id: &str) -> Arc<wizard::Wizard> {
    Arc::new(
        wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == id)
            .unwrap()
            .wizard,
    )
}

fn running(id: &str) -> State {
    let w = wizard(id);
    let run = Run::new(w.clone(), "topleft-demo-1".into(), w.id.clone(), "h".into());
    let mut s = State::new(Screen::Loading(String::new()), false);
    app::update(&mut s, Msg::Opened(Ok(Box::new(run))));
    s
}

fn run_mut(s: &mut State) -> &mut Run {
    match &mut s.screen {
        Screen::Run(r) => r,
        _ => panic!("not running"),
    }
}

fn fill_cw(s: &mut State) {
    let r = run_mut(s);
    r.form.set(FieldId::Site, "na.myconnectwise.net");
    r.form.set(FieldId::CompanyId, "acme");
    r.form.set(FieldId::PublicKey, "Xk2pQ7aLm3Rt9Vb1");
    r.form.set(FieldId::PrivateKey, "never-on-screen-42");
    r.form
        .set(FieldId::ClientId, "1a2b3c4d-0000-4000-8000-00000000abcd");
}

fn key(s: &mut State, code: KeyCode) -> Vec<app::Effect> {
    app::update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn draw(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| psa_onboard::tui::ui::render(s, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    assert!(
        !out.contains("never-on-screen-42")
            || s.run()
                .is_some_and(|r| r.form.fields.iter().any(|f| f.revealed)),
        "a secret reached the screen unrevealed:\n{out}"
    );
    out
}

fn start_verify(s: &mut State) -> (usize, u64) {
    let fx = key(s, KeyCode::Char('v'));
    fx.iter()
        .find_map(|e| match e {
            app::Effect::Verify {
                step, generation, ..
            } => Some((*step, *generation)),
            _ => None,
        })
        .expect("verification starts")
}

/// Observed results carry their time, as the verifier stamps them.
fn observed(status: Status) -> Option<jiff::Timestamp> {
    matches!(status, Status::Pass | Status::Warn | Status::Fail)
        .then(|| "2026-01-05T10:00:00Z".parse().unwrap())
}

fn check(id: &str, title: &str, status: Status, detail: &str, remedy: &str) -> CheckResult {
    CheckResult {
        detail: detail.into(),
        remedy: remedy.into(),
        observed_at: observed(status),
        ..CheckResult::new(id, title, status)
    }
}

fn perm(
    module: &str,
    function: &str,
    op: &str,
    required: &str,
    actual: &str,
    status: Status,
) -> CheckResult {
    CheckResult {
        observed_at: observed(status),
        remedy: if status == Status::Pass {
            String::new()
        } else {
            format!(
                "System → Security Roles → TopLeft → {module}: set {function} {op} to {required}."
            )
        },
        permission: Some(PermissionObservation {
            module: module.into(),
            function: function.into(),
            op: op.into(),
            required: required.into(),
            actual: actual.into(),
        }),
        evidence: vec![psa_onboard::verify::Evidence {
            request: "GET system/mySecurity".into(),
            answer: format!("{module} › {function}: {op} {actual}"),
        }],
        ..CheckResult::new(
            format!("{function}/{op}"),
            format!("{module} › {function} {op}"),
            status,
        )
    }
}

/// Every row of the role step passes except the ones named.
fn role_results(s: &State, fail: &[&str], warn_excess: bool) -> Vec<CheckResult> {
    let w = &s.run().unwrap().wizard;
    let mut out = Vec::new();
    for row in &w.steps[0].permissions {
        let f = row.function.clone().unwrap();
        let status = if fail.contains(&f.as_str()) {
            Status::Fail
        } else {
            Status::Pass
        };
        let (req, act) = if status == Status::Fail {
            ("All", "None")
        } else {
            ("All", "All")
        };
        out.push(perm(&row.module, &f, "inquire", req, act, status));
    }
    let excess = if warn_excess {
        check(
            "no-excess",
            "Functions outside TopLeft's table grant nothing",
            Status::Warn,
            "System › Setup Tables: Add Level is All (not in TopLeft's table)",
            "System → Security Roles → TopLeft: set functions TopLeft does not list to None.",
        )
    } else {
        check(
            "no-excess",
            "Functions outside TopLeft's table grant nothing",
            Status::Pass,
            "",
            "",
        )
    };
    out.push(excess);
    out
}

fn verified(s: &mut State, results: Vec<CheckResult>) {
    let (step, generation) = start_verify(s);
    let st = &s.run().unwrap().wizard.steps[step];
    let report = StepReport::new(st.id.clone(), st.title.clone(), results);
    app::update(
        s,
        Msg::Verified {
            step,
            generation,
            result: Ok(report),
        },
    );
}

/// The four wizards these snapshots were taken with (the catalog grows; the screens should not
/// change with it).
const SNAPSHOT_WIZARDS: [&str; 4] = [
    "topleft-autotask",
    "topleft-connectwise",
    "tasky-autotask",
    "rewst-autotask",
];

fn wizard_entries() -> Vec<WizardEntry> {
    wizard::builtin()
        .into_iter()
        .filter(|l| SNAPSHOT_WIZARDS.contains(&l.wizard.id.as_str()))
        .map(|l| WizardEntry {
            id: l.wizard.id.clone(),
            title: l.wizard.title.clone(),
            psa: l.wizard.psa,
            vendor: l.wizard.vendor.clone(),
            source: "built-in".into(),
            sources: l.wizard.sources.clone(),
        })
        .collect()
}

/// Sessions a person can tell apart: named or not, demo or not, on different PSAs.
fn several_sessions() -> Vec<SessionSummary> {
    let title = |id: &str| wizard(id).title.clone();
    let step = |id: &str, i: usize| wizard(id).steps[i].title.clone();
    vec![
        SessionSummary {
            id: "acme-topleft".into(),
            title: title("topleft-connectwise"),
            wizard_id: "topleft-connectwise".into(),
            instance: "na.myconnectwise.net, company acme".into(),
            at_number: Some(3),
            at_step: step("topleft-connectwise", 2),
            done: 2,
            total: 5,
            updated: "2026-11-22 22:15".into(),
            demo: false,
        },
        SessionSummary {
            id: "contoso-rewst".into(),
            title: title("rewst-autotask"),
            wizard_id: "rewst-autotask".into(),
            instance: "rewst-api@contoso.example".into(),
            at_number: Some(2),
            at_step: step("rewst-autotask", 1),
            done: 1,
            total: 5,
            updated: "2026-11-21 09:40".into(),
            demo: false,
        },
        SessionSummary {
            id: "demo-topleft-autotask".into(),
            title: title("topleft-autotask"),
            wizard_id: "topleft-autotask".into(),
            instance: "embedded sandbox".into(),
            at_number: None,
            at_step: String::new(),
            done: 6,
            total: 6,
            updated: "2026-11-20 17:02".into(),
            demo: true,
        },
        SessionSummary {
            id: "topleft-connectwise-20261119-101500".into(),
            title: title("topleft-connectwise"),
            wizard_id: "topleft-connectwise".into(),
            instance: String::new(),
            at_number: Some(1),
            at_step: step("topleft-connectwise", 0),
            done: 0,
            total: 5,
            updated: "2026-11-19 10:15".into(),
            demo: false,
        },
    ]
}

/// The screen's text with line breaks and indentation gone, to find wrapped text whole.
fn flat(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.replace(['│', '▌'], " "))
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn snapshot_start_screen() {
    let start = || StartScreen {
        sessions: several_sessions(),
        wizards: wizard_entries(),
        ..StartScreen::default()
    };
    for (w, h) in [(80, 24), (100, 30), (200, 50)] {
        let s = State::new(Screen::Start(start()), false);
        let out = draw(&s, w, h);
        // Nothing a person tells sessions apart by is cut: every name, title, instance and step.
        let text = flat(&out);
        for x in several_sessions() {
            for part in [&x.id, &x.title, &x.instance, &x.at_step] {
                assert!(
                    text.contains(part.as_str()),
                    "{w}x{h}: {part:?} cut:\n{out}"
                );
            }
        }
        assert!(text.contains("at step 3: Set up API credentials for the member"));
        assert!(text.contains("all steps done") && text.contains("[demo]"));
        assert!(text.contains("PSA not entered yet"));
        // Wizards grouped by PSA, ConnectWise first; the selected one would name its page.
        let cw = out.find("   ConnectWise PSA").expect("a ConnectWise group");
        let at = out
            .find("   Datto Autotask PSA")
            .expect("an Autotask group");
        assert!(cw < at, "{out}");
        insta::assert_snapshot!(format!("start_screen_sessions_{w}x{h}"), out);
    }
    let mut s = State::new(Screen::Start(start()), false);
    for _ in 0..4 {
        key(&mut s, KeyCode::Down);
    }
    let out = draw(&s, 100, 30);
    assert!(
        flat(&out).contains("From: TopLeft help: Configuring TopLeft Access to ConnectWise Manage"),
        "the selected wizard names its source page:\n{out}"
    );

    let mut s = State::new(
        Screen::Start(StartScreen {
            sessions: several_sessions()[..1].to_vec(),
            wizards: wizard_entries(),
            ..StartScreen::default()
        }),
        false,
    );
    insta::assert_snapshot!("start_screen_80x24", draw(&s, 80, 24));
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Char('o'));
    for c in "./my-vendor.toml".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!("start_screen_open_file", draw(&s, 80, 24));
    // A bad file comes back as an error with its remedy, on the start screen.
    app::update(
        &mut s,
        Msg::Opened(Err(ServiceError {
            message: "./my-vendor.toml:3:1: unknown field `stpes`".into(),
            remedy: "Give the path of a valid .toml file.".into(),
        })),
    );
    insta::assert_snapshot!("start_screen_error", draw(&s, 80, 24));
}

/// `/` then part of a vendor's name: only what matches stays, and Enter opens it.
#[test]
fn snapshot_start_screen_filtered_by_vendor() {
    let mut s = State::new(
        Screen::Start(StartScreen {
            sessions: several_sessions(),
            wizards: wizard_entries(),
            ..StartScreen::default()
        }),
        false,
    );
    key(&mut s, KeyCode::Char('/'));
    // Letters that are keys elsewhere (r renames, k moves) are typing here.
    for c in "rew".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    let out = draw(&s, 80, 24);
    assert!(out.contains("2 of 8 shown"), "{out}");
    assert!(
        out.contains("contoso-rewst") && out.contains("rewst-autotask"),
        "{out}"
    );
    assert!(!out.contains("TopLeft") && !out.contains("Tasky"), "{out}");
    insta::assert_snapshot!("start_screen_filtered_80x24", out);
    key(&mut s, KeyCode::Down);
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(fx, vec![app::Effect::Begin("rewst-autotask".into())]);
    // Esc drops the filter: everything is back.
    let mut s = State::new(
        Screen::Start(StartScreen {
            sessions: several_sessions(),
            wizards: wizard_entries(),
            ..StartScreen::default()
        }),
        false,
    );
    key(&mut s, KeyCode::Char('/'));
    key(&mut s, KeyCode::Char('z'));
    assert!(draw(&s, 80, 24).contains("Nothing matches \"z\""));
    key(&mut s, KeyCode::Esc);
    assert!(draw(&s, 80, 24).contains("Tasky"));
}

#[test]
fn snapshot_security_role_step_80x24() {
    let s = running("topleft-connectwise");
    insta::assert_snapshot!("cw_security_role_todo_80x24", draw(&s, 80, 24));
}

#[test]
fn snapshot_autotask_security_level_and_plain_ascii() {
    let s = running("topleft-autotask");
    insta::assert_snapshot!("at_security_level_100x40", draw(&s, 100, 40));
    let mut plain = running("topleft-autotask");
    plain.plain = true;
    let out = draw(&plain, 80, 24);
    let glyphs = "◆◇✓✗⚠▲–·…•│▌→↑↓⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    assert!(!out.chars().any(|c| glyphs.contains(c)), "{out}");
    insta::assert_snapshot!("at_security_level_ascii_80x24", out);
}

#[test]
fn snapshot_connection_form_masked_and_validated() {
    let mut s = running("topleft-connectwise");
    run_mut(&mut s).go_to(2);
    insta::assert_snapshot!("cw_api_keys_form_empty_80x24", draw(&s, 80, 24));
    for c in "http://cw.example.com".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    for c in "never-on-screen-42".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!("cw_api_keys_form_errors_masked", draw(&s, 80, 30));
    app::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
    );
    let revealed = draw(&s, 80, 30);
    assert!(revealed.contains("never-on-screen-42"));
    insta::assert_snapshot!("cw_api_keys_form_revealed", revealed);
}

#[test]
fn snapshot_autotask_username_hint() {
    let mut s = running("topleft-autotask");
    run_mut(&mut s).go_to(1);
    for c in "topleft@acme.example".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!("at_api_user_form_email_hint", draw(&s, 80, 30));
}

#[test]
fn snapshot_verifying_then_failed_then_verified() {
    let mut s = running("topleft-connectwise");
    fill_cw(&mut s);
    let (step, generation) = start_verify(&mut s);
    // Three answers in: the rest still spin.
    let results = role_results(&s, &["Merge Tickets"], false);
    for r in results.iter().take(3) {
        app::update(
            &mut s,
            Msg::Check {
                step,
                generation,
                result: Box::new(r.clone()),
            },
        );
    }
    app::update(&mut s, Msg::Tick);
    insta::assert_snapshot!("cw_role_verifying_80x24", draw(&s, 80, 24));

    let st = &s.run().unwrap().wizard.steps[0];
    let report = StepReport::new(st.id.clone(), st.title.clone(), results);
    app::update(
        &mut s,
        Msg::Verified {
            step,
            generation,
            result: Ok(report),
        },
    );
    assert!(s.run().unwrap().verdict(0).is_failed());
    // The first failing row is selected, so it is in view.
    assert_eq!(
        s.run().unwrap().cursor.selected,
        st_index(&s, "Merge Tickets")
    );
    let screen = draw(&s, 80, 24);
    // The selected row shows its evidence: what was asked and what the PSA answered.
    assert!(
        screen.contains("asked GET system/mySecurity") && screen.contains("Merge Tickets: inquire"),
        "{screen}"
    );
    insta::assert_snapshot!("cw_role_failed_with_remedy_80x24", screen);

    let r = role_results(&s, &[], false);
    verified(&mut s, r);
    assert_eq!(s.run().unwrap().verdict(0).key(), "verified");
    insta::assert_snapshot!("cw_role_verified_80x24", draw(&s, 80, 24));

    let r = role_results(&s, &[], true);
    verified(&mut s, r);
    assert_eq!(s.run().unwrap().verdict(0).key(), "partly_verified");
    for _ in 0..40 {
        key(&mut s, KeyCode::Down);
    }
    insta::assert_snapshot!("cw_role_warned_excess_80x24", draw(&s, 80, 24));
}

fn st_index(s: &State, function: &str) -> usize {
    s.run().unwrap().wizard.steps[0]
        .permissions
        .iter()
        .position(|r| r.function.as_deref() == Some(function))
        .unwrap()
}

#[test]
fn snapshot_service_error_with_remedy() {
    let mut s = running("topleft-connectwise");
    fill_cw(&mut s);
    let (step, generation) = start_verify(&mut s);
    app::update(
        &mut s,
        Msg::Verified {
            step,
            generation,
            result: Err(ServiceError {
                message: "cannot reach na.myconnectwise.net: connection refused".into(),
                remedy: "Check the site address (your ConnectWise host name) and your network."
                    .into(),
            }),
        },
    );
    insta::assert_snapshot!("cw_role_could_not_verify_80x24", draw(&s, 80, 24));
}

#[test]
fn snapshot_continued_unverified_confirm_and_summary() {
    let mut s = running("topleft-connectwise");
    fill_cw(&mut s);
    run_mut(&mut s).go_to(2);
    key(&mut s, KeyCode::Char('u'));
    insta::assert_snapshot!("cw_confirm_unverified_80x24", draw(&s, 80, 24));
    key(&mut s, KeyCode::Char('y'));
    key(&mut s, KeyCode::Char('b'));
    insta::assert_snapshot!("cw_continued_unverified_80x24", draw(&s, 80, 24));
    // The optional allow-list step: manual only.
    key(&mut s, KeyCode::Char('n'));
    insta::assert_snapshot!("cw_manual_step_80x24", draw(&s, 80, 24));
    key(&mut s, KeyCode::Char('s'));
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Char('n'));
    assert!(s.run().unwrap().finished());
    insta::assert_snapshot!("cw_summary_80x24", draw(&s, 80, 24));
}

#[test]
fn snapshot_help_overlay() {
    let mut s = running("topleft-connectwise");
    run_mut(&mut s).demo = true;
    insta::assert_snapshot!("cw_demo_step_80x24", draw(&s, 80, 24));
    key(&mut s, KeyCode::Char('?'));
    let out = draw(&s, 80, 24);
    // Generated from the keymap's descriptions: exactly this view's keys, no other step's.
    let mut absent = 0;
    for b in psa_onboard::tui::keys::bindings(psa_onboard::tui::keys::Context::Step) {
        if b.label.is_empty() {
            continue;
        }
        let start: Vec<&str> = b.desc.split_whitespace().take(5).collect();
        let start = start.join(" ");
        let listed = out.contains(&start);
        assert_eq!(
            listed,
            s.applies(b.action),
            "{:?}: {}\n{out}",
            b.action,
            b.desc
        );
        absent += usize::from(!listed);
    }
    assert!(absent >= 5, "the hand-off keys are not this step's");
    // Every key that works is named, vi-style ones too.
    assert!(out.contains("↑↓ k j") && out.contains("q Ctrl+C"), "{out}");
    insta::assert_snapshot!("help_overlay_80x24", out);
}

#[test]
fn snapshot_impersonation_step() {
    let mut s = running("topleft-autotask");
    run_mut(&mut s).go_to(2);
    insta::assert_snapshot!("at_impersonation_80x24", draw(&s, 80, 24));
    let _ = Psa::Autotask;
}

/// The start-up keyring probe: the header names the store; its line (a fallback's notice, or no
/// keyring at all) is said once, whether it arrives before or after the run opens, and a
/// failed store of the secret with the same words does not say it again; a different failure
/// is shown. The demo, which keeps no secrets, shows neither.
#[test]
fn the_keyring_line_is_said_once_and_the_header_names_the_store() {
    use psa_onboard::secrets::StoreKind;
    use psa_onboard::tui::app::{KeyringView, Notice};
    let kernel = KeyringView {
        store: Some(StoreKind::KernelKeyring),
        notice: Some(Notice {
            text: "No Secret Service answers here, so secrets go to the kernel keyring: they last \
                   until logout or reboot."
                .into(),
            error: false,
        }),
    };
    let mut s = running("topleft-connectwise");
    app::update(&mut s, Msg::Keyring(kernel.clone()));
    let screen = draw(&s, 120, 30);
    assert!(screen.contains("keyring: kernel, until logout"), "{screen}");
    assert!(
        screen.contains("so secrets go to the kernel keyring"),
        "{screen}"
    );
    // Moving on clears it; nothing brings it back.
    key(&mut s, KeyCode::Char('n'));
    run_mut(&mut s).notice = None;
    app::update(&mut s, Msg::Keyring(kernel.clone()));
    assert!(s.run().unwrap().notice.is_none(), "said twice");

    // No keyring: the probe answers before the run is open; said when it opens.
    let none = KeyringView {
        store: None,
        notice: Some(Notice {
            text: "No OS keyring: x. To fix: y. Until then secrets are held in memory for this \
                   run only."
                .into(),
            error: true,
        }),
    };
    let w = wizard("topleft-connectwise");
    let mut s = State::new(Screen::Loading(String::new()), false);
    app::update(&mut s, Msg::Keyring(none.clone()));
    let run = Run::new(w.clone(), "s".into(), w.id.clone(), "h".into());
    app::update(&mut s, Msg::Opened(Ok(Box::new(run))));
    let said = s.run().unwrap().notice.clone().expect("said on opening");
    assert_eq!(said, none.notice.clone().unwrap());
    assert!(draw(&s, 120, 30).contains("keyring: none, memory only"));
    run_mut(&mut s).notice = None;
    // Storing the secret fails with the same words: not said again.
    let same = ServiceError {
        message: said.text.clone(),
        remedy: String::new(),
    };
    app::update(&mut s, Msg::SecretStored(Err(same)));
    assert!(s.run().unwrap().notice.is_none(), "said again");
    // A different failure is news.
    let other = ServiceError {
        message: "The keyring refused the secret.".into(),
        remedy: "Try again.".into(),
    };
    app::update(&mut s, Msg::SecretStored(Err(other)));
    assert_eq!(
        s.run().unwrap().notice.as_ref().map(|n| n.text.as_str()),
        Some("The keyring refused the secret. Try again.")
    );

    // On 80 columns a long title gives way to the label.
    let mut s = running("rewst-autotask");
    app::update(&mut s, Msg::Keyring(kernel));
    let header = draw(&s, 80, 24).lines().next().unwrap().to_string();
    assert!(header.contains("keyring: kernel, until logout"), "{header}");
    assert!(header.contains("Rewst for Datto"), "{header}");
    assert!(header.contains('…'), "{header}");

    // The demo keeps no secrets: no header label, no line.
    let mut s = running("topleft-connectwise");
    run_mut(&mut s).demo = true;
    app::update(&mut s, Msg::Keyring(none));
    assert!(s.run().unwrap().notice.is_none());
    assert!(!draw(&s, 120, 30).contains("keyring:"));
}

// ---------------------------------------------------------------------------------------------
// The real binary in a pseudo-terminal

#[path = "common/pty.rs"]
mod pty;
use pty::{Pty, tick_manual_items};

const DOWN: &str = "\x1b[B";
const CTRL_C: &str = "\x03";

#[test]
fn pty_panic_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(
        &["run", "topleft-connectwise"],
        dir.path(),
        &[("PSA_ONBOARD_TEST_PANIC", "1")],
    );
    let status = pty.wait_exit();
    assert!(!status.success(), "a panic must not exit 0");
    pty.assert_restored();
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).to_string();
    assert!(
        raw.contains("\x1b[?1049h"),
        "it did enter the alternate screen"
    );
    assert!(raw.contains("Step 1 of 5"), "the first frame was drawn");
    // The panic message is printed where the admin can read it: on the restored main screen.
    assert!(
        pty.screen().contains("PSA_ONBOARD_TEST_PANIC"),
        "{}",
        pty.screen()
    );
}

/// A panic inside a verification (a bug in a check) is a message on the step, not a torn-down
/// terminal under a running TUI: still on the alternate screen, still answering keys, and
/// restored normally on quit.
#[test]
fn pty_a_panicking_check_is_a_message_and_the_tui_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn_sized(
        &["run", "topleft-connectwise"],
        dir.path(),
        &[("PSA_ONBOARD_TEST_PANIC", "verify")],
        30,
        120,
    );
    pty.walk_to_connectwise_credentials();
    pty.send("cw.example.com\tacme\tXk2pQ7aLm3Rt9Vb1\tprivate-xyz-123\t1a2b3c4d-0000-4000-8000-00000000abcd\r");
    let screen = pty.wait_for(&[
        "The verification stopped unexpectedly",
        "Press v to try again",
    ]);
    assert!(
        !screen.contains("panicked at"),
        "the panic report is on screen:\n{screen}"
    );
    assert!(
        pty.parser.lock().unwrap().screen().alternate_screen(),
        "the terminal was restored under the running TUI"
    );
    // Still answering keys.
    pty.send("?");
    pty.wait_for(&["Close this help."]);
    pty.send("q");
    pty.wait_for(&["v verify"]);
    pty.send("q");
    assert!(pty.wait_exit().success(), "{}", pty.screen());
    pty.assert_restored();
}

#[test]
fn pty_quit_midway_and_resume_at_the_same_step_with_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["run", "topleft-connectwise"], dir.path(), &[]);
    pty.walk_to_connectwise_credentials();
    pty.send("cw.example.com\tacme\tXk2pQ7aLm3Rt9Vb1\tprivate-xyz-123");
    pty.wait_for(&["•••••••••••••••"]);
    assert!(
        !pty.screen().contains("private-xyz-123"),
        "secret shown unmasked"
    );
    // Leaving the field saves it; quit mid-form.
    pty.send("\t");
    pty.send(CTRL_C);
    let status = pty.wait_exit();
    assert!(status.success(), "quit exits 0; screen:\n{}", pty.screen());
    pty.assert_restored();
    pty.drain();
    let screen = pty.screen();
    assert!(
        screen.contains("psa-onboard resume topleft-connectwise-"),
        "{screen}"
    );

    // The session file has the answers, and never the secret.
    let sessions: Vec<_> = std::fs::read_dir(dir.path().join("sessions"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .collect();
    assert_eq!(sessions.len(), 1);
    let text = std::fs::read_to_string(sessions[0].path()).unwrap();
    assert!(text.contains("cw.example.com") && text.contains("Xk2pQ7aLm3Rt9Vb1"));
    assert!(!text.contains("private-xyz-123"), "secret on disk:\n{text}");

    // Resume: same step, earlier answers intact, the secret asked for again.
    let mut pty = Pty::spawn(&["resume"], dir.path(), &[]);
    let screen = pty.wait_for(&["Step 3 of 5", "cw.example.com", "acme", "Xk2pQ7aLm3Rt9Vb1"]);
    assert!(screen.contains("◇ 1. Add a security"), "{screen}");
    assert!(screen.contains("shown once, when the key"), "{screen}");
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

#[test]
fn pty_start_screen_lists_wizards_and_opens_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&[], dir.path(), &[]);
    // Fourteen wizards fill a 24-line screen: opening a file is offered in the footer.
    pty.wait_for(&[
        "Start a new setup",
        "TopLeft for ConnectWise PSA",
        "o open file",
    ]);
    // Any wizard opens: the next one down.
    pty.send(DOWN);
    pty.send("\r");
    pty.wait_for(&["Step 1 of", "Steps"]);
    // Help overlay from the keymap, then back.
    pty.send("?");
    pty.wait_for(&["Keys", "Close this help."]);
    pty.send("\x1b");
    pty.wait_for(&["v verify"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

/// Wait until the keys sent so far are handled and nothing is in flight. The ticks alone can make
/// a step count as done while "do it for me" is still running in the sandbox, and `n` is refused
/// until it is: the help overlay opening proves the earlier keys were handled (keys are handled
/// in order), then the sandbox's work and the verification it starts must be over.
fn settle(pty: &mut Pty) {
    // A line of the overlay that fits on 80×24.
    const HELP: &str = "Show every key and what it does.";
    pty.send("?");
    pty.wait_for(&[HELP]);
    pty.send("\x1b");
    let start = std::time::Instant::now();
    loop {
        let screen = pty.screen();
        if !screen.contains(HELP)
            && !screen.contains("Doing this step in the sandbox")
            && !screen.contains("Verifying against the PSA")
        {
            return;
        }
        assert!(
            start.elapsed() < pty::PATIENCE,
            "still busy; the screen shows:\n{screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Wait until the rail shows `n` steps done.
fn wait_done(pty: &Pty, n: usize, total: usize) -> String {
    pty.wait_for(&[&format!("{n}/{total} done")])
}

/// Each demo, end to end as a person would walk it: on every step the footer's "do it for
/// me", then its "next", to the summary. No key is assumed: each is read from the footer.
fn demo_end_to_end(id: Option<&str>, steps: usize) {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<&str> = std::iter::once("demo").chain(id).collect();
    let mut pty = Pty::spawn(&args, dir.path(), &[]);
    pty.wait_for(&["DEMO", &format!("Step 1 of {steps}")]);
    // Ends on the summary with every step done (the rail counts them), and the headline says
    // so, with how each stands.
    pty.walk_demo(steps);
    pty.wait_for(&["All steps done"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();
    // A finished session ends with how to export it, not how to resume it.
    let screen = pty.screen();
    let wizard = id.unwrap_or("topleft-connectwise");
    assert!(
        screen.contains(&format!(
            "psa-onboard export demo-{wizard} --format html -o demo-{wizard}.html"
        )) && !screen.contains("psa-onboard resume"),
        "{screen}"
    );
}

#[test]
fn pty_demo_topleft_connectwise_end_to_end() {
    demo_end_to_end(None, 5);
}

#[test]
fn pty_demo_topleft_autotask_end_to_end() {
    demo_end_to_end(Some("topleft-autotask"), 6);
}

#[test]
fn pty_demo_tasky_autotask_end_to_end() {
    demo_end_to_end(Some("tasky-autotask"), 6);
}

#[test]
fn pty_demo_rewst_autotask_end_to_end() {
    demo_end_to_end(Some("rewst-autotask"), 5);
}

/// The steps before the credentials exist wait for them, then verify in the background; the
/// demo's "do it for me" ticks the manual items it did, so n is offered at once.
#[test]
fn pty_demo_defers_the_steps_before_the_credentials_and_verifies_them_later() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["demo", "topleft-autotask"], dir.path(), &[]);
    pty.wait_for(&["DEMO", "Step 1 of 6"]);
    // Step 1's items the API cannot read: one press ticks them all, as the demo's.
    let manual = psa_onboard::verdict::items(&wizard("topleft-autotask").steps[0])
        .into_iter()
        .filter(|(_, m)| *m)
        .count();
    pty.press("do it for me");
    pty.wait_for(&[&format!("The demo ticked {manual}")]);
    pty.press("next");
    pty.wait_for(&["Step 2 of 6"]);
    assert!(
        pty.screen().contains("◇ 1. Add a security"),
        "{}",
        pty.screen()
    );
    // The API user: fails until the user exists; done in the sandbox, it verifies, and so
    // does the security level that waited for it.
    pty.press("verify");
    pty.wait_for(&["failed"]);
    pty.press("do it for me");
    wait_done(&pty, 2, 6);
    // Observed and its manual checkboxes confirmed by the admin: partly verified.
    assert!(
        pty.screen().contains("◐ 1. Add a security"),
        "{}",
        pty.screen()
    );
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

#[test]
fn pty_demo_runs_the_impersonation_write_test_only_after_asking() {
    let id = "topleft-autotask";
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn_sized(&["demo", id], dir.path(), &[], 40, 120);
    pty.wait_for(&["DEMO", "Step 1 of 6", "a do it for me"]);
    pty.send(&tick_manual_items(id, 0));
    pty.send("a");
    pty.wait_for(&["Done in the sandbox"]);
    pty.send("n");
    pty.wait_for(&["Step 2 of 6"]);
    pty.send("a");
    wait_done(&pty, 2, 6);
    // The impersonation step: done in the sandbox, verified read-only (the write test skipped).
    pty.send("n");
    pty.wait_for(&["Step 3 of 6", "w write tests"]);
    pty.send(&tick_manual_items(id, 2));
    pty.send("a");
    wait_done(&pty, 3, 6);
    // Impersonation also needs the resources' own security levels (the next step): done in the
    // sandbox too, then back to the write test.
    pty.send("n");
    pty.wait_for(&["Step 4 of 6"]);
    pty.send(&tick_manual_items(id, 3));
    pty.send("a");
    wait_done(&pty, 4, 6);
    pty.send("b");
    pty.wait_for(&["Step 3 of 6", "w write tests"]);
    // The write test is the last item: select it (End) so it is in view.
    pty.send("\x1b[F");
    pty.wait_for(&["skipped: this check writes"]);
    // w first asks which ticket the note may go on (the demo fills in a sandbox ticket):
    // Esc writes nothing.
    pty.press("write tests");
    pty.wait_for_text(&["which ticket may it go on", "Ticket: T20250101.0001"]);
    pty.press("cancel");
    pty.wait_for(&["w write tests"]);
    // The ticket is looked up, and the question names it and what stays behind; n sends
    // nothing.
    pty.press("write tests");
    pty.press("find ticket");
    pty.wait_for_text(&[
        "They write to your PSA",
        "T20250101.0001 (ID 1)",
        "does not allow deleting ticket notes",
    ]);
    pty.send("n");
    pty.wait_for(&["w write tests"]);
    assert!(pty.screen().contains("skipped: this check writes"));
    // w, Enter, y: it runs once, as an impersonated resource, on the chosen ticket, and passes.
    pty.press("write tests");
    pty.press("find ticket");
    pty.wait_for(&["y = run them now"]);
    pty.send("y");
    // Only a run that wrote can pass: a read-only run shows the check skipped.
    let screen = pty.wait_for(&["✓ Add a ticket note as one of your resources"]);
    assert!(!screen.contains("skipped: this check writes"), "{screen}");
    assert!(!screen.contains("They write to your PSA"), "{screen}");
    // The consent covered that one run: v verifies read-only again.
    pty.send("v");
    pty.wait_for(&["skipped: this check writes"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

#[test]
fn pty_mouse_click_in_the_rail_and_resize() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["run", "topleft-connectwise"], dir.path(), &[]);
    pty.wait_for(&["Step 1 of 5"]);
    pty.send("n");
    pty.wait_for(&["Step 2 of 5"]);
    // SGR mouse: a left click on the rail's first step (row 4, column 4, 1-based), and release.
    pty.send("\x1b[<0;4;4M\x1b[<0;4;4m");
    pty.wait_for(&["Step 1 of 5"]);
    // A click on a step not reached yet explains why instead of jumping.
    pty.send("\x1b[<0;4;7M\x1b[<0;4;7m");
    pty.wait_for(&["Finish step 2 first"]);
    // Wheel down moves the selection through the permission rows.
    pty.send(&"\x1b[<65;50;12M".repeat(3));
    pty.wait_for(&["▌· Companies › Manage Attachments"]);
    // Resize: the layout follows (the rail gets wider and shows more of each title).
    // The parser takes the new size first, under its lock, so no frame drawn for the new size
    // is read at the old one (a race on a loaded machine).
    {
        let mut parser = pty.parser.lock().unwrap();
        parser
            .screen_mut()
            .set_size(30.try_into().unwrap(), 100.try_into().unwrap());
        pty.master
            .resize(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }
    pty.wait_for(&["1. Add a security role f"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

#[test]
fn pty_demo_resume_replays_what_was_done_in_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["demo"], dir.path(), &[]);
    pty.wait_for(&["DEMO", "Step 1 of 5"]);
    pty.send("a");
    pty.wait_for(&["Done in the sandbox"]);
    pty.send("n");
    pty.wait_for(&["Step 2 of 5"]);
    pty.send("a");
    pty.wait_for(&["Done in the sandbox", "The demo ticked 1"]);
    pty.send("n");
    pty.wait_for(&["Step 3 of 5"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();

    // A fresh process has a fresh sandbox: resuming redoes steps 1 and 2 in it, so once the
    // keys exist, both verify.
    let mut pty = Pty::spawn(&["resume"], dir.path(), &[]);
    pty.wait_for(&["DEMO", "Step 3 of 5"]);
    pty.send("a");
    pty.wait_for(&["passed on the PSA"]);
    let screen = wait_done(&pty, 3, 5);
    assert!(screen.contains("✓ 1. Add a security"), "{screen}");
    pty.send("q");
    assert!(pty.wait_exit().success());
}

#[test]
fn pty_start_screen_resumes_a_session_and_no_color_draws_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["run", "topleft-autotask"], dir.path(), &[]);
    pty.wait_for(&["Step 1 of 6"]);
    pty.send("u");
    pty.wait_for(&["Continue without verifying"]);
    pty.send("y");
    pty.wait_for(&["Step 2 of 6", "Ctrl+C quit"]);
    // The connection form has focus here, so letters are typing: Ctrl+C quits.
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());

    // The start screen lists the session first; Enter resumes it, drawn in ASCII.
    let mut pty = Pty::spawn(&[], dir.path(), &[("NO_COLOR", "1")]);
    // The step by its title, not its id (NO_COLOR: ASCII separators).
    pty.wait_for(&[
        "Resume where you left off",
        "1/6 done - at step 2: Add an API resource",
    ]);
    pty.send("\r");
    let screen = pty.wait_for(&["Step 2 of 6 - Add an API resource"]);
    assert!(
        screen.contains("? 1. Add a security"),
        "continued unverified, in ASCII:\n{screen}"
    );
    assert!(screen.contains("> 2. Add an API"), "{screen}");
    assert!(!screen.contains('◆') && !screen.contains('│'), "{screen}");
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

/// Enter pressed twice on the start screen before the session is open: it opens once and keeps
/// its lock while it is on screen (a second open would have let go of the first one's lock).
#[test]
fn pty_a_double_enter_on_the_start_screen_opens_the_session_once_and_keeps_its_lock() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["run", "topleft-autotask"], dir.path(), &[]);
    pty.wait_for(&["Step 1 of 6"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    let store = psa_onboard::session::Store::at(dir.path().join("sessions"));
    let name = store.list().sessions[0].name.clone();

    let mut pty = Pty::spawn(&[], dir.path(), &[]);
    pty.wait_for(&["Resume where you left off"]);
    // Both presses in one write: the second arrives before the first open answers.
    pty.send("\r\r");
    pty.wait_for(&["Step 1 of 6"]);
    // Long enough for a second open to have answered, had one been started.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let screen = pty.screen();
    assert!(
        screen.contains("Step 1 of 6") && !screen.contains("Resume where you left off"),
        "{screen}"
    );
    assert!(
        store.open(&name).is_err(),
        "the open session's lock was let go:\n{screen}"
    );
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

// ---------------------------------------------------------------------------------------------
// Secrets nowhere, over complete demo flows (issue #6)

/// A scratch home for one run of the binary: state, config, cache and HOME all inside it, so
/// every file the program could write is found by walking one directory.
struct Home {
    root: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let root = tempfile::tempdir().unwrap();
        for d in ["state", "config", "cache", "home", "exports"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        Home { root }
    }

    fn path(&self, p: &str) -> std::path::PathBuf {
        self.root.path().join(p)
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let p = |d: &str| self.path(d).display().to_string();
        vec![
            ("XDG_STATE_HOME", p("state")),
            ("XDG_CONFIG_HOME", p("config")),
            ("XDG_CACHE_HOME", p("cache")),
            ("HOME", p("home")),
        ]
    }

    fn spawn(&self, args: &[&str]) -> Pty {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Pty::spawn(args, &self.path("state"), &env)
    }

    /// The one session file's name (the session id).
    fn session_id(&self) -> String {
        let dir = self.path("state").join("sessions");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        names[0].clone()
    }

    /// `psa-onboard export <session> --format <f> -o exports/<session>.<f>`, plus stdout.
    fn export_all(&self, session: &str) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for format in ["md", "json", "html"] {
            let file = self.path("exports").join(format!("{session}.{format}"));
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
            cmd.args(["export", session, "--format", format, "-o"])
                .arg(&file)
                .env("PSA_ONBOARD_STATE_DIR", self.path("state"))
                .env("PSA_ONBOARD_WIZARD_DIR", self.path("state/no-user-wizards"));
            for (k, v) in self.env() {
                cmd.env(k, v);
            }
            let o = cmd.output().unwrap();
            assert!(o.status.success(), "export {format}: {o:?}");
            out.push((
                format!("export --format {format} (stdout+stderr)"),
                [o.stdout, o.stderr].concat(),
            ));
            out.push((file.display().to_string(), std::fs::read(&file).unwrap()));
        }
        out
    }

    /// Every file under the scratch home (state, config, cache, HOME, exports).
    fn files(&self) -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
            for e in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if let Ok(bytes) = std::fs::read(&p) {
                    out.push((p.display().to_string(), bytes));
                }
            }
        }
        let mut out = Vec::new();
        walk(self.root.path(), &mut out);
        out
    }
}

/// The demo's secrets: the sandbox's well-known API member key and API user secret (public
/// values, which is why the test can know them), plus the admin key it never should use.
fn demo_secrets() -> Vec<String> {
    use secrecy::ExposeSecret;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let at_secret = rt.block_on(async {
        let sb = psa_onboard::sandbox::Sandbox::start(Default::default())
            .await
            .unwrap();
        let s = sb.credentials().autotask.secret.expose_secret().to_string();
        sb.shutdown().await;
        s
    });
    vec![
        psa_onboard::sandbox::CW_PRIVATE_KEY.to_string(),
        psa_onboard::sandbox::CW_ADMIN_PRIVATE_KEY.to_string(),
        at_secret,
    ]
}

/// The payloads of every OSC 52 clipboard write in the terminal output, decoded.
fn clipboard_writes(raw: &[u8]) -> Vec<String> {
    use base64::Engine;
    let text = String::from_utf8_lossy(raw);
    let mut out = Vec::new();
    for part in text.split("\x1b]52;").skip(1) {
        let body = part.split(['\x07', '\x1b']).next().unwrap();
        let b64 = body.split_once(';').map(|(_, b)| b).unwrap_or(body);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap_or_else(|e| panic!("OSC 52 payload is not base64 ({e}): {b64:?}"));
        out.push(String::from_utf8(bytes).unwrap());
    }
    out
}

/// Zero hits for every secret (raw, and base64-encoded) in every file and in the terminal.
fn assert_secrets_nowhere(home: &Home, exports: &[(String, Vec<u8>)], raw: &[u8]) {
    use base64::Engine;
    let secrets = demo_secrets();
    let mut haystacks = home.files();
    haystacks.extend(exports.iter().cloned());
    haystacks.push(("the whole terminal output".into(), raw.to_vec()));
    assert!(
        haystacks.iter().any(|(n, _)| n.ends_with(".toml")),
        "the session file is searched"
    );
    for secret in &secrets {
        assert!(
            secret.len() >= 8,
            "a secret this short would match by chance"
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(secret);
        for (name, bytes) in &haystacks {
            let hay = String::from_utf8_lossy(bytes);
            assert!(!hay.contains(secret.as_str()), "a secret is in {name}");
            assert!(!hay.contains(&b64), "a base64-encoded secret is in {name}");
        }
    }
}

/// The session records the vendor's answer: HTTP 200, the sandbox's reference, and that the
/// credentials it received were the ones it issued.
fn assert_vendor_evidence(home: &Home, session: &str) {
    let file = home
        .path("state")
        .join("sessions")
        .join(format!("{session}.toml"));
    let text = std::fs::read_to_string(&file).unwrap();
    let evidence = text
        .lines()
        .find(|l| l.contains("/vendor/submit answered HTTP 200"))
        .unwrap_or_else(|| panic!("no vendor answer in the session:\n{text}"));
    assert!(
        evidence.contains("SBX-0001") && evidence.contains("valid"),
        "{evidence}"
    );
    assert!(!evidence.contains("unrecognised"), "{evidence}");
}

/// Drive the hand-off step of a demo: copy a non-secret value, be refused a masked secret,
/// submit to the sandbox's vendor endpoint, tick, finish.
fn hand_off(pty: &mut Pty, copy_tabs: usize, copied_label: &str, secret_tabs: usize) {
    pty.wait_for(&["demo: submits to the local"]);
    pty.send(&"\t".repeat(copy_tabs));
    pty.send("c");
    pty.wait_for(&[&format!("Copied the {copied_label}")]);
    pty.send(&"\t".repeat(secret_tabs));
    pty.send("c");
    pty.wait_for(&["reveal it first"]);
    pty.send("p");
    pty.wait_for(&["y yes", "Send "]);
    pty.send("y");
    pty.wait_for(&["The vendor answered HTTP 200"]);
}

/// Both built-in TopLeft demos end to end, the hand-off submitted to the sandbox's vendor
/// endpoint, every export format written; then no demo secret may appear in any file under the
/// scratch state/config/cache/HOME, in any export, or anywhere in the bytes the terminal
/// received (raw or base64). Copying: the test copies one NON-secret value (checked by decoding
/// the OSC 52 payload) and is refused the secret. By design a secret can be copied only after
/// the admin reveals it with Ctrl+R (a unit test covers that path); this test reveals nothing,
/// so no clipboard write may carry a secret.
#[test]
fn pty_secrets_nowhere_over_complete_demos_with_hand_off_and_exports() {
    // ConnectWise: the whole demo, the hand-off submitted to the sandbox.
    let home = Home::new();
    let mut pty = home.spawn(&["demo"]);
    pty.wait_for(&["DEMO", "Step 1 of 5", "a do it for me"]);
    pty.send("a");
    pty.wait_for(&["Done in the sandbox"]);
    pty.send("n");
    pty.wait_for(&["Step 2 of 5"]);
    pty.send("a");
    // The demo ticks the step's manual item itself.
    pty.wait_for(&["Done in the sandbox", "The demo ticked 1"]);
    pty.send("n");
    pty.wait_for(&["Step 3 of 5", "Connection details"]);
    pty.send("a");
    // The sandbox accepted the demo keys: credentialed requests were really made.
    pty.wait_for(&["passed on the PSA"]);
    wait_done(&pty, 3, 5);
    pty.send("n");
    pty.wait_for(&["Step 4 of 5"]);
    pty.send("s");
    pty.wait_for(&["Step 5 of 5"]);
    // Fields: site, company ID, public key, private key. Copy the company ID (Tab once);
    // the private key (two more) is refused while masked.
    hand_off(&mut pty, 1, "Company ID", 2);
    pty.send(" ");
    pty.wait_for(&["n next"]);
    pty.send("n");
    pty.wait_for(&["All steps done"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.drain();
    let raw_cw = pty.raw.lock().unwrap().clone();
    assert!(
        !String::from_utf8_lossy(&raw_cw).contains("Secrets shown"),
        "nothing was revealed"
    );
    assert_eq!(
        clipboard_writes(&raw_cw),
        vec![psa_onboard::sandbox::CW_COMPANY_ID.to_string()],
        "exactly the one non-secret value copied"
    );
    let session = home.session_id();
    // The vendor's answer is the session's evidence, and says the sandbox recognised the
    // private key it received: the secret really was sent, to the sandbox only.
    assert_vendor_evidence(&home, &session);
    let exports = home.export_all(&session);
    assert_secrets_nowhere(&home, &exports, &raw_cw);

    // Autotask: the whole demo, the hand-off submitted to the sandbox.
    let id = "topleft-autotask";
    let home = Home::new();
    let mut pty = home.spawn(&["demo", id]);
    pty.wait_for(&["DEMO", "Step 1 of 6", "a do it for me"]);
    pty.send(&tick_manual_items(id, 0));
    pty.send("a");
    pty.wait_for(&["Done in the sandbox"]);
    pty.send("n");
    pty.wait_for(&["Step 2 of 6"]);
    pty.send("a");
    pty.wait_for(&["passed on the PSA"]);
    wait_done(&pty, 2, 6);
    for step in 2..5 {
        pty.send("n");
        pty.wait_for(&[&format!("Step {} of 6", step + 1)]);
        pty.send(&tick_manual_items(id, step));
        pty.send("a");
        settle(&mut pty);
        wait_done(&pty, step + 1, 6);
    }
    pty.send("n");
    pty.wait_for(&["Step 6 of 6"]);
    // Fields: username, secret. Copy the username; the secret is refused while masked.
    hand_off(&mut pty, 0, "API username", 1);
    pty.send(&tick_manual_items(id, 5));
    wait_done(&pty, 6, 6);
    pty.send("n");
    pty.wait_for(&["All steps done"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.drain();
    let raw_at = pty.raw.lock().unwrap().clone();
    let copied = clipboard_writes(&raw_at);
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert!(
        copied[0].starts_with("topleft") && copied[0].contains('@'),
        "{copied:?}"
    );
    let session = home.session_id();
    assert_vendor_evidence(&home, &session);
    let exports = home.export_all(&session);
    assert_secrets_nowhere(&home, &exports, &raw_at);
}

#[test]
fn snapshot_handoff_step_masked_then_submit_prompt() {
    let mut s = running("topleft-connectwise");
    fill_cw(&mut s);
    {
        let r = run_mut(&mut s);
        r.demo = true;
        r.handoff.endpoint = Some("http://127.0.0.1:40000/vendor/submit".into());
        r.handoff.endpoint_is_demo = true;
        r.go_to(4);
    }
    let out = draw(&s, 80, 24);
    assert!(
        out.contains("Private key") && !out.contains("never-on-screen-42"),
        "{out}"
    );
    insta::assert_snapshot!("cw_handoff_80x24", out);
    key(&mut s, KeyCode::Char('p'));
    insta::assert_snapshot!("cw_handoff_submit_prompt_80x24", draw(&s, 80, 24));
}

#[test]
fn pty_resume_after_the_wizard_file_changed_names_the_steps_to_verify_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme-cw.toml");
    let text = include_str!("../wizards/topleft-connectwise.toml");
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();

    let mut pty = Pty::spawn(&["demo", path], dir.path(), &[]);
    pty.wait_for(&["DEMO", "Step 1 of 5"]);
    pty.send("a");
    pty.wait_for(&["Done in the sandbox"]);
    pty.send("n");
    pty.wait_for(&["Step 2 of 5"]);
    pty.send("a");
    pty.wait_for(&["Done in the sandbox", "The demo ticked 1"]);
    pty.send("n");
    pty.wait_for(&["Step 3 of 5"]);
    pty.send("a");
    pty.wait_for(&["passed on the PSA"]);
    let screen = wait_done(&pty, 3, 5);
    assert!(screen.contains("◐ 2. Add an API"), "{screen}");
    pty.send("q");
    assert!(pty.wait_exit().success());

    // The vendor changes the API member step (a new instruction); the other steps are as before.
    let changed = text.replacen(
        "  \"Save the member by clicking the disk icon.\",",
        "  \"Save the member by clicking the disk icon.\",\n  \"Then reopen it.\",",
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&file, changed).unwrap();

    let mut pty = Pty::spawn(&["resume"], dir.path(), &[]);
    let screen = pty.wait_for(&["Verify these steps again: api-member"]);
    assert!(screen.contains("✓ 1. Add a security"), "{screen}");
    assert!(
        !screen.contains("◐ 2. Add an API") && !screen.contains("✓ 2. Add an API"),
        "step 2 lost its verdict: {screen}"
    );
    pty.send("q");
    assert!(pty.wait_exit().success());
}

#[test]
fn pty_logs_go_to_the_state_dir_file_never_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(
        &["run", "topleft-connectwise"],
        dir.path(),
        &[("PSA_ONBOARD_LOG", "debug")],
    );
    pty.wait_for(&["Step 1 of 5"]);
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success(), "{}", pty.screen());
    pty.drain();
    let log = std::fs::read_to_string(dir.path().join("logs").join("psa-onboard.log"))
        .expect("the log file exists under the state dir");
    assert!(log.contains("psa-onboard started"), "{log}");
    assert!(log.contains("opening the wizard"), "{log}");
    assert!(log.contains("saved; leaving the wizard"), "{log}");
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).to_string();
    for line in [
        "psa-onboard started",
        "opening the wizard",
        "leaving the wizard",
    ] {
        assert!(
            !raw.contains(line),
            "a log line reached the terminal: {line}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Issue #17: progress that moves, sessions a person can tell apart, words that fit the moment

/// The numbers in "N of M answered" on the screen, if the status shows it.
fn answered_count(screen: &str) -> Option<(usize, usize)> {
    let at = screen.find(" answered")?;
    let head = &screen[..at];
    let words: Vec<&str> = head.split_whitespace().rev().take(3).collect();
    // "... N of M answered": reversed, M, "of", N.
    match words.as_slice() {
        [m, "of", n] => Some((n.parse().ok()?, m.parse().ok()?)),
        _ => None,
    }
}

/// A real verification against a sandbox that answers every request only after a delay: the
/// count rises between the first and the last answer, and while nothing new has come for a
/// second, the status names the request it is waiting for.
#[test]
fn pty_progress_counts_each_answer_as_it_lands_on_a_slow_psa() {
    use std::time::{Duration, Instant};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sb = rt.block_on(async {
        psa_onboard::sandbox::Sandbox::start(psa_onboard::sandbox::SandboxOptions {
            scenario: "configured:topleft-autotask".into(),
            latency: Duration::from_millis(1300),
            ..Default::default()
        })
        .await
        .unwrap()
    });
    let c = sb.credentials().autotask;
    let dir = tempfile::tempdir().unwrap();
    let id = "topleft-autotask";
    let mut pty = Pty::spawn_sized(&["run", id], dir.path(), &[], 30, 160);
    pty.wait_for(&["Step 1 of 6"]);
    // Step 1 waits for the credentials: tick what the API cannot see, then go on.
    pty.send(&tick_manual_items(id, 0));
    pty.press("next");
    pty.wait_for(&["Step 2 of 6", "Connection details"]);
    use secrecy::ExposeSecret;
    pty.send(&format!(
        "{}\t{}\t{}\t\x15{}\r",
        c.username,
        c.secret.expose_secret(),
        c.integration_code,
        sb.autotask_api_root()
    ));
    // Watch the status until the step is verified, recording every count shown.
    let start = Instant::now();
    let mut counts = Vec::new();
    let mut waiting = None;
    loop {
        let screen = pty.screen();
        if let Some(c) = answered_count(&screen)
            && counts.last() != Some(&c)
        {
            counts.push(c);
        }
        if waiting.is_none()
            && let Some(l) = screen.lines().find(|l| l.contains("for the PSA to answer"))
        {
            waiting = Some(l.to_string());
        }
        if screen.contains("passed on the PSA") {
            break;
        }
        assert!(
            start.elapsed() < pty::PATIENCE,
            "not verified; counts {counts:?}; the screen shows:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let total = counts.first().map(|c| c.1).unwrap_or(0);
    assert!(total > 1, "{counts:?}");
    assert_eq!(counts.first().map(|c| c.0), Some(0), "{counts:?}");
    assert!(
        counts.iter().any(|&(n, m)| n > 0 && n < m),
        "the count never rose between the first and the last answer: {counts:?}"
    );
    assert!(
        counts.windows(2).all(|w| w[0].0 <= w[1].0),
        "the count went down: {counts:?}"
    );
    let waiting = waiting.expect("the status named what it waited for");
    assert!(
        waiting.contains("waiting 1 s for the PSA to answer")
            && (waiting.contains("zoneInformation")
                || waiting.contains("Version")
                || waiting.contains("Resources")),
        "{waiting}"
    );
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    pty.assert_restored();
    rt.block_on(sb.shutdown());
}

/// The session files in a state directory, by name.
fn session_names(state: &std::path::Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(state.join("sessions")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// The text of the screen row the cursor is on.
fn cursor_row(pty: &Pty) -> String {
    let p = pty.parser.lock().unwrap();
    let (row, _) = p.screen().cursor_position();
    p.screen()
        .contents()
        .lines()
        .nth(row as usize)
        .unwrap_or("")
        .to_string()
}

/// `run --name` names the session (quitting says how to resume it by that name); resuming it
/// puts the cursor on the first field still missing (the secret, never saved) and says so.
#[test]
fn pty_a_named_session_resumes_on_the_missing_field() {
    let dir = tempfile::tempdir().unwrap();
    // A name that is not a slug is refused before anything starts.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_psa-onboard"))
        .args(["run", "topleft-connectwise", "--name", "Acme CW"])
        .env("PSA_ONBOARD_STATE_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("invalid session name"),
        "{bad:?}"
    );

    let mut pty = Pty::spawn(
        &["run", "topleft-connectwise", "--name", "acme-cw"],
        dir.path(),
        &[],
    );
    pty.walk_to_connectwise_credentials();
    pty.send("cw.example.com\tacme\tXk2pQ7aLm3Rt9Vb1\t");
    pty.wait_for(&["Xk2pQ7aLm3Rt9Vb1"]);
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    pty.drain();
    assert!(
        pty.screen().contains("psa-onboard resume acme-cw"),
        "{}",
        pty.screen()
    );
    assert_eq!(session_names(dir.path()), vec!["acme-cw"]);

    // The name is taken now: a second run with it says how to resume instead.
    let mut pty = Pty::spawn(
        &["run", "topleft-connectwise", "--name", "acme-cw"],
        dir.path(),
        &[],
    );
    assert_eq!(pty.wait_exit().exit_code(), 2);
    pty.drain();
    let screen = pty.screen();
    assert!(
        screen.contains("already exists") && screen.contains("psa-onboard resume acme-cw"),
        "{screen}"
    );

    let mut pty = Pty::spawn(&["resume", "acme-cw"], dir.path(), &[]);
    pty.wait_for(&[
        "Step 3 of 5",
        "Still needed to go on: Private key, clientId.",
    ]);
    // The screen is redrawn once more when the keyring probe answers in the background: poll
    // until the frame settles with the cursor on the field.
    let start = std::time::Instant::now();
    let row = loop {
        let row = cursor_row(&pty);
        if row.contains("Private key") || start.elapsed() > std::time::Duration::from_secs(10) {
            break row;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(row.contains("Private key"), "the cursor is on {row:?}");
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

/// A second `demo` of the same wizard picks up its demo session where it was left; `--fresh`
/// starts it over. Either way there is one demo session per wizard.
#[test]
fn pty_a_second_demo_reuses_the_demo_session() {
    let dir = tempfile::tempdir().unwrap();
    let id = "topleft-autotask";
    let mut pty = Pty::spawn(&["demo", id], dir.path(), &[]);
    pty.wait_for(&["DEMO", "Step 1 of 6"]);
    pty.press("do it for me");
    pty.wait_for(&["Done in the sandbox"]);
    pty.press("next");
    pty.wait_for(&["Step 2 of 6"]);
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    assert_eq!(session_names(dir.path()), vec!["demo-topleft-autotask"]);

    let mut pty = Pty::spawn(&["demo", id], dir.path(), &[]);
    pty.wait_for(&[
        "DEMO",
        "Step 2 of 6",
        "Your demo of this wizard from",
        "--fresh",
    ]);
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    assert_eq!(session_names(dir.path()), vec!["demo-topleft-autotask"]);

    let mut pty = Pty::spawn(&["demo", id, "--fresh"], dir.path(), &[]);
    let screen = pty.wait_for(&["DEMO", "Step 1 of 6"]);
    assert!(!screen.contains("Your demo of this wizard"), "{screen}");
    assert!(screen.contains("0/6 done"), "{screen}");
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    assert_eq!(session_names(dir.path()), vec!["demo-topleft-autotask"]);

    // The start screen tells it apart: marked as the demo, the sandbox as its PSA.
    let mut pty = Pty::spawn(&[], dir.path(), &[]);
    pty.wait_for(&[
        "demo-topleft-autotask",
        "[demo]",
        "embedded sandbox",
        "at step 1: Add a",
    ]);
    pty.send("q");
    assert!(pty.wait_exit().success());
}

/// `o` on a machine whose opener finds no browser (xdg-open exits 3): the screen says nothing
/// opened, and shows the address to open by hand.
#[cfg(unix)]
#[test]
fn pty_open_portal_without_a_browser_shows_the_address() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let opener = bin.join("xdg-open");
    std::fs::write(&opener, "#!/bin/sh\n# No browser is set up.\nexit 3\n").unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = bin.display().to_string();
    let mut pty = Pty::spawn_sized(&["demo"], dir.path(), &[("PATH", &path)], 30, 120);
    for i in 1..=4 {
        pty.wait_for(&[&format!("Step {i} of 5")]);
        pty.press("do it for me");
        pty.wait_for(&["Done in the sandbox"]);
        pty.press("next");
    }
    pty.wait_for(&["Step 5 of 5"]);
    pty.press("open portal");
    let screen = pty.wait_for(&["Could not open a browser", "xdg-open exited with status 3"]);
    assert!(
        screen.contains("Open this address yourself: https://customers.topleft.team/welcome/"),
        "{screen}"
    );
    pty.send(CTRL_C);
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

/// Finding a wizard among many: `/`, then part of a vendor's name, leaves that one wizard;
/// Enter starts it.
#[test]
fn pty_start_screen_filters_to_one_wizard_by_part_of_the_vendor_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&[], dir.path(), &[]);
    pty.wait_for(&["Start a new setup", "ConnectWise PSA", "Datto Autotask PSA"]);
    pty.press("filter");
    // "asky": part of "Tasky".
    pty.send("asky");
    let screen = pty.wait_for(&["Filter: asky", "1 of "]);
    assert!(screen.contains("Tasky for Datto Autotask PSA"), "{screen}");
    assert!(
        !screen.contains("TopLeft")
            && !screen.contains("Rewst")
            && !screen.contains("Open a wizard file"),
        "{screen}"
    );
    pty.send("\r");
    pty.wait_for(&["Tasky for Datto Autotask PSA", "Step 1 of"]);
    pty.send("q");
    assert!(pty.wait_exit().success());
    pty.assert_restored();
}

/// A terminal that cannot move the cursor gets a sentence pointing at `show` and `check`, not
/// a full-screen interface drawn as garbage; nothing is created.
#[test]
fn pty_term_dumb_points_at_show_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(
        &["run", "topleft-connectwise"],
        dir.path(),
        &[("TERM", "dumb")],
    );
    assert_eq!(pty.wait_exit().exit_code(), 2);
    pty.drain();
    let screen = pty.screen();
    for want in [
        "TERM=dumb",
        "psa-onboard show topleft-connectwise",
        "psa-onboard check --wizard topleft-connectwise",
    ] {
        assert!(screen.contains(want), "{want:?} missing:\n{screen}");
    }
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).to_string();
    assert!(
        !raw.contains("\x1b[?1049h"),
        "it drew the full-screen interface"
    );
    assert!(session_names(dir.path()).is_empty());
}

/// The rail's text (left of its border) and the body's (right of it), each with its lines
/// joined: a title or value wrapped over lines is found whole, and one cut is not.
fn rail_and_body(screen: &str) -> (String, String) {
    let join = |parts: Vec<&str>| {
        parts
            .join(" ")
            .replace(['▌', '◆', '◇', '✓', '✗', '⚠', '◐', '☑', '▲', '–'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (mut rail, mut body) = (Vec::new(), Vec::new());
    for l in screen.lines().skip(1) {
        match l.split_once('│') {
            Some((r, b)) => {
                rail.push(r);
                body.push(b);
            }
            None => body.push(l),
        }
    }
    (join(rail), join(body))
}

/// Every step title is whole in the rail (wrapped, never cut) where it has the room; where
/// it has not (80×24 and a long wizard), the current step's title still is.
fn assert_rail_titles_whole(s: &State, out: &str, size: &str) {
    let (rail, _) = rail_and_body(out);
    let r = s.run().unwrap();
    let roomy = size != "80x24";
    for (i, st) in r.wizard.steps.iter().enumerate() {
        let label = format!("{}. {}", i + 1, st.title);
        if roomy || i == r.rail_position() {
            assert!(
                rail.contains(&label),
                "{size}: {label:?} cut in the rail:\n{out}"
            );
        }
    }
    if roomy {
        assert!(!rail.contains('…'), "{size}: something is cut:\n{out}");
    }
}

const SIZES: [(u16, u16); 3] = [(80, 24), (100, 30), (200, 50)];

/// The step screen, the connection form and the summary at 80×24, 100×30 and 200×50: the rail
/// grows with the room, and no title or value is cut where the width allows it.
#[test]
fn snapshot_step_form_and_summary_at_every_size() {
    // The table's heading is never cut (at 100 columns it was).
    for (w, h) in [(100, 40), (200, 50)] {
        let (_, body) = rail_and_body(&draw(&running("topleft-connectwise"), w, h));
        assert!(
            body.contains(
                "Permissions for \"TopLeft\" (26 rows), with the vendor's reason for each:"
            ),
            "{w}x{h}: {body}"
        );
    }
    // The step screen: the ConnectWise role, verified with one failure.
    let mut s = running("topleft-connectwise");
    fill_cw(&mut s);
    let results = role_results(&s, &["Merge Tickets"], false);
    verified(&mut s, results);
    for (w, h) in SIZES {
        let out = draw(&s, w, h);
        assert_rail_titles_whole(&s, &out, &format!("{w}x{h}"));
        let (_, body) = rail_and_body(&out);
        // The failed row is in view with what was observed and the fix, whole.
        for want in [
            "Merge Tickets inquire is None (needs All)",
            "System → Security Roles → TopLeft → Service Desk: set Merge Tickets inquire to All.",
        ] {
            assert!(body.contains(want), "{w}x{h}: {want:?}\n{out}");
        }
        insta::assert_snapshot!(format!("cw_step_failed_{w}x{h}"), out);
    }

    // The form: long values wrap under their column, whole; the cursor follows the typing.
    let mut s = running("topleft-autotask");
    run_mut(&mut s).go_to(1);
    let user = "topleft-integration@sandbox.psa-onboard.example";
    let root = "http://127.0.0.1:44001/atservicesrest/with/a/long/path";
    for c in user.chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Tab);
    for c in "never-on-screen-42".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Tab);
    for c in "GRYYJKUHKVH7JMFD5EY3JLS6OS".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Tab);
    app::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    for c in root.chars() {
        key(&mut s, KeyCode::Char(c));
    }
    for (w, h) in SIZES {
        let out = draw(&s, w, h);
        assert_rail_titles_whole(&s, &out, &format!("{w}x{h}"));
        // Values are one token: their rows, joined back, are whole.
        let (_, body) = rail_and_body(&out);
        let joined = body.replace(' ', "");
        for v in [user, root] {
            assert!(joined.contains(v), "{w}x{h}: {v} cut:\n{out}");
        }
        assert!(!body.contains('…'), "{w}x{h}: something is cut:\n{out}");
        insta::assert_snapshot!(format!("at_form_long_values_{w}x{h}"), out);
    }

    // The summary: every step's title whole, and the export command once all are done.
    let mut s = running("topleft-autotask");
    let n = s.run().unwrap().wizard.steps.len();
    {
        let r = run_mut(&mut s);
        for i in 0..n {
            r.progress[i].decision = Some(psa_onboard::verdict::Decision::ContinuedUnverified {
                at: "2026-11-22T22:15:00Z".parse().unwrap(),
                reason: "the admin chose to continue without verification".into(),
            });
        }
        r.go_to(n);
    }
    for (w, h) in SIZES {
        let out = draw(&s, w, h);
        assert_rail_titles_whole(&s, &out, &format!("{w}x{h}"));
        let (_, body) = rail_and_body(&out);
        if h >= 30 {
            for (i, st) in s.run().unwrap().wizard.steps.iter().enumerate() {
                let label = format!("{}. {}", i + 1, st.title);
                assert!(body.contains(&label), "{w}x{h}: {label:?} cut:\n{out}");
            }
        }
        insta::assert_snapshot!(format!("at_summary_{w}x{h}"), out);
    }
    // At 80×24 the summary scrolls to its end, where the export command is.
    let end = {
        let mut s = s;
        draw(&s, 80, 24);
        key(&mut s, KeyCode::PageDown);
        key(&mut s, KeyCode::PageDown);
        draw(&s, 80, 24)
    };
    let (_, body) = rail_and_body(&end);
    assert!(
        body.contains("psa-onboard export topleft-demo-1 --format html -o topleft-demo-1.html"),
        "{end}"
    );
}

/// No keyring at all: no D-Bus session bus, and `PSA_ONBOARD_KEYRING=secret-service` forbids
/// the kernel-keyring fallback. The header says there is none, the one-sentence message with
/// its remedy is shown once, and the run goes on with the secret held in memory only: the
/// credentials verify against a (configured) sandbox, and neither storing the secret nor
/// verifying again brings the message back. Nothing about the secret reaches the session file.
#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn pty_without_a_keyring_the_message_is_shown_once_and_the_run_goes_on_in_memory() {
    use secrecy::ExposeSecret;
    const MESSAGE: &str = "No OS keyring: there is no D-Bus session bus";
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = psa_onboard::wizard::resolve("topleft-connectwise", None)
        .unwrap()
        .wizard;
    let sb = rt.block_on(async {
        psa_onboard::sandbox::Sandbox::start(psa_onboard::sandbox::SandboxOptions {
            scenario: "configured:topleft-connectwise".into(),
            ..Default::default()
        })
        .await
        .unwrap()
    });
    let cw = sb.credentials_for(&w).connectwise;
    let dir = tempfile::tempdir().unwrap();
    let no_runtime_dir = dir.path().join("no-runtime-dir");
    std::fs::create_dir(&no_runtime_dir).unwrap();
    let mut pty = Pty::spawn_sized(
        &["run", "topleft-connectwise"],
        dir.path(),
        &[
            // No bus: neither the address nor the usual socket in the runtime directory.
            ("DBUS_SESSION_BUS_ADDRESS", ""),
            ("XDG_RUNTIME_DIR", no_runtime_dir.to_str().unwrap()),
            ("PSA_ONBOARD_KEYRING", "secret-service"),
            ("NO_PROXY", "127.0.0.1"),
        ],
        30,
        120,
    );
    // The notice wraps beside the rail: read the step's text as one flow.
    pty.wait_for_text(&[
        MESSAGE,
        "To fix: run psa-onboard in a desktop session",
        "held in memory for this run only",
    ]);
    let screen = pty.wait_for(&["keyring: none, memory only"]);
    assert!(!screen.contains("zbus"), "a raw library error:\n{screen}");
    assert_eq!(screen.matches("No OS keyring").count(), 1, "{screen}");

    pty.walk_to_connectwise_credentials();
    let secret = cw.private_key.expose_secret().to_string();
    pty.send(&format!(
        "{}\t{}\t{}\t{}\t{}\r",
        sb.connectwise_site(),
        cw.company_id,
        cw.public_key,
        secret,
        cw.client_id
    ));
    // The secret could not be stored, and the run proceeds: the keys verify on the PSA.
    pty.wait_for(&["passed on the PSA"]);
    wait_done(&pty, 3, 5);
    // Verify again: still no message (it was said once).
    pty.send("v");
    pty.wait_for(&["passed on the PSA"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let screen = pty.screen();
    assert!(!screen.contains("No OS keyring"), "said again:\n{screen}");
    assert!(screen.contains("keyring: none, memory only"), "{screen}");
    pty.send("q");
    assert!(pty.wait_exit().success(), "{}", pty.screen());
    pty.assert_restored();

    // The session has the connection and no keyring entry; the secret is nowhere on disk.
    let sessions: Vec<_> = std::fs::read_dir(dir.path().join("sessions"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .collect();
    assert_eq!(sessions.len(), 1);
    let text = std::fs::read_to_string(sessions[0].path()).unwrap();
    assert!(text.contains(&cw.public_key), "{text}");
    assert!(!text.contains(&secret), "the secret on disk:\n{text}");
    assert!(
        !text.contains("private_key\""),
        "a keyring entry recorded:\n{text}"
    );
    rt.block_on(sb.shutdown());
}
