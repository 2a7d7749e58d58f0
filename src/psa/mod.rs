//! HTTP clients for the PSAs. They know HTTP and the PSAs' conventions, nothing about wizards.

pub mod autotask;
pub mod connectwise;
pub mod error;
pub mod http;
pub mod tls_diagnosis;
pub mod watch;
pub mod x509;

pub use error::{ErrorKind, PsaError, Transport};

#[cfg(test)]
mod paging_tests;
