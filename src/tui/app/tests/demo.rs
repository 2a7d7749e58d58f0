//! The demo, scrolling and selection.

use super::*;

pub(super) fn demo_apply(s: &mut State) -> Vec<Effect> {
    let fx = ch(s, 'a');
    let Some(Effect::ApplyInSandbox {
        step, generation, ..
    }) = fx.first().cloned()
    else {
        panic!("{fx:?}")
    };
    applied(s, step, generation)
}

#[test]
fn the_demo_ticks_the_manual_items_it_did_and_says_so() {
    // TopLeft Autotask, step 1: ten checkboxes and settings the API cannot read.
    let mut s = state("topleft-autotask");
    run_mut(&mut s).demo = true;
    let st = run(&s).wizard.steps[0].clone();
    let manual = progress::items(&st)
        .into_iter()
        .filter(|i| i.is_manual(&st))
        .count();
    assert!(manual >= 10, "{manual}");
    assert!(run(&s).next_blocked().is_some(), "unticked at first");
    demo_apply(&mut s);
    let r = run(&s);
    assert!(r.progress[0].all_ticked(&st), "the demo ticked every item");
    assert_eq!(r.progress[0].demo_ticked.len(), manual);
    assert!(r.next_blocked().is_none(), "n goes on (deferred)");
    let notice = r.notice.clone().unwrap().text;
    assert!(
        notice.contains(&format!("ticked {manual} manual item(s)")),
        "{notice}"
    );
    // The screen says whose confirmation it is, on the selected item.
    let first_manual = progress::items(&st)
        .iter()
        .position(|i| i.is_manual(&st))
        .unwrap();
    run_mut(&mut s).select(first_manual);
    assert!(render(&s, 100, 60).contains("Ticked by the demo"));
    // Unticking by hand takes the demo's mark away.
    ch(&mut s, ' ');
    assert!(!render(&s, 100, 60).contains("Ticked by the demo"));

    // A step with nothing for the API (TopLeft's own setting): done and settled at once.
    run_mut(&mut s).go_to(4);
    let fx = demo_apply(&mut s);
    assert_eq!(fx, vec![saved(&s)], "nothing to verify");
    assert!(run(&s).done(4));
    assert!(run(&s).next_blocked().is_none());

    // Outside the demo nothing is ticked for the admin.
    let mut s = state("topleft-autotask");
    assert!(!s.enabled(Action::Apply));
    assert_eq!(run_mut(&mut s).demo_tick(0), 0);
}

#[test]
fn page_keys_scroll_the_text_and_leave_the_selection() {
    let mut s = state("topleft-autotask");
    run_mut(&mut s).go_to(3);
    // Nothing is known about the geometry before the first frame.
    assert!(!s.enabled(Action::PageDown));
    let top = render(&s, 80, 24);
    assert!(top.contains("PgDn scrolls down"), "{top}");
    assert!(!top.contains("License limits"), "{top}");
    assert!(s.enabled(Action::PageDown), "the text does not fit");
    // A page at a time, with a line of context: the guide's license limits come into view.
    let mut seen = Vec::new();
    for _ in 0..3 {
        key(&mut s, KeyCode::PageDown);
        seen.push(render(&s, 80, 24));
    }
    assert!(
        seen.iter()
            .any(|sc| sc.contains("License limits on impersonation")),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .any(|sc| sc.contains("cannot: Manage Service Calls"))
    );
    assert_eq!(run(&s).cursor.selected, 0, "the selection stays");
    // Scrolling stops at the end, and comes back a page at a time.
    for _ in 0..50 {
        key(&mut s, KeyCode::PageDown);
    }
    let end = render(&s, 80, 24);
    assert!(
        end.contains("end of this step: PgUp scrolls back up"),
        "{end}"
    );
    let max = run(&s).cursor.drawn.get().max;
    assert_eq!(run(&s).cursor.scroll, Some(max));
    key(&mut s, KeyCode::PageUp);
    assert!(run(&s).cursor.scroll.unwrap() < max);
    // Moving the selection brings the view back to it.
    key(&mut s, KeyCode::Down);
    assert_eq!(run(&s).cursor.scroll, None);
    key(&mut s, KeyCode::End);
    assert_eq!(run(&s).cursor.selected, run(&s).items().len() - 1);
    key(&mut s, KeyCode::Home);
    assert_eq!(run(&s).cursor.selected, 0);
    // A step that fits has no page keys and no marker.
    let mut s = state("topleft-connectwise");
    run_mut(&mut s).go_to(3);
    let screen = render(&s, 120, 50);
    assert!(!screen.contains("scrolls"), "{screen}");
    assert!(!s.enabled(Action::PageDown));
}

#[test]
fn space_off_a_manual_item_selects_the_next_one_to_tick() {
    let mut s = state("topleft-autotask");
    let st = run(&s).wizard.steps[0].clone();
    assert!(
        !progress::items(&st)[0].is_manual(&st),
        "row 1 is API-verified"
    );
    assert!(s.enabled(Action::Tick), "there are items to tick");
    let fx = ch(&mut s, ' ');
    assert!(fx.is_empty(), "nothing ticked: {fx:?}");
    let i = run(&s).cursor.selected;
    assert!(progress::items(&st)[i].is_manual(&st));
    assert!(run(&s).progress[0].ticked.is_empty());
    ch(&mut s, ' ');
    assert_eq!(run(&s).progress[0].ticked.len(), 1);
}
