//! `psa-onboard export <session> --format md|json|html [-o FILE]`.

use std::io::Write;
use std::path::Path;

use crate::cli::UsageError;
use crate::session::{Store, WizardChanges};

use super::{Format, render};

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
        let loaded = crate::session::wizard_of(&session, wizard_dir)
            .map_err(|e| UsageError(e.to_string()))?;
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
