//! Connections the tests build by hand: from a sandbox and a set of credentials, to a host
//! named outright, or a sandbox's connection with one field changed.

use psa_onboard::connection::{AutotaskTarget, Connection, ConnectwiseTarget};
use psa_onboard::sandbox::{DemoCredentials, Sandbox};
use psa_onboard::wizard::Psa;
use secrecy::SecretString;

/// An Autotask connection to `api_root`.
pub fn autotask(
    api_root: &str,
    username: &str,
    integration_code: &str,
    secret: &str,
) -> Connection {
    Connection::Autotask {
        target: AutotaskTarget {
            api_root: api_root.into(),
            username: username.into(),
            integration_code: integration_code.into(),
        },
        secret: SecretString::from(secret),
    }
}

/// A ConnectWise connection to `site`.
pub fn connectwise(
    site: &str,
    company_id: &str,
    public_key: &str,
    client_id: &str,
    private_key: &str,
) -> Connection {
    Connection::Connectwise {
        target: ConnectwiseTarget {
            site: site.into(),
            company_id: company_id.into(),
            public_key: public_key.into(),
            client_id: client_id.into(),
        },
        private_key: SecretString::from(private_key),
    }
}

/// `sb` reached with the credentials `c` (the sandbox's own, or a wizard's, or changed ones).
pub fn from_credentials(sb: &Sandbox, psa: Psa, c: &DemoCredentials) -> Connection {
    match psa {
        Psa::Autotask => Connection::Autotask {
            target: AutotaskTarget {
                api_root: sb.autotask_api_root(),
                username: c.autotask.username.clone(),
                integration_code: c.autotask.integration_code.clone(),
            },
            secret: c.autotask.secret.clone(),
        },
        Psa::Connectwise => Connection::Connectwise {
            target: ConnectwiseTarget {
                site: sb.connectwise_site(),
                company_id: c.connectwise.company_id.clone(),
                public_key: c.connectwise.public_key.clone(),
                client_id: c.connectwise.client_id.clone(),
            },
            private_key: c.connectwise.private_key.clone(),
        },
    }
}

/// `conn` (an Autotask connection) with its target or secret changed by `f`.
pub fn with_autotask(
    conn: Connection,
    f: impl FnOnce(&mut AutotaskTarget, &mut SecretString),
) -> Connection {
    match conn {
        Connection::Autotask {
            mut target,
            mut secret,
        } => {
            f(&mut target, &mut secret);
            Connection::Autotask { target, secret }
        }
        other => panic!("not an Autotask connection: {other:?}"),
    }
}

/// `conn` (a ConnectWise connection) with its target or private key changed by `f`.
pub fn with_connectwise(
    conn: Connection,
    f: impl FnOnce(&mut ConnectwiseTarget, &mut SecretString),
) -> Connection {
    match conn {
        Connection::Connectwise {
            mut target,
            mut private_key,
        } => {
            f(&mut target, &mut private_key);
            Connection::Connectwise {
                target,
                private_key,
            }
        }
        other => panic!("not a ConnectWise connection: {other:?}"),
    }
}
