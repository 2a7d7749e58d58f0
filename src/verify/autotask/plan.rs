//! The Autotask probe plan: what a set of checks will read, fetched in dependency order — zone
//! lookup → ONE sign-in (the API user's own Resources query, with the people to impersonate when
//! a check needs them) → every other read at once, each entity asked once per run. The client's
//! per-endpoint semaphore (2) and the HTTP client's per-run cap bound the burst.

use std::collections::BTreeMap;

use futures::future::{BoxFuture, join_all};

use crate::wizard::{Access, Observe, Op, PermissionRow, RowVerify};

use super::super::Plan;
use super::AtRun;

/// The entities a row reads, and whether each is also probed with a one-record query (the row
/// expects some Query access). `None` when the row names no entity or no expectation.
pub(crate) fn row_reads(row: &PermissionRow) -> Option<(&RowVerify, Vec<&str>, bool)> {
    let v = row.verify.as_ref()?;
    let entities = v.all_entities();
    let expectations = v.expectations();
    if entities.is_empty() || expectations.is_empty() {
        return None;
    }
    let probe = expectations
        .iter()
        .any(|&(op, want)| op == Op::Query && want != Access::None);
    Some((v, entities, probe))
}

/// Entity names are case-insensitive in Autotask (and in the run's caches): one read per entity.
fn add(set: &mut BTreeMap<String, String>, entity: &str) {
    set.entry(entity.to_ascii_lowercase())
        .or_insert_with(|| entity.to_string());
}

/// The reads a plan needs, de-duplicated.
#[derive(Default)]
struct Reads {
    signin: bool,
    threshold: bool,
    me: bool,
    fields: bool,
    humans: bool,
    /// Lower-case name → the name as the wizard spells it (used in the URL).
    entities: BTreeMap<String, String>,
    probes: BTreeMap<String, String>,
}

impl Reads {
    fn of(plan: &Plan<'_>) -> Reads {
        let mut r = Reads::default();
        for &(_, o) in &plan.observes {
            match o {
                Observe::AutotaskCredentials => r.signin = true,
                Observe::AutotaskThreshold => r.threshold = true,
                Observe::AutotaskUserActive => r.me = true,
                Observe::AutotaskUserLicense | Observe::AutotaskUserSecurityLevel => {
                    r.me = true;
                    r.fields = true;
                }
                Observe::AutotaskImpersonationLevels => {
                    r.humans = true;
                    r.fields = true;
                }
                Observe::AutotaskImpersonationWrite => r.humans = true,
                Observe::AutotaskWebhookAccess => add(&mut r.entities, "TicketWebhooks"),
                _ => {}
            }
        }
        for row in &plan.rows {
            if let Some((_, entities, probe)) = row_reads(row) {
                for e in entities {
                    add(&mut r.entities, e);
                    if probe {
                        add(&mut r.probes, e);
                    }
                }
            }
        }
        r
    }

    fn any_signed_in(&self) -> bool {
        self.signin
            || self.threshold
            || self.me
            || self.fields
            || self.humans
            || !self.entities.is_empty()
            || !self.probes.is_empty()
    }
}

impl AtRun {
    /// Fill the run's caches with everything `plan` reads. Nothing at all when the sign-in
    /// fails: the checks then report themselves skipped.
    pub async fn prefetch(&self, plan: &Plan<'_>) {
        let r = Reads::of(plan);
        // Before anything is awaited: the sign-in query then reads the people too, saving the
        // Resources endpoint a read (its 2 slots set the pace).
        if r.humans {
            self.signin_reads_humans
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        if !r.any_signed_in() || self.gate().await.is_err() {
            return;
        }
        let mut reads: Vec<BoxFuture<'_, ()>> = Vec::new();
        // Resources first: it has the most reads on one endpoint, so it sets the pace. The API
        // user's own record came with the sign-in.
        if r.me {
            reads.push(Box::pin(async {
                let _ = self.me().await;
            }));
        }
        if r.fields {
            reads.push(Box::pin(async {
                let _ = self.resource_fields().await;
            }));
        }
        if r.humans {
            reads.push(Box::pin(async {
                let _ = self.humans().await;
            }));
        }
        if r.threshold {
            reads.push(Box::pin(async {
                let _ = self.threshold.get_or_init(|| self.client.threshold()).await;
            }));
        }
        for e in r.entities.values() {
            reads.push(Box::pin(async move {
                let _ = self.entity_info(e).await;
            }));
        }
        // The sign-in query was the Resources probe.
        for e in r
            .probes
            .values()
            .filter(|e| !e.eq_ignore_ascii_case("Resources"))
        {
            reads.push(Box::pin(async move {
                let _ = self.probe_query(e).await;
            }));
        }
        join_all(reads).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::{AutotaskTarget, Connection};
    use crate::verify::{Verifier, VerifyOptions};

    fn verifier(allow_writes: bool) -> Verifier {
        // Planning sends nothing; the address is never contacted.
        let conn = Connection::Autotask {
            target: AutotaskTarget {
                api_root: "http://127.0.0.1:9/atservicesrest".into(),
                username: "u".into(),
                integration_code: "c".into(),
            },
            secret: secrecy::SecretString::from("s"),
        };
        Verifier::new(
            &conn,
            &VerifyOptions {
                allow_writes,
                ..VerifyOptions::default()
            },
        )
    }

    #[test]
    fn each_entity_is_read_once_and_manual_rows_and_unallowed_writes_ask_nothing() {
        let w = crate::wizard::resolve("topleft-autotask", None)
            .unwrap()
            .wizard;
        let plan = verifier(false).plan(w.steps.iter());
        assert!(plan.observes.iter().all(|(_, o)| !o.is_write()));
        assert!(plan.rows.iter().all(|r| r.manual_reason().is_none()));
        let with_writes = verifier(true).plan(w.steps.iter());
        assert!(with_writes.observes.iter().any(|(_, o)| o.is_write()));

        let mentions: Vec<String> = plan
            .rows
            .iter()
            .filter_map(|r| row_reads(r))
            .flat_map(|(_, e, _)| e.into_iter().map(str::to_ascii_lowercase))
            .collect();
        let reads = Reads::of(&plan);
        assert!(
            reads.entities.len() < mentions.len(),
            "an entity backs several rows"
        );
        for m in &mentions {
            assert!(reads.entities.contains_key(m), "{m}");
        }
        assert!(reads.probes.keys().all(|p| reads.entities.contains_key(p)));
        assert!(reads.me && reads.fields && reads.threshold && reads.any_signed_in());
    }

    #[test]
    fn a_row_is_probed_only_when_it_expects_query_access() {
        let row = |verify: &str| -> PermissionRow {
            toml::from_str(&format!(
                "module = \"M\"\nfunction = \"F\"\nverify = {verify}"
            ))
            .unwrap()
        };
        let r = row(r#"{ entity = "Tickets", query = "Any", create = "None" }"#);
        let (_, e, probe) = row_reads(&r).unwrap();
        assert_eq!((e, probe), (vec!["Tickets"], true));
        let r = row(r#"{ entities = ["A", "B"], update = "Any" }"#);
        let (_, e, probe) = row_reads(&r).unwrap();
        assert_eq!((e, probe), (vec!["A", "B"], false));
        let r = row(r#"{ entity = "Tickets", query = "None" }"#);
        assert!(!row_reads(&r).unwrap().2);
        assert!(row_reads(&row(r#"{ entity = "Tickets" }"#)).is_none());
        assert!(row_reads(&row(r#"{ manual = "why" }"#)).is_none());
    }
}
