//! psa-onboard: a terminal setup wizard that configures and verifies an integration's API access
//! to Datto Autotask PSA or ConnectWise PSA.
//!
//! Data flows one way: `wizard` (what must be true) → `verify` (how to prove it) → `psa`
//! (HTTP only). The TUI renders state and turns keys into messages.

pub mod checklist;
pub mod cli;
pub mod commands;
pub mod connection;
pub mod export;
pub mod files;
pub mod handoff;
pub mod logging;
pub mod profile;
pub mod psa;
pub mod sandbox;
pub mod sanitize;
pub mod secrets;
pub mod session;
pub mod term_caps;
pub mod tui;
pub mod verdict;
pub mod verify;
pub mod wizard;

#[cfg(test)]
mod layering;
