//! The review screen driven by scripted keys on a `TestBackend`, against a real (in-memory)
//! database: every state transition, and snapshots of every screen at 80×24 and 120×40.

mod common;

use common::{count, now, repo};
use nhi_review::db::Store;
use nhi_review::model::{Thresholds, Verdict};
use nhi_review::tui::app::{App, Mode};
use nhi_review::tui::{self, theme::Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

fn setup() -> (Store, App) {
    let mut store = Store::open_in_memory().expect("store");
    common::import(
        &mut store,
        &repo("examples/aws/credential-report.csv"),
        false,
    )
    .expect("import");
    store
        .start_campaign(
            "2026-Q4",
            chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            Thresholds::default(),
            now(),
        )
        .expect("campaign");
    let app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    (store, app)
}

/// Keys as a person types them: plain text, with `<Enter>`, `<Esc>`, `<Space>`, `<Down>`, `<Up>`,
/// `<BS>` and `<Tab>` for the special keys.
fn keys(script: &str) -> Vec<Event> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
        {
            let code = match &rest[1..end] {
                "Enter" => KeyCode::Enter,
                "Esc" => KeyCode::Esc,
                "Space" => KeyCode::Char(' '),
                "Down" => KeyCode::Down,
                "Up" => KeyCode::Up,
                "BS" => KeyCode::Backspace,
                "Tab" => KeyCode::Tab,
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

fn drive(
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
        keys(script),
        now,
    )
    .expect("run");
    terminal
}

/// Snapshot the screen after `script` at both sizes.
fn snap(name: &str, script: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let (mut store, mut app) = setup();
        let terminal = drive(&mut store, &mut app, script, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn snapshot_queue() {
    snap("queue", "");
}

#[test]
fn snapshot_card_focused() {
    snap("card", "<Enter>");
}

#[test]
fn snapshot_reduce_choosing() {
    // svc-backup-nightly (3rd) has two keys: mark the first.
    snap("reduce_select", "jjR<Space>");
}

#[test]
fn snapshot_reduce_justification() {
    snap(
        "reduce_justify",
        "jjR<Space><Enter>Nightly backups<Enter>Key 2 replaced it",
    );
}

#[test]
fn snapshot_keep_function() {
    snap("keep_function", "KDisaster recovery");
}

#[test]
fn snapshot_confirm_revoke() {
    snap("confirm_revoke", "X");
}

#[test]
fn snapshot_help() {
    snap("help", "?");
}

#[test]
fn snapshot_after_a_decision() {
    snap(
        "after_keep",
        "KDisaster recovery restores<Enter>Tested quarterly<Enter>",
    );
}

#[test]
fn snapshot_rule_error() {
    snap("keep_needs_function", "K<Enter>");
}

#[test]
fn keep_records_and_moves_on() {
    let (mut store, mut app) = setup();
    let first = app.card.as_ref().expect("card").identity.native_id.clone();
    drive(
        &mut store,
        &mut app,
        "KDR restores<Enter>Tested<Enter>",
        80,
        24,
    );
    assert_eq!(app.cursor, 1);
    assert_eq!(app.campaign.counts.keep, 1);
    let rows = store.decisions("2026-Q4").expect("decisions");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].native_id.as_str(), rows[0].verdict.as_str()),
        (first.as_str(), "keep")
    );
    assert_eq!(rows[0].business_function, "DR restores");
    assert_eq!(rows[0].justification, "Tested");
    assert_eq!(rows[0].reviewer, "ana@example.com");
}

#[test]
fn reduce_records_the_marked_items() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "jjR<Down><Space><Enter><Enter>Key 1 replaced<Enter>",
        80,
        24,
    );
    let rows = store.decisions("2026-Q4").expect("decisions");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].verdict, "reduce");
    assert_eq!(rows[0].removed, ["credential:access_key_2"]);
    assert_eq!(
        rows[0].business_function, "",
        "function optional for reduce"
    );
}

#[test]
fn reduce_needs_a_marked_item_and_a_justification() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "jjR<Enter>", 80, 24);
    assert!(matches!(app.mode, Mode::Select { .. }), "still choosing");
    assert!(app.status.as_ref().is_some_and(|s| s.is_error));
    drive(&mut store, &mut app, "<Space><Enter><Enter><Enter>", 80, 24);
    assert!(
        matches!(app.mode, Mode::Input { .. }),
        "justification still asked for"
    );
    assert_eq!(
        count(store.connection(), "SELECT COUNT(*) FROM decision"),
        0
    );
}

#[test]
fn revoke_asks_for_confirmation_then_a_justification() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "Xn", 80, 24);
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(
        count(store.connection(), "SELECT COUNT(*) FROM decision"),
        0,
        "n cancels"
    );
    drive(
        &mut store,
        &mut app,
        "Xy<Enter>No owner, never used<Enter>",
        80,
        24,
    );
    let rows = store.decisions("2026-Q4").expect("decisions");
    assert_eq!(rows[0].verdict, "revoke");
    assert_eq!(rows[0].justification, "No owner, never used");
}

#[test]
fn escape_cancels_at_every_step_without_recording() {
    let (mut store, mut app) = setup();
    for script in [
        "K<Esc>",
        "KSome function<Enter><Esc>",
        "jjR<Space><Esc>",
        "jjR<Space><Enter>x<Enter><Esc>",
        "Xy<Esc>",
        "X<Esc>",
    ] {
        drive(&mut store, &mut app, script, 80, 24);
        assert_eq!(app.mode, Mode::Browse, "{script}");
    }
    assert_eq!(
        count(store.connection(), "SELECT COUNT(*) FROM decision"),
        0
    );
}

#[test]
fn undo_makes_the_identity_undecided_again() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "KDR<Enter><Enter>ku", 80, 24);
    assert_eq!(app.campaign.counts.decided(), 0);
    let rows = store.decisions("2026-Q4").expect("decisions");
    assert_eq!(
        rows.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
        ["decide", "undo"]
    );
    drive(&mut store, &mut app, "ku", 80, 24);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("no decision"))
    );
}

#[test]
fn text_entry_edits_and_refuses_control_characters() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "KDisaster recoverx<BS>y<Enter>",
        80,
        24,
    );
    let Mode::Input { draft, .. } = &app.mode else {
        panic!("expected justification input")
    };
    assert_eq!(draft.function, "Disaster recovery");
    assert_eq!(draft.verdict, Verdict::Keep);
}

#[test]
fn reopening_resumes_at_the_first_undecided_identity() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "KA<Enter><Enter>KB<Enter><Enter>",
        80,
        24,
    );
    let reopened = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    assert_eq!(reopened.cursor, 2);
}

#[test]
fn moving_far_pages_the_queue_from_the_database() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "G", 80, 24);
    assert_eq!(app.cursor, 21);
    assert_eq!(
        app.card.as_ref().map(|c| c.identity.name.is_empty()),
        Some(false)
    );
    drive(&mut store, &mut app, "g", 80, 24);
    assert_eq!(app.cursor, 0);
}
