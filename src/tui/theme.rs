//! Colours and emphasis; with `NO_COLOR` set, emphasis only (bold, reverse), never colour.

use ratatui::style::{Color, Modifier, Style};

/// The styles the screens use.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Selected row.
    pub selected: Style,
    /// Headings and titles.
    pub title: Style,
    /// Muted text.
    pub muted: Style,
    /// Errors.
    pub error: Style,
    /// Good news.
    pub ok: Style,
    /// Admin tier and high risk.
    pub danger: Style,
    /// Write tier and warnings.
    pub warn: Style,
    /// Gauge fill.
    pub gauge: Style,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set (to anything non-empty).
    pub fn from_env() -> Self {
        Theme::for_no_color(std::env::var_os("NO_COLOR"))
    }

    /// The theme for a value of `NO_COLOR` (no-color.org: set and non-empty means no colour).
    pub fn for_no_color(value: Option<std::ffi::OsString>) -> Self {
        if value.is_some_and(|v| !v.is_empty()) {
            Theme::plain()
        } else {
            Theme::color()
        }
    }

    /// With colour.
    pub fn color() -> Self {
        Theme {
            selected: Style::new().add_modifier(Modifier::REVERSED),
            title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            muted: Style::new().fg(Color::DarkGray),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            danger: Style::new().fg(Color::Red),
            warn: Style::new().fg(Color::Yellow),
            gauge: Style::new().fg(Color::Green),
        }
    }

    /// Without colour.
    pub fn plain() -> Self {
        let none = Style::new();
        Theme {
            selected: none.add_modifier(Modifier::REVERSED),
            title: none.add_modifier(Modifier::BOLD),
            muted: none,
            error: none.add_modifier(Modifier::BOLD),
            ok: none,
            danger: none.add_modifier(Modifier::BOLD),
            warn: none,
            gauge: none,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_colour(t: &Theme) -> bool {
        [
            t.selected, t.title, t.muted, t.error, t.ok, t.danger, t.warn, t.gauge,
        ]
        .iter()
        .any(|s| s.fg.is_some() || s.bg.is_some())
    }

    #[test]
    fn no_color_means_no_colour_at_all() {
        assert!(!has_colour(&Theme::for_no_color(Some("1".into()))));
        assert!(has_colour(&Theme::for_no_color(None)));
        assert!(
            has_colour(&Theme::for_no_color(Some("".into()))),
            "empty NO_COLOR does not count"
        );
    }
}
