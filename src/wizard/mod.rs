//! Wizard definitions: the vendor's guide as data. See `docs/WIZARD_FORMAT.md`.

pub mod error;
pub mod load;
pub mod model;
pub mod observe;
pub mod validate;

pub use error::{WizardError, WizardErrors};
pub use load::{Loaded, Origin, ResolveError, builtin, catalog, parse, resolve, user_dir};
pub use model::*;
