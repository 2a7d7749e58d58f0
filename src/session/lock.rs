//! A lock per session (`<name>.lock`), so two instances never edit one session. It is the
//! standard library's file lock: `flock` on Unix (advisory), `LockFileEx` on Windows (the whole
//! file, mandatory: other processes cannot even read it while it is held). The holder writes its
//! pid into the lock file so a second opener can say who has it (on Unix; on Windows the lock
//! itself keeps that text from being read). The operating system releases the lock when the
//! holder exits, however it exits.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held session lock; released on drop.
#[derive(Debug)]
pub struct SessionLock {
    // Kept open: closing the file releases the lock.
    _file: File,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "session {name:?} is open in another psa-onboard{}; close it there first (lock file: {})",
        holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default(),
        path.display()
    )]
    Held {
        name: String,
        /// Who holds it, e.g. `pid 1234, psa-onboard, since 2026-01-05T10:00:00Z`.
        holder: Option<String>,
        path: PathBuf,
    },
    #[error(
        "the session lock {} is a symbolic link; psa-onboard never writes through a link (it \
         could overwrite the file it points to). If you did not make it, someone else may have: \
         look where it points (ls -l), remove it (rm) and try again",
        path.display()
    )]
    Symlink { path: PathBuf },
    #[error(
        "the session lock {} is {what}, not a lock file psa-onboard made; remove it and try again",
        path.display()
    )]
    NotALockFile { path: PathBuf, what: &'static str },
    #[error("cannot lock session file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SessionLock {
    /// Take the lock without waiting; fails with [`LockError::Held`] if another process (or
    /// another open in this process) has it.
    pub fn acquire(path: &Path, name: &str) -> Result<SessionLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        // A refused open says what is in the way rather than the bare errno (ELOOP, EISDIR).
        let mut file = open_no_follow(path).map_err(|e| match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => LockError::Symlink {
                path: path.to_path_buf(),
            },
            Ok(m) if !m.is_file() => LockError::NotALockFile {
                path: path.to_path_buf(),
                what: crate::files::kind(&m.file_type()),
            },
            _ => io(e),
        })?;
        check_lock_file(&file, path)?;
        if let Err(e) = try_lock_briefly(&file) {
            if e.kind() == std::io::ErrorKind::WouldBlock {
                let mut text = String::new();
                // Fails on Windows, where the holder's lock covers the bytes: no holder named.
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held {
                    name: name.to_owned(),
                    holder: describe_holder(&text),
                    path: path.to_path_buf(),
                });
            }
            return Err(io(e));
        }
        // We hold it: record who we are for the next opener's error message.
        let info = format!(
            "pid={}\nsince={}\n",
            std::process::id(),
            jiff::Timestamp::now()
        );
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(info.as_bytes()).map_err(io)?;
        Ok(SessionLock {
            _file: file,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Open (or create) the lock file without following a link in its place: the lock is written to
/// (our pid), so a planted `NAME.lock -> ~/victim` would otherwise be truncated and overwritten.
/// Non-blocking, so a FIFO planted there cannot hang the open either.
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600)
            .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // Open a symbolic link or junction itself rather than its target; `check_lock_file`
        // then refuses it.
        const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
        opts.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    }
    opts.open(path)
}

/// What was opened must be a plain file of its own: not a device or pipe, and not a second name
/// (hard link) of some other file.
fn check_lock_file(file: &File, path: &Path) -> Result<(), LockError> {
    let meta = file.metadata().map_err(|source| LockError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let refuse = |what| LockError::NotALockFile {
        path: path.to_path_buf(),
        what,
    };
    if meta.file_type().is_symlink() {
        // Windows: the link itself was opened (never followed); nothing was written.
        return Err(LockError::Symlink {
            path: path.to_path_buf(),
        });
    }
    if !meta.is_file() {
        return Err(refuse(crate::files::kind(&meta.file_type())));
    }
    #[cfg(unix)]
    if std::os::unix::fs::MetadataExt::nlink(&meta) > 1 {
        return Err(refuse("a hard link to another file"));
    }
    Ok(())
}

/// A lock can be held for an instant by a child process between fork and exec (it inherits
/// the descriptor until exec closes it), so give the holder a moment before calling it busy.
fn try_lock_briefly(file: &File) -> std::io::Result<()> {
    let mut last = Ok(());
    for attempt in 0..5 {
        last = try_lock(file);
        match &last {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(20 << attempt));
            }
            _ => return last,
        }
    }
    last
}

/// An exclusive lock without waiting; `WouldBlock` when someone else has it.
fn try_lock(file: &File) -> std::io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(std::io::ErrorKind::WouldBlock.into()),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Turn the lock file's `pid=`/`since=` lines into words, adding the process name from /proc.
fn describe_holder(text: &str) -> Option<String> {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_owned())
    };
    let pid = field("pid=")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out = format!("pid {pid}");
    if let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) {
        let comm: String = comm.trim().chars().filter(|c| !c.is_control()).collect();
        if !comm.is_empty() {
            out.push_str(&format!(", {comm}"));
        }
    }
    if let Some(since) = field("since=") {
        let since: String = since.chars().filter(|c| !c.is_control()).collect();
        out.push_str(&format!(", since {since}"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_fails_naming_the_holder_and_drop_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme.lock");
        let first = SessionLock::acquire(&path, "acme").unwrap();
        let err = SessionLock::acquire(&path, "acme").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("\"acme\" is open in another psa-onboard"),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        drop(first);
        SessionLock::acquire(&path, "acme").expect("lock is free after drop");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_lock_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("acme.lock");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        let err = SessionLock::acquire(&path, "acme").unwrap_err();
        assert!(matches!(err, LockError::Symlink { .. }), "{err:?}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

        std::fs::remove_file(&path).unwrap();
        std::fs::hard_link(&victim, &path).unwrap();
        let err = SessionLock::acquire(&path, "acme").unwrap_err();
        assert!(err.to_string().contains("a hard link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let err = SessionLock::acquire(&path, "acme").unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
    }

    /// Windows (run under Wine by scripts/wine-check.sh): a link in the lock's place is opened
    /// as itself and refused, and the file it points to is left alone.
    #[cfg(windows)]
    #[test]
    fn a_linked_lock_is_never_written_through_on_windows() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("acme.lock");
        let made = std::os::windows::fs::symlink_file(&victim, &path).is_ok()
            && std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if !made {
            // Creating one needs a privilege or Developer Mode; Wine 8 reports success but
            // makes none.
            eprintln!("SKIPPED: this system made no symbolic link");
            return;
        }
        let err = SessionLock::acquire(&path, "acme").unwrap_err();
        assert!(matches!(err, LockError::Symlink { .. }), "{err:?}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn holder_text_is_parsed_defensively() {
        assert_eq!(describe_holder("garbage"), None);
        assert_eq!(describe_holder("pid=12a\n"), None);
        let d = describe_holder("pid=999999999\nsince=2026-01-05T10:00:00Z\n").unwrap();
        assert_eq!(d, "pid 999999999, since 2026-01-05T10:00:00Z");
    }
}
