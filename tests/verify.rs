//! The verification engine and `psa-onboard check` against the embedded sandbox, over real
//! HTTP on 127.0.0.1.

use psa_onboard::connection::{AutotaskTarget, Connection, ConnectwiseTarget};
use psa_onboard::sandbox::{Faults, Sandbox, SandboxOptions};
use psa_onboard::verify::{CheckResult, Report, Status, VerifyOptions, Verifier, verify_all};
use psa_onboard::wizard::{self, Psa, Wizard};
use secrecy::SecretString;

const WIZARDS: [&str; 4] = ["topleft-autotask", "tasky-autotask", "rewst-autotask", "topleft-connectwise"];

fn wizard(id: &str) -> Wizard {
    wizard::resolve(id, None).expect("built-in wizard").wizard
}

async fn sandbox(scenario: &str) -> Sandbox {
    Sandbox::start(SandboxOptions { scenario: scenario.into(), ..SandboxOptions::default() })
        .await
        .expect("sandbox starts")
}

fn connection(sb: &Sandbox, w: &Wizard) -> Connection {
    let c = sb.credentials();
    match w.psa {
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

fn all_checks(r: &Report) -> Vec<(String, &CheckResult)> {
    r.steps
        .iter()
        .flat_map(|s| s.checks.iter().map(move |c| (format!("{}/{}", s.id, c.id), c)))
        .collect()
}

fn dump(r: &Report) -> String {
    all_checks(r)
        .iter()
        .map(|(id, c)| format!("{id} [{}] {} — {}", c.status.label(), c.title, c.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn explore_configured() {
    for id in WIZARDS {
        let w = wizard(id);
        let sb = sandbox(&format!("configured:{id}")).await;
        let r = verify_all(&w, &connection(&sb, &w), &VerifyOptions::default()).await;
        println!("===== {id} ok={}\n{}", r.ok, dump(&r));
    }
}
