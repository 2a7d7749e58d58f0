//! Evidence: the vendor's answer, every row exported with what was seen, every surface agreeing on a verdict.

use super::*;

// ---------------------------------------------------------------------------------------------
// Credential hand-off (issue #6)

/// The hand-off step's evidence (the vendor's answer to a real HTTP submission to the
/// sandbox) is saved in the session file, without the secret sent, and comes back on resume.
#[tokio::test]
async fn the_vendor_answer_is_session_evidence_and_survives_resume() {
    use psa_onboard::handoff::{self, Payload};
    use psa_onboard::sandbox::{CW_PRIVATE_KEY, Sandbox, SandboxOptions};
    use psa_onboard::tui::app::{FieldId, Msg, Run, Screen, State, update};
    use psa_onboard::tui::store;
    use psa_onboard::wizard::PortalField;

    let env = Env::new();
    let store_ = env.store();
    let loaded = builtin("topleft-connectwise");
    let session = new_session(&store_, "acme-handoff", "topleft-connectwise");
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let cw = sb.credentials().connectwise;

    // A run at the hand-off step, the values filled in, submitting to the sandbox.
    let w = std::sync::Arc::new(loaded.wizard.clone());
    let mut run = Run::new(
        w.clone(),
        session.name.clone(),
        w.id.clone(),
        loaded.content_hash.clone(),
    );
    run.form.set(FieldId::Site, &sb.connectwise_site());
    run.form.set(FieldId::CompanyId, &cw.company_id);
    run.form.set(FieldId::PublicKey, &cw.public_key);
    run.form.set(FieldId::PrivateKey, CW_PRIVATE_KEY);
    run.form
        .set(FieldId::ClientId, "1a2b3c4d-0000-4000-8000-00000000abcd");
    let step = w.steps.iter().position(|s| s.id == "submit").unwrap();
    run.go_to(step);
    run.handoff.endpoint = Some(sb.vendor_submit_url());
    let mut state = State::new(Screen::Run(Box::new(run)), false);
    let key = |c| {
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        ))
    };
    assert!(update(&mut state, key('p')).is_empty(), "asks first");
    let fx = update(&mut state, key('y'));
    let Some(psa_onboard::tui::app::Effect::Submit {
        step, generation, ..
    }) = fx.first().cloned()
    else {
        panic!("{fx:?}")
    };
    // What the effect runner sends: the portal's fields from the form, over real HTTP.
    let r = state.run().unwrap();
    let payload = Payload {
        fields: w.steps[step]
            .portal
            .as_ref()
            .unwrap()
            .fields
            .iter()
            .map(|f| {
                let id = f.field();
                (
                    *f,
                    SecretString::from(r.form.field(id).unwrap().value().to_string()),
                )
            })
            .collect(),
    };
    assert!(
        payload
            .fields
            .iter()
            .any(|(f, _)| *f == PortalField::PrivateKey)
    );
    let answer = handoff::submit(&sb.vendor_submit_url(), &payload, Default::default())
        .await
        .unwrap();
    assert_eq!(sb.vendor_submissions()[0]["private_key"], CW_PRIVATE_KEY);
    update(
        &mut state,
        Msg::Submitted {
            step,
            generation,
            result: Ok(answer),
        },
    );

    // Saved through the store, as the TUI saves.
    let mut open = store_.open(&session.name).unwrap();
    let who = open.session.who.clone();
    store::apply(
        &store::snapshot(state.run().unwrap()),
        &mut open.session,
        ts("2026-01-05T10:05:00Z"),
        &who,
    );
    open.save().unwrap();
    drop(open);
    let file =
        std::fs::read_to_string(env.path("state").join("sessions").join("acme-handoff.toml"))
            .unwrap();
    assert!(
        file.contains("answered HTTP 200") && file.contains("SBX-0001"),
        "{file}"
    );
    assert!(
        !file.contains(CW_PRIVATE_KEY),
        "the secret reached the session file"
    );

    // Resumed: the evidence is the hand-off step's last report again.
    let saved = store_.load(&session.name).unwrap();
    let back = store::restore(&saved, w.clone(), w.id.clone(), loaded.content_hash.clone());
    let rep = back.progress[step]
        .report
        .as_ref()
        .expect("evidence restored");
    assert_eq!(rep.checks[0].id, psa_onboard::tui::app::handoff::ANSWER_ID);
    assert_eq!(rep.checks[0].status, Status::Pass);
    assert!(
        rep.checks[0].detail.contains("\"credentials\":\"valid\""),
        "{rep:?}"
    );

    // The setup summary shows the vendor's answer as the step's evidence, in every format.
    for format in [Format::Md, Format::Json, Format::Html] {
        let out = export::render(&saved, &loaded.wizard, format);
        assert!(out.contains("SBX-0001"), "{format:?}: {out}");
        assert!(!out.contains(CW_PRIVATE_KEY));
    }
    sb.shutdown().await;
}

/// A scripted onboarding (`check --save-session`) against a configured tenant, then every
/// export lists every guide row with what the PSA answered; then a drift audit of the same
/// session against an unconfigured tenant at the same address verifies nothing "now".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_session_exports_every_row_with_evidence_and_a_failed_reaudit_verifies_nothing() {
    if !session_bus() {
        eprintln!("SKIPPED check --save-session: no D-Bus session bus (run scripts/test.sh)");
        return;
    }
    for id in ["topleft-connectwise", "topleft-autotask"] {
        let env = Env::new();
        let w = builtin(id).wizard;
        let sb = configured(id).await;
        let name = format!("flow-{}-{}", w.psa.short(), std::process::id());
        let mut cmd = env.cmd(&["check", "--wizard", id, "--save-session", &name]);
        check_env(&mut cmd, &sb, &w);
        let out = check::output(cmd).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{id}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        // The secret went to the keyring, not the file.
        let stored = std::fs::read_to_string(
            env.path("state")
                .join("sessions")
                .join(format!("{name}.toml")),
        )
        .unwrap();
        let c = sb.credentials_for(&w);
        for secret in [
            c.autotask.secret.expose_secret(),
            c.connectwise.private_key.expose_secret(),
        ] {
            assert!(!stored.contains(secret), "{id}: a secret on disk");
        }

        let json = env.run(&["export", &name, "--format", "json"]);
        assert!(json.status.success(), "{}", text(&json.stderr));
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(v["format_version"], 2);
        let md = text(&env.run(&["export", &name, "--format", "md"]).stdout);
        let html = text(&env.run(&["export", &name, "--format", "html"]).stdout);
        let perms = v["permissions"].as_array().expect("permissions");
        let mut rows = 0;
        for step in &w.steps {
            for (i, row) in step.permissions.iter().enumerate() {
                rows += 1;
                let key = format!("row-{}", i + 1);
                let lines: Vec<_> = perms
                    .iter()
                    .filter(|p| p["step"] == step.id.as_str() && p["check"] == key.as_str())
                    .collect();
                assert!(
                    !lines.is_empty(),
                    "{id}: {} {key} missing from the export",
                    step.id
                );
                if row.manual_reason().is_none() && row.verify.is_some() {
                    for l in &lines {
                        assert!(
                            !l["observed"].as_str().unwrap_or("").is_empty()
                                && l["observed_at"].is_string(),
                            "{id}: {} {key} has no observed value: {l}",
                            step.id
                        );
                        assert!(
                            l["evidence"].as_array().is_some_and(|e| !e.is_empty()),
                            "{l}"
                        );
                    }
                }
                let label = psa_onboard::export::sanitize::clean(&row.label());
                assert!(
                    md.contains(&psa_onboard::export::sanitize::markdown(&label)),
                    "{id}: md lacks {label}"
                );
                assert!(
                    html.contains(&psa_onboard::export::sanitize::html(&label)),
                    "{id}: html lacks {label}"
                );
            }
        }
        if id == "topleft-connectwise" {
            assert_eq!(rows, 26, "the ConnectWise guide's table has 26 rows");
        }
        assert!(
            v["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["status"] == "verified"),
            "{id}: {v}"
        );

        // Drift audit against an unconfigured tenant on the same address.
        sb.load_scenario("unconfigured").unwrap();
        let n = name.clone();
        let reaudit = env.cmd(&["check", "--session", &n, "--format", "json"]);
        let out = check::output(reaudit).await;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let check: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let json = env.run(&["export", &name, "--format", "json"]);
        let after: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        for (s, c) in after["steps"]
            .as_array()
            .unwrap()
            .iter()
            .zip(check["steps"].as_array().unwrap())
        {
            assert!(
                !matches!(s["status"].as_str(), Some("verified" | "partly_verified")),
                "{id}: {} still verified after a failed re-audit: {s}",
                s["id"]
            );
            // check --session and the export agree.
            assert_eq!(s["status"], c["verdict"], "{id}: {}", s["id"]);
        }
        let texts: Vec<&str> = after["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["status_text"].as_str())
            .collect();
        // A step that was proven before (ConnectWise's steps have no manual items; Autotask's
        // still had items for the admin to confirm) says since when, never "verified now".
        if w.psa == wizard::Psa::Connectwise {
            assert!(
                texts.iter().any(|t| t.starts_with("Not re-verified since")),
                "{id}: {texts:?}"
            );
        }
        assert!(
            texts.iter().all(|t| !t.starts_with("Verified")),
            "{id}: {texts:?}"
        );
        sb.shutdown().await;
    }
}

/// Sessions in every verdict, built from each wizard's own steps: the TUI's step rail,
/// `sessions`, and the md/json/html exports say the same thing for every step. (`check
/// --session` agreeing with the export is asserted in the save-session flow test above.)
#[test]
fn every_surface_agrees_on_every_verdict() {
    use psa_onboard::verdict::items;
    let t0 = ts("2026-01-05T10:00:00Z");
    let mut seen = std::collections::BTreeSet::new();
    for id in [
        "topleft-autotask",
        "topleft-connectwise",
        "tasky-autotask",
        "rewst-autotask",
    ] {
        let loaded = builtin(id);
        let w = &loaded.wizard;
        let mut s = Session::new("agree", &loaded, "tester", t0).unwrap();
        let writes: Vec<&str> = w
            .steps
            .iter()
            .flat_map(|st| &st.checks)
            .filter(|c| c.write)
            .map(|c| c.id.as_str())
            .collect();
        // A run of a step: automated items pass (or fail), writes not allowed, manual manual.
        let run = |i: usize, failing: bool| {
            let checks = items(&w.steps[i])
                .into_iter()
                .map(|(k, manual)| {
                    let status = if manual {
                        Status::Manual
                    } else if writes.contains(&k.as_str()) {
                        Status::Skipped
                    } else if failing {
                        Status::Fail
                    } else {
                        Status::Pass
                    };
                    CheckResult {
                        observed_at: matches!(status, Status::Pass | Status::Fail).then_some(t0),
                        skip: (status == Status::Skipped)
                            .then_some(psa_onboard::verify::SkipCause::WritesNotAllowed),
                        ..CheckResult::new(k.clone(), k, status)
                    }
                })
                .collect();
            StepReport::new(w.steps[i].id.clone(), "t".into(), checks)
        };
        let mut todo = vec![
            "skipped_optional",
            "verified",
            "confirmed_by_you",
            "partly_verified",
            "not_verified",
            "continued_unverified",
        ];
        for (i, st) in w.steps.iter().enumerate() {
            let its = items(st);
            let automated = its
                .iter()
                .filter(|(k, m)| !m && !writes.contains(&k.as_str()))
                .count();
            let manual = its.iter().filter(|(_, m)| *m).count();
            let want = todo
                .iter()
                .position(|v| match *v {
                    "skipped_optional" => st.optional,
                    "verified" => automated > 0 && manual == 0,
                    "confirmed_by_you" => automated == 0 && manual > 0,
                    "partly_verified" => automated > 0 && manual > 0,
                    "not_verified" => automated > 0,
                    _ => true,
                })
                .map(|p| todo.remove(p));
            match want {
                Some("skipped_optional") => s.skip_optional(&st.id, t0),
                Some("continued_unverified") => {
                    s.continue_unverified(&st.id, "PSA unreachable", t0)
                }
                Some("not_verified") => s.record_run(run(i, true), t0),
                Some(_) => {
                    s.record_run(run(i, false), t0);
                    for (k, m) in &its {
                        if *m {
                            s.confirm(&st.id, k, "tester", t0);
                        }
                    }
                }
                None => {}
            }
        }
        let truth: Vec<(String, String)> = s
            .verdicts(Some(w))
            .into_iter()
            .map(|(id, v)| (id, v.key().to_string()))
            .collect();
        seen.extend(truth.iter().map(|(_, k)| k.clone()));

        let json: serde_json::Value =
            serde_json::from_str(&export::render(&s, w, Format::Json)).unwrap();
        let md = export::render(&s, w, Format::Md);
        let html = export::render(&s, w, Format::Html);
        for ((sid, key), step) in truth.iter().zip(json["steps"].as_array().unwrap()) {
            assert_eq!(step["id"], sid.as_str());
            assert_eq!(step["status"], key.as_str(), "{id} json {sid}");
            let label = s.verdict(sid, w.step(sid)).label();
            assert!(md.contains(label), "{id}: md lacks {label} for {sid}");
            assert!(html.contains(label), "{id}: html lacks {label} for {sid}");
        }
        let tui = psa_onboard::tui::store::restore(
            &s,
            std::sync::Arc::new(w.clone()),
            w.id.clone(),
            loaded.content_hash.clone(),
        );
        for (i, (sid, key)) in truth.iter().enumerate() {
            assert_eq!(tui.verdict(i).key(), key, "{id} TUI {sid}");
        }
        let env = Env::new();
        let mut open = env.store().create(s.clone()).unwrap();
        open.save().unwrap();
        drop(open);
        let list = text(&env.run(&["sessions"]).stdout);
        let done = truth.iter().filter(|(_, k)| k != "not_verified").count();
        assert!(
            list.contains(&format!("{done}/{}", w.steps.len())),
            "{id}: {list}"
        );
    }
    for v in [
        "verified",
        "partly_verified",
        "confirmed_by_you",
        "not_verified",
        "continued_unverified",
        "skipped_optional",
    ] {
        assert!(seen.contains(v), "no wizard step produced {v}: {seen:?}");
    }
}
