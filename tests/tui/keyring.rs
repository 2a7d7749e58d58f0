//! The keyring's line and header label, from TUI state.

use super::*;

/// The start-up keyring probe: the header names the store; its line (a fallback's notice, or no
/// keyring at all) is said once, whether it arrives before or after the run opens, and a
/// failed store of the secret with the same words does not say it again; a different failure
/// is shown. The demo, which keeps no secrets, shows neither.
#[test]
fn the_keyring_line_is_said_once_and_the_header_names_the_store() {
    use psa_onboard::secrets::StoreKind;
    use psa_onboard::tui::app::{KeyringView, Notice};
    let kernel = KeyringView {
        store: Some(StoreKind::KernelKeyring),
        notice: Some(Notice {
            text: "No Secret Service answers here, so secrets go to the kernel keyring: they last \
                   until logout or reboot."
                .into(),
            error: false,
        }),
    };
    let mut s = running("topleft-connectwise");
    app::update(&mut s, Msg::Keyring(kernel.clone()));
    let screen = draw(&s, 120, 30);
    assert!(screen.contains("keyring: kernel, until logout"), "{screen}");
    assert!(
        screen.contains("so secrets go to the kernel keyring"),
        "{screen}"
    );
    // Moving on clears it; nothing brings it back.
    key(&mut s, KeyCode::Char('n'));
    run_mut(&mut s).notice = None;
    app::update(&mut s, Msg::Keyring(kernel.clone()));
    assert!(s.run().unwrap().notice.is_none(), "said twice");

    // No keyring: the probe answers before the run is open; said when it opens.
    let none = KeyringView {
        store: None,
        notice: Some(Notice {
            text: "No OS keyring: x. To fix: y. Until then secrets are held in memory for this \
                   run only."
                .into(),
            error: true,
        }),
    };
    let w = Arc::new(wizards::wizard("topleft-connectwise"));
    let mut s = State::new(Screen::Loading(String::new()), false);
    app::update(&mut s, Msg::Keyring(none.clone()));
    let run = Run::new(w.clone(), "s".into(), w.id.clone(), "h".into());
    app::update(&mut s, Msg::Opened(Ok(Box::new(run))));
    let said = s.run().unwrap().notice.clone().expect("said on opening");
    assert_eq!(said, none.notice.clone().unwrap());
    assert!(draw(&s, 120, 30).contains("keyring: none, memory only"));
    run_mut(&mut s).notice = None;
    // Storing the secret fails with the same words: not said again.
    let same = ServiceError {
        message: said.text.clone(),
        remedy: String::new(),
    };
    app::update(&mut s, Msg::SecretStored(Err(same)));
    assert!(s.run().unwrap().notice.is_none(), "said again");
    // A different failure is news.
    let other = ServiceError {
        message: "The keyring refused the secret.".into(),
        remedy: "Try again.".into(),
    };
    app::update(&mut s, Msg::SecretStored(Err(other)));
    assert_eq!(
        s.run().unwrap().notice.as_ref().map(|n| n.text.as_str()),
        Some("The keyring refused the secret. Try again.")
    );

    // On 80 columns a long title gives way to the label.
    let mut s = running("rewst-autotask");
    app::update(&mut s, Msg::Keyring(kernel));
    let header = draw(&s, 80, 24).lines().next().unwrap().to_string();
    assert!(header.contains("keyring: kernel, until logout"), "{header}");
    assert!(header.contains("Rewst for Datto"), "{header}");
    assert!(header.contains('…'), "{header}");

    // The demo keeps no secrets: no header label, no line.
    let mut s = running("topleft-connectwise");
    run_mut(&mut s).demo = true;
    app::update(&mut s, Msg::Keyring(none));
    assert!(s.run().unwrap().notice.is_none());
    assert!(!draw(&s, 120, 30).contains("keyring:"));
}
