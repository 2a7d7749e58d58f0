//! Where things go. `update` uses this too, to hit-test mouse clicks.

use ratatui::layout::{Constraint, Layout, Rect};

use super::text::{truncate, wrap};

#[derive(Debug, Clone, Copy)]
pub struct Areas {
    pub header: Rect,
    pub rail: Rect,
    pub body: Rect,
    pub footer: Rect,
}

/// The rail never takes more than this share of the screen's width (numerator, denominator).
const RAIL_SHARE: (u16, u16) = (1, 3);
/// Nor less than this many columns.
const RAIL_MIN: u16 = 16;
/// Columns around a step's label in the rail: " ◆ " before it, the border after it.
const RAIL_CHROME: usize = 4;

/// The screen's areas, with a footer of `footer_lines` (see `footer::height`) and a rail as
/// wide as `labels` (each step's "N. title") need, up to its share of the screen.
pub fn areas(area: Rect, footer_lines: u16, labels: &[String]) -> Areas {
    let [header, middle, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(footer_lines.max(1)),
    ])
    .areas(area);
    let want = labels
        .iter()
        .map(|l| l.chars().count() + RAIL_CHROME + 1)
        .max()
        .unwrap_or(0);
    let cap = (area.width * RAIL_SHARE.0 / RAIL_SHARE.1).max(RAIL_MIN);
    let rail_w = (want as u16).clamp(RAIL_MIN, cap).min(area.width);
    let [rail, body] =
        Layout::horizontal([Constraint::Length(rail_w), Constraint::Min(1)]).areas(middle);
    Areas {
        header,
        rail,
        body,
        footer,
    }
}

/// Each step's label as the rail shows it in a rail of `rail` (border included): whole on one
/// line when it fits, else wrapped over lines when the rail has the height for that, else cut
/// with `ellipsis`.
pub fn rail_labels(labels: &[String], rail: Rect, ellipsis: &str) -> Vec<Vec<String>> {
    let width = (rail.width as usize).saturating_sub(RAIL_CHROME + 1).max(1);
    let wrapped: Vec<Vec<String>> = labels
        .iter()
        .map(|l| {
            // Continuation lines start under the title, after "N. ".
            let indent = " ".repeat(l.find(". ").map_or(0, |i| i + 2).min(width / 2));
            wrap(l, width, "", &indent)
        })
        .collect();
    // Its title and a blank line above the steps, "Summary" below them.
    let lines: usize = wrapped.iter().map(Vec::len).sum::<usize>() + 3;
    if lines <= rail.height as usize {
        wrapped
    } else {
        labels
            .iter()
            .map(|l| vec![truncate(l, width, ellipsis)])
            .collect()
    }
}

/// The step a click on screen row `row` of the rail means (its first lines are its title; the
/// line after the steps is the summary, `labels.len()`).
pub fn rail_hit(rail: Rect, row: u16, lines: &[Vec<String>]) -> Option<usize> {
    let first = rail.y + 2;
    if row < first || row >= rail.bottom() {
        return None;
    }
    let mut at = (row - first) as usize;
    for (i, l) in lines.iter().enumerate() {
        if at < l.len() {
            return Some(i);
        }
        at -= l.len();
    }
    (at == 0).then_some(lines.len())
}

/// Each step's label in the rail, "N. title".
pub fn step_labels(wizard: &crate::wizard::Wizard) -> Vec<String> {
    wizard
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {}", i + 1, s.title))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        vec![
            "1. Add a security role for TopLeft".into(),
            "2. Add an API member".into(),
        ]
    }

    #[test]
    fn the_rail_grows_to_its_longest_title_up_to_a_third() {
        let a = areas(Rect::new(0, 0, 200, 50), 1, &labels());
        assert_eq!(a.rail.width, 34 + 5);
        let a = areas(Rect::new(0, 0, 80, 24), 1, &labels());
        assert_eq!(a.rail.width, 26);
        let a = areas(Rect::new(0, 0, 80, 24), 1, &["1. A".to_string()]);
        assert_eq!(a.rail.width, RAIL_MIN);
    }

    #[test]
    fn titles_wrap_when_there_is_room_and_clicks_follow_them() {
        let rail = Rect::new(0, 1, 26, 20);
        let lines = rail_labels(&labels(), rail, "…");
        assert_eq!(lines[0], vec!["1. Add a security", "   role for TopLeft"]);
        assert_eq!(lines[1].len(), 1);
        assert_eq!(rail_hit(rail, 3, &lines), Some(0));
        assert_eq!(rail_hit(rail, 4, &lines), Some(0));
        assert_eq!(rail_hit(rail, 5, &lines), Some(1));
        assert_eq!(rail_hit(rail, 6, &lines), Some(2));
        assert_eq!(rail_hit(rail, 7, &lines), None);
        // Too short for wrapped titles: one line each, cut.
        let short = Rect::new(0, 1, 26, 5);
        let lines = rail_labels(&labels(), short, "…");
        assert!(lines.iter().all(|l| l.len() == 1), "{lines:?}");
        assert!(lines[0][0].ends_with('…'));
    }
}
