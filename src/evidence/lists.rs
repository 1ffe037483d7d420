//! The two lists people read one by one — standing verdicts that override the suggestion, and
//! identities nobody decided — gathered as the population streams past: every row goes to an
//! unnamed temporary file for `summary.md` (memory stays flat), the first
//! [`HTML_AT_MOST`] also to `report.html`.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use anyhow::Result;

use super::report::esc;
use super::summary::md;
use super::tally::is_override;
use crate::db::EvidenceMember;

/// Rows of a list shown in `report.html` (which then points to `summary.md`).
pub const HTML_AT_MOST: usize = 500;

/// One list.
pub struct List {
    /// Rows in it.
    pub count: u64,
    md: BufWriter<File>,
    /// Its first rows as HTML table rows.
    pub html: Vec<String>,
}

impl List {
    fn new(dir: &Path) -> Result<List> {
        Ok(List {
            count: 0,
            md: BufWriter::new(tempfile::tempfile_in(dir)?),
            html: Vec::new(),
        })
    }

    fn push(&mut self, md_row: &str, html_row: impl FnOnce() -> String) -> Result<()> {
        self.count += 1;
        self.md.write_all(md_row.as_bytes())?;
        if self.html.len() < HTML_AT_MOST {
            self.html.push(html_row());
        }
        Ok(())
    }

    /// Copy every Markdown row to `out`.
    pub fn copy_md(&mut self, out: &mut dyn Write) -> Result<()> {
        self.md.flush()?;
        let file = self.md.get_mut();
        file.rewind()?;
        std::io::copy(file, out)?;
        Ok(())
    }
}

/// Both lists.
pub struct Lists {
    /// Standing verdicts that are not the one suggested.
    pub overrides: List,
    /// Members with no standing verdict (recorded unreviewed at close, or undecided).
    pub undecided: List,
}

/// How a member without a verdict was recorded.
fn recorded(action: Option<&str>) -> &'static str {
    match action {
        Some("unreviewed") => "unreviewed at close",
        Some("undo") => "undecided (decision withdrawn)",
        _ => "undecided",
    }
}

impl Lists {
    /// Empty lists whose spill files live (unnamed) in `dir`.
    pub fn new(dir: &Path) -> Result<Lists> {
        Ok(Lists {
            overrides: List::new(dir)?,
            undecided: List::new(dir)?,
        })
    }

    /// Add a member to the list it belongs to, if any.
    pub fn add(&mut self, m: &EvidenceMember) -> Result<()> {
        let n = m.position + 1;
        let reviewer = m.decided_by.as_deref().unwrap_or("");
        if let Some(v) = m.verdict.filter(|v| is_override(Some(*v), &m.suggested)) {
            let row = format!(
                "| {n} | {} | {} | {} | {} | {} | {} | {} |\n",
                md(&m.name),
                md(&m.provider),
                md(&m.native_id),
                md(&m.suggested),
                v.as_str(),
                md(reviewer),
                md(&m.justification)
            );
            self.overrides.push(&row, || {
                format!(
                    "<tr><td class=\"n\">{n}</td><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&m.name),
                    esc(&m.native_id),
                    esc(&m.provider),
                    esc(&m.suggested),
                    v.as_str(),
                    esc(reviewer),
                    esc(&m.justification)
                )
            })?;
        }
        if m.verdict.is_none() {
            let owner = m.owner.as_deref().unwrap_or("(no owner)");
            let how = recorded(m.action.as_deref());
            let row = format!(
                "| {n} | {} | {} | {} | {} | {how} |\n",
                md(&m.name),
                md(&m.provider),
                md(&m.native_id),
                md(owner)
            );
            self.undecided.push(&row, || {
                format!(
                    "<tr><td class=\"n\">{n}</td><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td><td>{how}</td></tr>",
                    esc(&m.name),
                    esc(&m.native_id),
                    esc(&m.provider),
                    esc(owner)
                )
            })?;
        }
        Ok(())
    }
}
