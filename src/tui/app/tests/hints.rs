//! The screen's hints name only keys the footer lists.

use super::demo::demo_apply;
use super::*;

fn keys_named(body: &str) -> Vec<&'static str> {
    let mut named = Vec::new();
    for b in crate::tui::keys::bindings(Context::Step) {
        for label in b.label.split('/').filter(|l| !l.is_empty()) {
            let said = [
                format!("press {label} "),
                format!("Press {label} "),
                format!(" ({label})"),
                format!("then {label}:"),
                format!("then {label} "),
                format!(" {label} scrolls"),
            ];
            if said.iter().any(|p| body.contains(p.as_str())) {
                named.push(label);
            }
        }
    }
    named
}

/// Every key the screen's hints name is in the footer, as the footer writes it.
fn assert_hints_agree(s: &State, what: &str) {
    let screen = render(s, 80, 24);
    let rows: Vec<&str> = screen.lines().collect();
    let h = crate::tui::ui::footer::height(s, 80) as usize;
    let (body, footer) = (
        rows[..rows.len() - h].join("\n"),
        rows[rows.len() - h..].join("  "),
    );
    // The footer writes paired keys as one ("PgUp/PgDn").
    let in_footer = |k: &str| {
        footer.split("  ").any(|item| {
            let key = item.trim().split(' ').next().unwrap_or("");
            key.split('/').any(|part| part == k)
        })
    };
    // Join wrapped lines of the body's right column so a hint split over two lines is seen.
    let text: String = body
        .lines()
        .map(|l| l.rsplit('│').next().unwrap_or(l).trim())
        .collect::<Vec<_>>()
        .join(" ");
    for k in keys_named(&text) {
        assert!(
            in_footer(k),
            "{what}: the screen names {k:?} but the footer does not show it:\n{screen}"
        );
    }
}

#[test]
fn every_key_a_hint_names_is_in_the_footer_through_each_demo() {
    for id in [
        "topleft-connectwise",
        "topleft-autotask",
        "tasky-autotask",
        "rewst-autotask",
    ] {
        let mut s = state(id);
        update(&mut s, Msg::Resize(80, 24));
        run_mut(&mut s).demo = true;
        match run(&s).wizard.psa {
            Psa::Connectwise => fill_cw(&mut s),
            Psa::Autotask => fill_at(&mut s, "secret"),
        }
        let n = run(&s).wizard.steps.len();
        for i in 0..n {
            // As n and the rail do.
            run_mut(&mut s).notice = None;
            run_mut(&mut s).go_to(i);
            assert_hints_agree(&s, &format!("{id} step {} at first", i + 1));
            // Pressing n too early says why, naming keys.
            ch(&mut s, 'n');
            if run(&s).rail_position() == i {
                assert_hints_agree(&s, &format!("{id} step {} blocked", i + 1));
            } else {
                run_mut(&mut s).go_to(i);
            }
            let fx = demo_apply(&mut s);
            assert_hints_agree(&s, &format!("{id} step {} done in the sandbox", i + 1));
            if let Some(Effect::Verify { generation, .. }) =
                fx.iter().find(|e| matches!(e, Effect::Verify { .. }))
            {
                let failed = report(&s, i, Status::Fail);
                update(
                    &mut s,
                    Msg::Verified {
                        step: i,
                        generation: *generation,
                        result: Ok(failed),
                    },
                );
                assert_hints_agree(&s, &format!("{id} step {} failed", i + 1));
            }
            // Whatever happened, the admin can always go on: n, or u.
            assert!(
                s.enabled(Action::Next) || s.enabled(Action::ContinueUnverified),
                "{id} step {}: a dead end",
                i + 1
            );
        }
    }
}

#[test]
fn the_form_says_where_the_tracking_identifier_and_client_id_come_from() {
    // Autotask: the empty tracking identifier says where it comes from, even unfocused.
    let mut s = state("topleft-autotask");
    run_mut(&mut s).go_to(1);
    let screen = render(&s, 120, 60);
    assert!(
        screen.contains("Where it comes from: TopLeft's own identifier"),
        "{screen}"
    );
    // Filled in and not focused: the line goes; focused, it is back.
    run_mut(&mut s).form.set(FieldId::TrackingId, "ABC123");
    assert!(!render(&s, 120, 60).contains("Where it comes from"));
    let r = run_mut(&mut s);
    r.focus_form(true);
    while r.form.focused().id != FieldId::TrackingId {
        r.form.move_focus(true);
    }
    assert!(render(&s, 120, 60).contains("Where it comes from"));

    // ConnectWise: the clientId's source, the vendor's developer registration.
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(2);
    let screen = render(&s, 120, 60);
    assert!(screen.contains("developer.connectwise.com"), "{screen}");
    assert!(screen.contains("TopLeft's own clientId"), "{screen}");
}
