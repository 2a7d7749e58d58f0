//! A wizard as a printable checklist (`psa-onboard show`): every step, click and table row.

use std::fmt::Write;

use crate::profile::{PermissionModel, VendorCode};
use crate::wizard::{Column, PermissionRow, Psa, RowShape, Step, Wizard};

/// Render the whole wizard as plain text, `width` columns wide for wrapped prose.
pub fn render(w: &Wizard, width: usize) -> String {
    let mut out = String::new();
    let rule = "═".repeat(width.min(100));
    wrap_into(&mut out, &w.title, width, "");
    let _ = writeln!(out, "{rule}");
    line_or_wrap(
        &mut out,
        &format!(
            "Wizard: {}   PSA: {}   Vendor: {}",
            w.id,
            w.psa.label(),
            w.vendor
        ),
        width,
    );
    for s in &w.sources {
        wrap_into(&mut out, s, width, "Source: ");
    }
    if !w.summary.is_empty() {
        out.push('\n');
        wrap_into(&mut out, &w.summary, width, "");
    }
    match (
        w.psa.profile().vendor_code,
        &w.integration.tracking_identifier,
        &w.integration.client_id,
    ) {
        (VendorCode::TrackingIdentifier, Some(t), _) => {
            out.push('\n');
            wrap_into(
                &mut out,
                t,
                width,
                "Tracking identifier (from the vendor): ",
            );
        }
        (VendorCode::TrackingIdentifier, None, _) => {
            out.push('\n');
            wrap_into(
                &mut out,
                &format!(
                    "Tracking identifier: you will be asked for it. Where it comes from: {}",
                    w.tracking_identifier_source()
                ),
                width,
                "",
            );
        }
        (VendorCode::ClientId, _, Some(c)) => {
            out.push('\n');
            wrap_into(&mut out, c, width, "clientId (from the vendor): ");
        }
        (VendorCode::ClientId, _, None) => {
            out.push('\n');
            wrap_into(
                &mut out,
                &format!(
                    "clientId: you will be asked for it. Where it comes from: {}",
                    w.client_id_source()
                ),
                width,
                "",
            );
        }
    }
    for (i, step) in w.steps.iter().enumerate() {
        out.push('\n');
        render_step(&mut out, w.psa, i + 1, step, width);
    }
    if !w.troubleshooting.is_empty() {
        let _ = writeln!(out, "\nTroubleshooting");
        for t in &w.troubleshooting {
            wrap_into(&mut out, t, width, "  - ");
        }
    }
    // A wizard file from elsewhere is untrusted text: never let it drive the terminal.
    crate::sanitize::clean(&out)
}

/// `text` in ASCII, for a terminal whose locale is not UTF-8: the rules, separators, arrows and
/// dashes the checklist and the guides use become their ASCII look-alikes; any other non-ASCII
/// character becomes `?` (it would print as mojibake).
pub fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let s = match c {
            c if c.is_ascii() => {
                out.push(c);
                continue;
            }
            '›' => ">",
            '‹' => "<",
            '→' | '↳' | '⇒' => "->",
            '←' => "<-",
            '═' => "=",
            '─' | '—' | '–' | '‐' | '‑' | '·' => "-",
            '│' => "|",
            '┼' => "+",
            '…' => "...",
            '“' | '”' | '«' | '»' => "\"",
            '‘' | '’' => "'",
            '•' => "*",
            '✓' => "+",
            '✗' => "x",
            '⚠' => "!",
            '\u{a0}' => " ",
            _ => "?",
        };
        out.push_str(s);
    }
    out
}

fn render_step(out: &mut String, psa: Psa, n: usize, step: &Step, width: usize) {
    let optional = if step.optional { " (optional)" } else { "" };
    line_or_wrap(
        out,
        &format!(
            "Step {n}. {}{optional}   [{}]",
            step.title,
            step.kind.label()
        ),
        width,
    );
    let _ = writeln!(out, "{}", "─".repeat(width.min(100)));
    if let Some(c) = &step.condition {
        wrap_into(out, &format!("When: {c}"), width, "");
    }
    if step.optional {
        wrap_into(
            out,
            &format!(
                "Your choice: `check` skips this step unless you add `--with {}`; in the wizard, verifying it chooses it and s skips it.",
                step.id
            ),
            width,
            "",
        );
    }
    if !step.why.is_empty() {
        wrap_into(out, &step.why, width, "");
    }
    if let Some(name) = &step.name {
        wrap_into(out, name, width, "Name: ");
    }
    if let Some(c) = &step.copy_from {
        wrap_into(out, c, width, "Copy from: ");
    }
    if let Some(l) = &step.security_level {
        if step.system_level {
            wrap_into(
                out,
                &format!("{l} (Autotask's built-in level, kept as it is)"),
                width,
                "Security level: ",
            );
        } else {
            wrap_into(out, l, width, "Security level: ");
        }
    }
    if let Some(u) = &step.username_hint {
        wrap_into(
            out,
            &format!("{u}@<your Autotask domain>"),
            width,
            "Username: ",
        );
    }
    if let Some(v) = &step.integration_vendor {
        wrap_into(out, v, width, "Integration Vendor: ");
    }
    if let Some(m) = &step.member {
        for (k, v) in [
            ("Member ID", &m.identifier),
            ("Member Name", &m.name),
            ("Email", &m.email),
            ("Role ID", &m.role),
            ("Level", &m.level),
            ("Name (location)", &m.location),
        ] {
            if let Some(v) = v {
                wrap_into(out, v, width, &format!("{k}: "));
            }
        }
    }
    if !step.instructions.is_empty() {
        out.push('\n');
        wrap_into(out, &format!("Do this in {}:", step.place(psa)), width, "");
        for (i, ins) in step.instructions.iter().enumerate() {
            wrap_into(out, ins, width, &format!("  {:>2}. ", i + 1));
        }
    }
    if !step.permissions.is_empty() {
        out.push('\n');
        render_rows(out, psa, &step.permissions, width);
    }
    if !step.license_limits.is_empty() {
        wrap_into(
            out,
            "License limits on impersonation, from the guide:",
            width,
            "  ",
        );
    }
    for lim in &step.license_limits {
        let what = match lim.impersonation {
            crate::wizard::ImpersonationSupport::Full => "no limitations",
            crate::wizard::ImpersonationSupport::Partial => "limited",
            crate::wizard::ImpersonationSupport::None => "cannot be impersonated",
        };
        wrap_into(
            out,
            &format!("{}: {what}", lim.licenses.join(", ")),
            width,
            "  License ",
        );
        if !lim.note.is_empty() {
            wrap_into(out, &lim.note, width, "      ");
        }
        for c in &lim.cannot {
            wrap_into(out, c, width, "      cannot: ");
        }
    }
    for note in &step.notes {
        wrap_into(out, note, width, "  Note: ");
    }
    if let Some(p) = &step.portal {
        if let Some(url) = &p.url {
            wrap_into(out, url, width, "  Portal: ");
        }
        if let Some(page) = &p.page {
            wrap_into(out, page, width, "  Where: ");
        }
        if !p.fields.is_empty() {
            let labels: Vec<&str> = p.fields.iter().map(|f| f.label()).collect();
            wrap_into(out, &labels.join(", "), width, "  Fields: ");
        }
    }
    if !step.checks.is_empty() {
        let _ = writeln!(out, "\n  Checks:");
        for c in &step.checks {
            let how = if c.manual.is_some() {
                "manual".to_string()
            } else if c.write {
                "API, writes (opt-in)".to_string()
            } else if c.warn_only {
                "API, warns".to_string()
            } else {
                "API".to_string()
            };
            wrap_into(out, &format!("{} ({how})", c.title), width, "  [ ] ");
            if let Some(basis) = &c.basis {
                wrap_into(out, basis, width, "      Not the guide's own line: ");
            }
        }
    }
}

/// Rows render as tables; consecutive rows with the same shape and columns share a header.
fn render_rows(out: &mut String, psa: Psa, rows: &[PermissionRow], width: usize) {
    let mut i = 0;
    while i < rows.len() {
        let key = group_key(psa, &rows[i]);
        let mut j = i + 1;
        while j < rows.len() && group_key(psa, &rows[j]) == key {
            j += 1;
        }
        render_group(out, psa, &rows[i..j], width);
        out.push('\n');
        i = j;
    }
}

/// Rows that share a table. ConnectWise level rows always do (one Module/Function table, a blank
/// where a row's guide leaves a level out, as on CyberFox's page); Autotask tables differ in
/// their columns (a "Permission" grid, View/Add/Edit/Delete).
fn group_key(psa: Psa, r: &PermissionRow) -> (u8, Vec<Column>) {
    if psa.profile().permissions == PermissionModel::ModuleFunctions
        && r.shape() == RowShape::Levels
    {
        return (0, Vec::new());
    }
    let shape = match r.shape() {
        RowShape::Levels => 0,
        RowShape::Checkbox => 1,
        RowShape::Setting => 2,
        RowShape::Requirement => 3,
        RowShape::Customize => 4,
    };
    (shape, r.levels().map(|(c, _)| c).collect())
}

fn render_group(out: &mut String, psa: Psa, rows: &[PermissionRow], width: usize) {
    let first = &rows[0];
    let mut header: Vec<String> = Vec::new();
    let mut body: Vec<Vec<String>> = Vec::new();
    match first.shape() {
        RowShape::Levels => {
            header.push("Module".into());
            header.push(psa.profile().columns.subject.into());
            let cols: Vec<Column> = all_columns(rows);
            header.extend(cols.iter().map(|c| c.label(psa).to_string()));
            header.push("Verified by".into());
            for r in rows {
                let mut line = vec![r.module.clone(), r.subject().to_string()];
                line.extend(cols.iter().map(|c| r.level(*c).unwrap_or("").to_string()));
                line.push(verified_by(psa, r));
                body.push(line);
            }
        }
        RowShape::Checkbox => {
            header = vec![
                "Module".into(),
                "Checkbox".into(),
                "Set".into(),
                "Verified by".into(),
            ];
            for r in rows {
                body.push(vec![
                    r.module.clone(),
                    r.checkbox.clone().unwrap_or_default(),
                    if r.is_checked() {
                        "[x]"
                    } else {
                        "[ ] (uncheck)"
                    }
                    .into(),
                    verified_by(psa, r),
                ]);
            }
        }
        RowShape::Setting => {
            header = vec![
                "Module".into(),
                "Setting".into(),
                "Select".into(),
                "Verified by".into(),
            ];
            for r in rows {
                body.push(vec![
                    r.module.clone(),
                    r.setting.clone().unwrap_or_default(),
                    r.value.clone().unwrap_or_default(),
                    verified_by(psa, r),
                ]);
            }
        }
        RowShape::Customize => {
            header = vec![
                "Module".into(),
                "Function".into(),
                "Customize: allow access to".into(),
                "Verified by".into(),
            ];
            for r in rows {
                body.push(vec![
                    r.module.clone(),
                    r.subject().to_string(),
                    r.customize.join(", "),
                    verified_by(psa, r),
                ]);
            }
        }
        RowShape::Requirement => {
            header = vec![
                "Category".into(),
                "Endpoints".into(),
                "Autotask permissions".into(),
                "Required permissions".into(),
                "Verified by".into(),
            ];
            for r in rows {
                body.push(vec![
                    r.category.clone().or(r.object.clone()).unwrap_or_default(),
                    r.endpoints.map(|e| e.to_string()).unwrap_or_default(),
                    r.module.clone(),
                    r.required.join(", "),
                    verified_by(psa, r),
                ]);
            }
        }
    }
    let _ = table(out, &header, &body, rows, width);
}

/// A table of `header` and `body`, fitted to `width`: columns wider than their share wrap their
/// cells onto more lines; when even that cannot fit, each row is written as a list item. Rows'
/// comments follow them.
fn table(
    out: &mut String,
    header: &[String],
    body: &[Vec<String>],
    rows: &[PermissionRow],
    width: usize,
) -> std::fmt::Result {
    let n = header.len();
    let len = |s: &str| s.chars().count();
    let natural: Vec<usize> = (0..n)
        .map(|c| {
            body.iter()
                .map(|l| len(&l[c]))
                .chain([len(&header[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    // A column narrower than its longest word (at most 12) breaks words apart: not below that.
    let least: Vec<usize> = (0..n)
        .map(|c| {
            body.iter()
                .map(|l| &l[c])
                .chain([&header[c]])
                .flat_map(|t| t.split_whitespace())
                .map(len)
                .max()
                .unwrap_or(1)
                .clamp(1, 12)
                .min(natural[c])
        })
        .collect();
    let room = width.saturating_sub(2 + 3 * n.saturating_sub(1));
    if least.iter().sum::<usize>() > room {
        for (line, row) in body.iter().zip(rows) {
            let cells: Vec<String> = header
                .iter()
                .zip(line)
                .filter(|(_, v)| !v.is_empty())
                .map(|(h, v)| format!("{h}: {v}"))
                .collect();
            wrap_into(out, &cells.join("; "), width, "  - ");
            if !row.comment.is_empty() {
                wrap_into(out, &row.comment, width, "      ↳ ");
            }
        }
        return Ok(());
    }
    // First wrap only headers (one extra line for the whole table), then cells: each time the
    // widest column that can still give.
    let body_w: Vec<usize> = (0..n)
        .map(|c| body.iter().map(|l| len(&l[c])).max().unwrap_or(0))
        .collect();
    let mut widths = natural.clone();
    for floor in [body_w.clone(), least.clone()] {
        while widths.iter().sum::<usize>() > room {
            let Some(c) = (0..n)
                .filter(|&c| widths[c] > least[c].max(floor[c]))
                .max_by_key(|&c| (widths[c], c))
            else {
                break;
            };
            widths[c] -= 1;
        }
    }
    let write_row = |out: &mut String, cells: &[String]| -> std::fmt::Result {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| wrap_cell(cell, *w))
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut s = String::from("  ");
            for (c, w) in widths.iter().enumerate() {
                let cell = wrapped[c].get(k).map(String::as_str).unwrap_or("");
                s.push_str(cell);
                if c + 1 < n {
                    s.push_str(&" ".repeat(w.saturating_sub(len(cell))));
                    s.push_str(" │ ");
                }
            }
            writeln!(out, "{}", s.trim_end())?;
        }
        Ok(())
    };
    write_row(out, header)?;
    let sep: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    writeln!(out, "  {}", sep.join("─┼─"))?;
    for (line, row) in body.iter().zip(rows) {
        write_row(out, line)?;
        if !row.comment.is_empty() {
            wrap_into(out, &row.comment, width, "      ↳ ");
        }
        // The reading taken of an ambiguous row, or what its check cannot tell.
        if let Some(note) = row.note() {
            wrap_into(out, note, width, "      Note: ");
        }
    }
    Ok(())
}

/// A cell's text in lines of at most `width` columns (words longer than that are split).
fn wrap_cell(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..width).collect());
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn all_columns(rows: &[PermissionRow]) -> Vec<Column> {
    Column::ALL
        .into_iter()
        .filter(|c| rows.iter().any(|r| r.level(*c).is_some()))
        .collect()
}

/// How a row is verified, in a few words.
pub fn verified_by(psa: Psa, r: &PermissionRow) -> String {
    match &r.verify {
        Some(v) if v.manual.is_some() => "manual".into(),
        Some(v) if v.observe.is_some() => "API (sign-in)".into(),
        None | Some(_) if psa.profile().permissions == PermissionModel::ModuleFunctions => {
            "API (member security)".into()
        }
        None => "—".into(),
        Some(v) => format!("API ({})", v.all_entities().join(", ")),
    }
}

/// `text` on one line when it fits (its spacing kept), else word-wrapped.
fn line_or_wrap(out: &mut String, text: &str, width: usize) {
    if text.chars().count() <= width {
        let _ = writeln!(out, "{text}");
    } else {
        wrap_into(out, text, width, "");
    }
}

/// Word-wrap `text` to `width`, prefixing the first line with `first` and indenting the rest
/// under the text (or, when `first` is half the line or more, two columns in from its start).
fn wrap_into(out: &mut String, text: &str, width: usize, first: &str) {
    let first_w = first.chars().count();
    let lead = first.len() - first.trim_start().len();
    let indent = if first_w * 2 > width {
        " ".repeat(lead + 2)
    } else {
        " ".repeat(first_w)
    };
    let mut line = first.to_string();
    let mut line_len = first_w;
    // Only the prefix so far: a word may still go on the next line.
    let mut bare = true;
    let mut empty = true;
    for word in text.split_whitespace() {
        let wl = word.chars().count();
        let sep = usize::from(!empty);
        if line_len + sep + wl > width && !(empty && bare && line_len == indent.len()) {
            if !(empty && line.trim().is_empty()) {
                let _ = writeln!(out, "{}", line.trim_end());
            }
            line = indent.clone();
            line_len = indent.len();
            empty = true;
        }
        if !empty {
            line.push(' ');
            line_len += 1;
        }
        line.push_str(word);
        line_len += wl;
        empty = false;
        bare = false;
    }
    let _ = writeln!(out, "{line}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn typography_becomes_ascii_and_the_rest_a_question_mark() {
        assert_eq!(
            super::ascii("═══ Admin › Projects — “x” → y… Café │ ✓"),
            "=== Admin > Projects - \"x\" -> y... Caf? | +"
        );
    }
}

#[cfg(test)]
mod width_tests {
    /// `show` fits the terminal: no line of any built-in wizard's checklist is wider than asked,
    /// except a single word that is longer than the whole line.
    #[test]
    fn every_line_fits_the_width() {
        for l in crate::wizard::builtin() {
            for width in [40, 60, 80, 100, 200] {
                let text = super::render(&l.wizard, width);
                for line in text.lines() {
                    let long_word = line
                        .split_whitespace()
                        .any(|w| w.chars().count() > width / 2);
                    assert!(
                        line.chars().count() <= width || long_word,
                        "{} at {width}: {line:?}",
                        l.wizard.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_table_too_wide_wraps_its_cells_and_keeps_every_word() {
        let l = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "topleft-connectwise")
            .unwrap();
        let narrow = super::render(&l.wizard, 80);
        let wide = super::render(&l.wizard, 200);
        let words = |t: &str| {
            let mut w: Vec<String> = t
                .split(|c: char| c.is_whitespace() || "│─┼═".contains(c))
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect();
            w.sort();
            w
        };
        assert_eq!(words(&narrow), words(&wide));
        assert!(narrow.contains("│ Inquire │"), "headers wrap first");
    }
}
