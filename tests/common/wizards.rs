//! The built-in wizards, by id, as the tests and benches load them: from the binary's own
//! catalog only, so a wizard directory on the machine cannot change what a test sees.

use psa_onboard::wizard::{self, Loaded, Wizard};

/// Every built-in wizard, by id (its file's name): a new built-in is covered without a list to
/// update.
pub fn ids() -> impl Iterator<Item = &'static str> {
    wizard::load::BUILTIN
        .iter()
        .map(|(file, _)| file.trim_end_matches(".toml"))
}

/// The built-in wizard `id` as loaded (with its origin and content hash).
pub fn loaded(id: &str) -> Loaded {
    wizard::builtin()
        .into_iter()
        .find(|l| l.wizard.id == id)
        .unwrap_or_else(|| panic!("no built-in wizard {id}"))
}

/// The built-in wizard `id`.
pub fn wizard(id: &str) -> Wizard {
    loaded(id).wizard
}
