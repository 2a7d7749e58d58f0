//! Rebuilding a live [`Connection`] from a saved session: the target from the file, the secret
//! from the keyring. Used to resume a session or re-verify it (`check --session`).

use jiff::Timestamp;

use crate::connection::Connection;
use crate::secrets::{Keyring, SecretsError};
use crate::verify::report::Report;

use super::model::Session;

/// The session field a PSA's secret is stored under (named like the wizard's portal field:
/// `PortalField::Secret` / `PortalField::PrivateKey`).
pub fn secret_field(session: &Session) -> &'static str {
    session.psa().profile().secret_field()
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("session {0:?} has no PSA connection details yet; resume it and enter them first")]
    NoTarget(String),
    #[error(
        "session {session:?} has no keyring entry for its {field}; resume it and enter it again"
    )]
    NoSecretRef {
        session: String,
        field: &'static str,
    },
    #[error(transparent)]
    Secrets(#[from] SecretsError),
}

/// The session's connection, with its secret read from the keyring.
pub async fn connection(session: &Session, keyring: &Keyring) -> Result<Connection, ConnectError> {
    let target = session
        .target
        .clone()
        .ok_or_else(|| ConnectError::NoTarget(session.name.clone()))?;
    let field = secret_field(session);
    let reference = session
        .secrets
        .get(field)
        .ok_or_else(|| ConnectError::NoSecretRef {
            session: session.name.clone(),
            field,
        })?;
    let secret = keyring.load(reference).await?;
    Ok(Connection::new(target, secret))
}

/// A saved session opened for re-verification (`check --session`) or resuming: locked, with
/// its wizard, how that wizard changed, and a live connection.
#[derive(Debug)]
pub struct Resumed {
    pub open: super::store::OpenSession,
    pub wizard: crate::wizard::Loaded,
    pub changes: super::changes::WizardChanges,
    pub connection: Connection,
}

#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Open(#[from] super::open::OpenError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
}

/// Open `name` under its lock (`session::open`), and rebuild its connection from the keyring.
/// After verifying: `resumed.open.session.record_report(&report, now)` then
/// `resumed.open.save()`.
pub async fn resume(
    store: &super::store::Store,
    name: &str,
    wizard_dir: Option<&std::path::Path>,
    keyring: &Keyring,
) -> Result<Resumed, ResumeError> {
    let opened = super::open::open(store, name, wizard_dir)?;
    let connection = connection(&opened.open.session, keyring).await?;
    Ok(Resumed {
        open: opened.open,
        wizard: opened.wizard,
        changes: opened.changes,
        connection,
    })
}

impl Session {
    /// Record every step of a whole verification run (`check --session`).
    pub fn record_report(&mut self, report: &Report, at: Timestamp) {
        for step in &report.steps {
            self.record_run(step.clone(), at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{ConnectwiseTarget, Target};
    use crate::verify::report::StepReport;
    use secrecy::{ExposeSecret, SecretString};

    #[tokio::test]
    async fn connection_comes_from_target_and_keyring() {
        let loaded = crate::wizard::builtin()
            .into_iter()
            .find(|l| l.wizard.id == "topleft-connectwise")
            .unwrap();
        let t0: Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
        let mut s = Session::new("cw", &loaded, "alice", t0).unwrap();
        let keyring = Keyring::mock();
        assert!(matches!(
            connection(&s, &keyring).await,
            Err(ConnectError::NoTarget(_))
        ));
        s.target = Some(Target::Connectwise(ConnectwiseTarget {
            site: "na.myconnectwise.net".into(),
            company_id: "acme".into(),
            public_key: "pub".into(),
            client_id: "00000000-0000-0000-0000-000000000000".into(),
        }));
        let e = connection(&s, &keyring).await.unwrap_err();
        assert!(e.to_string().contains("private_key"), "{e}");
        let r = s.secret_ref(secret_field(&s));
        assert!(matches!(
            connection(&s, &keyring).await,
            Err(ConnectError::Secrets(SecretsError::NotFound(_)))
        ));
        keyring.store(&r, SecretString::from("priv")).await.unwrap();
        match connection(&s, &keyring).await.unwrap() {
            Connection::Connectwise {
                target,
                private_key,
            } => {
                assert_eq!(target.company_id, "acme");
                assert_eq!(private_key.expose_secret(), "priv");
            }
            other => panic!("{other:?}"),
        }

        let step = loaded.wizard.steps[0].id.clone();
        let mut pass = crate::verify::CheckResult::new("c", "c", crate::verify::Status::Pass);
        pass.observed_at = Some(t0);
        let report = Report::new(
            "topleft-connectwise".into(),
            "connectwise".into(),
            vec![StepReport::new(step.clone(), "t".into(), vec![pass])],
        );
        s.record_report(&report, t0);
        assert_eq!(s.verdict(&step, None).key(), "verified");
    }

    #[tokio::test]
    async fn resume_locks_finds_the_wizard_and_connects() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::session::Store::at(dir.path());
        let keyring = Keyring::mock();
        let (mut session, _) = crate::export::example::session();
        let r = session.secret_ref("secret");
        keyring
            .store(&r, SecretString::from("at-secret"))
            .await
            .unwrap();
        store.create(session).unwrap();

        let mut resumed = resume(&store, "acme-topleft", None, &keyring)
            .await
            .unwrap();
        assert_eq!(resumed.wizard.wizard.id, "topleft-autotask");
        assert!(!resumed.changes.changed);
        match &resumed.connection {
            Connection::Autotask { secret, .. } => assert_eq!(secret.expose_secret(), "at-secret"),
            other => panic!("{other:?}"),
        }
        // Locked while resumed.
        let e = resume(&store, "acme-topleft", None, &keyring)
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("open in another psa-onboard"), "{e}");
        let now: Timestamp = "2026-01-06T08:00:00Z".parse().unwrap();
        let report = Report::new(
            "topleft-autotask".into(),
            "autotask".into(),
            vec![StepReport::new(
                "submit".into(),
                "t".into(),
                vec![crate::verify::CheckResult::new(
                    "c",
                    "c",
                    crate::verify::Status::Pass,
                )],
            )],
        );
        resumed.open.session.record_report(&report, now);
        resumed.open.save().unwrap();
        drop(resumed);
        let back = store.load("acme-topleft").unwrap();
        assert_eq!(back.verdict("submit", None).key(), "verified");
        assert_eq!(back.updated, now);
    }
}
