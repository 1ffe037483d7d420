//! The review screen driven by scripted keys on a `TestBackend`, against a real (in-memory)
//! database: every state transition, and snapshots of every screen at 80×24 and 120×40.

mod common;

use common::{count, decisions, drive, now, records, repo};
use nhi_review::db::Store;
use nhi_review::db::prelude::*;
use nhi_review::model::{ItemRef, Verdict};
use nhi_review::tui;
use nhi_review::tui::app::{App, Mode};

fn setup() -> (Store, App) {
    let mut store = Store::open_in_memory().expect("store");
    common::import(
        &mut store,
        &repo("examples/aws/credential-report.csv"),
        false,
    )
    .expect("import");
    nhi_review::review::start(
        &mut store,
        &nhi_review::review::StartRequest {
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
            ..nhi_review::review::StartRequest::new("2026-Q4", now(), "lead@example.com")
        },
    )
    .expect("campaign");
    let app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    (store, app)
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
    snap("reduce_select", "/svc-backup<Enter>R<Space>");
}

#[test]
fn snapshot_reduce_justification() {
    snap(
        "reduce_justify",
        "/svc-backup<Enter>R<Space><Enter>Nightly backups<Enter>Key 2 replaced it",
    );
}

#[test]
fn snapshot_keep_function() {
    snap(
        "keep_function",
        "Kplatform-team@northwind.example<Enter>Disaster recovery",
    );
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
        "Ksre@northwind.example<Enter>Disaster recovery restores<Enter>Tested quarterly<Enter>",
    );
}

#[test]
fn snapshot_rule_error() {
    snap("keep_needs_function", "Kteam<Enter><Enter>");
}

#[test]
fn keep_records_and_moves_on() {
    let (mut store, mut app) = setup();
    let first = app
        .card
        .as_ref()
        .expect("card")
        .ctx
        .identity
        .native_id
        .clone();
    drive(
        &mut store,
        &mut app,
        "Ksre@northwind.example<Enter>DR restores<Enter>Tested<Enter>",
        80,
        24,
    );
    assert_eq!(app.cursor, 1);
    assert_eq!(app.campaign.counts.keep, 1);
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].identity_native_id.as_str(),
            rows[0].verdict.as_str()
        ),
        (first.as_str(), "keep")
    );
    assert_eq!(rows[0].business_function, "DR restores");
    assert_eq!(rows[0].justification, "Tested");
    assert_eq!(rows[0].reviewer, "ana@example.com");
    let kept = store.find_identity(&first).expect("identity");
    assert_eq!(
        kept.owner.as_deref(),
        Some("sre@northwind.example"),
        "keep asked for the missing owner"
    );
}

#[test]
fn reduce_records_the_marked_items() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "/svc-backup<Enter>R<Down><Space><Enter><Enter>Key 1 replaced<Enter>",
        80,
        24,
    );
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].verdict, "reduce");
    assert_eq!(rows[0].removed[0].id, "access_key_2");
    assert_eq!(
        rows[0].business_function, "",
        "function optional for reduce"
    );
}

#[test]
fn reduce_needs_a_marked_item_and_a_justification() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "/svc-backup<Enter>R<Enter>", 80, 24);
    assert!(matches!(app.mode, Mode::Select { .. }), "still choosing");
    assert!(app.status.as_ref().is_some_and(|s| s.is_error));
    drive(&mut store, &mut app, "<Space><Enter><Enter><Enter>", 80, 24);
    assert!(
        matches!(app.mode, Mode::Input { .. }),
        "justification still asked for"
    );
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM record WHERE kind = 'decision'"
        ),
        0
    );
}

#[test]
fn revoke_asks_for_confirmation_then_a_justification() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "Xn", 80, 24);
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM record WHERE kind = 'decision'"
        ),
        0,
        "n cancels"
    );
    drive(
        &mut store,
        &mut app,
        "XyNo owner, never used<Enter>",
        80,
        24,
    );
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(rows[0].verdict, "revoke");
    assert_eq!(rows[0].justification, "No owner, never used");
}

#[test]
fn escape_cancels_at_every_step_without_recording() {
    let (mut store, mut app) = setup();
    for script in [
        "K<Esc>",
        "KSome function<Enter><Esc>",
        "/svc-backup<Enter>R<Space><Esc>",
        "R<Space><Enter>x<Enter><Esc>",
        "Xy<Esc>",
        "X<Esc>",
    ] {
        drive(&mut store, &mut app, script, 80, 24);
        assert_eq!(app.mode, Mode::Browse, "{script}");
    }
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM record WHERE kind = 'decision'"
        ),
        0
    );
}

#[test]
fn undo_makes_the_identity_undecided_again() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "Kteam<Enter>DR<Enter>Tested<Enter>ku",
        80,
        24,
    );
    assert_eq!(app.campaign.counts.decided(), 0);
    let rows = decisions(&store, "2026-Q4");
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
        "Kteam<Enter>Disaster recoverx<BS>y<Enter>",
        80,
        24,
    );
    let Mode::Input { draft, .. } = &app.mode else {
        panic!("expected justification input")
    };
    assert_eq!(draft.function.as_deref(), Some("Disaster recovery"));
    assert_eq!(draft.verdict, Verdict::Keep);
}

#[test]
fn reopening_resumes_at_the_first_undecided_identity() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "Kteam-a<Enter>A<Enter>Needed<Enter>Kteam-b<Enter>B<Enter>Needed<Enter>",
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
        app.card.as_ref().map(|c| c.ctx.identity.name.is_empty()),
        Some(false)
    );
    drive(&mut store, &mut app, "g", 80, 24);
    assert_eq!(app.cursor, 0);
}

/// Two campaigns: 2026-Q3 kept svc-terraform and svc-ci-deploy; before 2026-Q4, svc-ci-deploy's
/// second key was deleted. Returns the store and the screen on 2026-Q4.
fn two_campaigns() -> (Store, App) {
    let mut store = Store::open_in_memory().expect("store");
    let report = repo("examples/aws/credential-report.csv");
    common::import(&mut store, &report, false).expect("import");
    let earlier = now() - chrono::Duration::days(91);
    common::start(&mut store, "2026-Q3", earlier).expect("q3");
    for (native, function) in [
        (
            "arn:aws:iam::210987654321:user/platform/svc-terraform",
            "Infrastructure as code",
        ),
        (
            "arn:aws:iam::210987654321:user/ci/svc-ci-deploy",
            "Deploys from CI",
        ),
    ] {
        let mut keep = common::request("2026-Q3", native, Verdict::Keep);
        keep.owner = Some("platform-team@northwind.example".into());
        keep.function = Some(function.into());
        keep.justification = "In daily use".into();
        keep.reviewer = "bob@example.com".into();
        keep.at = earlier;
        nhi_review::review::decide(&mut store, &keep).expect("decide");
    }
    nhi_review::review::close(
        &mut store,
        &nhi_review::review::CloseRequest {
            campaign: "2026-Q3".into(),
            accept_undecided: true,
            reviewer: "bob@example.com".into(),
            at: earlier,
        },
    )
    .expect("close");
    let text = std::fs::read_to_string(&report).expect("read");
    let changed = text.replace(
        "false,2024-03-02T11:00:00+00:00,2024-07-30T22:10:00+00:00,us-east-1,s3",
        "false,N/A,N/A,N/A,N/A",
    );
    assert_ne!(text, changed, "the example has svc-ci-deploy's second key");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("credential-report.csv");
    std::fs::write(&path, changed).expect("write");
    common::import(&mut store, &path, false).expect("re-import");
    common::start(&mut store, "2026-Q4", now()).expect("q4");
    let app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    (store, app)
}

fn snap_two(name: &str, script: &str) {
    for (w, h) in [(80, 24), (120, 40)] {
        let (mut store, mut app) = two_campaigns();
        let terminal = drive(&mut store, &mut app, script, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn an_unchanged_keep_is_carried_forward_and_re_attested_with_one_key() {
    let (mut store, mut app) = two_campaigns();
    drive(&mut store, &mut app, "/svc-terraform<Enter>", 80, 24);
    let card = app.card.as_ref().expect("card");
    let (campaign, last) = card.ctx.carry_forward().expect("unchanged since Q3");
    assert_eq!(
        (campaign, last.business_function.as_str()),
        ("2026-Q3", "Infrastructure as code")
    );
    drive(&mut store, &mut app, "A", 80, 24);
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].action.as_str(), rows[0].verdict.as_str()),
        ("reattest", "keep")
    );
    assert_eq!(rows[0].business_function, "Infrastructure as code");
    assert!(rows[0].justification.contains("unchanged since '2026-Q3'"));
}

#[test]
fn a_changed_identity_shows_what_changed_and_cannot_be_re_attested() {
    let (mut store, mut app) = two_campaigns();
    drive(&mut store, &mut app, "/svc-ci-deploy<Enter>", 80, 24);
    let previous = app
        .card
        .as_ref()
        .and_then(|c| c.ctx.previous.clone())
        .expect("in Q3");
    assert_eq!(previous.changes.len(), 1, "{:?}", previous.changes);
    assert!(
        previous.changes[0].starts_with("- credential access_key_2"),
        "{:?}",
        previous.changes
    );
    drive(&mut store, &mut app, "A", 80, 24);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("changed since '2026-Q3'"))
    );
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM record d JOIN campaign c ON c.id = d.campaign_id WHERE c.name = '2026-Q4' AND d.kind = 'decision'"
        ),
        0
    );
    // Earlier campaigns' decisions are on the card.
    let earlier = &app.card.as_ref().expect("card").earlier;
    assert_eq!(earlier[0].campaign, "2026-Q3");
    assert_eq!(earlier[0].verdict, Verdict::Keep);
}

#[test]
fn snapshot_carry_forward_and_changes() {
    snap_two("carry_forward", "/svc-terraform<Enter>");
    snap_two("changed_since", "/svc-ci-deploy<Enter>");
}

#[test]
fn search_narrows_the_queue_and_escape_clears_it() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "/jenkins", 80, 24);
    assert_eq!(app.total(), 1);
    assert_eq!(
        app.card.as_ref().map(|c| c.ctx.identity.name.as_str()),
        Some("svc-old-jenkins")
    );
    drive(&mut store, &mut app, "<Enter>", 80, 24);
    assert_eq!(
        (app.mode.clone(), app.total()),
        (Mode::Browse, 1),
        "Enter keeps the search"
    );
    drive(&mut store, &mut app, "<Esc>", 80, 24);
    assert_eq!(app.total(), 22);
    assert_eq!(
        app.card.as_ref().map(|c| c.ctx.identity.name.as_str()),
        Some("svc-old-jenkins"),
        "stays on it"
    );
    drive(&mut store, &mut app, "/no such thing", 80, 24);
    assert_eq!((app.total(), app.card.is_none()), (0, true));
}

#[test]
fn the_undecided_filter_drops_what_was_just_decided() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "fj<Enter>", 80, 24);
    assert_eq!(app.view.filter, nhi_review::db::QueueFilter::Undecided);
    let second = app.window[1].name.clone();
    drive(&mut store, &mut app, "XyNever used<Enter>", 80, 24);
    assert_eq!(app.total(), 21);
    assert_eq!(app.cursor, 0);
    assert_eq!(
        app.card.as_ref().map(|c| c.ctx.identity.name.clone()),
        Some(second),
        "the next one moved up"
    );
}

#[test]
fn sort_cycles_through_the_orders() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "sg", 80, 24);
    assert_eq!(app.view.sort, nhi_review::db::QueueSort::Name);
    assert_eq!(app.window[0].name, "svc-analytics-readonly");
    drive(&mut store, &mut app, "sg", 80, 24);
    assert_eq!(app.view.sort, nhi_review::db::QueueSort::LastUsed);
    assert_eq!(
        app.window.last().map(|r| r.name.as_str()),
        Some("svc-legacy-ftp"),
        "unknown use sorts last"
    );
}

#[test]
fn bulk_revoke_records_one_chained_decision_per_marked_identity() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "vvv", 80, 24);
    assert_eq!(app.marked.len(), 3);
    drive(&mut store, &mut app, "k", 80, 24);
    drive(&mut store, &mut app, "v", 80, 24);
    assert_eq!(app.marked.len(), 2, "v again unmarks");
    drive(&mut store, &mut app, "R", 80, 24);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("one identity at a time"))
    );
    drive(&mut store, &mut app, "K", 80, 24);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("2 of the 2 marked identities have none"))
    );
    drive(
        &mut store,
        &mut app,
        "XyUnused service users<Enter>",
        80,
        24,
    );
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.verdict == "revoke" && r.justification == "Unused service users")
    );
    let links = records(&store, "2026-Q4");
    assert_eq!(rows[1].prev_hash, links[links.len() - 2].0.link.row_hash);
    assert!(app.marked.is_empty());
    assert!(common::findings(&store, "2026-Q4").is_empty());
}

#[test]
fn bulk_keep_needs_owners_then_one_function() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "osre@northwind.example<Enter>vosre@northwind.example<Enter>vK",
        80,
        24,
    );
    drive(
        &mut store,
        &mut app,
        "Nightly jobs<Enter>Both run nightly<Enter>",
        80,
        24,
    );
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r.verdict == "keep" && r.business_function == "Nightly jobs")
    );
}

#[test]
fn e_and_o_set_the_function_and_owner_without_deciding() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "eRestores backups<Enter>oteam-dr@northwind.example<Enter>",
        80,
        24,
    );
    let member = &app.card.as_ref().expect("card").ctx.member;
    assert_eq!(member.function.as_deref(), Some("Restores backups"));
    assert_eq!(member.owner.as_deref(), Some("team-dr@northwind.example"));
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM record WHERE kind = 'decision'"
        ),
        0
    );
    // Keep now asks for neither the owner nor (beyond accepting it) the function.
    drive(
        &mut store,
        &mut app,
        "K<Enter>Restores are tested<Enter>",
        80,
        24,
    );
    assert_eq!(
        decisions(&store, "2026-Q4")[0].business_function,
        "Restores backups"
    );
}

#[test]
fn accepting_a_suggested_reduce_starts_with_its_items_marked() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "/svc-backup<Enter>", 80, 24);
    let suggestion = app.card.as_ref().expect("card").ctx.suggestion.clone();
    assert_eq!(suggestion.verdict, Verdict::Reduce);
    drive(&mut store, &mut app, "a", 80, 24);
    let Mode::Select { marked } = &app.mode else {
        panic!("choosing items")
    };
    assert_eq!(marked.len(), suggestion.remove.len());
    drive(
        &mut store,
        &mut app,
        "<Enter><Enter>Replaced by key 1<Enter>",
        80,
        24,
    );
    let removed: Vec<ItemRef> = decisions(&store, "2026-Q4")[0]
        .removed
        .iter()
        .map(|i| i.to_ref().expect("item"))
        .collect();
    assert_eq!(removed, suggestion.remove);
}

#[test]
fn snapshot_search_filter_bulk_and_edit() {
    snap("search_typing", "/svc-s");
    snap("filter_menu", "f");
    snap("bulk_confirm", "vvX");
    snap("edit_owner", "osre@north");
    snap("help_scrolled", "?jjjjj");
    snap("keep_owner", "K");
    snap("card_scrolled", "<Enter><PgDn>");
    snap("no_match", "/zzz<Enter>");
}

#[test]
fn an_owner_set_after_marking_counts_for_the_bulk_keep() {
    let (mut store, mut app) = setup();
    // Mark two, then give each its owner, then keep both with one function.
    drive(
        &mut store,
        &mut app,
        "vvkkosre@northwind.example<Enter>josre@northwind.example<Enter>K",
        80,
        24,
    );
    assert!(matches!(app.mode, Mode::Input { .. }), "{:?}", app.status);
    drive(
        &mut store,
        &mut app,
        "Nightly jobs<Enter>Both run nightly<Enter>",
        80,
        24,
    );
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(
        rows.iter().map(|r| r.verdict.as_str()).collect::<Vec<_>>(),
        ["keep", "keep"]
    );
}

#[test]
fn undo_keeps_the_cursor_and_the_function_in_force_before_it() {
    let (mut store, mut app) = setup();
    drive(
        &mut store,
        &mut app,
        "eRestores backups<Enter>Kteam-dr@example.com<Enter><C-u>Wrong function<Enter>Tested<Enter>k",
        80,
        24,
    );
    assert_eq!(app.cursor, 0);
    assert_eq!(
        app.card
            .as_ref()
            .and_then(|c| c.ctx.member.function.clone())
            .as_deref(),
        Some("Wrong function")
    );
    drive(&mut store, &mut app, "u", 80, 24);
    assert_eq!(app.cursor, 0, "undo stays on the identity");
    let card = app.card.as_ref().expect("card");
    assert_eq!(card.ctx.member.verdict, None);
    assert_eq!(
        card.ctx.member.function.as_deref(),
        Some("Restores backups")
    );
    drive(&mut store, &mut app, "K", 80, 24);
    let Mode::Input { text, .. } = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(text.value, "Restores backups", "not the undone decision's");
}

#[test]
fn the_screen_refuses_what_the_command_line_refuses() {
    let (mut store, mut app) = setup();
    // The first identity has no owner and a revoke suggestion: owner, function and a reason.
    drive(&mut store, &mut app, "K<Enter>", 80, 24);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("keep needs an accountable owner"))
    );
    drive(
        &mut store,
        &mut app,
        "ops@example.com<Enter>Restores<Enter><Enter>",
        80,
        24,
    );
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.is_error && s.text.contains("suggestion is to revoke")),
        "{:?}",
        app.status
    );
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM record WHERE kind <> 'start'"
        ),
        0
    );
}

/// The whole example organisation in a campaign, with the screen open on it.
fn setup_examples() -> (Store, App) {
    let mut store = Store::open_in_memory().expect("store");
    common::import_examples(&mut store);
    common::start(&mut store, "2026-Q4", now()).expect("campaign");
    let app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    (store, app)
}

/// Snapshot the example organisation's screen after `script` at the three sizes a reviewer
/// is likely to have.
fn snap3(name: &str, script: &str) {
    for (w, h) in [(80, 24), (100, 30), (120, 40)] {
        let (mut store, mut app) = setup_examples();
        let terminal = drive(&mut store, &mut app, script, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn snapshot_a_card_scrolled_to_its_last_history_entry() {
    // Keep, undo, then keep again: three records; the card's last entry is the oldest.
    snap3(
        "card_history_end",
        "/svc-terraform<Enter>KApplies production<Enter>Reviewed<Enter>u\
         KApplies production<Enter>Reviewed again<Enter><Enter>G",
    );
}

#[test]
fn snapshot_a_grant_selected_deep_in_the_card() {
    snap3("card_deep_grant", "/nw-user-provisioner<Enter><Enter>]]jjj");
}

#[test]
fn snapshot_the_badge_legend_in_the_help() {
    snap3("help_legend", "?G");
}

#[test]
fn snapshot_the_function_prompt_teaches() {
    snap3("function_prompt", "/svc-terraform<Enter>K");
}

#[test]
fn snapshot_a_filter_with_its_status_line() {
    snap3("filter_status", "fjjjjjjjj<Enter>");
}

#[test]
fn snapshot_the_end_of_the_queue() {
    snap3("queue_end", "G");
}

#[test]
fn snapshot_a_terminal_too_small() {
    let (mut store, mut app) = setup_examples();
    let terminal = drive(&mut store, &mut app, "", 60, 20);
    insta::assert_snapshot!("too_small_60x20", terminal.backend());
    let text = format!("{:?}", terminal.backend());
    assert!(text.contains("Terminal too small"));
}

#[test]
fn g_at_the_end_of_the_queue_leaves_no_rows_blank() {
    let (mut store, mut app) = setup_examples();
    let terminal = drive(&mut store, &mut app, "G", 80, 24);
    let lines: Vec<String> = format!("{:?}", terminal.backend())
        .lines()
        .map(str::to_owned)
        .collect();
    // The queue's rows fill its box down to the bottom border.
    let bottom = lines
        .iter()
        .rposition(|l| l.contains("└"))
        .expect("bottom border");
    assert!(
        lines[bottom - 1].contains("· "),
        "the last row above the border shows an identity: {}",
        lines[bottom - 1]
    );
}

#[test]
fn a_filter_and_mark_all_decide_each_shown_identity_in_one_gesture() {
    let (mut store, mut app) = setup_examples();
    drive(&mut store, &mut app, "/svc-<Enter>", 80, 24);
    let shown = app.total();
    assert!(shown >= 10, "{shown}");
    let before = count(store.connection(), "SELECT COUNT(*) FROM record");
    drive(&mut store, &mut app, "VyXyNo longer needed<Enter>", 80, 24);
    let after = count(store.connection(), "SELECT COUNT(*) FROM record");
    assert_eq!(after - before, shown as i64, "one record per identity");
    assert_eq!(app.campaign.counts.revoke, shown);
    assert!(common::findings(&store, "2026-Q4").is_empty());
}

#[test]
fn lowercase_verdict_letters_and_unknown_keys_say_so() {
    let (mut store, mut app) = setup();
    drive(&mut store, &mut app, "x", 80, 24);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("revoke is X"))
    );
    drive(&mut store, &mut app, "z", 80, 24);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("unknown key 'z'"))
    );
    assert_eq!(
        count(
            store.connection(),
            "SELECT COUNT(*) FROM record WHERE kind <> 'start'"
        ),
        0
    );
}

#[test]
fn every_unchanged_keep_of_the_last_campaign_is_re_attested_in_one_gesture() {
    let (mut store, mut app) = two_campaigns();
    // The filter of re-attestable identities: svc-terraform (svc-ci-deploy lost a key since).
    let options = app.update(nhi_review::tui::action::Action::Filter);
    assert_eq!(options, None);
    let Mode::Menu { options, .. } = &app.mode else {
        panic!("{:?}", app.mode)
    };
    let at = options
        .iter()
        .position(|(_, f)| *f == nhi_review::db::QueueFilter::CarryForward)
        .expect("offered");
    drive(
        &mut store,
        &mut app,
        &format!("{}<Enter>", "j".repeat(at)),
        80,
        24,
    );
    assert_eq!(app.total(), 1);
    drive(
        &mut store,
        &mut app,
        "VyAStill applies production<Enter>",
        80,
        24,
    );
    let rows = decisions(&store, "2026-Q4");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].action.as_str(), rows[0].business_function.as_str()),
        ("reattest", "Infrastructure as code")
    );
}

/// An identity whose name and owner carry a clipboard write (OSC 52), a screen clear, a
/// right-to-left override, a zero-width space and a line break: the queue and the card show
/// them as visible escapes, on one line, and nothing reaches the terminal as a control.
#[test]
fn snapshot_hostile_text_is_shown_inert() {
    for (script, name) in [("", "hostile_queue"), ("<Enter>", "hostile_card")] {
        let mut store = Store::open_in_memory().expect("store");
        common::import(
            &mut store,
            &repo("tests/fixtures/hostile/deploy-keys.json"),
            false,
        )
        .expect("import");
        common::start(&mut store, "2026-Q4", now()).expect("campaign");
        let mut app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
        let terminal = drive(&mut store, &mut app, script, 80, 24);
        let screen = format!("{:?}", terminal.backend());
        for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}'] {
            assert!(!screen.contains(raw), "{raw:?} reached the screen");
        }
        assert!(screen.contains("\\e]52;c;ZXZpbA=="), "{screen}");
        insta::assert_snapshot!(format!("{name}_80x24"), terminal.backend());
    }
}

#[test]
fn the_card_history_says_what_each_assignment_and_expected_unused_record_did() {
    let (mut store, app) = setup();
    let first = first_on_the_card(&app);
    nhi_review::review::assign(
        &mut store,
        &nhi_review::review::AssignRequest {
            campaign: "2026-Q4".into(),
            selection: nhi_review::review::Selection {
                identities: vec![first.clone()],
                ..Default::default()
            },
            to: "zed@example.com".into(),
            reason: "Knows the mailer".into(),
            reviewer: "lead@example.com".into(),
            at: now(),
        },
    )
    .expect("assign");
    for reason in ["Restores only, twice a year", ""] {
        annotate(&mut store, &first, None, Some(reason));
    }
    let mut app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    let terminal = drive(&mut store, &mut app, "<Enter>", 240, 60);
    let screen = format!("{}", terminal.backend());
    for said in [
        "assigned to zed@example.com by lead@example.com",
        "marked unused by design: Restores only, twice a year by lead@example.com",
        "unused-by-design mark withdrawn by lead@example.com",
    ] {
        assert!(screen.contains(said), "'{said}' not on the card:\n{screen}");
    }
}

#[test]
fn the_queue_lists_the_signals_the_card_shows_after_an_owner_or_unused_by_design_mark() {
    let (mut store, app) = setup();
    let first = first_on_the_card(&app);
    let codes = |app: &App| {
        let card: Vec<_> = app
            .card
            .as_ref()
            .expect("card")
            .ctx
            .signals
            .iter()
            .map(|s| s.code)
            .collect();
        let row = app
            .window
            .iter()
            .find(|r| r.short_id == first)
            .expect("in the queue");
        (card, row.signals.clone())
    };
    let (card, row) = codes(&app);
    assert_eq!(card, row, "as started");
    annotate(
        &mut store,
        &first,
        None,
        Some("Restores only, twice a year"),
    );
    annotate(&mut store, &first, Some("dr-team@northwind.example"), None);
    let app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    let (card, row) = codes(&app);
    assert_eq!(card, row, "the queue says what the card says");
    assert!(
        row.len() < codes_before(&first),
        "never-used and no-owner are gone: {row:?}"
    );
}

/// The first identity's signal count as the campaign started.
fn codes_before(short_id: &str) -> usize {
    let (_, app) = setup();
    app.window
        .iter()
        .find(|r| r.short_id == short_id)
        .expect("in the queue")
        .signals
        .len()
}

#[test]
fn a_closed_campaign_s_screen_says_unreviewed_and_offers_no_decision() {
    let (mut store, _) = setup();
    nhi_review::review::close(
        &mut store,
        &nhi_review::review::CloseRequest {
            campaign: "2026-Q4".into(),
            accept_undecided: true,
            reviewer: "lead@example.com".into(),
            at: now(),
        },
    )
    .expect("close");
    let mut app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    let screen = format!("{}", drive(&mut store, &mut app, "", 120, 40).backend());
    assert!(screen.contains("· closed"), "{screen}");
    assert!(
        screen.contains("unreviewed 22") && !screen.contains("undecided 22"),
        "{screen}"
    );
    assert!(!screen.contains("K keep"), "{screen}");
}

/// Set an identity's owner or expected-unused reason in 2026-Q4, as the lead.
fn annotate(store: &mut Store, identity: &str, owner: Option<&str>, reason: Option<&str>) {
    nhi_review::review::annotate(
        store,
        &nhi_review::review::Annotation {
            campaign: "2026-Q4".into(),
            identity: identity.to_owned(),
            owner: owner.map(str::to_owned),
            function: None,
            expected_unused: reason.map(str::to_owned),
            reviewer: "lead@example.com".into(),
            at: now(),
        },
    )
    .expect("annotate");
}

/// The short id of the identity the card shows.
fn first_on_the_card(app: &App) -> String {
    app.card
        .as_ref()
        .expect("card")
        .ctx
        .identity
        .short_id
        .clone()
}

#[test]
fn an_identity_recorded_unreviewed_last_quarter_is_not_called_undecided_there() {
    let (mut store, mut app) = two_campaigns();
    let screen = format!(
        "{}",
        drive(&mut store, &mut app, "<Enter>", 240, 60).backend()
    );
    assert!(screen.contains("since 2026-Q3: no verdict"), "{screen}");
    assert!(!screen.contains("2026-Q3: undecided"), "{screen}");
}
