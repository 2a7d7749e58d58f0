//! The connection form: the fields a PSA needs, validated as you type and again on submit.
//!
//! Secret fields are masked when rendered unless revealed, never persisted, and wiped on drop.

use tui_input::{Input, InputRequest};
use zeroize::Zeroize;

use crate::connection::{AUTOTASK_DEFAULT_API_ROOT, Connection};
use crate::wizard::{Psa, Wizard};

pub use crate::profile::FieldId;

/// A field's value and what validation says about it.
pub struct Field {
    pub id: FieldId,
    pub input: Input,
    /// Shown masked unless revealed (Ctrl+R).
    pub revealed: bool,
    /// The admin has left the field or tried to submit: empty values now count as errors.
    pub touched: bool,
}

impl Drop for Field {
    fn drop(&mut self) {
        // Wipe secrets rather than leave them in freed memory.
        if self.id.is_secret() {
            let mut v = self.input.value_and_reset();
            v.zeroize();
        }
    }
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.id.is_secret() {
            "[redacted]"
        } else {
            self.input.value()
        };
        f.debug_struct("Field")
            .field("id", &self.id)
            .field("value", &value)
            .finish()
    }
}

/// What validation found: a blocking error, or a hint that does not block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Hint(String),
    Error(String),
}

impl Field {
    pub fn value(&self) -> &str {
        self.input.value()
    }

    /// The text to draw: the value, or one `•` per character when masked.
    pub fn display(&self) -> String {
        if self.id.is_secret() && !self.revealed {
            "•".repeat(self.input.value().chars().count())
        } else {
            self.input.value().to_string()
        }
    }

    pub fn verdict(&self) -> Verdict {
        let v = validate(self.id, self.input.value().trim());
        match v {
            Verdict::Error(_) if self.input.value().trim().is_empty() && !self.touched => {
                Verdict::Ok
            }
            v => v,
        }
    }
}

/// The connection form.
#[derive(Debug)]
pub struct Form {
    pub psa: Psa,
    pub fields: Vec<Field>,
    pub focus: usize,
}

impl Form {
    pub fn new(wizard: &Wizard) -> Self {
        let fields = wizard
            .psa
            .profile()
            .fields
            .iter()
            .map(|&id| {
                let preset = match id {
                    FieldId::ClientId => wizard.integration.client_id.clone(),
                    FieldId::TrackingId => wizard.integration.tracking_identifier.clone(),
                    FieldId::ApiRoot => Some(AUTOTASK_DEFAULT_API_ROOT.to_string()),
                    _ => None,
                };
                Field {
                    id,
                    input: Input::new(preset.unwrap_or_default()),
                    revealed: false,
                    touched: false,
                }
            })
            .collect();
        Form {
            psa: wizard.psa,
            fields,
            focus: 0,
        }
    }

    pub fn field(&self, id: FieldId) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub fn set(&mut self, id: FieldId, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.id == id) {
            let mut old = std::mem::replace(&mut f.input, Input::new(value.to_string()));
            let mut s = old.value_and_reset();
            s.zeroize();
        }
    }

    pub fn focused(&self) -> &Field {
        &self.fields[self.focus.min(self.fields.len() - 1)]
    }

    pub fn handle(&mut self, req: InputRequest) -> bool {
        let i = self.focus.min(self.fields.len() - 1);
        self.fields[i].input.handle(req).is_some()
    }

    pub fn toggle_reveal(&mut self) {
        let i = self.focus.min(self.fields.len() - 1);
        if self.fields[i].id.is_secret() {
            self.fields[i].revealed = !self.fields[i].revealed;
        }
    }

    /// Move focus; leaving a field marks it touched. Returns false at either end.
    pub fn move_focus(&mut self, forward: bool) -> bool {
        let i = self.focus.min(self.fields.len() - 1);
        self.fields[i].touched = true;
        self.fields[i].revealed = false;
        if forward && i + 1 < self.fields.len() {
            self.focus = i + 1;
            true
        } else if !forward && i > 0 {
            self.focus = i - 1;
            true
        } else {
            false
        }
    }

    /// Re-check every field as on submit; focus the first bad one. True when all are valid.
    pub fn submit(&mut self) -> bool {
        for f in &mut self.fields {
            f.touched = true;
            f.revealed = false;
        }
        match self
            .fields
            .iter()
            .position(|f| matches!(f.verdict(), Verdict::Error(_)))
        {
            Some(i) => {
                self.focus = i;
                false
            }
            None => true,
        }
    }

    /// The first field without a valid value, if any.
    pub fn first_missing(&self) -> Option<usize> {
        self.fields
            .iter()
            .position(|f| matches!(validate(f.id, f.value().trim()), Verdict::Error(_)))
    }

    /// The labels of the fields without a valid value, in form order.
    pub fn missing(&self) -> Vec<&'static str> {
        self.fields
            .iter()
            .filter(|f| matches!(validate(f.id, f.value().trim()), Verdict::Error(_)))
            .map(|f| f.id.label())
            .collect()
    }

    /// True when every field holds a valid value.
    pub fn is_complete(&self) -> bool {
        self.fields
            .iter()
            .all(|f| !matches!(validate(f.id, f.value().trim()), Verdict::Error(_)))
    }

    /// The connection these values describe, when complete.
    pub fn connection(&self) -> Option<Connection> {
        if !self.is_complete() {
            return None;
        }
        let v = |id| {
            self.field(id)
                .map(|f| f.value().trim().to_string())
                .unwrap_or_default()
        };
        Some(self.psa.profile().connection(&v))
    }

    /// A fingerprint of every value (secrets included), to tell whether the connection input
    /// changed. Keyed per process, kept in memory only: not a stable oracle for a secret.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        static KEY: std::sync::OnceLock<std::collections::hash_map::RandomState> =
            std::sync::OnceLock::new();
        let mut h = KEY.get_or_init(Default::default).build_hasher();
        for f in &self.fields {
            h.write_u8(f.id as u8);
            h.write(f.value().trim().as_bytes());
            h.write_u8(0xff);
        }
        h.finish()
    }

    /// Non-secret values, for the session file.
    pub fn public_values(&self) -> Vec<(FieldId, String)> {
        self.fields
            .iter()
            .filter(|f| !f.id.is_secret())
            .map(|f| (f.id, f.value().to_string()))
            .collect()
    }
}

/// Check one value. Empty values are errors (the caller hides them until the field is touched).
pub fn validate(id: FieldId, v: &str) -> Verdict {
    if v.is_empty() {
        return Verdict::Error(format!("Enter the {}.", id.label()));
    }
    match id {
        FieldId::Site => site(v),
        FieldId::ApiRoot => match url(v) {
            Ok(()) => Verdict::Ok,
            Err(e) => Verdict::Error(e),
        },
        FieldId::ClientId => {
            if crate::wizard::validate::is_guid(v) {
                Verdict::Ok
            } else {
                Verdict::Error(
                    "A clientId is a GUID like 1a2b3c4d-0000-4000-8000-00000000abcd; ask the vendor for theirs."
                        .into(),
                )
            }
        }
        FieldId::Username => {
            if v.contains(char::is_whitespace) {
                Verdict::Error("A username has no spaces.".into())
            } else if v.contains('@') {
                Verdict::Hint(
                    "Looks like an email: that is fine if it is the API user's username (Autotask usernames end in your domain), not a contact email."
                        .into(),
                )
            } else {
                Verdict::Hint(
                    "Autotask API usernames usually end in your Autotask domain (name@yourdomain…)."
                        .into(),
                )
            }
        }
        FieldId::CompanyId | FieldId::PublicKey | FieldId::TrackingId => {
            if v.contains(char::is_whitespace) {
                Verdict::Error(format!("The {} has no spaces; check the copy.", id.label()))
            } else {
                Verdict::Ok
            }
        }
        FieldId::PrivateKey | FieldId::Secret => Verdict::Ok,
    }
}

fn site(v: &str) -> Verdict {
    if v.contains("://") {
        return match url(v) {
            Ok(()) => Verdict::Ok,
            Err(e) => Verdict::Error(e),
        };
    }
    if v.contains(char::is_whitespace) || v.contains('/') || !v.contains('.') && !is_loopback(v) {
        return Verdict::Error(
            "Enter the site's host name, e.g. na.myconnectwise.net (or an https:// URL).".into(),
        );
    }
    Verdict::Ok
}

fn url(v: &str) -> Result<(), String> {
    let u = url::Url::parse(v).map_err(|e| format!("Not a URL ({e}); e.g. https://host/path."))?;
    let host = u.host_str().unwrap_or("");
    match u.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if crate::psa::http::is_loopback(u.host()) => Ok(()),
        "http" => Err("Use https:// — plain http is allowed only for a local test server (127.0.0.1 or localhost).".into()),
        _ => Err("Use an https:// address.".into()),
    }
}

/// Whether a bare `host[:port]` is this computer, by the HTTP client's own rule.
fn is_loopback(host: &str) -> bool {
    url::Url::parse(&format!("http://{host}"))
        .is_ok_and(|u| crate::psa::http::is_loopback(u.host()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_except_loopback() {
        assert_eq!(
            validate(FieldId::ApiRoot, "https://example.net/x"),
            Verdict::Ok
        );
        assert_eq!(
            validate(FieldId::ApiRoot, "http://127.0.0.1:8080/x"),
            Verdict::Ok
        );
        assert_eq!(
            validate(FieldId::ApiRoot, "http://localhost/x"),
            Verdict::Ok
        );
        // The HTTP client allows plain http to ::1 too; the form agrees.
        assert_eq!(validate(FieldId::ApiRoot, "http://[::1]:8080"), Verdict::Ok);
        assert_eq!(validate(FieldId::Site, "http://[::1]:8080"), Verdict::Ok);
        assert!(matches!(
            validate(FieldId::ApiRoot, "http://example.net/x"),
            Verdict::Error(e) if e.contains("https")
        ));
        assert!(matches!(
            validate(FieldId::ApiRoot, "not a url"),
            Verdict::Error(_)
        ));
    }

    #[test]
    fn sites_accept_hosts_and_urls() {
        assert_eq!(validate(FieldId::Site, "na.myconnectwise.net"), Verdict::Ok);
        assert_eq!(
            validate(FieldId::Site, "https://cw.example.com"),
            Verdict::Ok
        );
        assert!(matches!(
            validate(FieldId::Site, "http://cw.example.com"),
            Verdict::Error(_)
        ));
        assert!(matches!(
            validate(FieldId::Site, "my site"),
            Verdict::Error(_)
        ));
    }

    #[test]
    fn client_id_must_be_a_guid() {
        assert_eq!(
            validate(FieldId::ClientId, "1a2b3c4d-0000-4000-8000-00000000abcd"),
            Verdict::Ok
        );
        assert!(matches!(
            validate(FieldId::ClientId, "topleft"),
            Verdict::Error(_)
        ));
        assert!(matches!(
            validate(FieldId::ClientId, "1a2b3c4d-0000-4000-8000-00000000abcg"),
            Verdict::Error(_)
        ));
    }

    #[test]
    fn email_like_username_gets_a_hint_not_an_error() {
        assert!(matches!(
            validate(FieldId::Username, "topleft@acme.example"),
            Verdict::Hint(h) if h.contains("email")
        ));
        assert!(matches!(
            validate(FieldId::Username, "a b"),
            Verdict::Error(_)
        ));
    }

    #[test]
    fn empty_errors_wait_until_touched() {
        let w = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "topleft-connectwise")
            .unwrap()
            .wizard;
        let mut form = Form::new(&w);
        assert_eq!(form.focused().verdict(), Verdict::Ok);
        assert!(!form.submit());
        assert!(matches!(form.focused().verdict(), Verdict::Error(_)));
        assert!(form.connection().is_none());
    }

    #[test]
    fn secrets_are_masked_and_redacted() {
        let w = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "topleft-autotask")
            .unwrap()
            .wizard;
        let mut form = Form::new(&w);
        form.set(FieldId::Secret, "hunter2-secret");
        let f = form.field(FieldId::Secret).unwrap();
        assert_eq!(f.display(), "••••••••••••••");
        assert!(!format!("{form:?}").contains("hunter2"));
        assert!(
            !form
                .public_values()
                .iter()
                .any(|(_, v)| v.contains("hunter2"))
        );
    }
}
