//! The layering check, run by `cargo test` (so by CI): no import circle among src/'s top-level
//! modules, nor among the submodules of `sandbox` and `session`; no domain module imports the
//! command layer (`commands`, `cli`); `verify` stays below `session`, `tui` and `verdict`.
//! `scripts/layering.sh` runs it alone and prints the module graphs.
//!
//! It reads the sources as text: every path that starts with `crate::`, `super::` or `self::`
//! (`use` groups included) is resolved to the module it names. Comments, string literals and
//! test-only code (files named `tests.rs` / `*_tests.rs`, items under `#[cfg(test)]`) are left
//! out: tests may reach anywhere. A name a parent module re-exports (`pub use child::Name`, or
//! `pub use child::*`) counts as the child it comes from, so a re-export cannot hide an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The graphs checked: the top-level modules, and the submodules of these directories.
const SCOPES: &[&[&str]] = &[&[], &["sandbox"], &["session"]];

/// The command layer: only `main.rs` and these two reach it.
const COMMAND_LAYER: &[&str] = &["commands", "cli"];

/// Top-level modules a given top-level module must not import, beyond the command layer.
const FORBIDDEN: &[(&str, &[&str])] = &[("verify", &["session", "tui", "cli", "verdict"])];

/// One source file: its path under the crate root (`src/sandbox/http.rs`) and its text.
struct Source {
    path: String,
    text: String,
}

/// Where a module reference was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct At {
    file: String,
    line: usize,
}

/// A module graph: `from → to → where`.
type Graph = BTreeMap<String, BTreeMap<String, Vec<At>>>;

/// What the check found.
struct Analysis {
    /// Each scope's graph, named (`top level`, `src/sandbox`, …).
    graphs: Vec<(String, Graph)>,
    /// Human-readable failures; empty when the layering holds.
    problems: Vec<String>,
}

/// The module path a file defines: `src/sandbox/http.rs` → `sandbox::http`,
/// `src/sandbox/mod.rs` → `sandbox`; `lib.rs` and `main.rs` → the root (empty).
fn module_of(path: &str) -> Vec<String> {
    let rel = path.strip_prefix("src/").unwrap_or(path);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        parts.clear();
    }
    parts
}

/// A file that only tests compile.
fn test_only(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "tests.rs" || name.ends_with("_tests.rs")
}

/// The text with comments and string/char literals blanked (newlines kept, so line numbers
/// stay right).
fn strip_comments_and_strings(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0
                || !is_ident(c[i - 1])
                || (c[i - 1] == 'b' && (i < 2 || !is_ident(c[i - 2]))))
        {
            // A raw string r"…" or r#"…"#: it ends at `"` and as many `#`.
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            while j < c.len() {
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &c[i..j.min(c.len())] {
                blank(&mut out, ch);
            }
            i = j;
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), or a lifetime ('a), left as it is.
            let end = if next == Some('\\') {
                (i + 2..c.len()).find(|&j| c[j] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &ch in &c[i..=end] {
                        blank(&mut out, ch);
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c[i]);
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Semi,
    Hash,
    Bracket(bool),
    Other,
}

/// Tokens with their line numbers (1-based), from stripped text.
fn tokens(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if is_ident(ch) {
            let start = i;
            while i < c.len() && is_ident(c[i]) {
                i += 1;
            }
            out.push((Tok::Ident(c[start..i].iter().collect()), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            let tok = match ch {
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                ';' => Tok::Semi,
                '#' => Tok::Hash,
                '[' => Tok::Bracket(true),
                ']' => Tok::Bracket(false),
                _ => Tok::Other,
            };
            out.push((tok, line));
            i += 1;
        }
    }
    out
}

/// Whether the tokens start with `#[cfg(test)]` (7 tokens).
fn is_cfg_test(t: &[(Tok, usize)]) -> bool {
    matches!(
        t,
        [
            (Tok::Hash, _),
            (Tok::Bracket(true), _),
            (Tok::Ident(cfg), _),
            (Tok::Other, _),
            (Tok::Ident(test), _),
            (Tok::Other, _),
            (Tok::Bracket(false), _),
            ..
        ] if cfg == "cfg" && test == "test"
    )
}

/// Drop the items under `#[cfg(test)]` (a `mod tests { … }` block, a test-only `use` or fn).
fn without_test_items(toks: Vec<(Tok, usize)>) -> Vec<(Tok, usize)> {
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if !is_cfg_test(&toks[i..]) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        // Skip the attribute, any further attributes, then the item: to its `;`, or to the
        // brace that closes its first block.
        i += 7;
        while i < toks.len() && toks[i].0 == Tok::Hash {
            let mut depth = 0;
            while i < toks.len() {
                match toks[i].0 {
                    Tok::Bracket(true) => depth += 1,
                    Tok::Bracket(false) => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        let mut depth = 0;
        while i < toks.len() {
            match toks[i].0 {
                Tok::Semi if depth == 0 => {
                    i += 1;
                    break;
                }
                Tok::Open => depth += 1,
                Tok::Close => {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// Every path written from `crate`, `super` or `self`, each with its line: `use a::{b, c::d}`
/// gives `a::b` and `a::c::d`.
fn paths(toks: &[(Tok, usize)]) -> Vec<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let starts = matches!(&toks[i].0, Tok::Ident(s) if s == "crate" || s == "super" || s == "self")
            && toks.get(i + 1).is_some_and(|t| t.0 == Tok::PathSep)
            && (i == 0 || toks[i - 1].0 != Tok::PathSep);
        if starts {
            i = tree(toks, i, Vec::new(), &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Read a path (tree) from `toks[i]` under `prefix`; returns the index after it.
fn tree(
    toks: &[(Tok, usize)],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let line = toks.get(i).map_or(0, |t| t.1);
    loop {
        match toks.get(i).map(|t| &t.0) {
            Some(Tok::Ident(s)) => {
                prefix.push(s.clone());
                i += 1;
                if toks.get(i).is_some_and(|t| t.0 == Tok::PathSep) {
                    i += 1;
                    continue;
                }
                out.push((prefix, line));
                return i;
            }
            Some(Tok::Open) => {
                i += 1;
                loop {
                    match toks.get(i).map(|t| &t.0) {
                        Some(Tok::Close) => return i + 1,
                        Some(Tok::Comma) => i += 1,
                        None => return i,
                        Some(Tok::Ident(_) | Tok::Open) => {
                            i = tree(toks, i, prefix.clone(), out);
                        }
                        // `*` and the like: the group's own module is named.
                        Some(_) => {
                            out.push((prefix.clone(), line));
                            i += 1;
                        }
                    }
                }
            }
            _ => {
                // `a::*` or a path cut short: the module so far is what is named.
                out.push((prefix, line));
                return i;
            }
        }
    }
}

/// A path written in module `here`, made absolute (`super` and `self` resolved).
fn absolute(here: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut base: Vec<String> = here.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The top-level (`pub`) item names a file declares, for `pub use child::*` re-exports.
fn declared_names(toks: &[(Tok, usize)]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut depth = 0;
    for w in toks.windows(2) {
        match &w[0].0 {
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            Tok::Ident(kw)
                if depth == 0
                    && matches!(
                        kw.as_str(),
                        "struct" | "enum" | "fn" | "const" | "static" | "type" | "trait" | "mod"
                    ) =>
            {
                if let Tok::Ident(name) = &w[1].0 {
                    names.insert(name.clone());
                }
            }
            _ => {}
        }
    }
    names
}

/// One parsed file.
struct Parsed {
    path: String,
    module: Vec<String>,
    toks: Vec<(Tok, usize)>,
}

/// Parse the sources and check every rule.
fn analyze(sources: &[Source]) -> Analysis {
    // Modules declared `#[cfg(test)] mod name;` are test code, like files named tests.rs.
    let mut test_modules: BTreeSet<Vec<String>> = BTreeSet::new();
    for s in sources {
        let toks = tokens(&strip_comments_and_strings(&s.text));
        for k in 0..toks.len() {
            if !is_cfg_test(&toks[k..]) {
                continue;
            }
            let mut rest = toks[k + 7..].iter().map(|t| &t.0);
            let mut next = rest.next();
            if next == Some(&Tok::Ident("pub".into())) {
                next = rest.next();
            }
            if let (Some(Tok::Ident(m)), Some(Tok::Ident(name)), Some(Tok::Semi)) =
                (next, rest.next(), rest.next())
                && m == "mod"
            {
                let mut child = module_of(&s.path);
                child.push(name.clone());
                test_modules.insert(child);
            }
        }
    }
    let parsed: Vec<Parsed> = sources
        .iter()
        .filter(|s| !test_only(&s.path) && !test_modules.contains(&module_of(&s.path)))
        .map(|s| Parsed {
            path: s.path.clone(),
            module: module_of(&s.path),
            toks: without_test_items(tokens(&strip_comments_and_strings(&s.text))),
        })
        .collect();
    let modules: BTreeSet<Vec<String>> = parsed.iter().map(|p| p.module.clone()).collect();
    // Names a module re-exports from a child: `sandbox::Faults` → `sandbox::faults`.
    let mut reexports: BTreeMap<(Vec<String>, String), Vec<String>> = BTreeMap::new();
    for p in &parsed {
        let toks = &p.toks;
        for (k, t) in toks.iter().enumerate() {
            // `pub use` or `pub(crate) use`.
            let is_pub_use = t.0 == Tok::Ident("use".into())
                && toks[..k]
                    .iter()
                    .rev()
                    .take(4)
                    .take_while(|t| !matches!(t.0, Tok::Semi | Tok::Open | Tok::Close))
                    .any(|t| t.0 == Tok::Ident("pub".into()));
            if !is_pub_use {
                continue;
            }
            let mut found = Vec::new();
            tree(toks, k + 1, Vec::new(), &mut found);
            for (path, _) in found {
                // Relative paths name a child module (or another crate: no module here).
                let abs = absolute(&p.module, &path).unwrap_or_else(|| {
                    let mut a = p.module.clone();
                    a.extend(path.iter().cloned());
                    a
                });
                let Some(target) = (1..=abs.len())
                    .rev()
                    .map(|n| abs[..n].to_vec())
                    .find(|m| modules.contains(m))
                else {
                    continue;
                };
                if target == p.module {
                    continue;
                }
                if target == abs {
                    // `pub use child::*`: every name the child declares.
                    if let Some(c) = parsed.iter().find(|q| q.module == target) {
                        for name in declared_names(&c.toks) {
                            reexports
                                .entry((p.module.clone(), name))
                                .or_insert(target.clone());
                        }
                    }
                } else if let Some(name) = abs.last() {
                    reexports.insert((p.module.clone(), name.clone()), target);
                }
            }
        }
    }
    // Every module reference: (from module, to module path, where).
    let mut refs: Vec<(Vec<String>, Vec<String>, At)> = Vec::new();
    for p in &parsed {
        for (path, line) in paths(&p.toks) {
            let Some(mut abs) = absolute(&p.module, &path) else {
                continue;
            };
            // `parent::Name` re-exported from `parent::child` names the child.
            for n in 1..abs.len() {
                if let Some(child) = reexports.get(&(abs[..n].to_vec(), abs[n].clone())) {
                    abs = child.clone();
                    break;
                }
            }
            refs.push((
                p.module.clone(),
                abs,
                At {
                    file: p.path.clone(),
                    line,
                },
            ));
        }
    }
    let mut graphs = Vec::new();
    let mut problems = Vec::new();
    for scope in SCOPES {
        let scope: Vec<String> = scope.iter().map(|s| s.to_string()).collect();
        let node = |m: &[String]| -> Option<String> {
            (m.len() > scope.len() && m.starts_with(&scope)).then(|| m[scope.len()].clone())
        };
        let mut graph = Graph::new();
        for p in &parsed {
            if let Some(n) = node(&p.module) {
                graph.entry(n).or_default();
            }
        }
        for (from, to, at) in &refs {
            let (Some(a), Some(b)) = (node(from), node(to)) else {
                continue;
            };
            let mut target = scope.clone();
            target.push(b.clone());
            if a != b && modules.contains(&target) {
                let ats = graph.entry(a).or_default().entry(b).or_default();
                if !ats.contains(at) {
                    ats.push(at.clone());
                }
            }
        }
        let name = if scope.is_empty() {
            "top level (src/)".to_string()
        } else {
            format!("src/{}", scope.join("/"))
        };
        for cycle in cycles(&graph) {
            let mut msg = format!("import circle in {name}: {}", cycle.join(" ↔ "));
            for a in &cycle {
                for (b, ats) in &graph[a] {
                    if cycle.contains(b) {
                        let ats: Vec<String> = ats
                            .iter()
                            .map(|at| format!("{}:{}", at.file, at.line))
                            .collect();
                        let _ = write!(msg, "\n  {a} → {b}  at {}", ats.join(", "));
                    }
                }
            }
            problems.push(msg);
        }
        if scope.is_empty() {
            for (from, tos) in &graph {
                let mut banned: Vec<&str> = Vec::new();
                if !COMMAND_LAYER.contains(&from.as_str()) {
                    banned.extend(COMMAND_LAYER);
                }
                for (m, extra) in FORBIDDEN {
                    if m == from {
                        banned.extend(extra.iter().copied());
                    }
                }
                for (to, ats) in tos {
                    if banned.contains(&to.as_str()) {
                        for at in ats {
                            problems.push(format!(
                                "{from} must not import {to}: {}:{}",
                                at.file, at.line
                            ));
                        }
                    }
                }
            }
        }
        graphs.push((name, graph));
    }
    Analysis { graphs, problems }
}

/// The strongly connected components with more than one module (Tarjan), each sorted.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flat_map(|m| m.keys()) {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut comp = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    comp.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    self.found.push(comp);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.found
}

/// The graphs as text: one line per module and what it imports.
fn render(graphs: &[(String, Graph)]) -> String {
    let mut o = String::new();
    for (name, graph) in graphs {
        let _ = writeln!(o, "{name}:");
        for (from, tos) in graph {
            let tos: Vec<&str> = tos.keys().map(String::as_str).collect();
            let _ = writeln!(o, "  {from} → {}", tos.join(", "));
        }
    }
    o
}

/// Every `.rs` file under `dir`, with paths relative to the crate root.
fn read_sources(root: &Path, dir: &Path, out: &mut Vec<Source>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            read_sources(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(Source {
                path: rel,
                text: std::fs::read_to_string(&path)?,
            });
        }
    }
    Ok(())
}

#[test]
fn src_has_no_import_circle_and_no_domain_module_imports_the_command_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    read_sources(root, &root.join("src"), &mut sources).expect("src/ is readable");
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    let analysis = analyze(&sources);
    println!("{}", render(&analysis.graphs));
    assert!(
        analysis.problems.is_empty(),
        "layering broken:\n{}",
        analysis.problems.join("\n")
    );
    // The check must have seen the code: a top-level graph with the layers in it.
    let top = &analysis.graphs[0].1;
    for m in ["commands", "cli", "verify", "session", "sandbox", "tui"] {
        assert!(
            top.contains_key(m),
            "{m} missing from the graph: {:?}",
            top.keys().collect::<Vec<_>>()
        );
    }
    assert!(
        top["commands"].contains_key("verify"),
        "commands → verify is an edge the parser must see"
    );
}

/// The longest a source file may grow before it wants splitting, and the TUI core's own limit
/// (src/tui/app.rs holds only the state's shape; behaviour lives in `app/`).
const MAX_LINES: usize = 800;
const MAX_APP_LINES: usize = 600;

/// The files over their limit, with their length.
fn oversized(sources: &[Source]) -> Vec<String> {
    sources
        .iter()
        .filter_map(|s| {
            let lines = s.text.lines().count();
            let limit = if s.path == "src/tui/app.rs" {
                MAX_APP_LINES
            } else {
                MAX_LINES
            };
            (lines > limit).then(|| format!("{}: {lines} lines (limit {limit})", s.path))
        })
        .collect()
}

#[test]
fn no_source_file_outgrows_its_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    read_sources(root, &root.join("src"), &mut sources).expect("src/ is readable");
    assert!(sources.len() > 50, "the check must have seen src/");
    let over = oversized(&sources);
    assert!(over.is_empty(), "split these files:\n{}", over.join("\n"));
}

/// The detector on small planted examples: proof the check can fail.
mod tests;
