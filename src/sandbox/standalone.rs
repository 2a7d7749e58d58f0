//! `psa-onboard sandbox`: run the sandbox in the foreground until Ctrl-C.

use std::io::Write;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::{CertMode, Sandbox, SandboxOptions};
use crate::wizard::{self, Psa};

/// Options of the `sandbox` subcommand.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// `unconfigured` or `configured:<wizard-id>`.
    #[arg(long, default_value = "unconfigured")]
    pub scenario: String,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Serve HTTPS with a self-signed certificate (its PEM is printed).
    #[arg(long)]
    pub tls: bool,
    /// Serve HTTPS with this certificate set-up (implies --tls): a self-signed leaf, a valid
    /// private-CA chain, or that chain broken one way (to see how clients report each).
    #[arg(long, value_enum, value_name = "MODE")]
    pub cert: Option<CertMode>,
}

impl SandboxArgs {
    fn tls(&self) -> bool {
        self.tls || self.cert.is_some()
    }
}

/// How the banner describes the certificate served.
fn cert_words(mode: CertMode) -> &'static str {
    match mode {
        CertMode::SelfSigned => "self-signed",
        CertMode::Chained => "private CA chain",
        CertMode::Expired => "private CA chain, EXPIRED leaf",
        CertMode::WrongHost => "private CA chain, leaf for the WRONG HOST",
        CertMode::IncompleteChain => "private CA chain, INCOMPLETE (no intermediate sent)",
    }
}

/// Starts the sandbox, prints where it listens and the demo credentials, waits for Ctrl-C.
pub fn run(opts: &SandboxArgs, out: &mut impl Write) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxOptions {
            scenario: opts.scenario.clone(),
            latency: Duration::from_millis(opts.latency_ms),
            port: opts.port,
            tls: opts.tls(),
            cert: opts.cert.unwrap_or_default(),
            ..SandboxOptions::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        print_banner(&sandbox, opts, out).map_err(|e| format!("cannot write: {e}"))?;
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
        sandbox.shutdown().await;
        let _ = writeln!(out, "\nSandbox stopped.");
        Ok(())
    })
}

fn print_banner(sb: &Sandbox, opts: &SandboxArgs, out: &mut impl Write) -> std::io::Result<()> {
    let creds = sb.credentials();
    let mode = opts.cert.unwrap_or_default();
    let scheme = if opts.tls() {
        format!("HTTPS ({})", cert_words(mode))
    } else {
        "plain HTTP".to_string()
    };
    writeln!(
        out,
        "psa-onboard sandbox: scenario {:?}, {scheme}, listening on {} only",
        opts.scenario,
        sb.local_addr()
    )?;
    writeln!(out)?;
    writeln!(out, "Autotask")?;
    writeln!(out, "  API root (zone lookup): {}", sb.autotask_api_root())?;
    writeln!(
        out,
        "  e.g. {}/V1.0/zoneInformation?user={}",
        sb.autotask_api_root(),
        creds.autotask.username
    )?;
    writeln!(out, "ConnectWise")?;
    writeln!(out, "  site: {}", sb.connectwise_site())?;
    writeln!(
        out,
        "  e.g. {}/login/companyinfo/{}",
        sb.connectwise_site(),
        creds.connectwise.company_id
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Demo credentials. These are PUBLIC demo values that only work against this local sandbox;"
    )?;
    writeln!(
        out,
        "they are printed on purpose. The API user/member exists once its wizard step is applied."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Autotask API user ({}):",
        if sb.shared.scenario_at.is_some() {
            "this scenario's wizard"
        } else {
            "default; a wizard's API-user step creates the one listed for it below"
        }
    )?;
    writeln!(out, "  username:            {}", creds.autotask.username)?;
    writeln!(
        out,
        "  secret:              {}",
        creds.autotask.secret.expose_secret()
    )?;
    writeln!(
        out,
        "  tracking identifier: {}",
        creds.autotask.integration_code
    )?;
    writeln!(
        out,
        "  Per wizard (same secret; the user exists once its API-user step is applied):"
    )?;
    for l in wizard::builtin()
        .into_iter()
        .filter(|l| l.wizard.psa == Psa::Autotask)
    {
        let c = sb.credentials_for(&l.wizard);
        writeln!(
            out,
            "    {:<20} username {}  tracking identifier {}",
            l.wizard.id, c.autotask.username, c.autotask.integration_code
        )?;
    }
    writeln!(out)?;
    writeln!(out, "ConnectWise API member:")?;
    writeln!(out, "  company ID:  {}", creds.connectwise.company_id)?;
    writeln!(out, "  public key:  {}", creds.connectwise.public_key)?;
    writeln!(
        out,
        "  private key: {}",
        creds.connectwise.private_key.expose_secret()
    )?;
    writeln!(out, "  clientId:    {}", creds.connectwise.client_id)?;
    writeln!(
        out,
        "  (admin keys: {} / {})",
        creds.connectwise.admin_public_key,
        creds.connectwise.admin_private_key.expose_secret()
    )?;
    if let Some(pem) = sb.root_cert_pem() {
        writeln!(out)?;
        let what = match mode {
            CertMode::SelfSigned => "self-signed, generated at start",
            _ => "the private root CA, generated at start",
        };
        writeln!(out, "Certificate to trust ({what}):")?;
        write!(out, "{pem}")?;
    }
    writeln!(out)?;
    writeln!(out, "Press Ctrl-C to stop.")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: SandboxArgs,
    }

    #[test]
    fn cert_implies_tls_and_names_each_mode() {
        let cli = Cli::try_parse_from(["x", "--cert", "incomplete-chain"]).unwrap();
        assert_eq!(cli.args.cert, Some(CertMode::IncompleteChain));
        assert!(cli.args.tls());
        for (word, mode) in [
            ("self-signed", CertMode::SelfSigned),
            ("chained", CertMode::Chained),
            ("expired", CertMode::Expired),
            ("wrong-host", CertMode::WrongHost),
        ] {
            let cli = Cli::try_parse_from(["x", "--cert", word]).unwrap();
            assert_eq!(cli.args.cert, Some(mode));
        }
        let err = Cli::try_parse_from(["x", "--cert", "bogus"]).err().unwrap();
        assert!(err.to_string().contains("wrong-host"), "{err}");
        assert!(!Cli::try_parse_from(["x"]).unwrap().args.tls());
    }

    #[tokio::test]
    async fn the_banner_says_which_certificate_and_prints_the_root() {
        let args = Cli::try_parse_from(["x", "--cert", "wrong-host"])
            .unwrap()
            .args;
        let sb = Sandbox::start(SandboxOptions {
            tls: args.tls(),
            cert: args.cert.unwrap_or_default(),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let mut out = Vec::new();
        print_banner(&sb, &args, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("HTTPS (private CA chain, leaf for the WRONG HOST)"),
            "{text}"
        );
        assert!(
            text.contains("Certificate to trust (the private root CA"),
            "{text}"
        );
        assert!(text.contains("-----BEGIN CERTIFICATE-----"), "{text}");
        sb.shutdown().await;
    }
}
