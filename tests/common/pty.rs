//! The real binary on a pseudo-terminal, for the PTY tests (shared by several test binaries;
//! each uses a different part of it).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// How long to wait for the screen to show something. Generous: the machine is shared.
pub const PATIENCE: Duration = Duration::from_secs(60);

pub struct Pty {
    pub parser: Arc<Mutex<vt100::Parser>>,
    pub raw: Arc<Mutex<Vec<u8>>>,
    pub writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    pub master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    /// The binary at 80×24, the smallest size the TUI supports.
    pub fn spawn(args: &[&str], state_dir: &std::path::Path, extra_env: &[(&str, &str)]) -> Pty {
        Pty::spawn_sized(args, state_dir, extra_env, 24, 80)
    }

    pub fn spawn_sized(
        args: &[&str],
        state_dir: &std::path::Path,
        extra_env: &[(&str, &str)],
        rows: u16,
        cols: u16,
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_psa-onboard"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env_remove("LC_ALL");
        cmd.env_remove("NO_COLOR");
        cmd.env("PSA_ONBOARD_STATE_DIR", state_dir);
        cmd.env("PSA_ONBOARD_WIZARD_DIR", state_dir.join("no-user-wizards"));
        cmd.env("RUST_BACKTRACE", "0");
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let (p, r) = (parser.clone(), raw.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pair.master.take_writer().unwrap();
        Pty {
            parser,
            raw,
            writer,
            child,
            master: pair.master,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Poll `ready` every 20 ms until it gives a value; past [`PATIENCE`], fail naming
    /// `waiting_for` and showing the screen.
    pub fn poll<T>(&self, waiting_for: &str, mut ready: impl FnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = ready() {
                return v;
            }
            if start.elapsed() > PATIENCE {
                panic!(
                    "timed out waiting for {waiting_for}; the screen shows:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Poll until the screen shows every one of `texts`.
    pub fn wait_for(&self, texts: &[&str]) -> String {
        self.poll(&format!("{texts:?}"), || {
            let screen = self.screen();
            texts.iter().all(|t| screen.contains(t)).then_some(screen)
        })
    }

    /// The screen's text right of the rail, lines joined and spaces collapsed: text the layout
    /// wraps differently at another width is still found whole.
    pub fn flat_body(&self) -> String {
        self.screen()
            .lines()
            .map(|l| l.split_once('│').map_or(l, |(_, body)| body))
            .collect::<Vec<_>>()
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Poll until the step's text (see [`Pty::flat_body`]) contains every one of `texts`.
    pub fn wait_for_text(&self, texts: &[&str]) -> String {
        self.poll(&format!("{texts:?}"), || {
            let flat = self.flat_body();
            texts.iter().all(|t| flat.contains(t)).then_some(flat)
        })
    }

    /// `run topleft-connectwise` from its first step to the credentials form (step 3): step 1
    /// waits for the credentials, step 2's manual item is ticked.
    pub fn walk_to_connectwise_credentials(&mut self) {
        self.wait_for(&["Step 1 of 5"]);
        self.send("n");
        self.wait_for(&["Step 2 of 5"]);
        self.send(&tick_manual_items("topleft-connectwise", 1));
        self.wait_for(&["[✓]"]);
        self.send("n");
        self.wait_for(&["Step 3 of 5", "Connection details"]);
    }

    /// The footer's keys as (key, what it does) pairs, as the screen shows them now: the
    /// last lines, below the rail and the step (they have no `│`).
    pub fn footer(&self) -> Vec<(String, String)> {
        let screen = self.screen();
        let rows: Vec<&str> = screen.lines().collect();
        let start = rows
            .iter()
            .rposition(|l| l.contains('│'))
            .map_or(0, |i| i + 1);
        rows[start..]
            .iter()
            .flat_map(|l| l.split("  "))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .filter_map(|item| {
                let (key, what) = item.split_once(' ')?;
                Some((key.to_string(), what.to_string()))
            })
            .collect()
    }

    /// Wait until the footer offers `what` ("do it for me", "next") and return its key as the
    /// footer writes it.
    pub fn footer_key(&self, what: &str) -> String {
        self.poll(&format!("the footer to offer {what:?}"), || {
            self.footer()
                .into_iter()
                .find(|(_, w)| w == what)
                .map(|(key, _)| key)
        })
    }

    /// Press the key the footer shows for `what`.
    pub fn press(&mut self, what: &str) {
        let key = self.footer_key(what);
        let bytes = match key.as_str() {
            "Space" => " ",
            "Enter" => "\r",
            "Esc" => "\x1b",
            "Tab" => "\t",
            k if k.chars().count() == 1 => k,
            k => panic!("no bytes known for the footer key {k:?}"),
        };
        self.send(bytes);
    }

    /// Send `keys`, then poll until the screen shows every one of `texts`.
    pub fn send_wait(&mut self, keys: &str, texts: &[&str]) -> String {
        self.send(keys);
        self.wait_for(texts)
    }

    /// Send `keys` (q, Ctrl+C) and see the binary exit 0 and the terminal restored.
    pub fn quit_with(&mut self, keys: &str) {
        self.send(keys);
        assert!(self.wait_exit().success(), "{}", self.screen());
        self.assert_restored();
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!(
                    "the binary did not exit; the screen shows:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait until output stops arriving (after exit) so the parser has seen everything.
    pub fn drain(&self) {
        let mut last = usize::MAX;
        let start = Instant::now();
        loop {
            let n = self.raw.lock().unwrap().len();
            if n == last || start.elapsed() > PATIENCE {
                return;
            }
            last = n;
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The terminal is back to normal: main screen, cursor shown, no mouse reporting, and the
    /// line discipline in canonical (cooked) mode with echo.
    pub fn assert_restored(&self) {
        self.drain();
        let p = self.parser.lock().unwrap();
        let screen = p.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "cursor still hidden");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reporting still on"
        );
        assert!(!screen.bracketed_paste(), "bracketed paste still on");
        let termios = self.master.get_termios().expect("termios of the pty");
        let flags = format!("{:?}", termios.local_flags);
        assert!(
            flags.contains("ICANON") && flags.contains("ECHO"),
            "raw mode still on: {flags}"
        );
    }
}

/// Keys that tick every manual item of a step, walking the selection from the top.
pub fn tick_manual_items(wizard_id: &str, step: usize) -> String {
    use psa_onboard::tui::app::progress;
    let w = psa_onboard::wizard::resolve(wizard_id, None)
        .expect("built-in wizard")
        .wizard;
    let st = &w.steps[step];
    let items = progress::items(st);
    let mut keys = String::from("\x1b[H"); // Home: the first item
    for item in items {
        if item.is_manual(st) {
            keys.push(' ');
        }
        keys.push_str("\x1b[B");
    }
    keys
}
