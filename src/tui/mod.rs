//! The interactive wizard: Elm-style. `app` holds state and the pure `update`; `effects` runs
//! what `update` asks for; `event` is the loop; `ui` draws; `keys` is the keymap.

pub mod app;
pub mod demo;
pub mod effects;
pub mod event;
pub mod keys;
pub mod services;
pub mod store;
pub mod terminal;
pub mod ui;

use std::sync::Arc;

use app::{Screen, SessionSummary, StartScreen, State, WizardEntry};
use services::LiveServices;

/// What the command line asked for.
#[derive(Debug, Clone)]
pub enum Launch {
    /// The start screen: resume a session or pick a wizard.
    Start,
    /// Start a wizard by id or file path, in a session of this name (default: id and time).
    Run {
        wizard: String,
        name: Option<String>,
    },
    /// Resume a session by id, or the latest.
    Resume(Option<String>),
}

/// A reason the TUI could not start, worded for the admin.
#[derive(Debug, thiserror::Error)]
#[error("{message}\n{remedy}")]
pub struct LaunchError {
    pub message: String,
    pub remedy: String,
}

impl From<app::ServiceError> for LaunchError {
    fn from(e: app::ServiceError) -> Self {
        LaunchError {
            message: e.message,
            remedy: e.remedy,
        }
    }
}

/// The command that exports a session's setup summary (shown when a session is done).
pub fn export_command(session: &str) -> String {
    format!("psa-onboard export {session} --format html -o {session}.html")
}

/// Draw plainly (ASCII, no colour)?
pub fn plain() -> bool {
    crate::term_caps::plain()
}

/// The start screen's lists.
pub fn start_screen(services: &LiveServices) -> StartScreen {
    let clean = crate::sanitize::clean_line;
    let sessions = services
        .store()
        .list()
        .sessions
        .into_iter()
        .map(|s| {
            let wizard = crate::session::wizard_of(&s, services.wizard_dir.as_deref()).ok();
            let (done, total) = s.progress(wizard.as_ref().map(|l| &l.wizard));
            // The current step by its title, as the wizard names it.
            let at = s.current_step.as_deref().map(|id| {
                let found = wizard.as_ref().and_then(|l| {
                    l.wizard
                        .steps
                        .iter()
                        .enumerate()
                        .find(|(_, st)| st.id == id)
                });
                match found {
                    Some((i, st)) => (Some(i + 1), st.title.clone()),
                    None => (None, id.to_string()),
                }
            });
            let (at_number, at_step) = at.unwrap_or((None, String::new()));
            let updated = s
                .updated
                .to_zoned(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string();
            SessionSummary {
                instance: instance(&s),
                at_number,
                at_step: clean(&at_step),
                done,
                total,
                updated,
                demo: s.demo,
                title: clean(&s.wizard.title),
                wizard_id: clean(&s.wizard.id),
                id: s.name,
            }
        })
        .collect();
    let (all, _) = crate::wizard::catalog(services.wizard_dir.as_deref());
    let wizards = all
        .into_iter()
        .map(|l| WizardEntry {
            source: l.origin.label(),
            id: l.wizard.id,
            title: l.wizard.title,
            psa: l.wizard.psa,
            vendor: l.wizard.vendor,
            sources: l.wizard.sources,
        })
        .collect();
    StartScreen {
        sessions,
        wizards,
        ..StartScreen::default()
    }
}

/// The PSA instance a session is about, in a few words: the ConnectWise site and company, or
/// the Autotask API user (and its zone-lookup root when not Datto's); the demo's is the sandbox.
pub fn instance(s: &crate::session::Session) -> String {
    let clean = crate::sanitize::clean_line;
    if s.demo {
        return "embedded sandbox".into();
    }
    let Some(target) = &s.target else {
        return String::new();
    };
    let i = target.instance();
    if let Some(site) = i.site {
        return match i.company_id {
            Some(company) => clean(&format!("{site}, company {company}")),
            None => clean(site),
        };
    }
    let host_of = |url: &str| {
        url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default()
    };
    let user = i.api_user.unwrap_or_default();
    let host = i.api_root.map(host_of).unwrap_or_default();
    if host.is_empty() || host == host_of(crate::connection::AUTOTASK_DEFAULT_API_ROOT) {
        clean(user)
    } else {
        clean(&format!("{user} at {host}"))
    }
}

/// Run the TUI to the end. Errors that prevent starting are returned before the terminal is
/// touched, so they print plainly.
pub async fn launch(launch: Launch, services: LiveServices) -> Result<(), LaunchError> {
    let wizard = match &launch {
        Launch::Run { wizard, .. } => Some(wizard.as_str()),
        _ => None,
    };
    usable_terminal(wizard)?;
    tracing::info!(?launch, demo = services.demo, "opening the wizard");
    let screen = match &launch {
        Launch::Start => Screen::Start(start_screen(&services)),
        Launch::Run { wizard, name } => {
            Screen::Run(services.begin_run(wizard, name.as_deref()).await?)
        }
        Launch::Resume(Some(id)) => Screen::Run(services.resume_run(id).await?),
        Launch::Resume(None) => {
            let latest = services.latest().ok_or_else(|| LaunchError {
                message: "There is no saved session to resume.".into(),
                remedy: "Start one with `psa-onboard run <wizard>` (see `psa-onboard wizards`)."
                    .into(),
            })?;
            Screen::Run(services.resume_run(&latest.name).await?)
        }
    };
    run_screen(screen, Arc::new(services)).await
}

/// Why `TERM` says the terminal cannot draw a full-screen interface (no cursor addressing):
/// `dumb`, or (outside Windows, whose console needs no TERM) not set at all.
pub fn no_cursor_addressing(term: Option<&str>) -> Option<String> {
    match term.map(str::trim) {
        Some("dumb") => Some("TERM=dumb".into()),
        None | Some("") if !cfg!(windows) => Some("TERM is not set".into()),
        _ => None,
    }
}

/// Refuse, before anything is created, a terminal the wizard cannot draw on; say what works
/// there instead.
fn usable_terminal(wizard: Option<&str>) -> Result<(), LaunchError> {
    use std::io::IsTerminal;
    let w = wizard.unwrap_or("<wizard>");
    let instead = format!(
        "Print the steps with `psa-onboard show {w}`, and verify them against your PSA with `psa-onboard check --wizard {w}` (see `psa-onboard check --help`)."
    );
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(LaunchError {
            message: "The interactive wizard needs a terminal.".into(),
            remedy: format!("Run it in a terminal. {instead}"),
        });
    }
    if let Some(why) = no_cursor_addressing(std::env::var("TERM").ok().as_deref()) {
        return Err(LaunchError {
            message: format!(
                "This terminal ({why}) cannot move the cursor, so it cannot show the interactive wizard."
            ),
            remedy: instead,
        });
    }
    Ok(())
}

async fn run_screen(screen: Screen, services: Arc<LiveServices>) -> Result<(), LaunchError> {
    usable_terminal(None)?;
    let mut terminal = terminal::init().map_err(|e| LaunchError {
        message: format!("Cannot set up the terminal: {e}"),
        remedy: "Run it in an interactive terminal.".into(),
    })?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    // The start-up keyring probe, in the background: a Secret Service being started may take
    // seconds, and the wizard is usable meanwhile. The demo keeps no secrets.
    if !services.demo {
        let (tx, services) = (tx.clone(), services.clone());
        tokio::spawn(async move {
            let _ = tx.send(app::Msg::Keyring(services.keyring_view().await));
        });
    }
    // A step's verification is a few round trips, each allowed the request timeout.
    let verify_timeout = effects::VERIFY_TIMEOUT.max(services.http.request_timeout * 3);
    let mut runner = effects::Runner::new(services, tx);
    runner.verify_timeout = verify_timeout;
    let mut state = match screen {
        // Open the run through `update`, like the start screen does; it saves straight away so
        // the session can be resumed even if nothing changes.
        Screen::Run(run) => {
            let mut state = State::new(Screen::Loading(String::new()), plain());
            for e in app::update(&mut state, app::Msg::Opened(Ok(run))) {
                runner.run(e);
            }
            state
        }
        screen => State::new(screen, plain()),
    };
    if let Ok((w, h)) = crossterm::terminal::size() {
        state.size = (w, h);
    }
    let result = event::run(&mut terminal, state, &mut runner, rx).await;
    terminal::restore();
    let state = result.map_err(|e| LaunchError {
        message: format!("The terminal stopped working: {e}"),
        remedy: "Run `psa-onboard resume` to continue where you left off.".into(),
    })?;
    runner.shutdown(state.run().map(store::snapshot)).await?;
    if let Some(run) = state.run() {
        tracing::info!(session = %run.session_id, "saved; leaving the wizard");
        eprintln!("{}", farewell(run));
    }
    Ok(())
}

/// The last word on leaving: how to go on, or, once every step is done, how to export.
pub fn farewell(run: &app::Run) -> String {
    let done = (0..run.wizard.steps.len()).all(|i| run.done(i));
    if done {
        format!(
            "Saved. Every step is done; export the setup summary with:\n  {}",
            export_command(&run.session_id)
        )
    } else {
        format!(
            "Saved. Continue with: psa-onboard resume {}",
            run.session_id
        )
    }
}

/// `psa-onboard demo`: the wizard against the embedded sandbox. Each wizard has one demo
/// session, picked up where the person left it; `fresh` deletes it and starts over.
pub async fn demo(
    wizard: &str,
    fresh: bool,
    mut services: LiveServices,
) -> Result<(), LaunchError> {
    services.demo = true;
    usable_terminal(Some(wizard))?;
    let id = services.wizard_id(wizard)?;
    if !fresh && let Some(old) = services.demo_session(&id) {
        tracing::info!(session = %old.name, "continuing the demo session");
        let mut run = services.resume_run(&old.name).await?;
        let when = old
            .updated
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M");
        let text = format!(
            "Your demo of this wizard from {when}, where you left it. `psa-onboard demo {wizard} --fresh` starts it over."
        );
        run.notice = Some(match run.notice.take() {
            Some(n) => app::Notice {
                text: format!("{text} {}", n.text),
                error: n.error,
            },
            None => app::Notice { text, error: false },
        });
        return run_screen(Screen::Run(run), Arc::new(services)).await;
    }
    // Starting over: the wizard's earlier demo sessions go (they hold no secrets).
    while let Some(old) = services.demo_session(&id) {
        services
            .store()
            .delete(&old.name)
            .map_err(|e| LaunchError {
                message: format!("Cannot start the demo over: {e}"),
                remedy: "Close the other psa-onboard that has the demo open, then try again."
                    .into(),
            })?;
    }
    let name = services.demo_name(&id);
    launch(
        Launch::Run {
            wizard: wizard.to_string(),
            name: Some(name),
        },
        services,
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_session_is_told_apart_by_its_psa_instance() {
        use crate::connection::{AutotaskTarget, ConnectwiseTarget};
        use crate::session::{Session, Target};
        let loaded = crate::wizard::resolve("topleft-autotask", None).unwrap();
        let t0 = jiff::Timestamp::UNIX_EPOCH;
        let mut s = Session::new("acme", &loaded, "me", t0).unwrap();
        assert_eq!(super::instance(&s), "");
        s.target = Some(Target::Autotask(AutotaskTarget {
            api_root: crate::connection::AUTOTASK_DEFAULT_API_ROOT.into(),
            username: "topleft@acme.example".into(),
            integration_code: "X".into(),
        }));
        assert_eq!(super::instance(&s), "topleft@acme.example");
        s.target = Some(Target::Autotask(AutotaskTarget {
            api_root: "https://at.proxy.acme.example/atservicesrest".into(),
            username: "topleft@acme.example".into(),
            integration_code: "X".into(),
        }));
        assert_eq!(
            super::instance(&s),
            "topleft@acme.example at at.proxy.acme.example"
        );
        s.target = Some(Target::Connectwise(ConnectwiseTarget {
            site: "na.myconnectwise.net".into(),
            company_id: "acme\u{1b}[31m".into(),
            public_key: "k".into(),
            client_id: "c".into(),
        }));
        let shown = super::instance(&s);
        assert!(
            shown.starts_with("na.myconnectwise.net, company acme"),
            "{shown}"
        );
        assert!(!shown.contains('\u{1b}'), "session text is shown inert");
        s.demo = true;
        assert_eq!(super::instance(&s), "embedded sandbox");
    }

    #[test]
    fn a_dumb_or_unnamed_terminal_has_no_cursor_addressing() {
        use super::no_cursor_addressing as dumb;
        assert_eq!(dumb(Some("dumb")).as_deref(), Some("TERM=dumb"));
        assert_eq!(dumb(Some("xterm-256color")), None);
        assert_eq!(dumb(Some("screen")), None);
        if !cfg!(windows) {
            assert!(dumb(None).is_some() && dumb(Some("")).is_some());
        }
    }
}
