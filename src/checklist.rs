//! A wizard as a printable checklist (`psa-onboard show`): every step, click and table row.

use std::fmt::Write;

use crate::wizard::{Column, PermissionRow, Psa, RowShape, Step, Wizard};

/// Render the whole wizard as plain text, `width` columns wide for wrapped prose.
pub fn render(w: &Wizard, width: usize) -> String {
    let mut out = String::new();
    let rule = "═".repeat(width.min(100));
    let _ = writeln!(out, "{}", w.title);
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(
        out,
        "Wizard: {}   PSA: {}   Vendor: {}",
        w.id,
        w.psa.label(),
        w.vendor
    );
    for s in &w.sources {
        let _ = writeln!(out, "Source: {s}");
    }
    if !w.summary.is_empty() {
        out.push('\n');
        wrap_into(&mut out, &w.summary, width, "");
    }
    match (
        w.psa,
        &w.integration.tracking_identifier,
        &w.integration.client_id,
    ) {
        (Psa::Autotask, Some(t), _) => {
            let _ = writeln!(out, "\nTracking identifier (from the vendor): {t}");
        }
        (Psa::Autotask, None, _) => {
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
        (Psa::Connectwise, _, Some(c)) => {
            let _ = writeln!(out, "\nclientId (from the vendor): {c}");
        }
        (Psa::Connectwise, _, None) => {
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
    let _ = writeln!(
        out,
        "Step {n}. {}{optional}   [{}]",
        step.title,
        step.kind.label()
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
        let _ = writeln!(out, "Name: {name}");
    }
    if let Some(c) = &step.copy_from {
        let _ = writeln!(out, "Copy from: {c}");
    }
    if let Some(l) = &step.security_level {
        if step.system_level {
            let _ = writeln!(
                out,
                "Security level: {l} (Autotask's built-in level, kept as it is)"
            );
        } else {
            let _ = writeln!(out, "Security level: {l}");
        }
    }
    if let Some(u) = &step.username_hint {
        let _ = writeln!(out, "Username: {u}@<your Autotask domain>");
    }
    if let Some(v) = &step.integration_vendor {
        let _ = writeln!(out, "Integration Vendor: {v}");
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
                let _ = writeln!(out, "{k}: {v}");
            }
        }
    }
    if !step.instructions.is_empty() {
        let _ = writeln!(out, "\nDo this in {}:", step.place(psa));
        for (i, ins) in step.instructions.iter().enumerate() {
            wrap_into(out, ins, width, &format!("  {:>2}. ", i + 1));
        }
    }
    if !step.permissions.is_empty() {
        out.push('\n');
        render_rows(out, psa, &step.permissions, width);
    }
    if !step.license_limits.is_empty() {
        let _ = writeln!(out, "  License limits on impersonation, from the guide:");
    }
    for lim in &step.license_limits {
        let what = match lim.impersonation {
            crate::wizard::ImpersonationSupport::Full => "no limitations",
            crate::wizard::ImpersonationSupport::Partial => "limited",
            crate::wizard::ImpersonationSupport::None => "cannot be impersonated",
        };
        let _ = writeln!(out, "  License {}: {what}", lim.licenses.join(", "));
        if !lim.note.is_empty() {
            wrap_into(out, &lim.note, width, "      ");
        }
        for c in &lim.cannot {
            let _ = writeln!(out, "      cannot: {c}");
        }
    }
    for note in &step.notes {
        wrap_into(out, note, width, "  Note: ");
    }
    if let Some(p) = &step.portal {
        if let Some(url) = &p.url {
            let _ = writeln!(out, "  Portal: {url}");
        }
        if let Some(page) = &p.page {
            let _ = writeln!(out, "  Where: {page}");
        }
        if !p.fields.is_empty() {
            let labels: Vec<&str> = p.fields.iter().map(|f| f.label()).collect();
            let _ = writeln!(out, "  Fields: {}", labels.join(", "));
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
            let _ = writeln!(out, "  [ ] {} ({how})", c.title);
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
    if psa == Psa::Connectwise && r.shape() == RowShape::Levels {
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
            header.push(if psa == Psa::Connectwise {
                "Function".into()
            } else {
                "Description".into()
            });
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
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            body.iter()
                .map(|l| l[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let fmt_line = |cells: &[String]| -> String {
        let mut s = String::from("  ");
        for (c, cell) in cells.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            s.push_str(cell);
            if c + 1 < cells.len() {
                s.push_str(&" ".repeat(pad));
                s.push_str(" │ ");
            }
        }
        s.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", fmt_line(&header));
    let sep: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    let _ = writeln!(out, "{}", fmt_line(&sep).replace(" │ ", "─┼─"));
    for (line, row) in body.iter().zip(rows) {
        let _ = writeln!(out, "{}", fmt_line(line));
        if !row.comment.is_empty() {
            wrap_into(out, &row.comment, width, "      ↳ ");
        }
        // The reading taken of an ambiguous row, or what its check cannot tell.
        if let Some(note) = row.note() {
            wrap_into(out, note, width, "      Note: ");
        }
    }
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
        _ if psa == Psa::Connectwise => "API (member security)".into(),
        None => "—".into(),
        Some(v) => format!("API ({})", v.all_entities().join(", ")),
    }
}

/// Word-wrap `text` to `width`, prefixing the first line with `first` and indenting the rest.
fn wrap_into(out: &mut String, text: &str, width: usize, first: &str) {
    let indent = " ".repeat(first.chars().count());
    let mut line = first.to_string();
    let mut line_len = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let wl = word.chars().count();
        if !empty && line_len + 1 + wl > width {
            let _ = writeln!(out, "{line}");
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
