//! The verifiers, one per PSA, behind one trait: `Verifier` asks the registry for the PSA's
//! verifier and never branches on the PSA itself. A PSA's plan (`prefetch`) and its observations
//! (`observe`, `row`) live together in its own module.

use futures::future::BoxFuture;

use crate::connection::Connection;
use crate::psa::http::Http;
use crate::wizard::{Observe, PermissionRow, Psa, Wizard};

use super::{Ctx, Outcome, Plan, VerifyOptions, autotask, connectwise};

/// One PSA's verification run: its caches and client, for the life of a `Verifier`.
pub(crate) trait PsaVerifier: Send + Sync {
    /// Fetch what the plan needs into the run's caches, in the PSA's dependency order.
    fn prefetch<'a>(
        &'a self,
        wizard: &'a Wizard,
        opts: &'a VerifyOptions,
        plan: &'a Plan<'a>,
    ) -> BoxFuture<'a, ()>;

    /// An observation (`observe = …` on a check or row).
    fn observe<'a>(&'a self, ctx: Ctx<'a>, o: Observe) -> BoxFuture<'a, Outcome>;

    /// A permission row verified against the PSA's permission data.
    fn row<'a>(&'a self, ctx: Ctx<'a>, row: &'a PermissionRow) -> BoxFuture<'a, Outcome>;

    /// The zone the PSA routed this run to, once its lookup answered (Autotask's zones; a PSA
    /// without zones has none): a report's header names it.
    fn zone(&self) -> Option<String> {
        None
    }
}

/// Starts a PSA's run for a connection; `None` when the connection is another PSA's.
pub(crate) type Start = fn(Http, &Connection, &VerifyOptions) -> Option<Box<dyn PsaVerifier>>;

/// The verifier registered for a PSA.
pub(crate) fn start(psa: Psa) -> Start {
    match psa {
        Psa::Autotask => autotask::start,
        Psa::Connectwise => connectwise::start,
    }
}
