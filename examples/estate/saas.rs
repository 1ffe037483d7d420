//! A SaaS console's export of installed apps (Slack-style), read through a column mapping that
//! is written beside it (`apps.mapping.toml`, found by the importer on its own).
//!
//! Traps, as reference §10.1 describes them: a UTF-8 byte-order mark, CRLF line ends, headers
//! with spaces and parentheses, RFC 4180 quoting (names with commas and doubled quotes), emoji
//! and long names, US-style dates, `Never` and `-` for "none", an owner column that is often
//! empty (the installer is the fallback), statuses beyond active (`Revoked`, `Expired`,
//! `Disabled`), a comma-and-space separated scopes cell, a secret token column (dropped unread),
//! and apps installed by several people (one identity, one credential per installer).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::out::create;
use super::rng::Rng;
use super::text::{self, C, NOW, Style, Ts, base36};
use super::{Counts, FileSummary, distinct};

/// The mapping the importer reads the CSV with.
const MAPPING: &str = r#"# Column mapping for the generated SaaS apps export (a Slack-style "installed apps" list).
provider = "slack"
account = "example-corp.slack.example.com"
kind = "oauth_app"
credential_kind = "bot_token"
third_party = true
date_formats = ["%m/%d/%Y %H:%M"]
null_values = ["Never", "-"]
scope_delimiter = ","
secret_columns = ["Token"]

[columns]
id = "App ID"
name = "Integration"
owner = ["Owner Email", "Installed By"]
user = "Installed By"
created = "Installed (UTC)"
last_used = "Last Seen (UTC)"
status = "Status"
scopes = "Scopes"

[status]
active = ["Active"]
disabled = ["Revoked", "Expired", "Disabled"]

[tiers]
admin = "admin"
"channels:history" = "read"
"#;

/// Scopes, the common first.
const SCOPES: &[&str] = &[
    "chat:write",
    "channels:read",
    "users:read",
    "commands",
    "incoming-webhook",
    "channels:history",
    "groups:read",
    "im:write",
    "users:read.email",
    "files:read",
    "reactions:write",
    "team:read",
    "links:read",
    "links:write",
    "files:write",
    "channels:manage",
    "groups:history",
    "im:history",
    "mpim:history",
    "chat:write.public",
    "usergroups:read",
    "usergroups:write",
    "pins:write",
    "bookmarks:write",
    "calls:write",
    "dnd:read",
    "emoji:read",
    "reminders:write",
    "search:read",
    "admin.users:write",
    "admin.conversations:write",
    "admin",
];

/// App names, some with commas, quotes and emoji.
const APPS: &[&str] = &[
    "Standup Bot 🤖",
    "Jira Cloud, by Atlassian",
    "Old \"Legacy\" Exporter",
    "Pager Alerts",
    "GitHub",
    "Google Drive",
    "Calendar Sync 📅",
    "Zoom",
    "Polly",
    "Donut ☕",
    "Deploy Notifier",
    "Incident Bot 🚨",
    "Survey Monkey",
    "Expense Reports",
    "Status Page",
    "Lunch Train 🍕",
    "Grafana Alerts",
    "Sentry",
    "Translation Helper — 翻訳",
    "Café Orders",
];

/// Generate `apps` distinct apps, with about `grants` scopes each.
pub fn generate(seed: u64, grants: u64, apps: u64, dir: &Path) -> io::Result<Vec<FileSummary>> {
    if apps == 0 {
        return Ok(Vec::new());
    }
    let csv_path = PathBuf::from("saas/apps.csv");
    let mapping_path = dir.join("saas/apps.mapping.toml");
    let mut w = create(dir, &csv_path)?;
    std::fs::write(&mapping_path, MAPPING)?;
    let mut rng = Rng::stream(seed, "saas", 0);
    let mut counts = Counts::default();
    w.write_all(b"\xEF\xBB\xBFIntegration,App ID,Installed By,Owner Email,Installed (UTC),Last Seen (UTC),Status,Scopes,Token\r\n")?;
    let scope_count = (SCOPES.len() as u64).max(6 * grants);
    let scope = |i: u64| -> String {
        match SCOPES.get(i as usize) {
            Some(s) => (*s).to_owned(),
            None => format!("custom:scope-{}", i - SCOPES.len() as u64),
        }
    };
    for a in 0..apps {
        let name = if rng.chance(10) {
            format!(
                "{} for the {} team — built in-house by the integrations guild, replaces the old webhook",
                rng.pick(APPS),
                rng.pick(text::TEAMS)
            )
        } else {
            (*rng.pick(APPS)).to_owned()
        };
        let id = format!(
            "A0{}",
            base36(a * 7919 + seed % 7919, 9).to_ascii_uppercase()
        );
        // Most apps installed once; some by two or three people (one identity, a token each).
        let installs = match rng.below(100) {
            0..85 => 1,
            85..97 => 2,
            _ => 3,
        };
        let first_person = rng.below(5000);
        let anonymous = installs == 1 && rng.chance(50);
        let owner = if rng.chance(500) {
            text::team_email(&mut rng)
        } else {
            String::new()
        };
        let k = rng.around(grants);
        let per_install = k.div_ceil(installs).max(1);
        let created = rng.created();
        counts.identities += 1;
        for n in 0..installs {
            let installer = if anonymous {
                String::new()
            } else {
                text::person_email(first_person + n)
            };
            let installed = rng.between(created, NOW - text::DAY);
            let last_seen = match rng.below(100) {
                0..8 => "Never".to_owned(),
                8..10 => "-".to_owned(),
                _ => Ts(rng.used_after(installed), Style::UsMinutes).to_string(),
            };
            let status = match rng.below(100) {
                0..85 => "Active",
                85..92 => "Revoked",
                92..97 => "Expired",
                _ => "Disabled",
            };
            let scopes: Vec<String> = distinct(&mut rng, per_install, scope_count)
                .into_iter()
                .map(scope)
                .collect();
            let token = if rng.chance(900) {
                format!("xoxb-NOT-A-REAL-TOKEN-{}", rng.hex(12))
            } else {
                String::new()
            };
            write!(
                w,
                "{},{id},{installer},{owner},{},{last_seen},{status},{},{token}\r\n",
                C(&name),
                Ts(installed, Style::UsMinutes),
                C(&scopes.join(", "))
            )?;
            counts.credentials += 1;
            counts.grants += scopes.len() as u64;
        }
    }
    w.flush()?;
    drop(w);
    Ok(vec![FileSummary {
        bytes: std::fs::metadata(dir.join(&csv_path))?.len(),
        path: csv_path,
        format: "mapped-csv",
        account: None,
        counts,
    }])
}
