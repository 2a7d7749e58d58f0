//! Session files live on disk between runs and can be truncated, hand-edited or written by an
//! older or newer psa-onboard. `Store::load` (read → UTF-8 → TOML → schema version → migration →
//! model, and the corrupt-file path that moves the file aside and reports line and column) must
//! return a session or a clear error, never panic, and never lose the damaged bytes.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use psa_onboard::session::{Session, Store, StoreError};

const NAME: &str = "fuzz-session";

/// One directory per fuzzing process, on tmpfs when there is one: loading is real file I/O.
/// `scripts/fuzz.sh` removes `psa-onboard-fuzz/` afterwards (libFuzzer exits without dropping
/// statics, so a `TempDir` would never be cleaned up).
static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let shm = PathBuf::from("/dev/shm");
    let base = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    let dir = base
        .join("psa-onboard-fuzz")
        .join(format!("session_load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the fuzz session directory");
    dir
});

fuzz_target!(|data: &[u8]| {
    let store = Store::at(DIR.as_path());
    let path = store.path(NAME);
    std::fs::write(&path, data).expect("write the session file");
    let lines = data.iter().filter(|b| **b == b'\n').count() + 1;

    match store.load(NAME) {
        Ok(session) => {
            assert_eq!(session.name, NAME);
            assert_eq!(session.schema_version, psa_onboard::session::SCHEMA_VERSION);
            // What loads must save and load again unchanged (the next save rewrites a migrated
            // file in the current schema).
            let saved = toml::to_string(&session).expect("a loaded session serializes");
            let back: Session = toml::from_str(&saved)
                .unwrap_or_else(|e| panic!("a saved session does not load: {e}\n{saved}"));
            assert_eq!(back, session, "round trip changed the session:\n{saved}");
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(!shown.is_empty());
            match e {
                StoreError::Corrupt {
                    line,
                    column,
                    moved_to,
                    ..
                } => {
                    assert!(
                        line >= 1 && line <= lines,
                        "line {line} of {lines}: {shown}"
                    );
                    assert!(column >= 1, "column 0: {shown}");
                    // No one else holds the lock, so the file must have been moved aside intact.
                    let moved = moved_to.unwrap_or_else(|| panic!("not moved aside: {shown}"));
                    let kept = std::fs::read(&moved).expect("read the moved-aside file");
                    assert_eq!(kept, data, "the damaged file was altered");
                    assert!(!path.exists(), "the damaged file is still in place");
                    std::fs::remove_file(&moved).expect("remove the moved-aside file");
                }
                StoreError::Migrate { .. } => {
                    // Newer schema: left in place for a newer psa-onboard.
                    assert!(path.exists(), "a newer-schema file was moved: {shown}");
                }
                other => panic!("unexpected error for a readable file: {other}"),
            }
        }
    }
});
