//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod tmux;

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use nhi_importers::ImportOptions;
use nhi_review::commands::{ImportInput, import_one};
use nhi_review::db::{ImportReport, Store};

/// The pinned "now" of the tests: the example data is dated relative to it.
pub const NOW: &str = "2026-11-27T12:00:00Z";

/// [`NOW`] as a time.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("valid")
}

/// Path of a file under the repository root.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Path of an importer fixture.
pub fn fixture(path: &str) -> PathBuf {
    repo("importers/tests/fixtures").join(path)
}

/// Import a file into the store as the CLI would.
pub fn import(store: &mut Store, path: &Path, skip_bad_rows: bool) -> anyhow::Result<ImportReport> {
    let file = std::fs::File::open(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = ImportOptions {
        skip_bad_rows,
        ..Default::default()
    };
    import_one(
        store,
        ImportInput {
            name,
            path: Some(path.to_path_buf()),
            reader: file,
        },
        None,
        &options,
        now(),
    )
}

/// Every row of every table, as text: equal dumps mean equal data.
pub fn dump(conn: &rusqlite::Connection) -> String {
    let mut out = String::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for t in tables {
        out.push_str(&format!("## {t}\n"));
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY rowid"))
            .expect("select");
        let n = stmt.column_count();
        let mut rows = stmt.query([]).expect("rows");
        while let Some(row) = rows.next().expect("row") {
            let cells: Vec<String> = (0..n)
                .map(|i| format!("{:?}", row.get_ref(i).expect("cell")))
                .collect();
            out.push_str(&cells.join("|"));
            out.push('\n');
        }
    }
    out
}

/// Count rows with a query.
pub fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

/// Import every file of the bundled example organisation as `demo` does.
pub fn import_examples(store: &mut Store) -> Vec<ImportReport> {
    nhi_review::examples::import_all(store, now()).expect("examples import")
}

/// Start a campaign as the command line does.
pub fn start(
    store: &mut Store,
    name: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<nhi_review::db::CampaignInfo> {
    nhi_review::review::start(
        store,
        &nhi_review::review::StartRequest::new(name, at, "lead@example.com"),
    )
}

/// A decision request with the usual texts: a function, a justification, a reviewer.
pub fn request(
    campaign: &str,
    identity: &str,
    verdict: nhi_review::model::Verdict,
) -> nhi_review::review::DecisionRequest {
    nhi_review::review::DecisionRequest {
        campaign: campaign.into(),
        identities: vec![identity.into()],
        action: nhi_review::model::DecisionAction::Decide,
        verdict: Some(verdict),
        remove: Vec::new(),
        owner: Some("team-a@example.com".into()),
        function: Some("Deploys the storefront".into()),
        justification: "Checked with the owning team".into(),
        reviewer: "ana@example.com".into(),
        at: now(),
    }
}

/// Every record of a campaign's chain, parsed, with its row.
pub fn records(
    store: &Store,
    campaign: &str,
) -> Vec<(nhi_review::db::RecordRow, nhi_review::chain::Record)> {
    use nhi_review::db::prelude::*;
    let info = store.campaign(campaign).expect("campaign");
    let mut out = Vec::new();
    store
        .for_each_record(info.id, |row| {
            let record = nhi_review::chain::Record::parse(&row.link.record).expect("parses");
            out.push((row, record));
            Ok(())
        })
        .expect("records");
    out
}

/// The decision records of a campaign's chain.
pub fn decisions(store: &Store, campaign: &str) -> Vec<nhi_review::chain::DecisionRecord> {
    records(store, campaign)
        .into_iter()
        .filter_map(|(_, r)| match r {
            nhi_review::chain::Record::Decision(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// `campaign verify`, as findings' messages (empty: intact).
pub fn findings(store: &Store, campaign: &str) -> Vec<String> {
    nhi_review::review::verify(store, campaign)
        .expect("verify runs")
        .findings
        .iter()
        .map(|f| f.to_string())
        .collect()
}

use nhi_review::tui::app::App;
use nhi_review::tui::{self, theme::Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

/// Keys as a person types them: plain text, with `<Enter>`, `<Esc>`, `<Space>`, `<Down>`, `<Up>`,
/// `<BS>` and `<Tab>` for the special keys.
pub fn keys(script: &str) -> Vec<Event> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            if &rest[1..end] == "C-u" {
                out.push(Event::Key(KeyEvent::new(
                    KeyCode::Char('u'),
                    KeyModifiers::CONTROL,
                )));
                rest = &rest[end + 1..];
                continue;
            }
            let code = match &rest[1..end] {
                "Enter" => KeyCode::Enter,
                "Esc" => KeyCode::Esc,
                "Space" => KeyCode::Char(' '),
                "Down" => KeyCode::Down,
                "Up" => KeyCode::Up,
                "BS" => KeyCode::Backspace,
                "Tab" => KeyCode::Tab,
                "PgDn" => KeyCode::PageDown,
                "PgUp" => KeyCode::PageUp,
                other => panic!("unknown key {other}"),
            };
            out.push(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
            rest = &rest[end + 1..];
            continue;
        }
        out.push(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
        rest = &rest[c.len_utf8()..];
    }
    out
}

pub fn drive(
    store: &mut Store,
    app: &mut App,
    script: &str,
    width: u16,
    height: u16,
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    tui::run_loop(
        &mut terminal,
        store,
        app,
        &Theme::plain(),
        keys(script).into_iter().peekable(),
        now,
    )
    .expect("run");
    terminal
}

/// One column of a CSV text (with a header row), every row's cell in order.
pub fn column(csv_text: &str, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let col = reader
        .headers()
        .expect("headers")
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no '{name}' column"));
    reader
        .records()
        .map(|r| r.expect("row")[col].to_owned())
        .collect()
}

/// The `nhi-review` binary on a database, at the pinned time, with no reviewer or log filter
/// from the environment.
pub fn cli(db: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("nhi-review").expect("binary");
    c.env("NHI_REVIEW_DB", db)
        .env("NHI_REVIEW_NOW", NOW)
        .env_remove("NHI_REVIEW_REVIEWER")
        // A developer's own RUST_LOG would add log lines to standard error.
        .env_remove("RUST_LOG");
    c
}

/// Run a command that must succeed; its standard output.
pub fn stdout_of(mut cmd: assert_cmd::Command, args: &[&str]) -> String {
    let out = cmd
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("utf-8")
}
