use std::collections::BTreeMap;

use psa_onboard::connection::Connection;
use psa_onboard::sandbox::{AccessLevel, CwLevel, Sandbox, Tenant};
use psa_onboard::verify::{CheckResult, Report, Status, VerifyOptions, verify_all};
use psa_onboard::wizard::{Access, Column, Observe, Op, PermissionRow, Psa, Wizard};

#[path = "common/mod.rs"]
mod common;
use common::check;
use common::sandbox::configured;
use common::wizards::{ids as wizards, wizard};

// ------------------------------------------------------------------------------------------
// Requirements, from the wizard data

/// The one thing a break changes in the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// Autotask: the API user's security level's access to an entity operation.
    Autotask { entity: String, op: Op },
    /// ConnectWise: one level column of a module function in the API member's role.
    Connectwise {
        module: String,
        function: String,
        column: Column,
    },
}

/// What a row asks of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Autotask(Access),
    Connectwise(CwLevel),
}

/// A row checking a target: (step id, 0-based row index, what it wants).
type RowRef = (String, usize, Want);

/// Every target the wizard's automated rows check, with every row that checks it (the three CRM
/// account-type rows share one Companies query, for one).
fn requirements(w: &Wizard) -> Vec<(Target, Vec<RowRef>)> {
    let mut out: Vec<(Target, Vec<RowRef>)> = Vec::new();
    for step in &w.steps {
        for (i, row) in step.permissions.iter().enumerate() {
            for (target, want) in row_targets(w.psa, row) {
                let r = (step.id.clone(), i, want);
                match out.iter_mut().find(|(t, _)| *t == target) {
                    Some((_, rows)) => rows.push(r),
                    None => out.push((target, vec![r])),
                }
            }
        }
    }
    out
}

fn row_targets(psa: Psa, row: &PermissionRow) -> Vec<(Target, Want)> {
    if row.manual_reason().is_some() {
        return Vec::new();
    }
    match psa {
        Psa::Autotask => {
            let Some(v) = row.verify.as_ref().filter(|v| v.observe.is_none()) else {
                return Vec::new();
            };
            v.all_entities()
                .into_iter()
                .flat_map(|e| {
                    v.expectations().into_iter().map(move |(op, want)| {
                        let entity = e.to_string();
                        (Target::Autotask { entity, op }, Want::Autotask(want))
                    })
                })
                .collect()
        }
        Psa::Connectwise => {
            // The names ConnectWise lists the function under (the guide may spell them
            // differently: `verify.module` / `verify.function`).
            let Some(function) = row.psa_function().map(str::to_string) else {
                return Vec::new();
            };
            row.levels()
                .filter_map(|(column, v)| {
                    let want = CwLevel::parse(v)?;
                    let t = Target::Connectwise {
                        module: row.psa_module().to_string(),
                        function: function.clone(),
                        column,
                    };
                    Some((t, Want::Connectwise(want)))
                })
                .collect()
        }
    }
}

/// The values a target can be broken to (everything but what the configured tenant holds).
fn breaks(t: &Target, baseline: Value) -> Vec<Value> {
    match (t, baseline) {
        (Target::Autotask { .. }, Value::Autotask(b)) => {
            [AccessLevel::None, AccessLevel::Restricted, AccessLevel::All]
                .into_iter()
                .filter(|l| *l != b)
                .map(Value::Autotask)
                .collect()
        }
        (Target::Connectwise { .. }, Value::Connectwise(b)) => {
            [CwLevel::None, CwLevel::My, CwLevel::All]
                .into_iter()
                .filter(|l| *l != b)
                .map(Value::Connectwise)
                .collect()
        }
        _ => unreachable!("a target's value is of its PSA"),
    }
}

/// A target's value in the tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Autotask(AccessLevel),
    Connectwise(CwLevel),
}

/// What the row must say when its target holds `v`, as the PSA reports it. `None` = pass.
fn expected(want: Want, v: Value, strict: bool) -> Status {
    let excess = if strict { Status::Fail } else { Status::Warn };
    match (want, v) {
        (Want::Autotask(want), Value::Autotask(got)) => match (want, got) {
            (Access::All, AccessLevel::All) => Status::Pass,
            (Access::All, _) => Status::Fail,
            (Access::Any, AccessLevel::All) => Status::Pass,
            (Access::Any, AccessLevel::Restricted) => Status::Warn,
            (Access::Any, AccessLevel::None) => Status::Fail,
            (Access::Restricted, AccessLevel::Restricted) => Status::Pass,
            (Access::Restricted, AccessLevel::None) => Status::Fail,
            (Access::Restricted, AccessLevel::All) => excess,
            (Access::None, AccessLevel::None) => Status::Pass,
            (Access::None, _) => excess,
        },
        (Want::Connectwise(want), Value::Connectwise(got)) => match got.cmp(&want) {
            std::cmp::Ordering::Equal => Status::Pass,
            std::cmp::Ordering::Less => Status::Fail,
            std::cmp::Ordering::Greater => excess,
        },
        _ => unreachable!("a row's want is of its PSA"),
    }
}

// ------------------------------------------------------------------------------------------
// Breaking and restoring one requirement in the sandbox

/// Whose level or role the checks read: the credentials the run signs in with.
fn principal(sb: &Sandbox, psa: Psa) -> String {
    let c = sb.credentials();
    match psa {
        Psa::Autotask => c.autotask.username,
        Psa::Connectwise => c.connectwise.public_key,
    }
}

/// A target's value as the PSA reports it.
fn get(t: &mut Tenant, who: &str, target: &Target) -> Value {
    match target {
        Target::Autotask { entity, op } => {
            let l = t
                .autotask
                .level_of_user_mut(who)
                .expect("the API user's level");
            Value::Autotask(l.effective(entity, *op))
        }
        Target::Connectwise {
            module,
            function,
            column,
        } => {
            let r = t
                .connectwise
                .role_of_key_mut(who)
                .expect("the API member's role");
            Value::Connectwise(r.setting(module, function).get(*column))
        }
    }
}

/// Set a target, returning its previous value and the value the PSA now reports (the sandbox's
/// rules can keep a floor, e.g. an API user always finds its own Resources record).
fn set(t: &mut Tenant, who: &str, target: &Target, v: Value) -> (Value, Value) {
    match (target, v) {
        (Target::Autotask { entity, op }, Value::Autotask(level)) => {
            let l = t
                .autotask
                .level_of_user_mut(who)
                .expect("the API user's level");
            let old = l.entity_access(entity).get(*op);
            l.entity_access_mut(entity).set(*op, level);
            let now = l.effective(entity, *op);
            (Value::Autotask(old), Value::Autotask(now))
        }
        (
            Target::Connectwise {
                module,
                function,
                column,
            },
            Value::Connectwise(level),
        ) => {
            let r = t
                .connectwise
                .role_of_key_mut(who)
                .expect("the API member's role");
            let s = r.setting_mut(module, function);
            let old = s.get(*column);
            s.set(*column, level);
            (Value::Connectwise(old), Value::Connectwise(level))
        }
        _ => unreachable!("a target's value is of its PSA"),
    }
}

// ------------------------------------------------------------------------------------------
// Reading a report

type Key = (String, String);

fn results(r: &Report) -> BTreeMap<Key, CheckResult> {
    r.steps
        .iter()
        .flat_map(|s| {
            s.checks
                .iter()
                .map(|c| ((s.id.clone(), c.id.clone()), c.clone()))
        })
        .collect()
}

fn row_key(step: &str, i: usize) -> Key {
    (step.to_string(), format!("row-{}", i + 1))
}

fn dump(r: &BTreeMap<Key, CheckResult>) -> String {
    r.iter()
        .map(|((s, id), c)| format!("{s}/{id} [{}] {} — {}", c.status.label(), c.title, c.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The entities a step-level Autotask observation reads: a break of one of them may change it.
fn reads(o: Observe) -> &'static [&'static str] {
    match o {
        Observe::AutotaskUserActive
        | Observe::AutotaskUserLicense
        | Observe::AutotaskUserSecurityLevel
        | Observe::AutotaskImpersonationLevels
        | Observe::AutotaskImpersonationWrite => &["Resources"],
        Observe::AutotaskWebhookAccess | Observe::AutotaskWebhookWrite => &["TicketWebhooks"],
        _ => &[],
    }
}

/// Checks a break of `target` may legitimately change besides its rows.
fn depends_on(w: &Wizard, key: &Key, target: &Target) -> bool {
    let Target::Autotask { entity, .. } = target else {
        return false;
    };
    let Some(step) = w.step(&key.0) else {
        return false;
    };
    step.checks
        .iter()
        .find(|c| c.id == key.1)
        .and_then(|c| c.observe)
        .is_some_and(|o| reads(o).iter().any(|e| e.eq_ignore_ascii_case(entity)))
}

// ------------------------------------------------------------------------------------------
// The tests

/// The guide's tenant, verified: no failure, every automated row passes, every row the API
/// cannot observe is manual with its reason as the detail, and a row's note travels with it.
fn assert_baseline(w: &Wizard, base: &BTreeMap<Key, CheckResult>) {
    assert!(
        !base.values().any(|c| c.status == Status::Fail),
        "{}: the configured tenant fails\n{}",
        w.id,
        dump(base)
    );
    for step in &w.steps {
        for (i, row) in step.permissions.iter().enumerate() {
            let c = &base[&row_key(&step.id, i)];
            if let Some(reason) = row.manual_reason() {
                assert_eq!(c.status, Status::Manual, "{} {}", w.id, row.label());
                assert!(!reason.trim().is_empty(), "{} {}", w.id, row.label());
                assert_eq!(
                    c.detail,
                    reason,
                    "{} {}: the reason is shown",
                    w.id,
                    row.label()
                );
            } else {
                assert_eq!(
                    c.status,
                    Status::Pass,
                    "{} {}: {}",
                    w.id,
                    row.label(),
                    c.detail
                );
            }
            if let Some(note) = row.verify.as_ref().and_then(|v| v.note.as_deref()) {
                assert!(
                    c.detail.contains(note),
                    "{} {}: {}",
                    w.id,
                    row.label(),
                    c.detail
                );
            }
        }
    }
}

async fn run(w: &Wizard, conn: &Connection, strict: bool) -> BTreeMap<Key, CheckResult> {
    // The guide's tenant includes its optional parts (`configured:<id>` applies every step):
    // choose them all, so their rows are checked too.
    let opts = VerifyOptions {
        strict,
        with: ["all".to_string()].into(),
        ..VerifyOptions::default()
    };
    results(&verify_all(w, conn, &opts).await)
}

/// Breaks every requirement of one wizard in turn; returns how many breaks were verified.
async fn truth_of(id: &str) -> usize {
    let w = wizard(id);
    let sb = configured(id).await;
    let conn = sb.connection(w.psa);
    let who = principal(&sb, w.psa);
    let base = run(&w, &conn, false).await;
    assert_baseline(&w, &base);
    let strict_base = run(&w, &conn, true).await;

    let reqs = requirements(&w);
    // Every automated row is covered by at least one requirement.
    for step in &w.steps {
        for (i, row) in step.permissions.iter().enumerate() {
            if row.manual_reason().is_none() {
                assert!(
                    reqs.iter()
                        .flat_map(|(_, r)| r)
                        .any(|(s, j, _)| *s == step.id && *j == i),
                    "{id} {}: an automated row no break reaches",
                    row.label()
                );
            }
        }
    }

    let mut verified = 0;
    for (target, rows) in &reqs {
        let held = sb.with_tenant(|t| get(t, &who, target));
        let mut seen = vec![held];
        for v in breaks(target, held) {
            let (_, reported) = sb.with_tenant(|t| set(t, &who, target, v));
            if seen.contains(&reported) {
                // The sandbox's model keeps a floor (an API user always finds its own Resources
                // record, so None reads as Restricted): a state already verified.
                sb.with_tenant(|t| set(t, &who, target, held));
                continue;
            }
            seen.push(reported);
            let raised = rows.iter().any(|(_, _, want)| {
                expected(*want, reported, true) != expected(*want, reported, false)
            });
            for strict in [false, true] {
                if strict && !raised {
                    continue;
                }
                let got = run(&w, &conn, strict).await;
                let baseline = if strict { &strict_base } else { &base };
                check_break(&w, target, reported, rows, strict, baseline, &got);
                verified += 1;
            }
            sb.with_tenant(|t| set(t, &who, target, held));
        }
    }
    // Restored: the tenant is the guide's again.
    assert_eq!(
        statuses(&run(&w, &conn, false).await),
        statuses(&base),
        "{id}: restored"
    );
    sb.shutdown().await;
    verified
}

fn statuses(r: &BTreeMap<Key, CheckResult>) -> BTreeMap<Key, Status> {
    r.iter().map(|(k, c)| (k.clone(), c.status)).collect()
}

/// One broken requirement: its rows say so and name it; nothing else changed.
fn check_break(
    w: &Wizard,
    target: &Target,
    v: Value,
    rows: &[RowRef],
    strict: bool,
    baseline: &BTreeMap<Key, CheckResult>,
    got: &BTreeMap<Key, CheckResult>,
) {
    let ctx = format!(
        "{} {target:?} = {v:?}{}",
        w.id,
        if strict { " (strict)" } else { "" }
    );
    for (step, i, want) in rows {
        let c = &got[&row_key(step, *i)];
        let want_status = expected(*want, v, strict);
        assert_eq!(c.status, want_status, "{ctx}: {} — {}", c.title, c.detail);
        assert_ne!(c.status, Status::Pass, "{ctx}: a broken requirement passed");
        // It names what it saw: the entity (or function) and the operation (or column).
        let p = c
            .permission
            .as_ref()
            .unwrap_or_else(|| panic!("{ctx}: {} names no observation", c.title));
        match target {
            Target::Autotask { entity, op } => {
                assert!(p.function.eq_ignore_ascii_case(entity), "{ctx}: {p:?}");
                assert_eq!(p.op, op.label(), "{ctx}: {p:?}");
            }
            Target::Connectwise {
                function, column, ..
            } => {
                assert!(p.function.eq_ignore_ascii_case(function), "{ctx}: {p:?}");
                assert_eq!(p.op, column.key(), "{ctx}: {p:?}");
            }
        }
        assert!(!c.remedy.is_empty(), "{ctx}: {} has no remedy", c.title);
    }
    for (key, before) in baseline {
        let is_row = rows.iter().any(|(s, i, _)| row_key(s, *i) == *key);
        if is_row || depends_on(w, key, target) {
            continue;
        }
        let after = &got[key];
        assert_eq!(
            after.status, before.status,
            "{ctx}: {}/{} changed: {}",
            key.0, key.1, after.detail
        );
    }
}

#[tokio::test]
async fn every_automated_row_fails_or_warns_when_its_one_requirement_is_broken() {
    let started = std::time::Instant::now();
    let mut total = 0;
    for id in wizards() {
        let n = truth_of(id).await;
        let reqs = requirements(&wizard(id)).len();
        eprintln!("{id}: {reqs} requirements, {n} broken-tenant runs");
        total += n;
    }
    assert!(total > 100, "{total} runs: the generator found too little");
    eprintln!("{total} runs in {:.1?}", started.elapsed());
}

/// What an Autotask row's level column asks of its entity operation, as the guide writes it.
fn column_want(column: Column, value: &str) -> Option<(Op, Access)> {
    let op = match column {
        Column::View | Column::Permission => Op::Query,
        Column::Add => Op::Create,
        Column::Edit => Op::Update,
        Column::Delete => Op::Delete,
        Column::Inquire => return None,
    };
    let want = match value {
        "All" => Access::All,
        "Yes" | "Checked" => Access::Any,
        // Autotask reports every "Mine" scope as Restricted.
        "Mine" => Access::Restricted,
        "No" | "None" => Access::None,
        _ => return None,
    };
    Some((op, want))
}

/// The guide's columns carry over to the checks: "View All" is checked as All (never "Any",
/// which would pass a Restricted level), "No"/"None" as None; a column on an operation Autotask's
/// REST API does not offer for the entity is left out and the row's note says so.
#[test]
fn autotask_expectations_follow_the_guides_columns() {
    use psa_onboard::wizard::validate::autotask_allows;
    let mut checked = 0;
    for id in wizards() {
        let w = wizard(id);
        for (step, row) in w.rows() {
            let Some(v) = row.verify.as_ref() else {
                continue;
            };
            if w.psa != Psa::Autotask || v.manual.is_some() || v.observe.is_some() {
                continue;
            }
            let exp = v.expectations();
            for (column, value) in row.levels() {
                let Some((op, want)) = column_want(column, value) else {
                    continue;
                };
                for e in v.all_entities() {
                    let ctx = format!("{id} {}/{} {e} {column:?}={value}", step.id, row.label());
                    if autotask_allows(e, op) {
                        assert!(exp.contains(&(op, want)), "{ctx}: expects {exp:?}");
                    } else {
                        assert!(
                            exp.iter().all(|(o, _)| *o != op),
                            "{ctx}: cannot be observed"
                        );
                        let note = v.note.as_deref().unwrap_or_default();
                        assert!(
                            note.contains(column.label(Psa::Autotask)),
                            "{ctx}: the note must say this column is not checked: {note:?}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "{checked} columns");
}

/// The guide's tenant passes the real `check` with exit 0, and every row the API cannot observe
/// is printed with its reason.
#[tokio::test]
async fn the_guides_tenant_passes_check_and_prints_every_manual_reason() {
    for id in wizards() {
        let w = wizard(id);
        let sb = configured(id).await;
        let c = sb.credentials();
        let mut cmd = check::check_cmd(id);
        check::sandbox_env(&mut cmd, &sb, w.psa, &c);
        // The guide's words as written (a non-UTF-8 locale would spell them in ASCII).
        cmd.env("LC_ALL", "C.UTF-8").env_remove("NO_COLOR");
        let out = check::output(cmd).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{id}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Every manual item of the steps this run checks prints its reason; the guide's
        // conditional steps are not chosen here (no `--with`) and say so instead.
        let chosen = w.steps.iter().filter(|s| !s.optional);
        let rows = chosen
            .clone()
            .flat_map(|s| &s.permissions)
            .filter_map(|r| Some((r.label(), r.manual_reason()?)));
        let checks = chosen
            .flat_map(|s| &s.checks)
            .filter_map(|c| Some((c.title.clone(), c.manual.as_deref()?)));
        for (what, reason) in rows.chain(checks) {
            assert!(stdout.contains(reason), "{id} {what}: reason not printed");
        }
        for s in w.steps.iter().filter(|s| s.optional) {
            assert!(
                stdout.contains(&format!("--with {}", s.id)),
                "{id} {}: not said to be unchosen:\n{stdout}",
                s.id
            );
        }
        sb.shutdown().await;
    }
}

/// The impersonation grid is manual, and the opt-in write test is its proof: it passes on the
/// guide's tenant and fails when the grid lacks Ticket Notes › Add (the grant it exercises).
#[tokio::test]
async fn the_write_test_proves_the_impersonation_grid() {
    for id in ["topleft-autotask", "tasky-autotask"] {
        let w = wizard(id);
        let sb = configured(id).await;
        let conn = sb.connection(w.psa);
        let who = principal(&sb, w.psa);
        let opts = VerifyOptions {
            allow_writes: true,
            ..VerifyOptions::default()
        };
        let write_test = |r: &Report| {
            r.steps
                .iter()
                .flat_map(|s| &s.checks)
                .find(|c| c.id == "write-test")
                .cloned()
                .expect("a write test")
        };
        let ok = write_test(&verify_all(&w, &conn, &opts).await);
        assert_eq!(ok.status, Status::Pass, "{id}: {}", ok.detail);
        sb.with_tenant(|t| {
            let l = t.autotask.level_of_user_mut(&who).unwrap();
            assert!(
                l.grid_allows("TicketNotes", Op::Create),
                "{id}: set by the guide"
            );
            l.impersonation_grants
                .retain(|(e, op)| !(e.eq_ignore_ascii_case("TicketNotes") && *op == Op::Create));
        });
        let broken = write_test(&verify_all(&w, &conn, &opts).await);
        assert_eq!(broken.status, Status::Fail, "{id}: {}", broken.detail);
        assert!(broken.detail.contains("Ticket Notes"), "{}", broken.detail);
        sb.shutdown().await;
    }
}
