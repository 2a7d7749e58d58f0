//! Issue #13: files psa-onboard does not control (third-party wizard files, whatever sits in the
//! wizard directory, the `--ca-cert` file). Each test drives the real binary; a command that hangs
//! or floods its output is stopped at a deadline and fails the test instead of the machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Connection, check_cmd_with, connection, run, sandbox, text, wizard};

/// Long enough for a loaded machine, short enough that a hang fails quickly.
const DEADLINE: Duration = Duration::from_secs(30);

/// The issue's payload as TOML escapes: a title change, an OSC 52 clipboard write, a screen
/// clear, a C1 CSI and a right-to-left override before the visible text.
const TOML_HOSTILE: &str =
    r"\u001b]0;TITLE\u0007\u001b]52;c;cm0gLXJmIH4=\u0007\u001b[2J\u009b31m\u202etxt.exe";

/// A character that can drive a terminal or reorder what it shows: every control but newline
/// and tab, and the bidi and invisible formatting characters `sanitize` removes.
fn is_dangerous(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}' | '\u{feff}')
}

/// No byte of `out` can drive the terminal (the file's own `\u001b` escape text, quoted as
/// text, is harmless and allowed).
fn assert_terminal_safe(what: &str, out: &str) {
    if let Some((i, c)) = out.char_indices().find(|(_, c)| is_dangerous(*c)) {
        let from = out[..i].char_indices().rev().nth(60).map_or(0, |(j, _)| j);
        panic!(
            "{what}: U+{:04X} at byte {i}, after {:?}",
            c as u32,
            &out[from..i]
        );
    }
}

/// What a bounded run of the binary left behind.
struct Ran {
    code: Option<i32>,
    timed_out: bool,
    elapsed: Duration,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A scratch home for the binary: its own state, config and wizard directories.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        for d in ["state", "config", "wizards", "out"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        Scratch { dir }
    }

    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }

    fn wizards(&self) -> PathBuf {
        self.path("wizards")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
        c.args(args)
            .env("PSA_ONBOARD_STATE_DIR", self.path("state"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("PSA_ONBOARD_WIZARD_DIR", self.wizards())
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .env_remove("NO_COLOR")
            .env_remove("PSA_ONBOARD_CA_CERT")
            .stdin(Stdio::null());
        c
    }

    /// Run with output to files (a flood cannot block on a pipe) and a deadline.
    fn run_bounded(&self, mut cmd: Command) -> Ran {
        let (out, err) = (self.path("out/stdout"), self.path("out/stderr"));
        cmd.stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap());
        let start = Instant::now();
        let mut child = cmd.spawn().expect("binary starts");
        let (code, timed_out) = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break (status.code(), false);
            }
            if start.elapsed() > DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                break (None, true);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Ran {
            code,
            timed_out,
            elapsed: start.elapsed(),
            stdout: text(&std::fs::read(&out).unwrap()),
            stderr: text(&std::fs::read(&err).unwrap()),
        }
    }

    fn run(&self, args: &[&str]) -> Ran {
        self.run_bounded(self.cmd(args))
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// The built-in ConnectWise wizard as a third-party file whose vendor, title and a step title
/// carry the payload. Returns (text, line of `vendor`).
fn hostile_wizard() -> (String, usize) {
    let text = psa_onboard::wizard::load::BUILTIN
        .iter()
        .find(|(n, _)| *n == "topleft-connectwise.toml")
        .unwrap()
        .1
        .replace(
            "id = \"topleft-connectwise\"",
            "id = \"hostile-connectwise\"",
        )
        .replace(
            "vendor = \"TopLeft\"",
            &format!("vendor = \"{TOML_HOSTILE}TopLeft\""),
        )
        .replace(
            "title = \"TopLeft for ConnectWise PSA\"",
            &format!("title = \"{TOML_HOSTILE}TopLeft for ConnectWise\""),
        )
        .replace(
            "title = \"Add a security role for TopLeft\"",
            &format!("title = \"Add a role{TOML_HOSTILE}\""),
        );
    let vendor = line_of(&text, "vendor = \"\\u001b");
    (text, vendor)
}

#[test]
fn a_hostile_wizard_file_is_refused_by_wizards_validate_and_show_with_its_place_inert() {
    let s = Scratch::new();
    let (hostile, vendor_line) = hostile_wizard();
    let file = s.wizards().join("hostile.toml");
    std::fs::write(&file, &hostile).unwrap();
    let place = format!("hostile.toml:{vendor_line}:");

    let listed = s.run(&["wizards"]);
    assert_eq!(listed.code, Some(0), "{}", listed.all());
    assert_terminal_safe("wizards", &listed.all());
    assert!(
        listed.stdout.contains("topleft-connectwise") && listed.stdout.contains("rewst-autotask"),
        "the good wizards are still listed:\n{}",
        listed.stdout
    );
    assert!(
        listed.stdout.contains("Skipped an invalid wizard file") && listed.stdout.contains(&place),
        "names the file and the line:\n{}",
        listed.stdout
    );
    assert!(
        !listed.stdout.contains("hostile-connectwise"),
        "{}",
        listed.stdout
    );

    let path = file.to_string_lossy().into_owned();
    for args in [vec!["validate", &path], vec!["show", &path]] {
        let r = s.run(&args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.all());
        assert_terminal_safe(&format!("{args:?}"), &r.all());
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        for expect in [place.as_str(), "control character U+001B", "remove it"] {
            assert!(
                r.stderr.contains(expect),
                "{args:?}: {expect:?} missing:\n{}",
                r.stderr
            );
        }
        // Every hostile field is named, each at its own line.
        for needle in ["title = \"\\u001b", "title = \"Add a role\\u001b"] {
            let at = format!("hostile.toml:{}:", line_of(&hostile, needle));
            assert!(
                r.stderr.contains(&at),
                "{args:?}: {at} missing:\n{}",
                r.stderr
            );
        }
    }
}

#[test]
fn validate_quotes_a_line_with_raw_control_bytes_as_visible_text() {
    let s = Scratch::new();
    let file = s.path("raw.toml");
    // Raw ESC and BEL are a TOML syntax error; the quoted line must not replay them, and a raw
    // bidi override must not reorder it.
    std::fs::write(
        &file,
        "id = \"x\"\nvendor = \"\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u{202e}evil\"\n",
    )
    .unwrap();
    let r = s.run(&["validate", &file.to_string_lossy()]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert_terminal_safe("validate", &r.all());
    assert!(r.stderr.contains("raw.toml:2:"), "{}", r.stderr);
    assert!(
        r.stderr.contains(r"\u{1b}]52;c;") && r.stderr.contains(r"\u{202e}evil"),
        "the bytes are shown as text, so the author can find them:\n{}",
        r.stderr
    );
}

#[tokio::test]
async fn check_with_a_hostile_wizard_file_prints_nothing_raw_human_or_json() {
    let s = Scratch::new();
    let (hostile, vendor_line) = hostile_wizard();
    let file = s.path("hostile.toml");
    std::fs::write(&file, &hostile).unwrap();
    let w = wizard("topleft-connectwise");
    let sb = sandbox("configured:topleft-connectwise").await;
    let conn: Connection = connection(&sb, &w);
    for format in ["human", "json"] {
        let out = run(check_cmd_with(&file.to_string_lossy(), &conn, format)).await;
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_terminal_safe(&format!("check {format} stdout"), &stdout);
        assert_terminal_safe(&format!("check {format} stderr"), &stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stdout}{stderr}");
        assert!(
            stderr.contains(&format!("hostile.toml:{vendor_line}:")),
            "{format}: {stderr}"
        );
    }
    assert!(
        sb.requests().is_empty(),
        "a refused wizard verifies nothing: {:?}",
        sb.requests()
    );
    sb.shutdown().await;
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .expect("mkfifo");
}

#[test]
fn a_fifo_or_a_device_in_the_wizard_directory_is_refused_not_read() {
    let s = Scratch::new();
    let fifo = s.wizards().join("x.toml");
    mkfifo(&fifo);
    std::os::unix::fs::symlink("/dev/zero", s.wizards().join("zero.toml")).unwrap();
    std::fs::create_dir(s.wizards().join("dir.toml")).unwrap();

    let listed = s.run(&["wizards"]);
    assert!(!listed.timed_out, "`wizards` hung: {}", listed.all());
    assert_eq!(listed.code, Some(0), "{}", listed.all());
    for (name, why) in [
        ("x.toml", "a named pipe (FIFO), not a regular file"),
        ("zero.toml", "a character device, not a regular file"),
        ("dir.toml", "a directory, not a regular file"),
    ] {
        assert!(
            listed
                .stdout
                .lines()
                .any(|l| l.contains(name) && l.contains(why)),
            "{name}: {why:?} not said:\n{}",
            listed.stdout
        );
    }
    assert!(
        listed.stdout.contains("topleft-autotask"),
        "{}",
        listed.stdout
    );

    // `show` of a built-in reads the same directory: it must not hang on the pipe either.
    let shown = s.run(&["show", "topleft-autotask"]);
    assert!(!shown.timed_out, "`show` hung");
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    assert!(shown.stdout.contains("TopLeft for Datto Autotask PSA"));

    for target in ["/dev/zero", &fifo.to_string_lossy()] {
        let r = s.run(&["validate", target]);
        assert!(!r.timed_out, "validate {target} hung");
        assert_eq!(r.code, Some(2), "{}", r.all());
        assert!(
            r.stderr.contains(target) && r.stderr.contains("not a regular file"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_wizard_file_beyond_the_size_cap_is_refused_unread() {
    let s = Scratch::new();
    let big = s.path("big.toml");
    // Sparse: 50 MB on paper, nothing on disk.
    std::fs::File::create(&big)
        .unwrap()
        .set_len(50 << 20)
        .unwrap();
    let r = s.run(&["validate", &big.to_string_lossy()]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr.contains("big.toml") && r.stderr.contains("larger than 1024 KiB"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_20_mb_unclosed_string_gives_a_short_error_and_a_long_line_is_clipped_at_the_column() {
    let s = Scratch::new();
    // The issue's file: one unclosed 20 MB string.
    let huge = s.path("huge.toml");
    std::fs::write(&huge, format!("title = \"{}", "a".repeat(20 << 20))).unwrap();
    let r = s.run(&["validate", &huge.to_string_lossy()]);
    assert!(!r.timed_out);
    assert_eq!(r.code, Some(2));
    assert!(
        r.all().len() < 2000,
        "{} bytes of output:\n{}",
        r.all().len(),
        &r.all()[..r.all().len().min(500)]
    );
    assert!(r.stderr.contains("huge.toml"), "{}", r.stderr);

    // Under the cap, a 600 KB line: the error quotes a window around the column, and the caret
    // still points at the place.
    let long = s.path("long.toml");
    let body = format!("id = \"x\"\ntitle = \"{}", "b".repeat(600_000));
    std::fs::write(&long, &body).unwrap();
    let r = s.run(&["validate", &long.to_string_lossy()]);
    assert_eq!(r.code, Some(2), "{}", r.all());
    assert!(
        r.stderr.len() < 1000,
        "{} bytes of output:\n{}",
        r.stderr.len(),
        &r.stderr[..r.stderr.len().min(500)]
    );
    let head = r.stderr.lines().next().unwrap();
    let column: usize = head
        .strip_prefix(&format!("psa-onboard: {}:2:", long.display()))
        .and_then(|rest| rest.split(':').next())
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no line:column in {head:?}"));
    assert!(column > 600_000, "{head}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    let caret = lines
        .iter()
        .position(|l| l.trim() == "^")
        .unwrap_or_else(|| panic!("no caret line:\n{}", r.stderr));
    assert!(
        lines.iter().all(|l| l.chars().count() < 200),
        "{}",
        r.stderr
    );
    let quoted = lines[caret - 1];
    assert!(
        quoted.contains("...bbbb"),
        "the quoted window says it is clipped: {quoted:?}"
    );
}

#[test]
fn a_ca_cert_that_is_a_device_a_pipe_or_huge_is_refused_naming_it() {
    let s = Scratch::new();
    let fifo = s.path("ca.pem");
    mkfifo(&fifo);
    let big = s.path("big.pem");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(50 << 20)
        .unwrap();
    for (ca, why) in [
        ("/dev/zero".to_string(), "not a regular file"),
        (fifo.to_string_lossy().into_owned(), "not a regular file"),
        (big.to_string_lossy().into_owned(), "larger than"),
    ] {
        let mut cmd = s.cmd(&["check", "--wizard", "topleft-autotask", "--ca-cert", &ca]);
        // Loopback and never contacted: the certificate is read before any request.
        cmd.env("AUTOTASK_API_ROOT", "http://127.0.0.1:9/atservicesrest")
            .env("AUTOTASK_USERNAME", "api@example.com")
            .env("AUTOTASK_SECRET", "not-a-secret")
            .env("AUTOTASK_INTEGRATION_CODE", "CODE");
        let r = s.run_bounded(cmd);
        assert!(!r.timed_out, "--ca-cert {ca} hung");
        assert_eq!(r.code, Some(2), "{}", r.all());
        assert!(
            r.stderr.contains(&ca) && r.stderr.contains(why),
            "{ca}: {}",
            r.stderr
        );
        assert!(r.elapsed < Duration::from_secs(20));
    }
}

#[test]
fn show_and_validate_print_plain_ascii_under_a_non_utf8_locale() {
    let s = Scratch::new();
    let good = s.path("good.toml");
    std::fs::write(
        &good,
        psa_onboard::wizard::load::BUILTIN
            .iter()
            .find(|(n, _)| *n == "topleft-connectwise.toml")
            .unwrap()
            .1,
    )
    .unwrap();
    let good = good.to_string_lossy().into_owned();
    // Under UTF-8 the rules and separators are drawn as before.
    let utf8 = s.run(&["show", "topleft-autotask"]);
    assert!(
        utf8.stdout.contains('═') && utf8.stdout.contains('›'),
        "{}",
        utf8.stdout
    );
    for locale in ["C", "POSIX", "en_US.ISO-8859-1"] {
        for args in [
            vec!["show", "topleft-autotask"],
            vec!["show", "topleft-connectwise"],
            vec!["validate", &good],
            vec!["wizards"],
        ] {
            let mut cmd = s.cmd(&args);
            cmd.env("LC_ALL", locale);
            let r = s.run_bounded(cmd);
            assert_eq!(r.code, Some(0), "{args:?}: {}", r.all());
            let odd: String = r.stdout.chars().filter(|c| !c.is_ascii()).collect();
            assert!(odd.is_empty(), "{locale} {args:?} printed {odd:?}");
        }
    }
    let mut cmd = s.cmd(&["show", "topleft-autotask"]);
    cmd.env("LC_ALL", "C");
    let plain = s.run_bounded(cmd).stdout;
    assert!(plain.contains("=====") && plain.contains(" > "), "{plain}");
}
