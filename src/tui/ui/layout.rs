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
/// line when it fits, else wrapped over lines while the rail has the height for that (the
/// `current` step's first, then the others in order), else cut with `ellipsis`. Every step
/// keeps at least its one line, so the whole wizard stays in view.
pub fn rail_labels(
    labels: &[String],
    current: usize,
    rail: Rect,
    ellipsis: &str,
) -> Vec<Vec<String>> {
    let width = (rail.width as usize).saturating_sub(RAIL_CHROME + 1).max(1);
    let wrapped: Vec<Vec<String>> = labels
        .iter()
        .map(|l| {
            // Continuation lines start under the title, after "N. ".
            let indent = " ".repeat(l.find(". ").map_or(0, |i| i + 2).min(width / 2));
            wrap(l, width, "", &indent)
        })
        .collect();
    let mut out: Vec<Vec<String>> = labels
        .iter()
        .zip(&wrapped)
        .map(|(l, w)| {
            if w.len() == 1 {
                w.clone()
            } else {
                vec![truncate(l, width, ellipsis)]
            }
        })
        .collect();
    // Its title and a blank line above the steps, "Summary" below them.
    let mut spare = (rail.height as usize).saturating_sub(labels.len() + 3);
    let order = std::iter::once(current)
        .filter(|&c| c < labels.len())
        .chain((0..labels.len()).filter(|&i| i != current));
    for i in order {
        let extra = wrapped[i].len() - 1;
        if extra > 0 && extra <= spare {
            out[i] = wrapped[i].clone();
            spare -= extra;
        }
    }
    out
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
        let lines = rail_labels(&labels(), 1, rail, "…");
        assert_eq!(lines[0], vec!["1. Add a security", "   role for TopLeft"]);
        assert_eq!(lines[1].len(), 1);
        assert_eq!(rail_hit(rail, 3, &lines), Some(0));
        assert_eq!(rail_hit(rail, 4, &lines), Some(0));
        assert_eq!(rail_hit(rail, 5, &lines), Some(1));
        assert_eq!(rail_hit(rail, 6, &lines), Some(2));
        assert_eq!(rail_hit(rail, 7, &lines), None);
        // Too short for wrapped titles: one line each, cut.
        let short = Rect::new(0, 1, 26, 5);
        let lines = rail_labels(&labels(), 0, short, "…");
        assert!(lines.iter().all(|l| l.len() == 1), "{lines:?}");
        assert!(lines[0][0].ends_with('…'));
        // Room for one more line: the current step's title is the one made whole.
        let three = vec![
            "1. Add a security role for TopLeft".to_string(),
            "2. Add an API member for TopLeft".to_string(),
        ];
        let lines = rail_labels(&three, 1, Rect::new(0, 1, 26, 6), "…");
        assert_eq!(lines[1].len(), 2, "{lines:?}");
        assert!(lines[0][0].ends_with('…'), "{lines:?}");
    }
}
