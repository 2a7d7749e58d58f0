//! Keys and the mouse. A key runs the command it names in the list of what has the keys
//! (the view's, or the open modal's): the same list the footer shows.

use secrecy::SecretString;

use super::*;

pub(super) fn on_key(state: &mut State, key: KeyEvent, effects: &mut Vec<Effect>) {
    match keys::command_for(&state.commands(), &key) {
        Some(c) if c.enabled => on_command(state, c.action(), effects),
        // A blocked "next" says what it waits for; other disabled keys do nothing.
        Some(c) if c.action() == Action::Next => {
            if let Screen::Run(r) = &mut state.screen
                && let Some(why) = r.next_blocked()
            {
                r.notice = Some(Notice {
                    text: why,
                    error: true,
                });
            }
        }
        Some(_) => {}
        None => {
            if let Some(req) =
                tui_input::backend::crossterm::to_input_request(&crossterm::event::Event::Key(key))
            {
                type_in(state, req);
            }
        }
    }
}

/// Text typed or pasted into what is open (the form, the ticket box, the start screen's path,
/// new name or filter); elsewhere it goes nowhere.
pub(super) fn type_in(state: &mut State, req: InputRequest) {
    match &mut state.screen {
        Screen::Start(s) => {
            s.type_in(req);
        }
        Screen::Run(r) => match &mut r.modal {
            Some(Modal::Form) => {
                r.form.handle(req);
            }
            Some(Modal::Ticket(pick)) if pick.searching.is_none() => {
                pick.input.handle(req);
                pick.error = None;
            }
            _ => {}
        },
        Screen::Loading(_) => {}
    }
}

/// Run one command of what has the keys.
fn on_command(state: &mut State, action: Action, effects: &mut Vec<Effect>) {
    match action {
        Action::Quit => quit(state, effects),
        Action::Help => state.set_help(true),
        Action::CloseHelp => state.set_help(false),
        a => match &mut state.screen {
            Screen::Start(s) => s.on_action(a, effects),
            Screen::Run(r) => on_run_action(r, a, effects),
            Screen::Loading(_) => {}
        },
    }
}

/// A run's commands: the open modal's, else the step's (or the summary's).
fn on_run_action(r: &mut Run, action: Action, effects: &mut Vec<Effect>) {
    match r.modal.take() {
        Some(Modal::Confirm) => match (action, r.current()) {
            (Action::Yes, Some(i)) => {
                r.progress[i].decision = Some(Decision::ContinuedUnverified {
                    at: jiff::Timestamp::UNIX_EPOCH,
                    reason: "the admin chose to continue without verification".into(),
                });
                r.go_to(i + 1);
                effects.push(Effect::save());
            }
            (Action::No, _) => {}
            _ => r.modal = Some(Modal::Confirm),
        },
        Some(Modal::Prompt(prompt)) => on_prompt(r, prompt, action, effects),
        Some(Modal::Ticket(pick)) => {
            r.modal = Some(Modal::Ticket(pick));
            match action {
                Action::Submit => ticket::submit(r, effects),
                Action::LeaveForm => ticket::cancel(r, effects),
                _ => {}
            }
        }
        Some(Modal::Form) => {
            r.modal = Some(Modal::Form);
            on_form_action(r, action, effects);
        }
        modal => {
            r.modal = modal;
            on_step_action(r, action, effects);
        }
    }
}

/// The answer to a y/n question (taken off the screen: it is asked once).
fn on_prompt(r: &mut Run, prompt: Prompt, action: Action, effects: &mut Vec<Effect>) {
    let Some(i) = r.current() else {
        return;
    };
    match (action, prompt) {
        (Action::Yes, Prompt::Submit) => handoff::start_submit(r, effects),
        (Action::Yes, Prompt::Writes) => {
            r.start_verify_with(i, true, effects);
            if r.progress[i].pending.is_some() {
                r.notice = Some(Notice {
                    text: "Running the write tests this once; v verifies read-only again.".into(),
                    error: false,
                });
            }
        }
        (Action::Yes, Prompt::RetrySame) => {
            r.requests.forget_refused = true;
            r.start_verify(i, effects);
        }
        (Action::No, _) => {}
        (_, prompt) => r.modal = Some(Modal::Prompt(prompt)),
    }
}

pub(super) fn quit(state: &mut State, effects: &mut Vec<Effect>) {
    if let Screen::Run(r) = &mut state.screen {
        ticket::cancel(r, effects);
        for p in &mut r.progress {
            if let Some(old) = p.pending.take() {
                effects.push(Effect::Cancel {
                    generation: old.generation,
                });
            }
        }
        effects.push(Effect::save());
    }
    state.quitting = true;
    effects.push(Effect::Quit);
}

/// The step's commands; on the summary, going back and scrolling.
fn on_step_action(r: &mut Run, action: Action, effects: &mut Vec<Effect>) {
    let Some(i) = r.current() else {
        match action {
            Action::Back => {
                r.notice = None;
                r.go_to(r.wizard.steps.len().saturating_sub(1));
            }
            Action::PageUp => r.scroll_by(-1),
            Action::PageDown => r.scroll_by(1),
            _ => {}
        }
        return;
    };
    let n_items = r.items().len();
    let selected = r.cursor.selected;
    match action {
        Action::Up => r.select(selected.saturating_sub(1)),
        Action::Down => r.select((selected + 1).min(n_items.saturating_sub(1))),
        Action::First => r.select(0),
        Action::Last => r.select(n_items.saturating_sub(1)),
        Action::PageUp => r.scroll_by(-1),
        Action::PageDown => r.scroll_by(1),
        Action::Verify => r.start_verify(i, effects),
        Action::Cancel => {
            if let Some(p) = r.progress[i].pending.take() {
                effects.push(Effect::Cancel {
                    generation: p.generation,
                });
                r.notice = Some(Notice {
                    text: "Cancelled. Press v to verify again.".into(),
                    error: false,
                });
            }
        }
        Action::Apply => {
            let generation = r.bump();
            r.progress[i].pending = Some(Pending {
                kind: PendingKind::Apply,
                generation,
            });
            r.progress[i].error = None;
            effects.push(Effect::ApplyInSandbox {
                step: i,
                generation,
                wizard: r.wizard.clone(),
                step_id: r.wizard.steps[i].id.clone(),
            });
        }
        Action::Tick => {
            let wizard = r.wizard.clone();
            let step = &wizard.steps[i];
            if r.selected_item()
                .is_none_or(|it| !r.progress[i].to_confirm(step, it))
            {
                // Nothing to tick here: go to the next manual item still to tick.
                let items = progress::items(step);
                let p = &r.progress[i];
                let todo = |it: &Item| p.to_confirm(step, *it) && !p.ticked.contains(&it.key(step));
                let next = (selected + 1..items.len())
                    .chain(0..selected)
                    .find(|&n| todo(&items[n]));
                if let Some(n) = next {
                    r.select(n);
                    r.notice = Some(Notice {
                        text: format!(
                            "This is the next item to tick: {} ticks it once you have done it.",
                            r.key(Action::Tick)
                        ),
                        error: false,
                    });
                }
                return;
            }
            if let Some(item) = r.selected_item() {
                let key = item.key(step);
                let p = &mut r.progress[i];
                p.demo_ticked.remove(&key);
                if !p.ticked.remove(&key) {
                    p.ticked.insert(key);
                }
                effects.push(Effect::save());
            }
        }
        Action::Next => {
            if r.deferrable(i) && !r.done(i) {
                r.progress[i].deferred = true;
            }
            r.notice = None;
            r.go_to(i + 1);
            effects.push(Effect::save());
        }
        Action::Back => {
            r.notice = None;
            r.go_to(i.saturating_sub(1));
        }
        Action::ContinueUnverified => r.modal = Some(Modal::Confirm),
        Action::Skip => {
            r.progress[i].decision = Some(Decision::SkippedOptional {
                at: jiff::Timestamp::UNIX_EPOCH,
            });
            r.go_to(i + 1);
            effects.push(Effect::save());
        }
        Action::EditConnection => {
            r.focus_form(true);
            if let Some(f) = r.form.first_missing() {
                r.form.focus = f;
            }
        }
        Action::RetrySame => r.modal = Some(Modal::Prompt(Prompt::RetrySame)),
        // Without a connection nothing would run: say so instead of asking.
        Action::WriteTests if !r.form.is_complete() => r.start_verify(i, effects),
        // The note cannot be deleted: the admin names its ticket first.
        Action::WriteTests if r.step().is_some_and(ticket::needs_ticket) => ticket::ask(r),
        Action::WriteTests => r.modal = Some(Modal::Prompt(Prompt::Writes)),
        Action::Copy | Action::OpenPortal | Action::Reveal | Action::PortalNext => {
            handoff::on_action(r, action, effects)
        }
        Action::SubmitToVendor => handoff::ask_submit(r),
        _ => {}
    }
}

/// The connection form's commands (typing is [`type_in`]).
fn on_form_action(r: &mut Run, action: Action, effects: &mut Vec<Effect>) {
    match action {
        Action::FieldNext => {
            r.form.move_focus(true);
            effects.push(Effect::save());
        }
        Action::FieldPrev => {
            r.form.move_focus(false);
        }
        Action::Reveal => r.form.toggle_reveal(),
        Action::LeaveForm => {
            r.form.fields.iter_mut().for_each(|f| f.revealed = false);
            r.focus_form(false);
            effects.push(Effect::save());
        }
        Action::Submit => {
            if r.form.move_focus(true) {
                effects.push(Effect::save());
                return;
            }
            if r.form.submit() {
                r.focus_form(false);
                effects.push(Effect::save());
                for f in &r.form.fields {
                    if f.id.is_secret() && !r.demo {
                        effects.push(Effect::StoreSecret {
                            session: r.session_id.clone(),
                            field: f.id,
                            secret: Sealed(SecretString::from(f.value().to_string())),
                        });
                    }
                }
                if let Some(i) = r.current() {
                    r.start_verify(i, effects);
                }
            }
        }
        _ => {}
    }
}

pub(super) fn on_mouse(state: &mut State, m: MouseEvent) {
    let area = Rect::new(0, 0, state.size.0, state.size.1);
    let footer_lines = crate::tui::ui::footer::height(state, area.width);
    let Screen::Run(r) = &mut state.screen else {
        if let Screen::Start(s) = &mut state.screen {
            let n = s.rows().len();
            match m.kind {
                MouseEventKind::ScrollDown => {
                    s.selected = (s.selected + 1).min(n.saturating_sub(1))
                }
                MouseEventKind::ScrollUp => s.selected = s.selected.saturating_sub(1),
                _ => {}
            }
        }
        return;
    };
    if matches!(
        r.modal,
        Some(Modal::Help { .. } | Modal::Confirm | Modal::Prompt(_))
    ) {
        return;
    }
    let labels = layout::step_labels(&r.wizard);
    let areas = layout::areas(area, footer_lines, &labels);
    let pos = Position::new(m.column, m.row);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) if areas.rail.contains(pos) => {
            let g = crate::tui::ui::Glyphs::new(state.plain);
            let lines = layout::rail_labels(&labels, r.rail_position(), areas.rail, g.ellipsis);
            let Some(i) = layout::rail_hit(areas.rail, m.row, &lines) else {
                return;
            };
            if i <= r.wizard.steps.len() && i <= r.reachable().max(r.rail_position()) {
                r.notice = None;
                r.go_to(i);
            } else if i < r.wizard.steps.len() {
                r.notice = Some(Notice {
                    text: format!(
                        "Finish step {} first (verify it, or continue unverified).",
                        r.reachable() + 1
                    ),
                    error: true,
                });
            }
        }
        MouseEventKind::ScrollDown if !r.form_focused() => {
            let last = r.items().len().saturating_sub(1);
            r.select((r.cursor.selected + 1).min(last))
        }
        MouseEventKind::ScrollUp if !r.form_focused() => {
            r.select(r.cursor.selected.saturating_sub(1))
        }
        _ => {}
    }
}
