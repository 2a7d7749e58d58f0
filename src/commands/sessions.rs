//! `psa-onboard sessions [list | delete <name> [--yes]]`.

use std::io::{BufRead, Write};

use super::CommandError;
use crate::cli::SessionsAction;
use crate::secrets::{Keyring, SecretRef};
use crate::session::{Store, wizard_of};

/// Dispatch `psa-onboard sessions …` against the default store.
pub fn run(action: Option<&SessionsAction>, out: &mut impl Write) -> Result<(), CommandError> {
    use std::io::IsTerminal;
    let store = Store::open_default()?;
    match action {
        None | Some(SessionsAction::List) => list(&store, out),
        Some(SessionsAction::Delete { name, yes }) => {
            let stdin = std::io::stdin();
            let tty = stdin.is_terminal();
            delete(
                &store,
                name,
                *yes,
                tty,
                &mut stdin.lock(),
                &mut std::io::stderr(),
                out,
            )
        }
    }
}

fn write_err(e: std::io::Error) -> CommandError {
    CommandError::write(e)
}

/// List sessions: name, wizard, PSA, progress, last activity; then any damaged files.
pub fn list(store: &Store, out: &mut impl Write) -> Result<(), CommandError> {
    let listing = store.list();
    if listing.sessions.is_empty() {
        writeln!(
            out,
            "No sessions in {}. Start one with `psa-onboard run <wizard>`.",
            store.dir().display()
        )
        .map_err(write_err)?;
    } else {
        let name_w = width(listing.sessions.iter().map(|s| s.name.len()), 4);
        let wiz_w = width(listing.sessions.iter().map(|s| s.wizard.id.len()), 6);
        writeln!(
            out,
            "{:<name_w$}  {:<wiz_w$}  {:<11}  {:>8}  LAST ACTIVITY",
            "NAME", "WIZARD", "PSA", "PROGRESS"
        )
        .map_err(write_err)?;
        for s in &listing.sessions {
            let wizard = wizard_of(s, None).ok();
            let (done, total) = s.progress(wizard.as_ref().map(|l| &l.wizard));
            writeln!(
                out,
                "{:<name_w$}  {:<wiz_w$}  {:<11}  {:>8}  {}",
                s.name,
                crate::sanitize::clean_line(&s.wizard.id),
                s.psa().short(),
                format!("{done}/{total}"),
                s.updated.strftime("%Y-%m-%d %H:%M UTC")
            )
            .map_err(write_err)?;
        }
    }
    for p in &listing.problems {
        // Session files are the user's own, but a problem quotes their text: keep it inert.
        let p = crate::sanitize::clean(&p.to_string());
        writeln!(out, "\nSkipped a session file:\n{p}").map_err(write_err)?;
    }
    Ok(())
}

fn width(it: impl Iterator<Item = usize>, min: usize) -> usize {
    it.max().unwrap_or(min).max(min)
}

/// Delete a session file and its keyring entries. Without `yes`, asks on a terminal (the
/// question goes to `prompt`, normally stderr) and refuses when stdin is not one (a script must
/// say --yes).
pub fn delete(
    store: &Store,
    name: &str,
    yes: bool,
    stdin_is_tty: bool,
    input: &mut impl BufRead,
    prompt: &mut impl Write,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let session = store.load(name)?;
    if !yes {
        if !stdin_is_tty {
            return Err(CommandError::Usage(format!(
                "not deleting session {name:?} without confirmation: stdin is not a terminal. \
                 Run `psa-onboard sessions delete {name} --yes` to delete it."
            )));
        }
        let wizard = wizard_of(&session, None).ok();
        let (done, total) = session.progress(wizard.as_ref().map(|l| &l.wizard));
        write!(
            prompt,
            "Delete session {name:?} ({}, {done}/{total} steps done) and its {} keyring {}? [y/N] ",
            session.wizard.id,
            session.secrets.len(),
            if session.secrets.len() == 1 {
                "entry"
            } else {
                "entries"
            }
        )
        .map_err(write_err)?;
        prompt.flush().map_err(write_err)?;
        let mut answer = String::new();
        input
            .read_line(&mut answer)
            .map_err(|source| CommandError::Io {
                context: "cannot read the answer".into(),
                source,
            })?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            writeln!(out, "Not deleted.").map_err(write_err)?;
            return Ok(());
        }
    }
    let session = store.delete(name)?;
    let refs: Vec<SecretRef> = session.secrets.values().cloned().collect();
    writeln!(out, "Deleted session {name:?}.").map_err(write_err)?;
    if refs.is_empty() {
        return Ok(());
    }
    match delete_secrets(&refs) {
        Ok(kind) => writeln!(
            out,
            "Removed {} keyring entries ({}).",
            refs.len(),
            kind.name()
        )
        .map_err(write_err),
        Err((why, kind)) => {
            // The session file is gone either way; say exactly what is left and how to remove it.
            let mut msg = format!(
                "warning: the session's keyring entries were not removed: {why}\n  remove them \
                 later with:"
            );
            for r in &refs {
                msg.push_str(&format!(
                    "\n    {}",
                    crate::secrets::manual_delete_command(kind, r)
                ));
            }
            writeln!(out, "{msg}").map_err(write_err)
        }
    }
}

/// Delete the entries from the keyring in use; on failure, why and (when known) which store.
fn delete_secrets(
    refs: &[SecretRef],
) -> Result<crate::secrets::StoreKind, (String, Option<crate::secrets::StoreKind>)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| (format!("cannot start the async runtime: {e}"), None))?;
    rt.block_on(async {
        let keyring = Keyring::system().await.map_err(|e| (e.to_string(), None))?;
        if let Some(notice) = keyring.notice() {
            eprintln!("psa-onboard: {notice}");
        }
        let mut failures = Vec::new();
        for r in refs {
            if let Err(e) = keyring.delete(r).await {
                failures.push(e.to_string());
            }
        }
        if failures.is_empty() {
            Ok(keyring.kind())
        } else {
            Err((failures.join("; "), Some(keyring.kind())))
        }
    })
}
