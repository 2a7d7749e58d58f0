//! Logging to a file, never to the terminal: the TUI owns the screen and `check` owns stdout.
//!
//! The log lives at `<state dir>/logs/psa-onboard.log` (state dir: `$PSA_ONBOARD_STATE_DIR`, or
//! `$XDG_STATE_HOME/psa-onboard`). It is bounded by size: when it has grown past
//! [`MAX_LOG_BYTES`] at start-up it is moved to `psa-onboard.log.1` (replacing the older one), so
//! at most two files of about that size exist. Writes go through a background thread
//! (non-blocking); the returned [`LogGuard`] flushes it when dropped, so hold it until exit.
//!
//! The level comes from `PSA_ONBOARD_LOG`, else `RUST_LOG`, else `info`. The HTTP stack's own
//! crates are capped at `info` whatever is asked for: at `trace` they may print request headers,
//! and a ConnectWise `Authorization` header carries the private key.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Directive;
use tracing_subscriber::util::SubscriberInitExt;

/// The log file's name inside the log directory.
pub const LOG_FILE: &str = "psa-onboard.log";
/// Our own level variable; wins over `RUST_LOG`.
pub const LEVEL_ENV: &str = "PSA_ONBOARD_LOG";
/// Past this size the log is rotated at the next start.
pub const MAX_LOG_BYTES: u64 = 5 * 1024 * 1024;

/// Crates whose `debug`/`trace` output may contain request headers (credentials).
const CAPPED: [&str; 5] = ["h2", "hyper", "hyper_util", "reqwest", "rustls"];

/// Keeps the background writer alive; dropping it flushes what is queued.
#[must_use = "logging stops when the guard is dropped"]
pub struct LogGuard {
    _worker: WorkerGuard,
    path: PathBuf,
}

impl LogGuard {
    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why logging could not start. Logging is optional: callers carry on without it.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(
        "cannot find a state directory for the log: set XDG_STATE_HOME or PSA_ONBOARD_STATE_DIR"
    )]
    NoStateDir,
    #[error("cannot create the log directory {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the log file {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a global logger is already installed")]
    AlreadySet,
}

/// `<state dir>/logs`, following the session store's rules for the state directory.
pub fn default_dir() -> Result<PathBuf, LogError> {
    let sessions = crate::session::Store::default_dir().map_err(|_| LogError::NoStateDir)?;
    // The store's directory is `<state dir>/sessions`; the log sits beside it.
    let base = sessions.parent().ok_or(LogError::NoStateDir)?;
    Ok(base.join("logs"))
}

/// Install the file logger for the whole process, reading the level from the environment.
pub fn init() -> Result<LogGuard, LogError> {
    let level = std::env::var(LEVEL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| std::env::var("RUST_LOG").ok());
    let (dispatch, guard) = dispatch(&default_dir()?, level.as_deref())?;
    // Also routes crates that use `log` rather than `tracing` into the same file.
    dispatch.try_init().map_err(|_| LogError::AlreadySet)?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        pid = std::process::id(),
        "psa-onboard started"
    );
    Ok(guard)
}

/// A dispatcher writing to `<dir>/psa-onboard.log` at `level` (an `EnvFilter` string; `None`
/// or invalid: `info`, and an invalid one is reported in the log itself).
pub fn dispatch(
    dir: &Path,
    level: Option<&str>,
) -> Result<(tracing::Dispatch, LogGuard), LogError> {
    std::fs::create_dir_all(dir).map_err(|source| LogError::CreateDir {
        dir: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join(LOG_FILE);
    rotate_if_large(&path);
    let file = crate::files::append_no_follow(&path).map_err(|source| LogError::Open {
        path: path.clone(),
        source,
    })?;
    let (writer, worker) = tracing_appender::non_blocking(CleanLines(file));
    let (filter, bad) = filter(level);
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .with_target(true)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    if let Some(bad) = bad {
        tracing::dispatcher::with_default(&dispatch, || {
            tracing::warn!("ignoring the log level {bad:?} (not a valid filter); using info");
        });
    }
    Ok((
        dispatch,
        LogGuard {
            _worker: worker,
            path,
        },
    ))
}

/// Writes each log event as one clean line. Events quote PSA text (error messages, names): a
/// control sequence in it must not reach whoever later runs `cat` or `less` on the log, and a
/// newline in it must not forge a log line of its own.
struct CleanLines<W>(W);

impl<W: std::io::Write> std::io::Write for CleanLines<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The writer thread hands over one formatted event per call.
        let text = String::from_utf8_lossy(buf);
        let body = text.strip_suffix('\n').unwrap_or(&text);
        let mut line = crate::sanitize::clean_line(body);
        line.push('\n');
        self.0.write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The filter for `level`, with the HTTP stack capped; also the rejected text, if any.
fn filter(level: Option<&str>) -> (EnvFilter, Option<String>) {
    let (mut f, bad) = match level.map(str::trim).filter(|l| !l.is_empty()) {
        None => (EnvFilter::new("info"), None),
        Some(l) => match EnvFilter::try_new(l) {
            Ok(f) => (f, None),
            Err(_) => (EnvFilter::new("info"), Some(l.to_string())),
        },
    };
    for krate in CAPPED {
        if let Ok(d) = format!("{krate}=info").parse::<Directive>() {
            f = f.add_directive(d);
        }
    }
    (f, bad)
}

/// Move an oversized log aside. Best effort: a failure only means the log keeps growing.
fn rotate_if_large(path: &Path) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > MAX_LOG_BYTES) {
        let mut old = path.as_os_str().to_owned();
        old.push(".1");
        let _ = std::fs::rename(path, PathBuf::from(old));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{Connection, ConnectwiseTarget};
    use secrecy::SecretString;

    fn read(dir: &Path) -> String {
        std::fs::read_to_string(dir.join(LOG_FILE)).unwrap()
    }

    #[test]
    fn lines_land_in_the_file_at_the_requested_level_and_secrets_stay_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let (d, guard) = dispatch(dir.path(), Some("debug")).unwrap();
        let conn = Connection::Connectwise {
            target: ConnectwiseTarget {
                site: "127.0.0.1:1".into(),
                company_id: "acme".into(),
                public_key: "pub".into(),
                client_id: "cid".into(),
            },
            private_key: SecretString::from("hunter2-private".to_string()),
        };
        tracing::dispatcher::with_default(&d, || {
            tracing::debug!(?conn, "connecting");
            tracing::trace!("too detailed to keep");
            tracing::trace!(target: "h2", "a frame with headers");
        });
        drop(guard);
        let log = read(dir.path());
        assert!(log.contains("DEBUG") && log.contains("connecting"), "{log}");
        assert!(log.contains("acme"), "the connection was logged: {log}");
        assert!(!log.contains("hunter2-private"), "a secret reached the log");
        assert!(!log.contains("too detailed"), "trace is below debug: {log}");
        assert!(!log.contains("a frame with headers"), "h2 is capped: {log}");
        assert!(!log.contains("\x1b["), "no colour codes in a file: {log}");
    }

    #[test]
    fn psa_text_is_logged_as_one_inert_line() {
        let dir = tempfile::tempdir().unwrap();
        let (d, guard) = dispatch(dir.path(), Some("debug")).unwrap();
        let said =
            "Service Unavailable\x1b]52;c;cm0gLXJmIH4=\x07\nERROR forged line\u{202e}txt.exe";
        tracing::dispatcher::with_default(&d, || {
            tracing::debug!("retrying after the PSA said {said}");
        });
        drop(guard);
        let log = read(dir.path());
        assert!(log.contains("Service Unavailable"), "{log}");
        for bad in ["\x1b", "\x07", "\u{202e}"] {
            assert!(!log.contains(bad), "{bad:?} reached the log: {log:?}");
        }
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("retrying")).collect();
        assert_eq!(lines.len(), 1, "{log}");
        assert!(
            lines[0].contains("forged line"),
            "kept, on the same line: {log}"
        );
        assert!(
            !log.lines().any(|l| l.starts_with("ERROR")),
            "a forged line: {log}"
        );
    }

    #[test]
    fn default_level_is_info_and_a_bad_level_is_reported_in_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (d, guard) = dispatch(dir.path(), Some("psa_onboard=loud")).unwrap();
        tracing::dispatcher::with_default(&d, || {
            tracing::info!("kept");
            tracing::debug!("dropped");
        });
        drop(guard);
        let log = read(dir.path());
        assert!(log.contains("kept"), "{log}");
        assert!(!log.contains("dropped"), "{log}");
        assert!(
            log.contains("psa_onboard=loud"),
            "the bad level is named: {log}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_log_file_planted_as_a_link_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious\n").unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::os::unix::fs::symlink(&victim, logs.join(LOG_FILE)).unwrap();
        let e = dispatch(&logs, None)
            .err()
            .expect("a planted link is refused");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        // A hard link too.
        std::fs::remove_file(logs.join(LOG_FILE)).unwrap();
        std::fs::hard_link(&victim, logs.join(LOG_FILE)).unwrap();
        let e = dispatch(&logs, None).err().expect("a hard link is refused");
        assert!(e.to_string().contains("hard link"), "{e}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    }

    #[test]
    fn an_oversized_log_is_moved_aside_and_lines_are_appended_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        std::fs::write(&path, "earlier run\n").unwrap();
        let (d, guard) = dispatch(dir.path(), None).unwrap();
        tracing::dispatcher::with_default(&d, || tracing::info!("second run"));
        drop(guard);
        let log = read(dir.path());
        assert!(log.starts_with("earlier run\n") && log.contains("second run"));

        let big = vec![b'x'; MAX_LOG_BYTES as usize + 1];
        std::fs::write(&path, &big).unwrap();
        let (d, guard) = dispatch(dir.path(), None).unwrap();
        tracing::dispatcher::with_default(&d, || tracing::info!("after rotation"));
        drop(guard);
        assert!(read(dir.path()).contains("after rotation"));
        assert!(read(dir.path()).len() < 1024);
        let old = std::fs::metadata(dir.path().join("psa-onboard.log.1")).unwrap();
        assert_eq!(old.len(), big.len() as u64);
    }

    #[test]
    fn an_unwritable_log_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "").unwrap();
        let err = dispatch(&file.join("logs"), None).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("cannot create the log directory"), "{msg}");
        assert!(msg.contains("not-a-dir"), "{msg}");
    }
}
