//! `psa-onboard sandbox`: the embedded PSA sandbox in the foreground until Ctrl-C.

use std::io::Write;

use super::CommandError;
use crate::sandbox::standalone::{self, SandboxArgs};

/// Start the sandbox, print where it listens and its demo credentials, wait for Ctrl-C.
pub fn run(args: &SandboxArgs, out: &mut impl Write) -> Result<(), CommandError> {
    standalone::run(args, out).map_err(CommandError::Sandbox)
}
