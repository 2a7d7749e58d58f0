//! Helpers shared by the integration test binaries and the benches: one copy each. A binary
//! includes the lot with `#[path = "common/mod.rs"] mod common;` (a bench with
//! `#[path = "../tests/common/mod.rs"]`) and uses the parts it needs.
// Each binary uses a different part; the rest is not dead code, only unused there.
#![allow(dead_code)]

/// The environment `psa-onboard check` reads its connection from.
pub mod check;
/// Connections built by hand, and changed one field at a time.
pub mod connection;
/// The demo, walked as a person would on a pseudo-terminal.
pub mod demo;
/// The real binary on a pseudo-terminal.
pub mod pty;
/// The embedded sandbox, started for a scenario.
pub mod sandbox;
/// TUI state for screen tests: a wizard opened and its form filled in.
pub mod screens;
/// The built-in wizards, by id.
pub mod wizards;
