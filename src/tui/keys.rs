//! The keymap: every binding has a description; the footer and the help overlay read them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{Modal, View};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Up,
    Down,
    /// Scroll the step's text up a page (the selection stays).
    PageUp,
    /// Scroll the step's text down a page (the selection stays).
    PageDown,
    /// Select the first item.
    First,
    /// Select the last item.
    Last,
    Open,
    OpenFile,
    Verify,
    Cancel,
    Next,
    Back,
    ContinueUnverified,
    Tick,
    Apply,
    Skip,
    EditConnection,
    FieldNext,
    FieldPrev,
    Submit,
    Reveal,
    LeaveForm,
    Yes,
    No,
    CloseHelp,
    /// Resend credentials the PSA refused, after a lockout warning.
    RetrySame,
    /// Run the step's write checks once, after a prompt naming what they leave behind.
    WriteTests,
    /// Hand-off: copy the focused field (OSC 52).
    Copy,
    /// Hand-off: open the vendor's portal in a browser.
    OpenPortal,
    /// Hand-off: focus the next field.
    PortalNext,
    /// Hand-off: POST the fields to the vendor's endpoint (after confirmation).
    SubmitToVendor,
    /// Start screen: type to narrow the list.
    Filter,
    /// Start screen: drop the filter.
    ClearFilter,
    /// Start screen: rename the selected session.
    Rename,
}

/// Which keys apply: the screen, and what has focus on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Start,
    StartPath,
    /// Typing the start screen's filter.
    StartFilter,
    /// Typing a session's new name.
    StartRename,
    Step,
    Form,
    Confirm,
    /// A yes/no question (submit to the vendor, retry refused credentials).
    Prompt,
    /// Naming the ticket the impersonation write test adds its note to.
    Ticket,
    Help,
    Finished,
}

impl Context {
    /// Whose commands apply: the modal's when one is open (beneath help), else the view's.
    pub fn of(view: View, modal: Option<&Modal>) -> Context {
        match (modal, view) {
            (Some(Modal::Help { .. }), _) => Context::Help,
            (Some(Modal::Path(_)), _) => Context::StartPath,
            (Some(Modal::Rename { .. }), _) => Context::StartRename,
            (Some(Modal::Filter), _) => Context::StartFilter,
            (Some(Modal::Ticket(_)), _) => Context::Ticket,
            (Some(Modal::Prompt(_)), _) => Context::Prompt,
            (Some(Modal::Confirm), _) => Context::Confirm,
            (_, View::Start | View::Loading) => Context::Start,
            (_, View::Summary) => Context::Finished,
            (Some(Modal::Form), View::Step(_)) => Context::Form,
            (None, View::Step(_)) => Context::Step,
        }
    }
}

/// One command of a view or modal: its binding (keys, label, words, action) and whether it
/// does something right now. The footer shows the enabled ones; a key runs the one it names.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub binding: &'static Binding,
    pub enabled: bool,
}

impl Command {
    pub fn action(&self) -> Action {
        self.binding.action
    }

    /// Whether `key` is one of this command's keys.
    pub fn takes(&self, key: &KeyEvent) -> bool {
        // Terminals differ on whether `?` arrives with SHIFT; compare without it for characters.
        let mods = match key.code {
            KeyCode::Char(c) if !c.is_ascii_lowercase() => key.modifiers - KeyModifiers::SHIFT,
            _ => key.modifiers,
        };
        self.binding
            .keys
            .iter()
            .any(|(code, m)| *code == key.code && (*m == mods || *m == key.modifiers))
    }
}

/// The commands of `ctx`, in keymap order, each marked enabled or not by `enabled`.
pub fn commands(ctx: Context, enabled: impl Fn(Action) -> bool) -> Vec<Command> {
    bindings(ctx)
        .iter()
        .map(|binding| Command {
            binding,
            enabled: enabled(binding.action),
        })
        .collect()
}

/// The command a key names among `commands` (the first that takes it).
pub fn command_for(commands: &[Command], key: &KeyEvent) -> Option<Command> {
    commands.iter().find(|c| c.takes(key)).copied()
}

/// One key binding.
#[derive(Debug)]
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the footer and help write the key.
    pub label: &'static str,
    /// Short text for the footer.
    pub short: &'static str,
    /// Full sentence for the help overlay.
    pub desc: &'static str,
    pub action: Action,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

macro_rules! b {
    ($keys:expr, $label:expr, $short:expr, $desc:expr, $action:ident) => {
        Binding {
            keys: $keys,
            label: $label,
            short: $short,
            desc: $desc,
            action: Action::$action,
        }
    };
}

const QUIT: Binding = b!(
    &[(KeyCode::Char('q'), NONE), (KeyCode::Char('c'), CTRL)],
    "q",
    "quit",
    "Save and quit; `psa-onboard resume` continues here.",
    Quit
);
const HELP: Binding = b!(
    &[
        (KeyCode::Char('?'), NONE),
        (KeyCode::Char('?'), SHIFT),
        (KeyCode::F(1), NONE)
    ],
    "?",
    "help",
    "Show every key and what it does.",
    Help
);
const UP: Binding = b!(
    &[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)],
    "↑↓",
    "move",
    "Move the selection up or down (also the mouse wheel).",
    Up
);
const DOWN: Binding = b!(
    &[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)],
    "",
    "",
    "",
    Down
);
const PGUP: Binding = b!(
    &[(KeyCode::PageUp, NONE)],
    "PgUp/PgDn",
    "scroll",
    "Scroll the step's text a page; the selection stays.",
    PageUp
);
const PGDN: Binding = b!(&[(KeyCode::PageDown, NONE)], "", "", "", PageDown);
const HOME: Binding = b!(
    &[(KeyCode::Home, NONE)],
    "Home/End",
    "first/last",
    "Select the first or the last item of the step.",
    First
);
const END: Binding = b!(&[(KeyCode::End, NONE)], "", "", "", Last);

/// Where letters are typed, help and quit take keys that do not type.
const F1_HELP: Binding = b!(
    &[(KeyCode::F(1), NONE)],
    "F1",
    "help",
    "Show every key and what it does.",
    Help
);
const CTRL_C_SAVE_QUIT: Binding = b!(
    &[(KeyCode::Char('c'), CTRL)],
    "Ctrl+C",
    "quit",
    "Save your progress and quit.",
    Quit
);

const START: &[Binding] = &[
    b!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        "open",
        "Resume the selected session or start the selected wizard.",
        Open
    ),
    b!(
        &[(KeyCode::Char('/'), NONE)],
        "/",
        "filter",
        "Type part of a name (vendor, wizard, PSA, session, company) to narrow the list.",
        Filter
    ),
    b!(
        &[(KeyCode::Esc, NONE)],
        "Esc",
        "clear filter",
        "Show the whole list again.",
        ClearFilter
    ),
    b!(
        &[(KeyCode::Char('r'), NONE)],
        "r",
        "rename",
        "Rename the selected session (its secrets stay where they are in the keyring).",
        Rename
    ),
    b!(
        &[(KeyCode::Char('o'), NONE)],
        "o",
        "open file",
        "Start a wizard from a .toml file you name.",
        OpenFile
    ),
    UP,
    DOWN,
    HELP,
    b!(
        &[(KeyCode::Char('q'), NONE), (KeyCode::Char('c'), CTRL)],
        "q",
        "quit",
        "Quit.",
        Quit
    ),
];

const START_FILTER: &[Binding] = &[
    b!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        "open",
        "Resume the selected session or start the selected wizard.",
        Submit
    ),
    b!(
        &[(KeyCode::Esc, NONE)],
        "Esc",
        "clear filter",
        "Drop the filter and show the whole list again.",
        ClearFilter
    ),
    b!(
        &[(KeyCode::Up, NONE)],
        "↑↓",
        "move",
        "Move the selection up or down (letters go into the filter).",
        Up
    ),
    b!(&[(KeyCode::Down, NONE)], "", "", "", Down),
    F1_HELP,
    b!(
        &[(KeyCode::Char('c'), CTRL)],
        "Ctrl+C",
        "quit",
        "Quit.",
        Quit
    ),
];

const START_RENAME: &[Binding] = &[
    b!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        "rename",
        "Rename the session (1-64 lowercase letters, digits and dashes).",
        Submit
    ),
    b!(
        &[(KeyCode::Esc, NONE)],
        "Esc",
        "cancel",
        "Keep the old name.",
        LeaveForm
    ),
];

const START_PATH: &[Binding] = &[
    b!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        "open",
        "Load the wizard file at this path.",
        Submit
    ),
    b!(
        &[(KeyCode::Esc, NONE)],
        "Esc",
        "back",
        "Go back to the list.",
        LeaveForm
    ),
];

const STEP: &[Binding] = &[
    b!(
        &[(KeyCode::Char('v'), NONE)],
        "v",
        "verify",
        "Verify against the PSA; rows fill in as answers arrive.",
        Verify
    ),
    b!(
        &[(KeyCode::Char('w'), NONE)],
        "w",
        "write tests",
        "Verify with this step's write tests too, once (asks first, naming what they leave in your PSA); v alone never writes.",
        WriteTests
    ),
    b!(
        &[(KeyCode::Esc, NONE)],
        "Esc",
        "cancel",
        "Cancel the verification in progress.",
        Cancel
    ),
    b!(
        &[(KeyCode::Char('a'), NONE)],
        "a",
        "do it for me",
        "Demo: do this step in the sandbox as you would, then verify.",
        Apply
    ),
    b!(
        &[(KeyCode::Char(' '), NONE), (KeyCode::Char('x'), NONE)],
        "Space",
        "tick",
        "Tick a manual item (not verifiable through the API) once done.",
        Tick
    ),
    b!(
        &[
            (KeyCode::Char('n'), NONE),
            (KeyCode::Enter, NONE),
            (KeyCode::Right, NONE)
        ],
        "n",
        "next",
        "Go to the next step (once this one is verified).",
        Next
    ),
    b!(
        &[(KeyCode::Char('s'), NONE)],
        "s",
        "skip (optional)",
        "Skip an optional step that does not apply to you.",
        Skip
    ),
    b!(
        &[(KeyCode::Char('b'), NONE), (KeyCode::Left, NONE)],
        "b",
        "back",
        "Go to the previous step.",
        Back
    ),
    b!(
        &[(KeyCode::Char('u'), NONE)],
        "u",
        "continue unverified",
        "Move on unverified; the session records it as such.",
        ContinueUnverified
    ),
    b!(
        &[(KeyCode::Char('e'), NONE)],
        "e",
        "connection",
        "Edit the connection details (site, keys, username, secret).",
        EditConnection
    ),
    b!(
        &[(KeyCode::Char('R'), NONE), (KeyCode::Char('R'), SHIFT)],
        "R",
        "retry same credentials",
        "Verify again with credentials the PSA refused, unchanged (asks first: repeated failures lock Autotask accounts).",
        RetrySame
    ),
    b!(
        &[(KeyCode::Tab, NONE)],
        "Tab",
        "next field",
        "Hand-off: focus the next value the vendor needs.",
        PortalNext
    ),
    b!(
        &[(KeyCode::Char('c'), NONE)],
        "c",
        "copy",
        "Hand-off: copy the focused value to the clipboard (OSC 52; a secret only once revealed).",
        Copy
    ),
    b!(
        &[(KeyCode::Char('r'), CTRL)],
        "Ctrl+R",
        "reveal",
        "Hand-off: show or hide the secret values.",
        Reveal
    ),
    b!(
        &[(KeyCode::Char('o'), NONE)],
        "o",
        "open portal",
        "Hand-off: open the vendor's portal in your browser.",
        OpenPortal
    ),
    b!(
        &[(KeyCode::Char('p'), NONE)],
        "p",
        "submit to vendor",
        "Hand-off: send the values to the vendor's endpoint (asks first, naming what is sent).",
        SubmitToVendor
    ),
    UP,
    DOWN,
    PGUP,
    PGDN,
    HOME,
    END,
    HELP,
    QUIT,
];

const FORM: &[Binding] = &[
    b!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        "next field / submit",
        "Next field; on the last one, check every value and verify.",
        Submit
    ),
    b!(
        &[(KeyCode::Tab, NONE), (KeyCode::Down, NONE)],
        "Tab",
        "next",
        "Go to the next field.",
        FieldNext
    ),
    b!(
        &[
            (KeyCode::BackTab, SHIFT),
            (KeyCode::BackTab, NONE),
            (KeyCode::Up, NONE)
        ],
        "Shift+Tab",
        "back",
        "Go to the previous field.",
        FieldPrev
    ),
    b!(
        &[(KeyCode::Char('r'), CTRL)],
        "Ctrl+R",
        "reveal",
        "Show or hide the secret you are typing.",
        Reveal
    ),
    b!(
        &[(KeyCode::Esc, NONE)],
        "Esc",
        "leave form",
        "Leave the form; your typing is kept.",
        LeaveForm
    ),
    F1_HELP,
    CTRL_C_SAVE_QUIT,
];

const CONFIRM: &[Binding] = &[
    b!(
        &[(KeyCode::Char('y'), NONE)],
        "y",
        "yes, continue unverified",
        "Continue without verification (recorded in the session).",
        Yes
    ),
    b!(
        &[(KeyCode::Char('n'), NONE), (KeyCode::Esc, NONE)],
        "n/Esc",
        "no",
        "Stay on this step.",
        No
    ),
];

const PROMPT: &[Binding] = &[
    b!(&[(KeyCode::Char('y'), NONE)], "y", "yes", "Go ahead.", Yes),
    b!(
        &[(KeyCode::Char('n'), NONE), (KeyCode::Esc, NONE)],
        "n/Esc",
        "no",
        "Do nothing.",
        No
    ),
];

const TICKET: &[Binding] = &[
    b!(
        &[(KeyCode::Enter, NONE)],
        "Enter",
        "find ticket",
        "Look the ticket up in the PSA (its number, e.g. T20240101.0001, or its ID); you are asked before anything is written.",
        Submit
    ),
    b!(
        &[(KeyCode::Esc, NONE)],
        "Esc",
        "cancel",
        "Write nothing; go back to the step.",
        LeaveForm
    ),
    F1_HELP,
    CTRL_C_SAVE_QUIT,
];

const HELP_SCREEN: &[Binding] = &[b!(
    &[
        (KeyCode::Esc, NONE),
        (KeyCode::Char('?'), NONE),
        (KeyCode::Char('?'), SHIFT),
        (KeyCode::Char('q'), NONE),
        (KeyCode::F(1), NONE),
    ],
    "Esc",
    "close help",
    "Close this help.",
    CloseHelp
)];

const FINISHED: &[Binding] = &[
    b!(
        &[(KeyCode::Char('b'), NONE), (KeyCode::Left, NONE)],
        "b",
        "back",
        "Go back to the last step.",
        Back
    ),
    PGUP,
    PGDN,
    HELP,
    QUIT,
];

pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Start => START,
        Context::StartPath => START_PATH,
        Context::StartFilter => START_FILTER,
        Context::StartRename => START_RENAME,
        Context::Step => STEP,
        Context::Form => FORM,
        Context::Confirm => CONFIRM,
        Context::Prompt => PROMPT,
        Context::Ticket => TICKET,
        Context::Help => HELP_SCREEN,
        Context::Finished => FINISHED,
    }
}

/// Actions that apply only on some steps (the hand-off step, a refused sign-in).
pub fn is_situational(action: Action) -> bool {
    matches!(
        action,
        Action::RetrySame
            | Action::WriteTests
            | Action::Copy
            | Action::OpenPortal
            | Action::PortalNext
            | Action::SubmitToVendor
            | Action::Reveal
    )
}

/// How the footer and the screen's hints write the key for an action in a context ("n",
/// "Space"): one source for both, so a hint never names a key the footer calls otherwise.
pub fn label(ctx: Context, action: Action) -> &'static str {
    // Paired keys share one binding's label ("PgUp/PgDn"): the second names the partner.
    let (action, part) = match action {
        Action::PageDown => (Action::PageUp, 1),
        Action::Last => (Action::First, 1),
        a => (a, 0),
    };
    bindings(ctx)
        .iter()
        .find(|b| b.action == action && !b.label.is_empty())
        .map(|b| b.label.split('/').nth(part).unwrap_or(b.label))
        .unwrap_or("")
}

/// How the help writes one key ("Ctrl+C", "Space", "↑").
pub fn key_name(code: KeyCode, mods: KeyModifiers, ascii: bool) -> String {
    let arrow = |u: &str, a: &str| if ascii { a.to_string() } else { u.to_string() };
    match code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if mods.contains(CTRL) => format!("Ctrl+{}", c.to_ascii_uppercase()),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift+Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Up => arrow("↑", "Up"),
        KeyCode::Down => arrow("↓", "Down"),
        KeyCode::Left => arrow("←", "Left"),
        KeyCode::Right => arrow("→", "Right"),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    }
}

/// Every key of the binding at `i` in `ctx` and of its unlabelled partners after it (Down after
/// Up), as the help lists them: the footer's label first, then the other keys that do the same
/// ("↑↓ k j", "n Enter →", "q Ctrl+C").
pub fn help_keys(ctx: Context, i: usize, ascii: bool) -> String {
    let all = bindings(ctx);
    let b = &all[i];
    let label = if b.label == "↑↓" && ascii {
        "Up/Down"
    } else {
        b.label
    };
    let partners = all[i + 1..].iter().take_while(|p| p.label.is_empty());
    let mut names: Vec<String> = Vec::new();
    for (code, mods) in b.keys.iter().chain(partners.flat_map(|p| p.keys.iter())) {
        let name = key_name(*code, *mods, ascii);
        let covered = name == label
            || label.split('/').any(|part| part == name)
            || (b.label == "↑↓" && matches!(code, KeyCode::Up | KeyCode::Down));
        if !covered && !names.contains(&name) {
            names.push(name);
        }
    }
    std::iter::once(label.to_string())
        .chain(names)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which keys the footer keeps when they do not all fit, most needed first: the keys that move
/// the step on (the ones the screen's hints name), then scrolling and the connection, then the
/// hand-off keys (its panel names them), then moving the selection.
pub fn footer_rank(action: Action) -> u8 {
    match action {
        Action::PageUp | Action::PageDown => 1,
        Action::EditConnection | Action::Back | Action::RetrySame => 2,
        Action::PortalNext
        | Action::Copy
        | Action::Reveal
        | Action::OpenPortal
        | Action::SubmitToVendor => 3,
        Action::Up | Action::Down | Action::First | Action::Last | Action::FieldPrev => 4,
        _ => 0,
    }
}

/// The action a key press means in a context.
pub fn lookup(ctx: Context, key: &KeyEvent) -> Option<Action> {
    command_for(&commands(ctx, |_| true), key).map(|c| c.action())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shown_binding_has_a_description() {
        for ctx in [
            Context::Start,
            Context::StartPath,
            Context::StartFilter,
            Context::StartRename,
            Context::Step,
            Context::Form,
            Context::Confirm,
            Context::Prompt,
            Context::Ticket,
            Context::Help,
            Context::Finished,
        ] {
            for b in bindings(ctx) {
                assert!(!b.keys.is_empty());
                if !b.label.is_empty() {
                    assert!(!b.desc.is_empty() && !b.short.is_empty(), "{:?}", b.action);
                }
            }
        }
    }

    #[test]
    fn hints_write_keys_as_the_footer_does() {
        assert_eq!(label(Context::Step, Action::Next), "n");
        assert_eq!(label(Context::Step, Action::Tick), "Space");
        assert_eq!(label(Context::Step, Action::PageUp), "PgUp");
        assert_eq!(label(Context::Step, Action::PageDown), "PgDn");
        assert_eq!(label(Context::Step, Action::ContinueUnverified), "u");
        assert_eq!(label(Context::Form, Action::Verify), "");
    }

    #[test]
    fn the_help_names_every_key_of_a_binding() {
        let at = |ctx, a| {
            let i = bindings(ctx).iter().position(|b| b.action == a).unwrap();
            help_keys(ctx, i, false)
        };
        assert_eq!(at(Context::Step, Action::Up), "↑↓ k j");
        assert_eq!(at(Context::Step, Action::Next), "n Enter →");
        assert_eq!(at(Context::Step, Action::Quit), "q Ctrl+C");
        assert_eq!(at(Context::Step, Action::Help), "? F1");
        assert_eq!(at(Context::Step, Action::Tick), "Space x");
        assert_eq!(at(Context::Step, Action::PageUp), "PgUp/PgDn");
        assert_eq!(at(Context::Form, Action::FieldPrev), "Shift+Tab ↑");
        let i = bindings(Context::Step)
            .iter()
            .position(|b| b.action == Action::Up)
            .unwrap();
        assert_eq!(help_keys(Context::Step, i, true), "Up/Down k j");
    }

    #[test]
    fn keys_resolve_per_context() {
        let k = |c| KeyEvent::new(c, NONE);
        assert_eq!(
            lookup(Context::Step, &k(KeyCode::Char('v'))),
            Some(Action::Verify)
        );
        assert_eq!(lookup(Context::Form, &k(KeyCode::Char('v'))), None);
        assert_eq!(
            lookup(Context::Form, &KeyEvent::new(KeyCode::Char('r'), CTRL)),
            Some(Action::Reveal)
        );
        assert_eq!(
            lookup(Context::Step, &KeyEvent::new(KeyCode::Char('?'), SHIFT)),
            Some(Action::Help)
        );
    }
}
