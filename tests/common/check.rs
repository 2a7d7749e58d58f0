//! The environment `psa-onboard check` reads its connection from: shared by the test binaries
//! and the benches that run the real binary against the sandbox.

use std::process::{Command, Output};

use psa_onboard::connection::Connection;
use psa_onboard::sandbox::{DemoCredentials, Sandbox};
use psa_onboard::wizard::Psa;
use secrecy::ExposeSecret;

use super::connection;

/// Keep `cmd` off any proxy: tests send traffic only to loopback.
pub fn no_proxy(cmd: &mut Command) {
    for k in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cmd.env_remove(k);
    }
}

/// Give `cmd` the connection's details as the environment variables `check` reads, and keep it
/// off any proxy.
pub fn connection_env(cmd: &mut Command, conn: &Connection) {
    no_proxy(cmd);
    match conn {
        Connection::Autotask { target, secret } => {
            cmd.env("AUTOTASK_API_ROOT", &target.api_root)
                .env("AUTOTASK_USERNAME", &target.username)
                .env("AUTOTASK_SECRET", secret.expose_secret())
                .env("AUTOTASK_INTEGRATION_CODE", &target.integration_code);
        }
        Connection::Connectwise {
            target,
            private_key,
        } => {
            cmd.env("CONNECTWISE_SITE", &target.site)
                .env("CONNECTWISE_COMPANY_ID", &target.company_id)
                .env("CONNECTWISE_PUBLIC_KEY", &target.public_key)
                .env("CONNECTWISE_PRIVATE_KEY", private_key.expose_secret())
                .env("CONNECTWISE_CLIENT_ID", &target.client_id);
        }
    }
}

/// Point `cmd` at `sb` with the credentials `c` for a `psa` wizard, and keep it off any proxy.
pub fn sandbox_env(cmd: &mut Command, sb: &Sandbox, psa: Psa, c: &DemoCredentials) {
    connection_env(cmd, &connection::from_credentials(sb, psa, c));
}

/// `psa-onboard check --wizard <wizard>`, in plain text, seeing no user wizard directory (its
/// connection still to be set: [`connection_env`], [`sandbox_env`]).
pub fn check_cmd(wizard: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_psa-onboard"));
    cmd.args(["check", "--wizard", wizard])
        .env(
            "PSA_ONBOARD_WIZARD_DIR",
            "/nonexistent-psa-onboard-test-dir",
        )
        .env("NO_COLOR", "1");
    cmd
}

/// Run `cmd` to its end off the async runtime's threads.
pub async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("binary runs")
}
