//! `psa-onboard export <session> --format md|json|html [-o FILE]`.

use std::io::Write;
use std::path::Path;

use super::CommandError;
use crate::export::{Format, render};
use crate::session::{Store, WizardChanges};

/// Render and write the summary. Notes (a changed wizard) go to `note`.
pub fn run(
    session: Option<&str>,
    example: bool,
    format: Format,
    output: Option<&Path>,
    wizard_dir: Option<&Path>,
    out: &mut impl Write,
    note: &mut impl Write,
) -> Result<(), CommandError> {
    let (session, wizard) = if example {
        crate::export::example::session()
    } else {
        let name = session.ok_or_else(|| {
            CommandError::Usage(
                "name the session to export (see `psa-onboard sessions list`)".into(),
            )
        })?;
        let store = Store::open_default()?;
        let session = store.load(name)?;
        let loaded = crate::session::wizard_of(&session, wizard_dir)?;
        let changes = WizardChanges::between(&session, &loaded);
        if changes.changed {
            let _ = writeln!(note, "note: {}", changes.describe(&loaded.wizard.id));
        }
        (session, loaded.wizard)
    };
    let text = render(&session, &wizard, format);
    match output {
        Some(path) => {
            std::fs::write(path, text.as_bytes()).map_err(|source| CommandError::Io {
                context: format!("cannot write {}", path.display()),
                source,
            })?;
            let _ = writeln!(note, "Wrote {}", path.display());
            Ok(())
        }
        None => out.write_all(text.as_bytes()).map_err(CommandError::write),
    }
}
