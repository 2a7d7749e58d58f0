//! Wizard definitions: the built-in files load, say exactly what the vendors' guides say, and
//! malformed files are reported with file, line and column. Also drives the real binary's
//! `wizards`, `show` and `validate` commands.

use std::path::Path;
use std::process::Command;

use psa_onboard::wizard::{self, Column, ImpersonationSupport, Psa, RowShape, StepKind, Wizard};

const GUIDE_000: &str = include_str!("fixtures/guides/000_5089fff6a6ee412f.txt");
const GUIDE_001: &str = include_str!("fixtures/guides/001_0d1652fc8385e352.txt");
const GUIDE_002: &str = include_str!("fixtures/guides/002_869707471cb8fc29.txt");
const GUIDE_003: &str = include_str!("fixtures/guides/003_4d50272b5777222b.txt");
const GUIDE_004: &str = include_str!("fixtures/guides/004_06b1ff5470e45522.txt");

#[path = "common/mod.rs"]
mod common;
use common::wizards::wizard as builtin;

fn cells(line: &str) -> Vec<String> {
    line.trim_end()
        .trim_end_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

/// Normalise guide text for comparison: the guides use non-breaking spaces and curly quotes
/// (and once a mismatched `"API User'`).
fn norm(s: &str) -> String {
    s.replace('\u{a0}', " ")
        .replace(['\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\''], "\"")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The real binary.
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
    // Never read the developer's own wizard directory.
    c.env(
        "PSA_ONBOARD_WIZARD_DIR",
        "/nonexistent-psa-onboard-test-dir",
    )
    // The checklist's box drawing is asserted below: a UTF-8 locale, whatever the caller's.
    .env("LANG", "C.UTF-8")
    .env_remove("LC_ALL")
    .env_remove("LC_CTYPE");
    c
}

/// A valid wizard file that the malformed ones are made from.
const GOOD: &str = r#"id = "acme-connectwise"
psa = "connectwise"
vendor = "Acme"
title = "Acme for ConnectWise"

[[steps]]
id = "role"
kind = "security_role"
title = "Add a role"
name = "Acme"
instructions = ["System → Security Roles → +"]

[[steps.permissions]]
module = "Service Desk"
function = "Service Tickets"
add = "None"
edit = "All"
delete = "None"
inquire = "All"
"#;

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// The TopLeft, Tasky and Rewst wizards say what their vendors' guides say, sentence by sentence.
#[path = "wizards/guides.rs"]
mod guides;

/// Wizards from vendors' public permission pages carry each page's rows.
#[path = "wizards/pages.rs"]
mod pages;

/// Malformed wizard files, each reported with file, line and column.
#[path = "wizards/errors.rs"]
mod errors;

/// The real binary's `wizards`, `show`, `validate`, `completions` and `man` commands.
#[path = "wizards/cli.rs"]
mod cli;

// ----------------------------------------------------------------------------------------------
// Built-ins load and validate

#[test]
fn every_builtin_wizard_loads_and_validates() {
    let all = wizard::builtin();
    let mut ids: Vec<&str> = all.iter().map(|l| l.wizard.id.as_str()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "autoelevate-connectwise",
            "cloudradial-autotask",
            "cow-autotask",
            "guardz-autotask",
            "hudu-connectwise",
            "itglue-autotask",
            "msp360-autotask",
            "ncentral-connectwise",
            "nsight-connectwise",
            "passportal-connectwise",
            "rewst-autotask",
            "tasky-autotask",
            "topleft-autotask",
            "topleft-connectwise"
        ]
    );
    for (name, text) in wizard::load::BUILTIN {
        let w = wizard::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        // The tests name built-ins by file (`wizard::load::BUILTIN`): the file is the id.
        assert_eq!(*name, format!("{}.toml", w.id));
        // Every built-in says where it comes from.
        assert!(!w.sources.is_empty(), "{name} cites its guide");
        assert!(!w.steps.is_empty(), "{name} has steps");
        // Every step says what to click, and every check says how it is decided.
        for s in &w.steps {
            assert!(
                !s.instructions.is_empty(),
                "{name}: step {} has clicks",
                s.id
            );
            for c in &s.checks {
                assert!(
                    c.observe.is_some() != c.manual.is_some(),
                    "{name}: {} is observed or manual",
                    c.id
                );
            }
        }
        // Hashes are stable and content-addressed.
        assert_eq!(wizard::load::hash(text).len(), 64);
    }
}

/// Every built-in wizard cites the address of the public page it follows, so an admin can
/// compare it with the vendor's own words (issue #16).
#[test]
fn every_builtin_wizard_cites_its_source_address() {
    let all = wizard::builtin();
    assert!(all.len() >= 14, "{} wizards", all.len());
    for l in all {
        let w = &l.wizard;
        assert!(!w.sources.is_empty(), "{}: no sources", w.id);
        assert!(
            w.sources.iter().any(|s| s.contains("https://")),
            "{}: no source address in {:?}",
            w.id,
            w.sources
        );
    }
}
