//! The ticket the impersonation write test adds its note to. Autotask cannot delete ticket
//! notes, so before `w` runs that test the admin names the ticket (the number Autotask shows,
//! T20240101.0001, or its ID), psa-onboard finds it, and the question names it — as
//! `check --test-ticket` does for the headless audit.

use tui_input::Input;

use super::{Effect, Modal, Notice, Prompt, Run, Sealed, ServiceError};
use crate::connection::Connection;
use crate::psa::autotask::AutotaskClient;
use crate::psa::http::{Http, HttpConfig};
use crate::tui::keys::Action;
use crate::wizard::{Observe, Step};

/// A ticket found in the PSA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketRef {
    pub id: i64,
    /// The number Autotask shows (sanitized), when it answered one.
    pub number: Option<String>,
    /// The ticket's title (sanitized, shortened), when it answered one.
    pub title: Option<String>,
}

impl TicketRef {
    /// "T20240101.0001 (ID 1234) "Printer offline"".
    pub fn describe(&self) -> String {
        let mut s = match &self.number {
            Some(n) => format!("{n} (ID {})", self.id),
            None => format!("ID {}", self.id),
        };
        if let Some(t) = &self.title {
            s.push_str(&format!(" \"{t}\""));
        }
        s
    }
}

/// The ticket being chosen: what the admin typed, and the lookup in flight.
#[derive(Debug, Default)]
pub struct TicketPick {
    pub input: Input,
    /// Why the last lookup found nothing (shown under the input).
    pub error: Option<String>,
    /// The generation of the lookup in flight.
    pub searching: Option<u64>,
}

/// The step writes a ticket note as an impersonated resource (its ticket must be chosen).
pub fn needs_ticket(step: &Step) -> bool {
    step.checks
        .iter()
        .any(|c| c.manual.is_none() && c.observe == Some(Observe::AutotaskImpersonationWrite))
}

/// `w` on a step whose write test needs a ticket: ask for it (the last one chosen, or the
/// demo's sandbox ticket, filled in). Looking it up signs in, so only with a connection the
/// PSA accepted and that has not changed since.
pub fn ask(r: &mut Run) {
    let proven =
        r.verdict(r.conn_step).is_observed() && r.requests.last_input == Some(r.form.fingerprint());
    if !proven {
        r.notice = Some(Notice {
            text: format!(
                "The write test signs in to find its ticket: verify the connection first (step {}: {}), then press {} here.",
                r.conn_step + 1,
                r.wizard.steps[r.conn_step].title,
                r.key(Action::WriteTests)
            ),
            error: true,
        });
        return;
    }
    let preset = match (&r.requests.test_ticket, r.demo) {
        (Some(t), _) => t.number.clone().unwrap_or_else(|| t.id.to_string()),
        (None, true) => crate::sandbox::DEMO_TICKET_NUMBER.to_string(),
        (None, false) => String::new(),
    };
    r.modal = Some(Modal::Ticket(TicketPick {
        input: Input::new(preset),
        ..TicketPick::default()
    }));
}

/// What the admin typed, checked: a ticket number (T20240101.0001) or an ID (digits).
pub fn parse(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(
            "Enter the ticket's number as Autotask shows it (e.g. T20240101.0001), or its ID."
                .into(),
        );
    }
    let id = t.chars().all(|c| c.is_ascii_digit());
    let number = t.len() <= 32
        && t.starts_with(['T', 't'])
        && t[1..].chars().all(|c| c.is_ascii_digit() || c == '.');
    if id || number {
        Ok(t.to_ascii_uppercase())
    } else {
        Err(format!(
            "\"{}\" is not a ticket number (like T20240101.0001) or an ID (digits).",
            crate::sanitize::clean_line(t)
        ))
    }
}

/// Enter in the ticket box: look the ticket up.
pub fn submit(r: &mut Run, effects: &mut Vec<Effect>) {
    let generation = r.requests.generation + 1;
    let (Some(step), connection) = (r.current(), r.form.connection()) else {
        return;
    };
    let Some(pick) = r.ticket_pick_mut() else {
        return;
    };
    if pick.searching.is_some() {
        return;
    }
    match parse(pick.input.value()) {
        Err(e) => pick.error = Some(e),
        Ok(query) => {
            let Some(connection) = connection else {
                pick.error = Some(
                    "The connection details are incomplete. Press Esc, then e, and fill in every field."
                        .into(),
                );
                return;
            };
            pick.error = None;
            pick.searching = Some(generation);
            r.requests.generation = generation;
            effects.push(Effect::FindTicket {
                step,
                generation,
                query,
                connection: Sealed(connection),
            });
        }
    }
}

/// Esc in the ticket box: nothing is written; a lookup in flight is abandoned.
pub fn cancel(r: &mut Run, effects: &mut Vec<Effect>) {
    let Some(pick) = r.ticket_pick() else {
        return;
    };
    if let Some(g) = pick.searching {
        effects.push(Effect::Cancel { generation: g });
    }
    r.modal = None;
}

/// The lookup answered: ask before writing, naming the ticket; or say why not.
pub fn on_found(
    r: &mut Run,
    step: usize,
    generation: u64,
    result: Result<TicketRef, ServiceError>,
) {
    let here = r.current() == Some(step);
    let Some(pick) = r.ticket_pick_mut() else {
        return;
    };
    if pick.searching != Some(generation) || !here {
        return;
    }
    pick.searching = None;
    match result {
        Ok(t) => {
            r.requests.test_ticket = Some(t);
            // The question takes the ticket box's place (under help, if help is open).
            if let Some(m) = Modal::beneath_help_mut(&mut r.modal) {
                *m = Modal::Prompt(Prompt::Writes);
            }
        }
        Err(e) => pick.error = Some(format!("{} {}", e.message, e.remedy)),
    }
}

/// The question before the write tests run: what each leaves in the PSA, the note's ticket
/// named.
pub fn writes_question(r: &Run) -> String {
    let Some(step) = r.step() else {
        return String::new();
    };
    let writes: Vec<_> = step
        .checks
        .iter()
        .filter(|c| c.observe.is_some_and(|o| o.is_write()))
        .collect();
    let described = crate::verify::describe_step_writes(step);
    let lines: Vec<String> = writes
        .iter()
        .zip(described)
        .map(|(c, d)| match (&r.requests.test_ticket, c.observe) {
            (Some(t), Some(Observe::AutotaskImpersonationWrite)) => format!(
                "• {} — It adds a note titled \"psa-onboard setup check\" to ticket {}, the one you chose, written as one of your active resources (impersonated). Autotask does not allow deleting ticket notes through the API, so the note stays on that ticket.",
                c.title,
                t.describe()
            ),
            _ => d,
        })
        .collect();
    format!(
        "Run the write tests on this step, once? They write to your PSA: {} y = run them now, n = cancel",
        lines.join(" ")
    )
}

/// The ticket's ID for the verification (only when its write test needs one).
pub fn chosen(r: &Run, step: &Step) -> Option<i64> {
    needs_ticket(step)
        .then(|| r.requests.test_ticket.as_ref().map(|t| t.id))
        .flatten()
}

/// Find a ticket by number or ID, signed in as the API user (one zone lookup, one query; no
/// retry on a refused sign-in).
pub async fn find(
    connection: Connection,
    http: HttpConfig,
    query: String,
) -> Result<TicketRef, ServiceError> {
    let err = |message: String, remedy: &str| ServiceError {
        message,
        remedy: remedy.to_string(),
    };
    let Connection::Autotask { target, secret } = connection else {
        return Err(err(
            "Tickets are looked up in Autotask only.".into(),
            "This step needs an Autotask connection.",
        ));
    };
    let http = Http::new(http).map_err(|e| err(e.to_string(), "Check --ca-cert."))?;
    let client = AutotaskClient::new(
        http,
        &target.api_root,
        &target.username,
        secret,
        &target.integration_code,
    );
    let said = |e: crate::psa::PsaError| {
        let remedy = e.network_remedy().unwrap_or_else(|| {
            "Check the number, or that the API user may see that ticket.".into()
        });
        err(
            format!(
                "Could not look the ticket up: {}",
                crate::sanitize::clean_line(&e.describe())
            ),
            &remedy,
        )
    };
    client.zone().await.map_err(said)?;
    let (field, value) = match query.parse::<i64>() {
        Ok(id) => ("id", serde_json::json!(id)),
        Err(_) => ("ticketNumber", serde_json::json!(query)),
    };
    let body = serde_json::json!({
        "MaxRecords": 1,
        "IncludeFields": ["id", "ticketNumber", "title"],
        "Filter": [{"op": "eq", "field": field, "value": value}],
    });
    let found = client.query("Tickets", &body).await.map_err(said)?;
    let Some(t) = found.first() else {
        return Err(err(
            format!(
                "No ticket {} is visible to the API user.",
                crate::sanitize::clean_line(&query)
            ),
            "Check the number (as Autotask shows it, e.g. T20240101.0001), or enter the ticket's ID.",
        ));
    };
    let text = |k: &str, max: usize| {
        t.get(k)
            .and_then(|v| v.as_str())
            .map(|s| {
                crate::sanitize::clean_line(s)
                    .chars()
                    .take(max)
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty())
    };
    let id = t.get("id").and_then(|v| v.as_i64()).ok_or_else(|| {
        err(
            "Autotask answered a ticket without an ID.".into(),
            "Enter the ticket's ID instead.",
        )
    })?;
    Ok(TicketRef {
        id,
        number: text("ticketNumber", 32),
        title: text("title", 60),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{Sandbox, SandboxOptions};

    /// The sandbox, the Autotask guide, and a run of it with the sandbox's credentials typed in.
    async fn demo_run() -> (Sandbox, crate::wizard::Wizard, Run) {
        let sb = Sandbox::start(SandboxOptions {
            scenario: "configured:topleft-autotask".into(),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        let w = crate::wizard::resolve("topleft-autotask", None)
            .unwrap()
            .wizard;
        let mut run = Run::new(
            std::sync::Arc::new(w.clone()),
            "s".into(),
            w.id.clone(),
            "h".into(),
        );
        crate::tui::demo::prefill(&sb, &mut run);
        (sb, w, run)
    }

    #[test]
    fn ticket_numbers_and_ids_are_accepted_anything_else_is_said_to_be_wrong() {
        assert_eq!(parse(" t20240101.0042 ").unwrap(), "T20240101.0042");
        assert_eq!(parse("42").unwrap(), "42");
        for bad in ["", "printer", "T2024-01", "42; drop", "\u{1b}[2J"] {
            let e = parse(bad).unwrap_err();
            assert!(!e.contains('\u{1b}'), "sanitized: {e:?}");
        }
    }

    /// Over real HTTP to the sandbox, signed in as the demo's API user.
    #[tokio::test]
    async fn finds_a_ticket_by_number_or_id_and_says_when_there_is_none() {
        let (sb, _, run) = demo_run().await;
        let conn = run.form.connection().unwrap();
        let find = |q: &str| find(conn.clone(), HttpConfig::default(), q.to_string());

        let t = find(crate::sandbox::DEMO_TICKET_NUMBER).await.unwrap();
        assert_eq!(t.id, 1);
        assert_eq!(
            t.number.as_deref(),
            Some(crate::sandbox::DEMO_TICKET_NUMBER)
        );
        assert_eq!(t.title.as_deref(), Some("Ticket 1"));
        assert_eq!(
            find("3").await.unwrap().number.as_deref(),
            Some("T20250101.0003")
        );
        let e = find("T20990101.0001").await.unwrap_err();
        assert!(e.message.contains("No ticket T20990101.0001"), "{e:?}");
        // One zone lookup and one query each: nothing else is sent.
        let queries = sb
            .requests()
            .iter()
            .filter(|r| r.path.to_ascii_lowercase().contains("tickets/query"))
            .count();
        assert_eq!(queries, 3);
    }

    /// From `w` to the PSA: the chosen ticket reaches the verifier, and the note is written
    /// on that ticket, not on the first one Autotask returns.
    #[tokio::test]
    async fn the_chosen_ticket_is_the_one_the_note_goes_on() {
        use crate::tui::app::{Msg, Screen, State, update};
        use crate::tui::effects::Runner;
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

        let (sb, w, mut run) = demo_run().await;
        // The connection was verified with these values; the write test's step is open.
        let c = run.conn_step;
        let checks = crate::verdict::items(&w.steps[c])
            .into_iter()
            .map(|(k, manual)| crate::verify::CheckResult {
                observed_at: (!manual).then(jiff::Timestamp::now),
                ..crate::verify::CheckResult::new(
                    k.clone(),
                    k,
                    if manual {
                        crate::verify::Status::Manual
                    } else {
                        crate::verify::Status::Pass
                    },
                )
            })
            .collect();
        run.progress[c].report = Some(crate::verify::StepReport::new(
            "api-user".into(),
            "API user".into(),
            checks,
        ));
        for (k, manual) in crate::verdict::items(&w.steps[c]) {
            if manual {
                run.progress[c].ticked.insert(k);
            }
        }
        run.requests.last_input = Some(run.form.fingerprint());
        let i = w.steps.iter().position(needs_ticket).unwrap();
        run.go_to(i);
        let mut state = State::new(Screen::Run(Box::new(run)), false);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let dir = tempfile::tempdir().unwrap();
        let live = crate::tui::services::LiveServices::new(None, dir.path().to_path_buf());
        let mut runner = Runner::new(std::sync::Arc::new(live), tx);
        let press = |state: &mut State, runner: &mut Runner, code| {
            for e in update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))) {
                runner.run(e);
            }
        };
        press(&mut state, &mut runner, KeyCode::Char('w'));
        for ch in "T20250101.0003".chars() {
            press(&mut state, &mut runner, KeyCode::Char(ch));
        }
        press(&mut state, &mut runner, KeyCode::Enter);
        // The lookup answers; then y runs the write test once.
        let found = rx.recv().await.unwrap();
        assert!(matches!(found, Msg::TicketFound { .. }), "{found:?}");
        for e in update(&mut state, found) {
            runner.run(e);
        }
        press(&mut state, &mut runner, KeyCode::Char('y'));
        loop {
            let msg = rx.recv().await.unwrap();
            let done = matches!(msg, Msg::Verified { .. });
            for e in update(&mut state, msg) {
                runner.run(e);
            }
            if done {
                break;
            }
        }
        let notes: Vec<String> = sb
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.to_ascii_lowercase().contains("/notes"))
            .map(|r| r.path)
            .collect();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].to_ascii_lowercase().ends_with("/tickets/3/notes"),
            "{notes:?}"
        );
        runner
            .shutdown(state.run().map(crate::tui::store::snapshot))
            .await
            .ok();
    }
}
