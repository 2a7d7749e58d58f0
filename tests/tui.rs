//! The interactive wizard: snapshots of every screen (ratatui TestBackend + insta) and the real
//! binary driven through a pseudo-terminal (portable-pty + vt100).

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portable_pty::PtySize;
use psa_onboard::tui::app::{
    self, Msg, Run, Screen, ServiceError, SessionSummary, StartScreen, State, WizardEntry,
};
use psa_onboard::verify::{CheckResult, PermissionObservation, Status, StepReport};
use psa_onboard::wizard::{self, Psa};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "common/mod.rs"]
mod common;
use common::pty::{self, Pty, tick_manual_items};
use common::screens::{
    PRIVATE_KEY, fill_cw, key, run_mut, running, start_verify, type_text, verified,
};
use common::wizards;

/// What the screens are drawn from: check results, saved sessions, the wizard list.
#[path = "tui/fixtures.rs"]
mod fixtures;

/// The keyring's line and header label, from TUI state.
#[path = "tui/keyring.rs"]
mod keyring;

/// The real binary on a pseudo-terminal: running, quitting, resuming, the start screen.
#[path = "tui/pty_run.rs"]
mod pty_run;

/// The demo on a pseudo-terminal, walked as a person would.
#[path = "tui/pty_demo.rs"]
mod pty_demo;

/// Secrets nowhere, over complete demo flows and without a keyring (issue #6).
#[path = "tui/secrets.rs"]
mod secrets;
use fixtures::{role_results, several_sessions, wizard_entries};

// ---------------------------------------------------------------------------------------------
// Snapshots

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
        !out.contains(PRIVATE_KEY)
            || s.run()
                .is_some_and(|r| r.form.fields.iter().any(|f| f.revealed)),
        "a secret reached the screen unrevealed:\n{out}"
    );
    out
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

/// The start screen with sessions to resume and the snapshots' wizards to start.
fn start_screen() -> State {
    State::new(
        Screen::Start(StartScreen {
            sessions: several_sessions(),
            wizards: wizard_entries(),
            ..StartScreen::default()
        }),
        false,
    )
}

#[test]
fn snapshot_start_screen() {
    for (w, h) in [(80, 24), (100, 30), (200, 50)] {
        let s = start_screen();
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
    let mut s = start_screen();
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
    type_text(&mut s, "./my-vendor.toml");
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
    let mut s = start_screen();
    key(&mut s, KeyCode::Char('/'));
    // Letters that are keys elsewhere (r renames, k moves) are typing here.
    type_text(&mut s, "rew");
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
    let mut s = start_screen();
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
    type_text(&mut s, "http://cw.example.com");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, PRIVATE_KEY);
    insta::assert_snapshot!("cw_api_keys_form_errors_masked", draw(&s, 80, 30));
    app::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
    );
    let revealed = draw(&s, 80, 30);
    assert!(revealed.contains(PRIVATE_KEY));
    insta::assert_snapshot!("cw_api_keys_form_revealed", revealed);
}

#[test]
fn snapshot_autotask_username_hint() {
    let mut s = running("topleft-autotask");
    run_mut(&mut s).go_to(1);
    type_text(&mut s, "topleft@acme.example");
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
    assert_eq!(s.run().unwrap().selected, st_index(&s, "Merge Tickets"));
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

// ---------------------------------------------------------------------------------------------
// The real binary in a pseudo-terminal

const DOWN: &str = "\x1b[B";
const CTRL_C: &str = "\x03";

#[test]
fn snapshot_handoff_step_masked_then_submit_prompt() {
    let mut s = running("topleft-connectwise");
    fill_cw(&mut s);
    {
        let r = run_mut(&mut s);
        r.demo = true;
        r.submit_endpoint = Some("http://127.0.0.1:40000/vendor/submit".into());
        r.submit_demo = true;
        r.go_to(4);
    }
    let out = draw(&s, 80, 24);
    assert!(
        out.contains("Private key") && !out.contains(PRIVATE_KEY),
        "{out}"
    );
    insta::assert_snapshot!("cw_handoff_80x24", out);
    key(&mut s, KeyCode::Char('p'));
    insta::assert_snapshot!("cw_handoff_submit_prompt_80x24", draw(&s, 80, 24));
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

/// The text of the one session file in a state directory.
fn the_session_file(state: &std::path::Path) -> String {
    let names = session_names(state);
    assert_eq!(names.len(), 1, "{names:?}");
    std::fs::read_to_string(state.join("sessions").join(format!("{}.toml", names[0]))).unwrap()
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
        if roomy || i == r.current {
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
    type_text(&mut s, user);
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, PRIVATE_KEY);
    key(&mut s, KeyCode::Tab);
    type_text(&mut s, "GRYYJKUHKVH7JMFD5EY3JLS6OS");
    key(&mut s, KeyCode::Tab);
    app::update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL)),
    );
    type_text(&mut s, root);
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
