//! Loading wizards: the built-in ones compiled into the binary, the user's from the config
//! directory, and any file named on the command line.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};

use super::error::{WizardError, WizardErrors};
use super::model::Wizard;
use super::validate::{Seg, validate};

/// The wizards shipped in the binary, as (file name, text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "topleft-autotask.toml",
        include_str!("../../wizards/topleft-autotask.toml"),
    ),
    (
        "topleft-connectwise.toml",
        include_str!("../../wizards/topleft-connectwise.toml"),
    ),
    (
        "tasky-autotask.toml",
        include_str!("../../wizards/tasky-autotask.toml"),
    ),
    (
        "rewst-autotask.toml",
        include_str!("../../wizards/rewst-autotask.toml"),
    ),
    (
        "guardz-autotask.toml",
        include_str!("../../wizards/guardz-autotask.toml"),
    ),
    (
        "cow-autotask.toml",
        include_str!("../../wizards/cow-autotask.toml"),
    ),
    (
        "msp360-autotask.toml",
        include_str!("../../wizards/msp360-autotask.toml"),
    ),
    (
        "cloudradial-autotask.toml",
        include_str!("../../wizards/cloudradial-autotask.toml"),
    ),
    (
        "itglue-autotask.toml",
        include_str!("../../wizards/itglue-autotask.toml"),
    ),
    (
        "hudu-connectwise.toml",
        include_str!("../../wizards/hudu-connectwise.toml"),
    ),
    (
        "autoelevate-connectwise.toml",
        include_str!("../../wizards/autoelevate-connectwise.toml"),
    ),
    (
        "ncentral-connectwise.toml",
        include_str!("../../wizards/ncentral-connectwise.toml"),
    ),
    (
        "nsight-connectwise.toml",
        include_str!("../../wizards/nsight-connectwise.toml"),
    ),
    (
        "passportal-connectwise.toml",
        include_str!("../../wizards/passportal-connectwise.toml"),
    ),
];

/// Where a wizard came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    /// From the user's config directory.
    User(PathBuf),
    /// Named explicitly (`--wizard ./file.toml`).
    File(PathBuf),
}

impl Origin {
    pub fn label(&self) -> String {
        match self {
            Origin::Builtin => "built-in".into(),
            Origin::User(p) | Origin::File(p) => p.display().to_string(),
        }
    }
}

/// A loaded, validated wizard with its provenance.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub wizard: Wizard,
    pub origin: Origin,
    /// SHA-256 of the file's text, so a session notices when its wizard changed.
    pub content_hash: String,
}

/// The largest wizard file read. The built-in ones are 4–23 KB; anything near this is not a
/// wizard, and a device or a runaway file must not be read into memory.
pub const MAX_WIZARD_BYTES: u64 = 1024 * 1024;

/// Parse and validate one wizard file's text. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Wizard, WizardErrors> {
    let wizard: Wizard = toml::from_str(text).map_err(|e| {
        WizardErrors(vec![WizardError::at(
            file,
            text,
            e.span(),
            e.message().trim().to_owned(),
        )])
    })?;
    let doc = DeTable::parse(text).ok();
    // Text that could drive the admin's terminal is refused where it is written, so no output
    // path (list, checklist, report, export, TUI) ever receives it.
    let mut errors = Vec::new();
    if let Some(doc) = &doc {
        unsafe_text_in_table(doc.get_ref(), &mut |span, found| {
            let place = place_of(text, span, found);
            errors.push(WizardError::at(
                file,
                text,
                Some(place),
                unsafe_message(found),
            ));
        });
    }
    errors.sort_by_key(|e| (e.line, e.column));
    let problems = validate(&wizard);
    if problems.is_empty() && errors.is_empty() {
        return Ok(wizard);
    }
    let doc = doc.map(|t| DeValue::Table(t.into_inner()));
    errors.extend(problems.into_iter().map(|pr| {
        let span = doc.as_ref().and_then(|d| span_of(d, &pr.path));
        WizardError::at(file, text, span, pr.message)
    }));
    Err(WizardErrors(errors))
}

/// Every key and string in the document holding a character that could drive a terminal or
/// disguise text: `report(span of the place, the character)`. The span is the character itself
/// when it is written raw, or its escape (`\u001b`, `\e`, `\x1b`) when that can be found,
/// else the whole string.
fn unsafe_text_in_table(table: &DeTable<'_>, report: &mut dyn FnMut(Range<usize>, char)) {
    for (key, value) in table.iter() {
        unsafe_text_in(key.get_ref(), key.span(), report);
        unsafe_text_in_value(value, report);
    }
}

fn unsafe_text_in_value(
    value: &toml::Spanned<DeValue<'_>>,
    report: &mut dyn FnMut(Range<usize>, char),
) {
    match value.get_ref() {
        DeValue::String(s) => unsafe_text_in(s, value.span(), report),
        DeValue::Array(items) => {
            for item in items {
                unsafe_text_in_value(item, report);
            }
        }
        DeValue::Table(t) => unsafe_text_in_table(t, report),
        _ => {}
    }
}

fn unsafe_text_in(s: &str, span: Range<usize>, report: &mut dyn FnMut(Range<usize>, char)) {
    if let Some((_, c)) = crate::sanitize::first_unsafe(s) {
        report(span, c);
    }
}

/// Narrow a string's span to where `c` is written in `text`, raw or escaped.
fn place_of(text: &str, span: Range<usize>, c: char) -> Range<usize> {
    let Some(raw) = text.get(span.clone()) else {
        return span;
    };
    let code = c as u32;
    let mut forms = vec![
        c.to_string(),
        format!("\\u{code:04x}"),
        format!("\\u{code:04X}"),
        format!("\\U{code:08x}"),
        format!("\\U{code:08X}"),
    ];
    if code <= 0xff {
        forms.push(format!("\\x{code:02x}"));
        forms.push(format!("\\x{code:02X}"));
    }
    if c == '\u{1b}' {
        forms.push("\\e".into());
    }
    forms
        .iter()
        .filter_map(|f| raw.find(f.as_str()))
        .min()
        .map_or(span.clone(), |at| span.start + at..span.start + at + 1)
}

fn unsafe_message(c: char) -> String {
    let what = match c {
        c if c.is_control() => "the control character",
        '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{061c}' => "the bidirectional-text control",
        _ => "the invisible character",
    };
    format!(
        "this text contains {what} U+{:04X}; wizard text may not carry terminal control \
         sequences, bidirectional-text controls or invisible characters (they can rewrite what \
         the admin's terminal shows): remove it",
        c as u32
    )
}

/// The span of the value at `path`, or of its nearest ancestor that exists.
fn span_of(root: &DeValue<'_>, path: &[Seg]) -> Option<std::ops::Range<usize>> {
    let mut cur = root;
    let mut best = None;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => cur.get(*k),
            Seg::Idx(i) => cur.get(*i),
        };
        match next {
            Some(v) => {
                best = Some(v.span());
                cur = v.get_ref();
            }
            None => break,
        }
    }
    best
}

pub fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Load a wizard from a file path: a regular file (or a link to one) of at most
/// [`MAX_WIZARD_BYTES`]; a pipe, a device or a directory is refused unread.
pub fn load_file(path: &Path, origin: Origin) -> Result<Loaded, WizardErrors> {
    use crate::files::{self, ReadError};
    let label = path.display().to_string();
    let refused = |message: String| WizardErrors(vec![WizardError::file(&label, message)]);
    let bytes = files::read_bytes(path, MAX_WIZARD_BYTES, "wizard").map_err(|e| match e {
        ReadError::Io(e) => refused(format!("cannot read: {e}")),
        other => refused(format!("not read: {other}")),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        // The offset in the lossy text: the valid prefix is the same bytes.
        WizardErrors(vec![WizardError::at(
            &label,
            &lossy,
            Some(at..at),
            "not UTF-8 text: save the file as UTF-8".into(),
        )])
    })?;
    let wizard = parse(&label, &text)?;
    Ok(Loaded {
        wizard,
        origin,
        content_hash: hash(&text),
    })
}

/// The built-in wizards. They are tested to be valid, so a failure here is a build defect.
pub fn builtin() -> Vec<Loaded> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            let wizard = parse(&format!("builtin:{name}"), text)
                .unwrap_or_else(|e| panic!("built-in wizard {name} is invalid:\n{e}"));
            Loaded {
                wizard,
                origin: Origin::Builtin,
                content_hash: hash(text),
            }
        })
        .collect()
}

/// The user's wizard directory: `$XDG_CONFIG_HOME/psa-onboard/wizards` (`~/.config` on Linux
/// and macOS), on Windows `%APPDATA%\psa-onboard\wizards`.
pub fn user_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy()
        .ok()
        .map(|s| s.config_dir().join("psa-onboard").join("wizards"))
}

/// Every wizard available: built-ins, then the user's directory (a user file with a built-in's
/// id replaces it). Invalid user files are returned as errors beside the good ones, so one bad
/// file never hides the rest.
pub fn catalog(dir: Option<&Path>) -> (Vec<Loaded>, Vec<WizardErrors>) {
    let mut all = builtin();
    let mut errors = Vec::new();
    if let Some(dir) = dir
        && let Ok(entries) = fs::read_dir(dir)
    {
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            match load_file(&path, Origin::User(path.clone())) {
                Ok(l) => {
                    all.retain(|x| x.wizard.id != l.wizard.id);
                    all.push(l);
                }
                Err(e) => errors.push(e),
            }
        }
    }
    (all, errors)
}

/// Resolve a wizard by id (from the catalog) or by path (anything that names an existing file
/// or ends in `.toml`).
pub fn resolve(name: &str, dir: Option<&Path>) -> Result<Loaded, ResolveError> {
    let as_path = Path::new(name);
    if name.ends_with(".toml") || as_path.is_file() {
        return load_file(as_path, Origin::File(as_path.to_path_buf()))
            .map_err(ResolveError::Invalid);
    }
    let (all, _) = catalog(dir);
    let ids: Vec<String> = all.iter().map(|l| l.wizard.id.clone()).collect();
    all.into_iter()
        .find(|l| l.wizard.id == name)
        .ok_or_else(|| ResolveError::Unknown {
            name: name.to_owned(),
            known: ids,
        })
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("no wizard named {name:?}; available: {}. A path to a .toml file also works.", known.join(", "))]
    Unknown { name: String, known: Vec<String> },
    #[error("{0}")]
    Invalid(WizardErrors),
}

/// Deserialize helper kept for callers that want only the model (e.g. fuzzing).
pub fn from_str_unvalidated(text: &str) -> Result<Wizard, toml::de::Error> {
    Wizard::deserialize(toml::de::Deserializer::parse(text)?)
}
