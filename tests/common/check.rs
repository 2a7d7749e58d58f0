//! The environment `psa-onboard check` reads its connection from, for a sandbox tenant: shared by
//! the test binaries that run the real binary against the sandbox.

use std::process::Command;

use psa_onboard::sandbox::{DemoCredentials, Sandbox};
use psa_onboard::wizard::Psa;
use secrecy::ExposeSecret;

/// Point `cmd` at `sb` with the credentials `c` for a `psa` wizard, and keep it off any proxy
/// (tests send traffic only to loopback).
pub fn sandbox_env(cmd: &mut Command, sb: &Sandbox, psa: Psa, c: &DemoCredentials) {
    for k in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(k);
    }
    match psa {
        Psa::Autotask => {
            cmd.env("AUTOTASK_API_ROOT", sb.autotask_api_root())
                .env("AUTOTASK_USERNAME", &c.autotask.username)
                .env("AUTOTASK_SECRET", c.autotask.secret.expose_secret())
                .env("AUTOTASK_INTEGRATION_CODE", &c.autotask.integration_code);
        }
        Psa::Connectwise => {
            cmd.env("CONNECTWISE_SITE", sb.connectwise_site())
                .env("CONNECTWISE_COMPANY_ID", &c.connectwise.company_id)
                .env("CONNECTWISE_PUBLIC_KEY", &c.connectwise.public_key)
                .env(
                    "CONNECTWISE_PRIVATE_KEY",
                    c.connectwise.private_key.expose_secret(),
                )
                .env("CONNECTWISE_CLIENT_ID", &c.connectwise.client_id);
        }
    }
}
