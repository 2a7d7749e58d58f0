//! The demo on a pseudo-terminal, walked as a person would.

use super::*;

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
    pty.quit_with("q");
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
    let manual = psa_onboard::verdict::items(&wizards::wizard("topleft-autotask").steps[0])
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
    pty.wait_done(2, 6);
    // Observed and its manual checkboxes confirmed by the admin: partly verified.
    assert!(
        pty.screen().contains("◐ 1. Add a security"),
        "{}",
        pty.screen()
    );
    pty.quit_with("q");
}

#[test]
fn pty_demo_runs_the_impersonation_write_test_only_after_asking() {
    let id = "topleft-autotask";
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn_sized(&["demo", id], dir.path(), &[], 40, 120);
    pty.demo_at_to_api_user(id);
    // The impersonation step: done in the sandbox, verified read-only (the write test skipped).
    pty.send_wait("n", &["Step 3 of 6", "w write tests"]);
    pty.send(&tick_manual_items(id, 2));
    pty.send("a");
    pty.wait_done(3, 6);
    // Impersonation also needs the resources' own security levels (the next step): done in the
    // sandbox too, then back to the write test.
    pty.send_wait("n", &["Step 4 of 6"]);
    pty.send(&tick_manual_items(id, 3));
    pty.send("a");
    pty.wait_done(4, 6);
    pty.send_wait("b", &["Step 3 of 6", "w write tests"]);
    // The write test is the last item: select it (End) so it is in view.
    pty.send_wait("\x1b[F", &["skipped: this check writes"]);
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
    pty.send_wait("n", &["w write tests"]);
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
    pty.send_wait("v", &["skipped: this check writes"]);
    pty.quit_with("q");
}

#[test]
fn pty_demo_resume_replays_what_was_done_in_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["demo"], dir.path(), &[]);
    pty.demo_cw_to_keys();
    pty.quit_with("q");

    // A fresh process has a fresh sandbox: resuming redoes steps 1 and 2 in it, so once the
    // keys exist, both verify.
    let mut pty = Pty::spawn(&["resume"], dir.path(), &[]);
    pty.wait_for(&["DEMO", "Step 3 of 5"]);
    let screen = pty.demo_cw_keys();
    assert!(screen.contains("✓ 1. Add a security"), "{screen}");
    pty.send("q");
    assert!(pty.wait_exit().success());
}

#[test]
fn pty_resume_after_the_wizard_file_changed_names_the_steps_to_verify_again() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("acme-cw.toml");
    let text = include_str!("../../wizards/topleft-connectwise.toml");
    std::fs::write(&file, text).unwrap();
    let path = file.to_str().unwrap();

    let mut pty = Pty::spawn(&["demo", path], dir.path(), &[]);
    pty.demo_cw_to_keys();
    let screen = pty.demo_cw_keys();
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
    pty.quit_with(CTRL_C);
    rt.block_on(sb.shutdown());
}

/// A second `demo` of the same wizard picks up its demo session where it was left; `--fresh`
/// starts it over. Either way there is one demo session per wizard.
#[test]
fn pty_a_second_demo_reuses_the_demo_session() {
    let dir = tempfile::tempdir().unwrap();
    let id = "topleft-autotask";
    let mut pty = Pty::spawn(&["demo", id], dir.path(), &[]);
    pty.wait_for(&["DEMO", "Step 1 of 6"]);
    pty.demo_steps(1, 6);
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
    pty.demo_steps(4, 5);
    pty.wait_for(&["Step 5 of 5"]);
    pty.press("open portal");
    let screen = pty.wait_for(&["Could not open a browser", "xdg-open exited with status 3"]);
    assert!(
        screen.contains("Open this address yourself: https://customers.topleft.team/welcome/"),
        "{screen}"
    );
    pty.quit_with(CTRL_C);
}
