//! Connection details for a PSA: the types live with the PSA profiles (`crate::profile`), which
//! build them from the admin's fields; this path stays for the code that only uses them.

pub use crate::profile::connection::*;
