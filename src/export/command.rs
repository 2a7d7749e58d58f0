//! `psa-onboard export <session> --format md|json|html [-o FILE]`.

use std::io::Write;
use std::path::Path;

use crate::cli::UsageError;
use crate::session::{Session, Store, WizardChanges};
use crate::wizard::{self, Loaded, Origin};

use super::{Format, render};

/// Find the wizard a session follows: the file it came from if that still exists, else the
/// catalog entry with its id.
pub fn wizard_for(session: &Session, dir: Option<&Path>) -> Result<Loaded, UsageError> {
    let origin = Path::new(&session.wizard.origin);
    if session.wizard.origin.ends_with(".toml") && origin.is_file() {
        return wizard::load::load_file(origin, Origin::File(origin.to_path_buf()))
            .map_err(|e| UsageError(e.to_string()));
    }
    let (all, _) = wizard::catalog(dir);
    all.into_iter()
        .find(|l| l.wizard.id == session.wizard.id)
        .ok_or_else(|| {
            UsageError(format!(
                "session {:?} follows wizard {:?}, which is not available (it came from {}); put \
                 the wizard file back in the wizard directory and try again",
                session.name, session.wizard.id, session.wizard.origin
            ))
        })
}

/// Render and write the summary. Notes (a changed wizard) go to `note`.
pub fn run(
    session: Option<&str>,
    example: bool,
    format: Format,
    output: Option<&Path>,
    wizard_dir: Option<&Path>,
    out: &mut impl Write,
    note: &mut impl Write,
) -> Result<(), UsageError> {
    let (session, wizard) = if example {
        super::example::session()
    } else {
        let name = session.ok_or_else(|| {
            UsageError("name the session to export (see `psa-onboard sessions list`)".into())
        })?;
        let store = Store::open_default().map_err(|e| UsageError(e.to_string()))?;
        let session = store.load(name).map_err(|e| UsageError(e.to_string()))?;
        let loaded = wizard_for(&session, wizard_dir)?;
        let changes = WizardChanges::between(&session, &loaded);
        if changes.changed {
            let _ = writeln!(note, "note: {}", changes.describe(&loaded.wizard.id));
        }
        (session, loaded.wizard)
    };
    let text = render(&session, &wizard, format);
    match output {
        Some(path) => {
            std::fs::write(path, text.as_bytes())
                .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
            let _ = writeln!(note, "Wrote {}", path.display());
            Ok(())
        }
        None => out
            .write_all(text.as_bytes())
            .map_err(|e| UsageError(format!("cannot write: {e}"))),
    }
}
