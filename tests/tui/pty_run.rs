//! The real binary on a pseudo-terminal: running, quitting, resuming, the start screen.

use super::*;

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
    pty.send_wait("?", &["Close this help."]);
    pty.send_wait("q", &["v verify"]);
    pty.quit_with("q");
}

#[test]
fn pty_quit_midway_and_resume_at_the_same_step_with_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["run", "topleft-connectwise"], dir.path(), &[]);
    pty.walk_to_connectwise_credentials();
    pty.send_wait(
        "cw.example.com\tacme\tXk2pQ7aLm3Rt9Vb1\tprivate-xyz-123",
        &["•••••••••••••••"],
    );
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
    let text = the_session_file(dir.path());
    assert!(text.contains("cw.example.com") && text.contains("Xk2pQ7aLm3Rt9Vb1"));
    assert!(!text.contains("private-xyz-123"), "secret on disk:\n{text}");

    // Resume: same step, earlier answers intact, the secret asked for again.
    let mut pty = Pty::spawn(&["resume"], dir.path(), &[]);
    let screen = pty.wait_for(&["Step 3 of 5", "cw.example.com", "acme", "Xk2pQ7aLm3Rt9Vb1"]);
    assert!(screen.contains("◇ 1. Add a security"), "{screen}");
    assert!(screen.contains("shown once, when the key"), "{screen}");
    pty.quit_with(CTRL_C);
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
    pty.send_wait("\r", &["Step 1 of", "Steps"]);
    // Help overlay from the keymap, then back.
    pty.send_wait("?", &["Keys", "Close this help."]);
    pty.send_wait("\x1b", &["v verify"]);
    pty.quit_with("q");
}

#[test]
fn pty_mouse_click_in_the_rail_and_resize() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["run", "topleft-connectwise"], dir.path(), &[]);
    pty.wait_for(&["Step 1 of 5"]);
    pty.send_wait("n", &["Step 2 of 5"]);
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
    pty.quit_with("q");
}

#[test]
fn pty_start_screen_resumes_a_session_and_no_color_draws_ascii() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["run", "topleft-autotask"], dir.path(), &[]);
    pty.wait_for(&["Step 1 of 6"]);
    pty.send_wait("u", &["Continue without verifying"]);
    pty.send_wait("y", &["Step 2 of 6", "Ctrl+C quit"]);
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
    pty.quit_with(CTRL_C);
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
    pty.send_wait(
        "cw.example.com\tacme\tXk2pQ7aLm3Rt9Vb1\t",
        &["Xk2pQ7aLm3Rt9Vb1"],
    );
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
    pty.quit_with(CTRL_C);
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
    pty.send_wait("\r", &["Tasky for Datto Autotask PSA", "Step 1 of"]);
    pty.quit_with("q");
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
