//! Text for terminals: one sanitiser for everything that came from an export or a database
//! ([`inert`]), display widths that count wide characters ([`width`], [`clip`]), and wrapping at
//! word and path boundaries ([`wrap`]).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthChar;

/// `n` and its noun, singular or plural: "1 identity", "3 identities".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Human words for a last use: a date, "never" (tracked, no use), or "unknown" (not tracked).
pub fn last_used_text(at: Option<DateTime<Utc>>, tracked: bool) -> String {
    match (at, tracked) {
        (Some(t), _) => t.format("%Y-%m-%d").to_string(),
        (None, true) => "never".into(),
        (None, false) => "unknown".into(),
    }
}

/// Whether a character would act on the terminal or hide itself instead of showing: controls
/// (C0, DEL, C1), bidirectional overrides and isolates, zero-width characters.
fn is_hidden(c: char) -> bool {
    c.is_control() || crate::review::rules::is_invisible(c)
}

/// Text made inert for a terminal: escape sequences, controls, bidirectional overrides and
/// zero-width characters are shown as visible escapes (`\e`, `\u{202e}`), a newline as `↵`.
/// Nothing an export says can set a title, clear the screen, write the clipboard or reorder
/// what a reviewer reads.
pub fn inert(s: &str) -> String {
    inert_cow(s).into_owned()
}

/// A message of several lines whose every untrusted part was made [`inert`] where it was put
/// in, so that its own line breaks may be shown as line breaks (a list of formats, say).
#[derive(Debug)]
pub struct Lines(pub String);

impl std::fmt::Display for Lines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Lines {}

/// An error as a terminal shows it: [`inert`], line breaks and all, unless it is [`Lines`] and
/// nothing was added around it.
pub fn error_text(e: &anyhow::Error) -> String {
    match e.downcast_ref::<Lines>() {
        Some(lines) if e.chain().count() == 1 => lines.0.clone(),
        _ => inert(&format!("{e:#}")),
    }
}

/// [`inert`] without a copy when nothing needs escaping.
pub fn inert_cow(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push('↵'),
            '\u{1b}' => out.push_str("\\e"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Display width of a character in a terminal cell grid (wide characters count two).
fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Display width of a string.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Cut `s` to `max` display columns, marking the cut with '…'.
pub fn clip(s: &str, max: usize) -> String {
    let s = inert_cow(s);
    if width(&s) <= max {
        return s.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pad `s` with spaces to `cols` display columns (clipping if longer).
pub fn pad(s: &str, cols: usize) -> String {
    let clipped = clip(s, cols);
    let w = width(&clipped);
    format!("{clipped}{}", " ".repeat(cols.saturating_sub(w)))
}

/// Where a long token may break: after these, a path or an id reads on.
fn breaks_after(c: char) -> bool {
    matches!(
        c,
        '/' | ':' | '.' | '@' | ',' | ';' | '|' | '_' | '-' | '=' | '&' | '?'
    )
}

/// Wrap `s` to lines of at most `cols` display columns, breaking at spaces, else after a path
/// separator, else anywhere. Lines after the first start with `indent` spaces.
pub fn wrap(s: &str, cols: usize, indent: usize) -> Vec<String> {
    let cols = cols.max(indent + 2);
    let mut lines = Vec::new();
    let mut rest: &str = s;
    let mut first = true;
    while !rest.is_empty() {
        let room = if first { cols } else { cols - indent };
        if width(rest) <= room {
            lines.push(rest.to_owned());
            break;
        }
        let cut = cut_at(rest, room);
        let (line, tail) = rest.split_at(cut);
        lines.push(line.trim_end().to_owned());
        rest = tail.trim_start_matches(' ');
        first = false;
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    let pad = " ".repeat(indent);
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| if i == 0 { l } else { format!("{pad}{l}") })
        .collect()
}

/// Byte index to cut `s` at so that the first part fits `room` columns: the last space, else
/// just after the last separator, else as much as fits.
fn cut_at(s: &str, room: usize) -> usize {
    let mut used = 0;
    let mut fits = 0;
    let mut space = None;
    let mut separator = None;
    for (i, c) in s.char_indices() {
        let w = char_width(c);
        if used + w > room {
            break;
        }
        used += w;
        fits = i + c.len_utf8();
        if c == ' ' && i > 0 {
            space = Some(i);
        } else if breaks_after(c) {
            separator = Some(i + c.len_utf8());
        }
    }
    space
        .or(separator)
        .filter(|&i| i > 0)
        .unwrap_or(fits.max(s.chars().next().map_or(0, char::len_utf8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_takes_its_noun_singular_or_plural() {
        assert_eq!(counted(1, "identity", "identities"), "1 identity");
        assert_eq!(counted(0, "identity", "identities"), "0 identities");
        assert_eq!(counted(3, "match", "matches"), "3 matches");
    }

    #[test]
    fn unknown_is_not_never() {
        assert_eq!(last_used_text(None, true), "never");
        assert_eq!(last_used_text(None, false), "unknown");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }

    #[test]
    fn escapes_and_invisible_characters_are_shown_not_obeyed() {
        assert_eq!(
            inert("\u{1b}]52;c;SGVsbG8=\u{7}x"),
            "\\e]52;c;SGVsbG8=\\u{7}x"
        );
        assert_eq!(inert("\u{1b}[2J"), "\\e[2J");
        assert_eq!(inert("r\u{200b}"), "r\\u{200b}");
        assert_eq!(inert("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(inert("two\nlines"), "two↵lines");
        assert_eq!(inert("\u{9b}31m"), "\\u{9b}31m");
        assert!(matches!(inert_cow("plain «ok»"), Cow::Borrowed(_)));
    }

    #[test]
    fn widths_count_wide_characters() {
        assert_eq!(width("ab"), 2);
        assert_eq!(width("🚀x"), 3);
        assert_eq!(clip("🚀🚀🚀", 4), "🚀…");
        assert_eq!(width(&pad("🚀", 4)), 4);
    }

    #[test]
    fn wrapping_breaks_at_words_then_paths_never_mid_token_when_avoidable() {
        assert_eq!(
            wrap("organization_administration:write on repo", 20, 2),
            ["organization_", "  administration:", "  write on repo"]
        );
        assert_eq!(
            wrap(
                "arn:aws:iam::210987654321:user/service-accounts/ci-bot",
                24,
                0
            ),
            [
                "arn:aws:iam::",
                "210987654321:user/",
                "service-accounts/ci-bot"
            ]
        );
        assert_eq!(wrap("short", 20, 2), ["short"]);
        assert_eq!(wrap("aaaaaaaaaa", 4, 0), ["aaaa", "aaaa", "aa"]);
        for line in wrap("a very long sentence that goes on and on", 10, 2) {
            assert!(width(&line) <= 10, "{line}");
        }
    }
}
