//! The session store: one TOML file per session, written atomically, opened under a lock.
//!
//! Write path: temp file in the same directory → write → fsync → rename over the old file →
//! fsync the directory. A crash at any point leaves either the old or the new file, never a
//! torn one. A file that does not parse is moved aside (`<name>.toml.corrupt-<time>`), never
//! overwritten, and reported with its line and column.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::lock::{LockError, SessionLock};
use super::migrate::{self, MigrateError};
use super::model::{NameError, SCHEMA_VERSION, Session, validate_name};
use crate::files::{self, ReadError};

/// Overrides the state base directory (sessions live in `<it>/sessions`). For tests and
/// portable installs.
pub const STATE_DIR_ENV: &str = "PSA_ONBOARD_STATE_DIR";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot find a state directory for sessions: set XDG_STATE_HOME or {STATE_DIR_ENV} to \
         a writable directory"
    )]
    NoStateDir,
    #[error(
        "{}:{line}:{column}: damaged session file: {message}{}",
        file.display(),
        match moved_to {
            Some(p) => format!("\n  the file was moved aside to {} (nothing was overwritten); \
                fix it and move it back, or start a new session", p.display()),
            None => "\n  the file was left in place because another psa-onboard has the \
                session open".to_string(),
        }
    )]
    Corrupt {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
        moved_to: Option<PathBuf>,
    },
    #[error("{}: cannot open this session: {source}", file.display())]
    Migrate { file: PathBuf, source: MigrateError },
    #[error(
        "no session named {name:?} (looked for {}); `psa-onboard sessions list` shows them",
        path.display()
    )]
    NotFound { name: String, path: PathBuf },
    #[error("a session named {name:?} already exists ({}); pick another name or resume it", path.display())]
    Exists { name: String, path: PathBuf },
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot serialize session {name:?}: {message}")]
    Serialize { name: String, message: String },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io {
        action,
        path,
        source,
    }
}

/// The largest session file read. A session keeps every verification run's evidence; years of
/// re-checks stay far below this.
pub const MAX_SESSION_BYTES: u64 = 64 * 1024 * 1024;

/// Whether the caller holds the session's lock when reading it.
#[derive(Debug, Clone, Copy)]
enum Locking {
    Held,
    TryWhenDamaged,
}

/// The sessions directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// Every session that loaded, and every file that did not.
#[derive(Debug, Default)]
pub struct Listing {
    /// Most recently active first.
    pub sessions: Vec<Session>,
    pub problems: Vec<StoreError>,
}

/// A session opened for editing: holds the lock until dropped.
#[derive(Debug)]
pub struct OpenSession {
    pub session: Session,
    path: PathBuf,
    _lock: SessionLock,
}

impl Store {
    /// The default location: `$PSA_ONBOARD_STATE_DIR/sessions`, else
    /// `$XDG_STATE_HOME/psa-onboard/sessions` (via etcetera; `~/.local/state` on Linux and
    /// macOS), on Windows `%LOCALAPPDATA%\psa-onboard\sessions`.
    pub fn default_dir() -> Result<PathBuf, StoreError> {
        if let Some(base) = std::env::var_os(STATE_DIR_ENV).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(base).join("sessions"));
        }
        use etcetera::BaseStrategy;
        let strategy = etcetera::choose_base_strategy().map_err(|_| StoreError::NoStateDir)?;
        // Windows has no state directory: sessions, their lock files and the log belong to
        // this machine, so `%LOCALAPPDATA%` (etcetera's cache_dir there), not the roaming
        // `%APPDATA%` a roaming profile would copy to other machines.
        let base = strategy.state_dir().unwrap_or_else(|| strategy.cache_dir());
        Ok(base.join("psa-onboard").join("sessions"))
    }

    pub fn open_default() -> Result<Store, StoreError> {
        Ok(Store::at(Self::default_dir()?))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.toml"))
    }

    fn lock_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.lock"))
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(&self.dir).map_err(io("create", &self.dir))
    }

    fn lock(&self, name: &str) -> Result<SessionLock, StoreError> {
        validate_name(name)?;
        self.ensure_dir()?;
        Ok(SessionLock::acquire(&self.lock_path(name), name)?)
    }

    /// Start a new session: fails if one with that name exists.
    pub fn create(&self, session: Session) -> Result<OpenSession, StoreError> {
        let lock = self.lock(&session.name)?;
        let path = self.path(&session.name);
        if path.exists() {
            return Err(StoreError::Exists {
                name: session.name.clone(),
                path,
            });
        }
        let mut open = OpenSession {
            session,
            path,
            _lock: lock,
        };
        open.save()?;
        Ok(open)
    }

    /// Open a session for editing (takes the lock).
    pub fn open(&self, name: &str) -> Result<OpenSession, StoreError> {
        let lock = self.lock(name)?;
        self.remove_stale_temps(name);
        let path = self.path(name);
        let session = self.read(name, &path, Locking::Held)?;
        Ok(OpenSession {
            session,
            path,
            _lock: lock,
        })
    }

    /// Read a session without editing it. No lock is taken (writes are atomic renames, so a
    /// reader sees the old or the new file), except briefly to move a damaged file aside; that
    /// is skipped when another instance has the session open.
    /// Whether a session file of that name exists.
    pub fn exists(&self, name: &str) -> bool {
        validate_name(name).is_ok() && self.path(name).exists()
    }

    pub fn load(&self, name: &str) -> Result<Session, StoreError> {
        validate_name(name)?;
        let path = self.path(name);
        self.read(name, &path, Locking::TryWhenDamaged)
    }

    /// Every session in the directory. One bad file never hides the others.
    pub fn list(&self) -> Listing {
        let mut out = Listing::default();
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
            Err(e) => {
                out.problems.push(io("read", &self.dir)(e));
                return out;
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_str()?.strip_suffix(".toml")?.to_owned();
                validate_name(&name).is_ok().then_some(name)
            })
            .collect();
        names.sort();
        for name in names {
            match self.load(&name) {
                Ok(s) => out.sessions.push(s),
                Err(e) => out.problems.push(e),
            }
        }
        out.sessions
            .sort_by(|a, b| b.updated.cmp(&a.updated).then(a.name.cmp(&b.name)));
        out
    }

    /// Rename a session, under the locks of both names. The keyring entries it recorded keep
    /// their accounts (the file says where each secret is), so no secret moves and none is lost.
    pub fn rename(&self, from: &str, to: &str) -> Result<Session, StoreError> {
        validate_name(to)?;
        let old = self.open(from)?;
        if from == to {
            return Ok(old.session);
        }
        let lock = self.lock(to)?;
        let path = self.path(to);
        if path.exists() {
            return Err(StoreError::Exists {
                name: to.to_owned(),
                path,
            });
        }
        let mut session = old.session.clone();
        session.name = to.to_owned();
        let mut new = OpenSession {
            session,
            path,
            _lock: lock,
        };
        new.save()?;
        fs::remove_file(&old.path).map_err(io("remove", &old.path))?;
        drop(old);
        let _ = fs::remove_file(self.lock_path(from));
        sync_dir(&self.dir);
        Ok(new.session)
    }

    /// Remove a session's file (under its lock). Returns it so the caller can remove its
    /// keyring entries.
    pub fn delete(&self, name: &str) -> Result<Session, StoreError> {
        let open = self.open(name)?;
        fs::remove_file(&open.path).map_err(io("remove", &open.path))?;
        let _ = fs::remove_file(self.lock_path(name));
        sync_dir(&self.dir);
        Ok(open.session)
    }

    fn read(&self, name: &str, path: &Path, locking: Locking) -> Result<Session, StoreError> {
        let text = match files::read_bytes(path, MAX_SESSION_BYTES, "session") {
            Ok(bytes) => bytes,
            Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NotFound {
                    name: name.to_owned(),
                    path: path.to_path_buf(),
                });
            }
            Err(ReadError::Io(e)) => return Err(io("read", path)(e)),
            // A pipe or a device in place of a session, or a runaway file: named, not read.
            Err(other) => return Err(io("read", path)(std::io::Error::other(other.to_string()))),
        };
        let corrupt = |span: Option<std::ops::Range<usize>>, message: String, text: &[u8]| {
            let (line, column) = line_col(text, span.map(|s| s.start).unwrap_or(0));
            let moved_to = match locking {
                Locking::Held => quarantine(path),
                // Move it only if no one has the session open and it is still the same bytes
                // (a writer may have replaced it since we read it).
                Locking::TryWhenDamaged => self.lock(name).ok().and_then(|_lock| {
                    (fs::read(path).ok().as_deref() == Some(text)).then(|| quarantine(path))?
                }),
            };
            StoreError::Corrupt {
                file: path.to_path_buf(),
                line,
                column,
                message,
                moved_to,
            }
        };
        let text = match String::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                return Err(corrupt(Some(at..at), "not valid UTF-8 text".into(), &bytes));
            }
        };
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| corrupt(e.span(), e.message().trim().to_owned(), text.as_bytes()))?;
        if table.is_empty() {
            return Err(corrupt(None, "the file is empty".into(), text.as_bytes()));
        }
        // A damaged shape is moved aside like a parse error; only a newer schema is left in
        // place, since a newer psa-onboard can still read it.
        let migrate_err = |source: MigrateError| match source {
            MigrateError::Newer { .. } => StoreError::Migrate {
                file: path.to_path_buf(),
                source,
            },
            other @ MigrateError::NotANumber { .. } => corrupt(
                find_value_span(&text, "schema_version"),
                other.to_string(),
                text.as_bytes(),
            ),
            other => corrupt(None, other.to_string(), text.as_bytes()),
        };
        let version = migrate::version_of(&table).map_err(migrate_err)?;
        let session: Session = if version == i64::from(SCHEMA_VERSION) {
            // Current schema: parse the text itself so errors carry a span.
            toml::from_str(&text)
                .map_err(|e| corrupt(e.span(), e.message().trim().to_owned(), text.as_bytes()))?
        } else {
            let up = migrate::upgrade(table).map_err(migrate_err)?;
            toml::Value::Table(up)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    migrate_err(MigrateError::Shape {
                        version,
                        message: e.message().trim().to_owned(),
                    })
                })?
        };
        if session.name != name {
            let span = find_value_span(&text, "name");
            return Err(corrupt(
                span,
                format!(
                    "the file names session {:?} but is called {name:?}.toml; the two must match",
                    session.name
                ),
                text.as_bytes(),
            ));
        }
        Ok(session)
    }

    /// Temp files left by a writer that was killed mid-save. Only called under the lock.
    fn remove_stale_temps(&self, name: &str) {
        let prefix = format!(".{name}.toml.tmp-");
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(&prefix))
                {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }
}

impl OpenSession {
    /// Write the session atomically.
    pub fn save(&mut self) -> Result<(), StoreError> {
        let text = toml::to_string(&self.session).map_err(|e| StoreError::Serialize {
            name: self.session.name.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&self.path, text.as_bytes())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// temp file → write → fsync → rename → fsync dir.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("session.toml");
    let (tmp, mut f) = create_temp(dir, file_name)?;
    let result = (|| {
        f.write_all(bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("sync", &tmp))?;
        drop(f);
        fs::rename(&tmp, path).map_err(io("replace", path))?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A new temp file beside the session: `.<file>.tmp-<pid>` (or `-<pid>-<n>` when that name is
/// taken). Always a file this call creates (O_EXCL), so a link planted under the name is never
/// followed: the write would otherwise land in whatever file it points to.
fn create_temp(dir: &Path, file_name: &str) -> Result<(PathBuf, File), StoreError> {
    let pid = std::process::id();
    let mut last = None;
    for n in 0..16 {
        let tmp = match n {
            0 => dir.join(format!(".{file_name}.tmp-{pid}")),
            n => dir.join(format!(".{file_name}.tmp-{pid}-{n}")),
        };
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            // Taken (a leftover, or something planted): another name, never that one.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some((tmp, e)),
            Err(e) => return Err(io("create", &tmp)(e)),
        }
    }
    let (tmp, e) = last.expect("the loop ran");
    Err(io("create", &tmp)(e))
}

/// fsync a directory so a rename in it survives power loss. Best effort: some filesystems
/// refuse to open directories for sync, and the rename itself is already atomic.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Move a damaged file aside as `<file>.corrupt-<UTC time>`; never overwrite an earlier one.
fn quarantine(path: &Path) -> Option<PathBuf> {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let base = format!("{}.corrupt-{stamp}", path.display());
    for n in 0..100 {
        let candidate = if n == 0 {
            PathBuf::from(&base)
        } else {
            PathBuf::from(format!("{base}-{n}"))
        };
        if candidate.exists() {
            continue;
        }
        return fs::rename(path, &candidate).ok().map(|_| candidate);
    }
    None
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The span of a top-level key's value, for errors about a value that parsed but is wrong.
fn find_value_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let (_, v) = doc.get_ref().iter().find(|(k, _)| k.get_ref() == key)?;
    Some(v.span())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_text() -> String {
        let (session, _) = crate::export::example::session();
        toml::to_string(&session).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever is in the file (a truncated save, a hand edit gone wrong, random bytes),
        /// loading returns a session or an error; it never panics, and a damaged file is kept.
        #[test]
        fn any_file_content_loads_or_errors_without_panicking(
            cut in 0usize..4000,
            flip in proptest::option::of((0usize..4000, any::<u8>())),
            junk in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::at(dir.path());
            let mut bytes = sample_text().into_bytes();
            bytes.truncate(cut.min(bytes.len()));
            if let Some((at, b)) = flip && at < bytes.len() {
                bytes[at] = b;
            }
            bytes.extend_from_slice(&junk);
            std::fs::write(store.path("acme-topleft"), &bytes).unwrap();
            match store.load("acme-topleft") {
                Ok(s) => prop_assert_eq!(s.name, "acme-topleft"),
                Err(StoreError::Corrupt { moved_to: Some(p), line, column, .. }) => {
                    prop_assert!(line >= 1 && column >= 1);
                    prop_assert_eq!(std::fs::read(&p).unwrap(), bytes);
                }
                Err(StoreError::Migrate { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected error: {other}"),
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_in_place_of_a_session_is_named_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        rustix::fs::mknodat(
            rustix::fs::CWD,
            store.path("acme"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let listing = store.list();
        assert!(listing.sessions.is_empty());
        let problem = listing.problems[0].to_string();
        assert!(problem.contains("a named pipe (FIFO)"), "{problem}");
    }

    /// A rename moves the file under both locks and keeps where its secrets are; it refuses a
    /// name that is taken, and a session another instance has open.
    #[test]
    fn rename_keeps_the_keyring_references_and_refuses_a_taken_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let (session, _) = crate::export::example::session();
        let name = session.name.clone();
        let refs = session.secrets.clone();
        assert!(!refs.is_empty());
        store.create(session.clone()).unwrap();
        let renamed = store.rename(&name, "acme-msp").unwrap();
        assert_eq!(renamed.name, "acme-msp");
        assert!(!store.exists(&name));
        let mut back = store.load("acme-msp").unwrap();
        assert_eq!(back.secrets, refs, "the secrets stay where they are");
        // A secret stored again goes to the entry the session recorded, not a new one.
        let field = refs.keys().next().unwrap().clone();
        assert_eq!(back.secret_ref(&field), refs[&field]);

        let mut other = session.clone();
        other.name = "taken".into();
        store.create(other).unwrap();
        assert!(matches!(
            store.rename("acme-msp", "taken"),
            Err(StoreError::Exists { .. })
        ));
        assert!(store.rename("acme-msp", "Bad Name").is_err());
        let _held = store.open("acme-msp").unwrap();
        assert!(matches!(
            store.rename("acme-msp", "free"),
            Err(StoreError::Lock(_))
        ));
        assert!(store.exists("acme-msp") && !store.exists("free"));
    }

    #[test]
    fn line_col_counts_characters() {
        let t = "a = 1\nbé = [\n".as_bytes();
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        // After "bé " (é is two bytes).
        assert_eq!(line_col(t, 10), (2, 4));
    }
}
