//! Small text helpers shared by the command output and the screens.

use chrono::{DateTime, Utc};

/// Human words for a last use: a date, "never" (tracked, no use), or "unknown" (not tracked).
pub fn last_used_text(at: Option<DateTime<Utc>>, tracked: bool) -> String {
    match (at, tracked) {
        (Some(t), _) => t.format("%Y-%m-%d").to_string(),
        (None, true) => "never".into(),
        (None, false) => "unknown".into(),
    }
}

/// Cut `s` to `width` characters, marking the cut with '…'.
pub fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_not_never() {
        assert_eq!(last_used_text(None, true), "never");
        assert_eq!(last_used_text(None, false), "unknown");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
