//! The whole database checked at once (`check`): SQLite's own integrity and foreign keys, then
//! every campaign's chain and everything derived from it.

use anyhow::Result;

use crate::db::prelude::*;
use crate::db::{Read, Store};

/// One problem found, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `integrity`, `foreign keys`, or `campaign 'NAME'`.
    pub area: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.area, self.message)
    }
}

/// What `check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Campaigns checked, with their heads (`#seq hash`) when intact.
    pub campaigns: Vec<(String, Option<(u64, String)>)>,
    /// Problems; empty when everything holds.
    pub problems: Vec<Problem>,
}

/// Check the database: `PRAGMA integrity_check`, `PRAGMA foreign_key_check`, every campaign.
pub fn check(db: &Store) -> Result<Health> {
    let mut health = Health::default();
    let conn = db.conn();
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    for line in stmt.query_map([], |r| r.get::<_, String>(0))? {
        let line = line?;
        if line != "ok" {
            health.problems.push(Problem {
                area: "integrity".into(),
                message: line,
            });
        }
    }
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<i64>>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (table, rowid, parent) = row?;
        health.problems.push(Problem {
            area: "foreign keys".into(),
            message: format!(
                "a row of {table} (rowid {}) refers to a missing row of {parent}",
                rowid.map_or_else(|| "?".to_owned(), |r| r.to_string())
            ),
        });
    }
    // A damaged file may not even list its campaigns: that is a problem, not a crash.
    let campaigns = match db.campaigns() {
        Ok(c) => c,
        Err(e) => {
            health.problems.push(Problem {
                area: "campaigns".into(),
                message: format!("cannot be read: {e:#}"),
            });
            return Ok(health);
        }
    };
    for c in campaigns.iter().rev() {
        let area = format!("campaign '{}'", c.name);
        match super::verify(db, &c.name) {
            Ok(report) => {
                health.campaigns.push((c.name.clone(), report.head.clone()));
                health
                    .problems
                    .extend(report.findings.iter().map(|f| Problem {
                        area: area.clone(),
                        message: f.to_string(),
                    }));
            }
            Err(e) => health.problems.push(Problem {
                area,
                message: format!("cannot be verified: {e:#}"),
            }),
        }
    }
    Ok(health)
}
