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
    /// Start a wizard by id or file path.
    Run(String),
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

/// Draw plainly (ASCII, no colour)?
pub fn plain() -> bool {
    ui::glyphs::plain_from_env(|k| std::env::var(k).ok())
}

/// The start screen's lists.
pub fn start_screen(services: &LiveServices) -> StartScreen {
    let sessions = services
        .store()
        .list()
        .sessions
        .into_iter()
        .map(|s| {
            let wizard = crate::session::wizard_of(&s, services.wizard_dir.as_deref()).ok();
            let (done, total) = s.progress(wizard.as_ref().map(|l| &l.wizard));
            SessionSummary {
                at_step: s.current_step.clone().unwrap_or_else(|| "summary".into()),
                done,
                total,
                updated: s.updated.strftime("%Y-%m-%d %H:%M").to_string(),
                demo: s.demo,
                title: s.wizard.title,
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
        })
        .collect();
    StartScreen {
        sessions,
        wizards,
        ..StartScreen::default()
    }
}

/// Run the TUI to the end. Errors that prevent starting are returned before the terminal is
/// touched, so they print plainly.
pub async fn launch(launch: Launch, services: LiveServices) -> Result<(), LaunchError> {
    tracing::info!(?launch, demo = services.demo, "opening the wizard");
    let screen = match &launch {
        Launch::Start => Screen::Start(start_screen(&services)),
        Launch::Run(w) => Screen::Run(services.begin_run(w).await?),
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

async fn run_screen(screen: Screen, services: Arc<LiveServices>) -> Result<(), LaunchError> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(LaunchError {
            message: "The interactive wizard needs a terminal.".into(),
            remedy: "Run it in a terminal, or print the steps with `psa-onboard show <wizard>`."
                .into(),
        });
    }
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
                runner.run(&state, e);
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
    runner.shutdown(&state).await?;
    if let Some(run) = state.run() {
        tracing::info!(session = %run.session_id, "saved; leaving the wizard");
        eprintln!(
            "Saved. Continue with: psa-onboard resume {}",
            run.session_id
        );
    }
    Ok(())
}

/// `psa-onboard demo`: the wizard against the embedded sandbox.
pub async fn demo(wizard: &str, mut services: LiveServices) -> Result<(), LaunchError> {
    services.demo = true;
    launch(Launch::Run(wizard.to_string()), services).await
}
