//! `psa-onboard wizards`, `show` and `validate`: the wizards as plain text.

use std::io::Write;
use std::path::Path;

use super::{CommandError, cell, printable};
use crate::wizard::{self, Origin, ResolveError};

/// Which wizards `psa-onboard wizards` lists.
#[derive(Debug, Clone, Default)]
pub struct WizardFilter {
    pub psa: Option<wizard::Psa>,
    pub search: Option<String>,
}

impl WizardFilter {
    pub fn keeps(&self, w: &wizard::Wizard) -> bool {
        self.psa.is_none_or(|p| p == w.psa) && self.search.as_deref().is_none_or(|q| w.matches(q))
    }

    fn is_empty(&self) -> bool {
        self.psa.is_none() && self.search.is_none()
    }
}

/// `psa-onboard wizards`: a table of the wizards the filter keeps, then any skipped files.
pub fn list(
    dir: Option<&Path>,
    filter: &WizardFilter,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let (all, errors) = wizard::catalog(dir);
    let rows: Vec<[String; 5]> = all
        .iter()
        .filter(|l| filter.keeps(&l.wizard))
        .map(|l| {
            let source = match &l.origin {
                Origin::Builtin => "built-in".to_string(),
                o => o.label(),
            };
            [
                cell(&l.wizard.id),
                cell(l.wizard.psa.short()),
                cell(&l.wizard.vendor),
                l.wizard.steps.len().to_string(),
                cell(&source),
            ]
        })
        .collect();
    let width = |i: usize, min: usize| {
        rows.iter()
            .map(|r| r[i].chars().count())
            .max()
            .unwrap_or(min)
            .max(min)
    };
    let (id_w, v_w) = (width(0, 2), width(2, 6));
    writeln!(
        out,
        "{:<id_w$}  {:<11}  {:<v_w$}  {:>5}  SOURCE",
        "ID", "PSA", "VENDOR", "STEPS"
    )?;
    for [id, psa, vendor, steps, source] in &rows {
        writeln!(
            out,
            "{id:<id_w$}  {psa:<11}  {vendor:<v_w$}  {steps:>5}  {source}"
        )?;
    }
    if rows.is_empty() && !filter.is_empty() {
        let mut asked = Vec::new();
        if let Some(p) = filter.psa {
            asked.push(format!("--psa {}", p.short()));
        }
        if let Some(q) = &filter.search {
            asked.push(format!("--search {q:?}"));
        }
        writeln!(
            out,
            "No wizard matches {} ({} available; `psa-onboard wizards` lists them all).",
            cell(&asked.join(" ")),
            all.len()
        )?;
    }
    for e in errors {
        writeln!(
            out,
            "\nSkipped an invalid wizard file:\n{}",
            printable(&e.to_string())
        )?;
    }
    Ok(())
}

/// The width `show` fits its checklist to: the terminal's, or 80 when stdout is not one.
pub fn show_width() -> usize {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal()
        && let Ok((cols, _)) = crossterm::terminal::size()
        && cols > 0
    {
        return cols as usize;
    }
    80
}

/// `psa-onboard show`: a wizard's steps and permission tables as a checklist, fit to `width`.
pub fn show(
    dir: Option<&Path>,
    name: &str,
    width: Option<usize>,
    out: &mut impl Write,
) -> Result<(), CommandError> {
    let width = width.unwrap_or_else(show_width);
    let loaded = wizard::resolve(name, dir).map_err(CommandError::WizardLoad)?;
    let text = printable(&crate::checklist::render(&loaded.wizard, width.max(40)));
    out.write_all(text.as_bytes()).map_err(CommandError::write)
}

/// `psa-onboard validate`: load a wizard file and say what it holds, or why it is invalid.
pub fn validate(file: &Path, out: &mut impl Write) -> Result<(), CommandError> {
    let loaded = wizard::load::load_file(file, Origin::File(file.to_path_buf()))
        .map_err(|e| CommandError::WizardLoad(ResolveError::Invalid(e)))?;
    let line = format!(
        "{}: valid — {} ({}), {} steps, {} permission rows",
        file.display(),
        loaded.wizard.id,
        loaded.wizard.psa.label(),
        loaded.wizard.steps.len(),
        loaded.wizard.rows().count()
    );
    let _ = writeln!(out, "{}", cell(&line));
    Ok(())
}
