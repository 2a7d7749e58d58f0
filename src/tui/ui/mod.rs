//! Pure render functions from `&State`. Nothing here changes state or touches the world.

pub mod footer;
pub mod glyphs;
pub mod help;
pub mod layout;
mod panels;
pub mod rail;
pub mod start;
pub mod step;
pub mod summary;
mod table;
pub mod text;

use ratatui::Frame;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{Screen, State};
pub use glyphs::Glyphs;

/// Draw the whole screen.
pub fn render(state: &State, frame: &mut Frame) {
    let area = frame.area();
    let theme = Theme::new(state.plain);
    let g = Glyphs::new(state.plain);
    // The run's facts, worked out once for every renderer of this frame.
    let facts = state.run().map(|r| RunFacts::of(r, state.spinner));
    let labels = facts
        .as_ref()
        .map(|f| f.labels.as_slice())
        .unwrap_or_default();
    let mut areas = layout::areas(area, footer::height(state, area.width), labels);
    match &state.screen {
        Screen::Start(s) => {
            let above = ratatui::layout::Rect {
                height: areas.footer.y.saturating_sub(area.y),
                ..area
            };
            start::render(s, state.spinner, &theme, g, above, frame)
        }
        Screen::Loading(what) => {
            let line = Line::from(vec![
                Span::styled(g.spinner(state.spinner), theme.accent()),
                Span::raw(" "),
                Span::raw(what.clone()),
            ]);
            frame.render_widget(Paragraph::new(vec![Line::default(), line]), area);
        }
        Screen::Run(_) => {
            let Some(facts) = &facts else {
                return;
            };
            // Whether the step's text overflows (and so whether the footer lists the scroll
            // keys, and needs a second line) is known once the step is laid out: lay it out
            // again when that changes the footer's height.
            for _ in 0..2 {
                header(
                    facts.run,
                    state.keyring.as_ref(),
                    &theme,
                    areas.header,
                    frame,
                );
                rail::render(facts, &theme, g, areas.rail, frame);
                step::render(facts, &theme, g, areas.body, frame);
                let needed = footer::height(state, area.width);
                if needed == areas.footer.height {
                    break;
                }
                areas = layout::areas(area, needed, labels);
                frame.render_widget(ratatui::widgets::Clear, area);
            }
        }
    }
    footer::render(state, &theme, g, areas.footer, frame);
    // Help overlays whatever is drawn.
    if state.help() {
        help::render(state, &theme, g, area, frame);
    }
}

/// What every part of a run's screen draws from, worked out once per frame (each step's
/// verdict, the rail's labels, where the run is): no renderer works them out again.
pub struct RunFacts<'a> {
    pub run: &'a super::app::Run,
    pub spinner: usize,
    /// Each step's label, as the layout measures the rail and the rail draws it.
    pub labels: Vec<String>,
    /// Each step's verdict.
    pub verdicts: Vec<crate::verdict::Verdict>,
    /// Where the run is on the rail: a step, or (past the last) the summary.
    pub position: usize,
}

impl<'a> RunFacts<'a> {
    pub fn of(run: &'a super::app::Run, spinner: usize) -> Self {
        RunFacts {
            run,
            spinner,
            labels: layout::step_labels(&run.wizard),
            verdicts: (0..run.wizard.steps.len())
                .map(|i| run.verdict(i))
                .collect(),
            position: run.rail_position(),
        }
    }

    /// How many steps no longer block progress.
    pub fn done(&self) -> usize {
        self.verdicts.iter().filter(|v| v.is_done()).count()
    }
}

fn header(
    run: &super::app::Run,
    keyring: Option<&super::app::KeyringView>,
    theme: &Theme,
    area: ratatui::layout::Rect,
    frame: &mut Frame,
) {
    const NAME: &str = " psa-onboard ";
    // Where the secrets go, on the right (the demo keeps none). The title gives way to it: the
    // admin chose the wizard, but may not know where the secret went.
    let label = keyring
        .filter(|_| !run.demo)
        .map(|k| keyring_label(k, theme));
    let mut title = run.wizard.title.clone();
    if let Some((text, style)) = &label {
        let room = (area.width as usize).saturating_sub(NAME.len() + 1 + 2 + text.chars().count());
        if room >= 12 {
            if title.chars().count() > room {
                title = title.chars().take(room - 1).collect::<String>() + "…";
            }
            frame.render_widget(
                Paragraph::new(Line::from(Span::styled(text.clone(), *style)))
                    .alignment(ratatui::layout::Alignment::Right),
                area,
            );
        }
    }
    let mut spans = vec![
        Span::styled(NAME, theme.title()),
        Span::raw(" "),
        Span::styled(title, theme.bold()),
    ];
    if run.demo {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(" DEMO - sandbox ", theme.badge()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The header's words for the keyring in use (short: they share the line with the title).
fn keyring_label(k: &super::app::KeyringView, theme: &Theme) -> (String, Style) {
    use crate::secrets::StoreKind;
    match k.store {
        Some(StoreKind::KernelKeyring) => ("keyring: kernel, until logout ".into(), theme.warn()),
        Some(StoreKind::WindowsCredentialManager) => {
            ("keyring: Credential Manager ".into(), theme.dim())
        }
        Some(StoreKind::MacosKeychain) => ("keyring: Keychain ".into(), theme.dim()),
        Some(kind) => (format!("keyring: {} ", kind.name()), theme.dim()),
        None => ("keyring: none, memory only ".into(), theme.warn()),
    }
}

/// Colours, or none at all when NO_COLOR is set (modifiers stay: they are not colour).
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    plain: bool,
}

impl Theme {
    pub fn new(plain: bool) -> Self {
        Theme { plain }
    }

    fn fg(&self, c: Color) -> Style {
        if self.plain {
            Style::default()
        } else {
            Style::default().fg(c)
        }
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn fail(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn dim(&self) -> Style {
        if self.plain {
            Style::default()
        } else {
            Style::default().fg(Color::DarkGray)
        }
    }
    pub fn bold(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    pub fn title(&self) -> Style {
        if self.plain {
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::default()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        }
    }
    pub fn badge(&self) -> Style {
        if self.plain {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(Color::Black).bg(Color::Yellow)
        }
    }
    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
}
