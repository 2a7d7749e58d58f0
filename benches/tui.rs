//! Terminal UI performance (docs/PERFORMANCE.md, "Terminal UI"):
//!
//! 1. cold start to first frame: the real binary in an 80×24 pseudo-terminal, from spawn until
//!    the screen shows the header;
//! 2. render time of the largest screen (topleft-connectwise's permission table, every row
//!    with a result, and the help overlay over it) on a ratatui `TestBackend`;
//! 3. CPU time and wake-ups (context switches, all threads) while the binary sits idle.
//!
//! Run: `cargo bench --bench tui` (builds the binary with the bench profile). Optional
//! arguments: `start`, `render`, `idle` to run only some parts.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use psa_onboard::tui::app::{self, Msg, State};
use psa_onboard::verify::{CheckResult, PermissionObservation, Status};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

#[path = "../tests/common/mod.rs"]
mod common;
use common::screens;

const BIN: &str = env!("CARGO_BIN_EXE_psa-onboard");
const WIZARD: &str = "topleft-connectwise";
const STARTS: usize = 20;
const IDLE: Duration = Duration::from_secs(10);
/// Give up on a single start after this long (the machine is shared).
const PATIENCE: Duration = Duration::from_secs(60);

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |part: &str| only.is_empty() || only.iter().any(|a| a == part);
    machine();
    if want("render") {
        render();
    }
    if want("start") {
        cold_start();
    }
    if want("idle") {
        idle();
    }
}

fn machine() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {} CPUs ({}), load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        model,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

// ---------------------------------------------------------------------------------------------
// Statistics

struct Stats {
    n: usize,
    mean: f64,
    median: f64,
    p90: f64,
    max: f64,
}

fn stats(mut xs: Vec<f64>) -> Stats {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let at = |q: f64| xs[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
    Stats {
        n,
        mean: xs.iter().sum::<f64>() / n as f64,
        median: if n % 2 == 1 {
            xs[n / 2]
        } else {
            (xs[n / 2 - 1] + xs[n / 2]) / 2.0
        },
        p90: at(0.9),
        max: xs[n - 1],
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Render time

/// topleft-connectwise at its first step with the connection filled in and every one of the
/// role's rows verified: three fail (so their remedies show) and the excess check warns.
fn largest_state() -> State {
    let mut s = screens::running(WIZARD);
    screens::fill_cw(&mut s);
    let w = s.run().expect("opened a run").wizard.clone();

    let step = &w.steps[0];
    let mut results = Vec::new();
    for (i, row) in step.permissions.iter().enumerate() {
        let function = row.function.clone().unwrap_or_default();
        let fail = i % 9 == 4;
        results.push(CheckResult {
            id: format!("{function}/inquire"),
            title: format!("{} › {function} inquire", row.module),
            status: if fail { Status::Fail } else { Status::Pass },
            detail: String::new(),
            remedy: if fail {
                format!(
                    "System → Security Roles → TopLeft → {}: set {function} inquire to All.",
                    row.module
                )
            } else {
                String::new()
            },
            permission: Some(PermissionObservation {
                module: row.module.clone(),
                function,
                op: "inquire".into(),
                required: "All".into(),
                actual: if fail { "None" } else { "All" }.into(),
            }),
            ..CheckResult::new("", "", Status::Pass)
        });
    }
    results.push(CheckResult {
        id: "no-excess".into(),
        title: "Functions outside TopLeft's table grant nothing".into(),
        status: Status::Warn,
        detail: "System › Setup Tables: Add Level is All (not in TopLeft's table)".into(),
        remedy: "System → Security Roles → TopLeft: set functions TopLeft does not list to None."
            .into(),
        permission: None,
        ..CheckResult::new("", "", Status::Pass)
    });
    let rows = step.permissions.len();

    screens::verified(&mut s, results);
    println!("render: {WIZARD} step 1, {rows} permission rows with results");
    s
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        for x in 0..area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn render() {
    let mut state = largest_state();
    println!(
        "{:<34} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "render (per frame)", "frames", "mean", "median", "p90", "max"
    );
    for (w, h) in [(200u16, 60u16), (80, 24)] {
        state.size = (w, h);
        for (label, help) in [("table", false), ("table + help overlay", true)] {
            state.help = help;
            let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
            t.draw(|f| psa_onboard::tui::ui::render(&state, f))
                .expect("draw");
            let text = screen_text(&t);
            assert!(text.contains("psa-onboard"), "the header is drawn:\n{text}");
            assert!(
                !text.contains("bench-private-key"),
                "the secret stays masked"
            );
            // Steady state: the same screen again (a key that changes little).
            let same = time_frames(&mut t, &mut state, |_, _| {});
            report(&format!("{w}x{h} {label}, unchanged"), same);
            // Every frame differs: the spinner and the selection move, so the diff and the
            // backend write are exercised as well as the widgets.
            let moving = time_frames(&mut t, &mut state, |s, i| {
                s.spinner = i;
                let key = if i % 2 == 0 {
                    KeyCode::Down
                } else {
                    KeyCode::Up
                };
                app::update(s, Msg::Key(KeyEvent::new(key, KeyModifiers::NONE)));
            });
            report(&format!("{w}x{h} {label}, changing"), moving);
        }
    }
}

fn time_frames(
    t: &mut Terminal<TestBackend>,
    state: &mut State,
    mut change: impl FnMut(&mut State, usize),
) -> Vec<f64> {
    const WARMUP: usize = 50;
    const FRAMES: usize = 2000;
    let mut out = Vec::with_capacity(FRAMES);
    for i in 0..WARMUP + FRAMES {
        change(state, i);
        let start = Instant::now();
        t.draw(|f| psa_onboard::tui::ui::render(state, f))
            .expect("draw");
        let took = start.elapsed();
        if i >= WARMUP {
            out.push(took.as_secs_f64() * 1e3);
        }
    }
    out
}

fn report(label: &str, ms: Vec<f64>) {
    let s = stats(ms);
    println!(
        "{label:<34} {:>7} {:>7.3}ms {:>7.3}ms {:>7.3}ms {:>7.3}ms",
        s.n, s.mean, s.median, s.p90, s.max
    );
}

// ---------------------------------------------------------------------------------------------
// The real binary in a pseudo-terminal

struct Live {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn std::io::Write + Send>,
    _master: Box<dyn MasterPty + Send>,
    /// When the header first appeared (sent once by the reader thread).
    first_frame: mpsc::Receiver<Instant>,
    spawned: Instant,
}

fn spawn(args: &[&str], state: &Path) -> Live {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pty");
    let mut cmd = CommandBuilder::new(BIN);
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "C.UTF-8");
    cmd.env_remove("LC_ALL");
    cmd.env_remove("NO_COLOR");
    cmd.env_remove("PSA_ONBOARD_STATE_DIR");
    cmd.env_remove("PSA_ONBOARD_LOG");
    cmd.env_remove("RUST_LOG");
    cmd.env("XDG_STATE_HOME", state.join("state"));
    cmd.env("XDG_CONFIG_HOME", state.join("config"));
    cmd.env("PSA_ONBOARD_WIZARD_DIR", state.join("no-user-wizards"));
    let title = common::wizards::wizard(WIZARD).title;
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let writer = pair.master.take_writer().expect("writer");
    let (tx, rx) = mpsc::channel();
    let spawned = Instant::now();
    let child = pair.slave.spawn_command(cmd).expect("spawn the binary");
    drop(pair.slave);
    std::thread::spawn(move || {
        let mut parser = vt100::Parser::new(24.try_into().unwrap(), 80.try_into().unwrap(), 0);
        let mut buf = [0u8; 8192];
        let mut seen = false;
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            parser.process(&buf[..n]);
            if !seen {
                let screen = parser.screen().contents();
                if screen.contains("psa-onboard") && screen.contains(&title) {
                    seen = true;
                    let _ = tx.send(Instant::now());
                }
            }
        }
    });
    Live {
        child,
        writer,
        _master: pair.master,
        first_frame: rx,
        spawned,
    }
}

impl Live {
    fn wait_first_frame(&self) -> Duration {
        let at = self
            .first_frame
            .recv_timeout(PATIENCE)
            .expect("the first frame appears");
        at - self.spawned
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("a pid")
    }

    fn quit(mut self) {
        let _ = self.writer.write_all(b"\x03");
        let _ = self.writer.flush();
        let start = Instant::now();
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            if start.elapsed() > PATIENCE {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Cold start

fn cold_start() {
    println!(
        "{:<34} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "cold start to first frame", "starts", "mean", "median", "p90", "max"
    );
    for (label, args) in [
        ("demo", vec!["demo"]),
        ("run topleft-connectwise", vec!["run", WIZARD]),
    ] {
        let mut ms = Vec::new();
        for _ in 0..STARTS {
            let dir = tempfile::tempdir().expect("temp dir");
            let live = spawn(&args, dir.path());
            ms.push(live.wait_first_frame().as_secs_f64() * 1e3);
            live.quit();
        }
        report(label, ms);
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Idle

#[derive(Debug, Clone, Default)]
struct Sample {
    /// utime + stime, clock ticks, whole process (exited threads included).
    cpu_ticks: u64,
    /// Per live thread: (tid, name, voluntary + involuntary context switches).
    threads: Vec<(String, String, u64)>,
}

fn sample(pid: u32) -> Sample {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let cpu_ticks = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    let mut threads = Vec::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/task"))
        .expect("tasks")
        .flatten()
    {
        let dir = e.path();
        let tid = e.file_name().to_string_lossy().to_string();
        let name = std::fs::read_to_string(dir.join("comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        let switches: u64 = status
            .lines()
            .filter(|l| l.contains("ctxt_switches"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        threads.push((tid, name, switches));
    }
    threads.sort();
    Sample { cpu_ticks, threads }
}

fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

fn idle() {
    let hz = clock_ticks_per_second();
    for (label, args) in [
        ("run topleft-connectwise", vec!["run", WIZARD]),
        ("demo", vec!["demo"]),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let live = spawn(&args, dir.path());
        live.wait_first_frame();
        let pid = live.pid();
        // Two back-to-back windows: the first starts right after the first frame, so start-up
        // leftovers (threads finishing, a save) show up there and not in the second.
        for window in 1..=2 {
            let before = sample(pid);
            std::thread::sleep(IDLE);
            let after = sample(pid);
            let cpu_ms = (after.cpu_ticks - before.cpu_ticks) * 1000 / hz;
            let mut total = 0;
            let mut per_thread = Vec::new();
            for (tid, name, n) in &after.threads {
                let was = before
                    .threads
                    .iter()
                    .find(|(t, ..)| t == tid)
                    .map_or(0, |(.., n)| *n);
                total += n - was;
                if n > &was {
                    per_thread.push(format!("{name}/{tid}: {}", n - was));
                }
            }
            let gone: Vec<_> = before
                .threads
                .iter()
                .filter(|(t, ..)| !after.threads.iter().any(|(a, ..)| a == t))
                .map(|(t, name, _)| format!("{name}/{t}"))
                .collect();
            println!(
                "idle {label}, window {window} ({}s): cpu {cpu_ms} ms, wake-ups {total}, \
                 threads {} -> {}{}{}",
                IDLE.as_secs(),
                before.threads.len(),
                after.threads.len(),
                if per_thread.is_empty() {
                    String::new()
                } else {
                    format!("; by thread: {}", per_thread.join(", "))
                },
                if gone.is_empty() {
                    String::new()
                } else {
                    format!("; exited (not counted): {}", gone.join(", "))
                },
            );
        }
        live.quit();
    }
}
