//! Session files: crash-safe saves, the lock, links refused, damaged and old files.

use super::*;

// ---------------------------------------------------------------------------------------------
// Crash safety

/// Deterministic RNG (splitmix64) so a failing round can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CRASH_DIR_ENV: &str = "PSA_ONBOARD_TEST_CRASH_DIR";

fn counter(s: &Session) -> u64 {
    s.answers
        .get("counter")
        .map(|v| v.parse().expect("counter is a number"))
        .unwrap_or(0)
}

/// The child of `sigkill_during_saves_never_tears_a_session`: opens the session and saves it
/// in a loop with an increasing counter, printing each counter after its save returned.
#[test]
#[ignore = "child process of sigkill_during_saves_never_tears_a_session"]
fn crash_child_writer() {
    let dir = std::env::var(CRASH_DIR_ENV).expect("run only by the crash-safety test");
    let store = Store::at(dir);
    let mut open = store.open("crash").expect("child opens the session");
    let mut n = counter(&open.session);
    let report = |n: u64| {
        StepReport::new(
            "security-level".into(),
            "t".into(),
            (0..(n % 13) * 10)
                .map(|i| CheckResult {
                    detail: "x".repeat(64),
                    ..CheckResult::new(
                        format!("c{i}"),
                        format!("check {i} of run {n}"),
                        Status::Pass,
                    )
                })
                .collect(),
        )
    };
    for _ in 0..1_000_000 {
        n += 1;
        open.session.answers.insert("counter".into(), n.to_string());
        // Vary the size so a torn file would show as a parse error or a short counter.
        open.session.record_run(report(n), Timestamp::now());
        open.save().expect("save");
        println!("counter={n}");
    }
}

#[test]
fn sigkill_during_saves_never_tears_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    new_session(&store, "crash", "topleft-autotask");
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng(0x5e55_1011);
    let mut last = 0u64;
    let mut kills_mid_write = 0;
    for round in 0..50 {
        let mut child = Command::new(&exe)
            .args([
                "files::crash_child_writer",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let target = 1 + rng.below(12);
        let mut seen = 0;
        let mut printed = last;
        let parse = |line: std::io::Result<String>| {
            let line = line.ok()?;
            let v: u64 = line.strip_prefix("counter=")?.trim().parse().ok()?;
            Some(v)
        };
        for line in lines.by_ref() {
            if let Some(v) = parse(line) {
                printed = v;
                seen += 1;
                if seen >= target {
                    break;
                }
            }
        }
        assert!(seen > 0, "round {round}: the child saved nothing");
        // Land the kill at a varying point of the next save.
        std::thread::sleep(std::time::Duration::from_micros(rng.below(3000)));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        for line in lines {
            if let Some(v) = parse(line) {
                printed = v;
            }
        }
        if std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        {
            kills_mid_write += 1;
        }
        let s = store
            .load("crash")
            .unwrap_or_else(|e| panic!("round {round}: session does not load after kill: {e}"));
        let c = counter(&s);
        // Every printed counter was saved; at most one more save completed before the kill.
        assert!(
            c == printed || c == printed + 1,
            "round {round}: loaded counter {c}, last printed {printed}"
        );
        assert!(
            c >= last,
            "round {round}: counter went back from {last} to {c}"
        );
        assert_eq!(
            s.steps["security-level"]
                .runs
                .last()
                .map(|r| r.report.checks.len()),
            Some(((c % 13) * 10) as usize)
        );
        last = c;
    }
    eprintln!("50 kills, {kills_mid_write} left a temp file behind (a kill mid-write)");
    // Opening under the lock cleans up what killed writers left.
    drop(store.open("crash").unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".corrupt-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(last >= 50, "the children made progress: {last}");
}

// ---------------------------------------------------------------------------------------------
// Lock

#[test]
fn a_second_opener_fails_clearly_while_the_first_holds_the_lock() {
    let env = Env::new();
    let store = env.store();
    new_session(&store, "acme", "topleft-connectwise");
    // Private to the user: the file names their PSA and who they are.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store.path("acme")), 0o600);
        assert_eq!(mode(store.dir()), 0o700);
    }
    let held = store.open("acme").expect("first open");

    let err = store.open("acme").expect_err("second open in-process");
    assert!(matches!(err, StoreError::Lock(_)), "{err:?}");

    // Another process: the real binary trying to delete it.
    let out = env.run(&["sessions", "delete", "acme", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("session \"acme\" is open in another psa-onboard"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("pid {}", std::process::id())),
        "names the holder: {stderr}"
    );
    assert!(store.path("acme").exists(), "not deleted while locked");

    // Reading (list) still works while it is held.
    let out = env.run(&["sessions", "list"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("acme"));

    drop(held);
    let out = env.run(&["sessions", "delete", "acme", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!store.path("acme").exists());
}

/// Issue #13: `ln -s victim <state>/sessions/NAME.lock` must not let `check --session NAME` (or
/// any opener) write to the victim, existing or not.
#[test]
fn a_symlinked_lock_is_refused_and_its_target_left_alone() {
    let env = Env::new();
    let store = env.store();
    new_session(&store, "acme", "topleft-connectwise");
    let lock = store.dir().join("acme.lock");
    let victim = env.path("home").join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&victim, &lock).unwrap();

    let mut cmd = env.cmd(&["check", "--session", "acme"]);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
    let out = cmd.output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&lock.display().to_string()) && stderr.contains("is a symbolic link"),
        "{stderr}"
    );
    assert!(stderr.contains("remove it"), "says what to do: {stderr}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

    let err = store.open("acme").expect_err("a linked lock is refused");
    assert!(matches!(err, StoreError::Lock(_)), "{err:?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");

    // A link to a file that does not exist yet is not created through either.
    let absent = env.path("home").join("absent.txt");
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&absent, &lock).unwrap();
    let out = env.run(&["sessions", "delete", "acme", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!absent.exists(), "the lock was created through the link");
    assert!(store.path("acme").exists());

    // Once the link is gone, the session opens as before.
    std::fs::remove_file(&lock).unwrap();
    store.open("acme").expect("opens with a real lock file");
}

/// Issue #13: a save writes a new temp file and renames it; a link planted where the temp file
/// would go is never written through.
#[test]
fn a_temp_file_planted_as_a_link_is_never_written_through() {
    let env = Env::new();
    let store = env.store();
    new_session(&store, "acme", "topleft-connectwise");
    let victim = env.path("home").join("victim.txt");
    std::fs::write(&victim, "precious\n").unwrap();
    let mut open = store.open("acme").unwrap();
    // The name a save in this process would use first.
    let planted = store
        .dir()
        .join(format!(".acme.toml.tmp-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    open.session.who = "after the plant".into();
    open.save().expect("the save goes elsewhere");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    let meta = std::fs::symlink_metadata(store.path("acme")).unwrap();
    assert!(meta.file_type().is_file(), "the session is a regular file");
    assert_eq!(store.load("acme").unwrap().who, "after the plant");
}

// ---------------------------------------------------------------------------------------------
// Corrupt and old files

#[test]
fn a_damaged_file_is_reported_with_line_and_column_moved_aside_and_list_still_works() {
    let env = Env::new();
    let store = env.store();
    new_session(&store, "good", "rewst-autotask");
    let bad = store.path("broken");
    let original =
        "schema_version = 1\nname = \"broken\"\ncreated = 2026-01-05T10:00:00Z\nwho = [oops\n";
    std::fs::write(&bad, original).unwrap();

    let out = env.run(&["sessions", "list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("good") && stdout.contains("rewst-autotask"),
        "{stdout}"
    );
    let expected = format!("{}:4:", bad.display());
    assert!(stdout.contains(&expected), "names file and line: {stdout}");
    assert!(stdout.contains("damaged session file"), "{stdout}");
    assert!(!bad.exists(), "moved aside");
    let aside: Vec<PathBuf> = std::fs::read_dir(store.dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("broken.toml.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read_to_string(&aside[0]).unwrap(), original);
    assert!(stdout.contains(&aside[0].display().to_string()), "{stdout}");

    // A file that parses but has a wrong value: line and column of the value.
    let wrong = store.path("wrong");
    let good_text = std::fs::read_to_string(store.path("good")).unwrap();
    let wrong_text = good_text
        .replace("name = \"good\"", "name = \"wrong\"")
        .replace("who = \"tester\"", "who = 42");
    std::fs::write(&wrong, &wrong_text).unwrap();
    let line = wrong_text
        .lines()
        .position(|l| l.starts_with("who = 42"))
        .unwrap()
        + 1;
    match store.load("wrong") {
        Err(StoreError::Corrupt {
            file,
            line: l,
            column,
            moved_to,
            ..
        }) => {
            assert_eq!(file, wrong);
            assert_eq!(l, line);
            assert_eq!(column, 7);
            assert!(moved_to.is_some());
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // A truncated (empty) file is damaged; a file from a newer version is not, and stays.
    std::fs::write(store.path("empty"), "").unwrap();
    std::fs::write(
        store.path("future"),
        "schema_version = 99\nname = \"future\"\n",
    )
    .unwrap();
    let out = env.run(&["sessions", "list"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "{}:1:1: damaged session file: the file is empty",
            store.path("empty").display()
        )),
        "{stdout}"
    );
    assert!(!store.path("empty").exists());
    assert!(
        stdout.contains("written by a newer psa-onboard (schema version 99"),
        "{stdout}"
    );
    assert!(store.path("future").exists(), "a newer file is left alone");
    std::fs::remove_file(store.path("future")).unwrap();

    // A damaged file whose session another instance has open is reported but left in place.
    let held =
        psa_onboard::session::SessionLock::acquire(&store.dir().join("busy.lock"), "busy").unwrap();
    std::fs::write(store.path("busy"), "schema_version = 1\nname = \"busy\n").unwrap();
    let stdout = text(&env.run(&["sessions", "list"]).stdout);
    assert!(
        stdout.contains(&format!("{}:2:", store.path("busy").display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("left in place because another psa-onboard"),
        "{stdout}"
    );
    assert!(store.path("busy").exists());
    drop(held);
    let _ = env.run(&["sessions", "list"]);
    assert!(
        !store.path("busy").exists(),
        "moved aside once the lock is free"
    );

    // Every damaged file is aside now; the default `sessions` command lists the good one.
    let out = env.run(&["sessions"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).starts_with("NAME"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_v0_session_file_is_migrated_on_load() {
    let env = Env::new();
    let store = env.store();
    std::fs::create_dir_all(store.dir()).unwrap();
    std::fs::write(
        store.path("old"),
        "name = \"old\"\nwizard = \"tasky-autotask\"\npsa = \"autotask\"\nwizard_hash = \"abc\"\n\
         created = \"2025-11-01T09:00:00Z\"\nstep = \"api-user\"\nverified = [\"security-level\"]\n",
    )
    .unwrap();
    let out = env.run(&["sessions", "list"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("old") && stdout.contains("tasky-autotask"),
        "{stdout}"
    );
    assert!(stdout.contains("2025-11-01 09:00 UTC"), "{stdout}");
    // Opening and saving writes the current schema.
    let mut open = store.open("old").unwrap();
    open.save().unwrap();
    let saved = std::fs::read_to_string(store.path("old")).unwrap();
    assert!(saved.starts_with("schema_version = 2\n"), "{saved}");
}

/// Issue #13: a `schema_version` that is not a whole number is reported by its value and place,
/// not as "version -1".
#[test]
fn a_schema_version_that_is_not_a_number_is_named() {
    let env = Env::new();
    let store = env.store();
    std::fs::create_dir_all(store.dir()).unwrap();
    std::fs::write(
        store.path("odd"),
        "name = \"odd\"\nschema_version = \"one\"\n",
    )
    .unwrap();
    let err = store.load("odd").expect_err("refused").to_string();
    assert!(
        err.contains(&format!("{}:2:18:", store.path("odd").display())),
        "{err}"
    );
    assert!(
        err.contains("schema_version is \"one\" (a string)") && !err.contains("-1"),
        "{err}"
    );
}
