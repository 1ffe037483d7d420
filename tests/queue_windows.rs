//! The queue's windows found without stepping over rows (a seek by frozen position, a walk back
//! from one, a read from the view's end) hold exactly the rows an `OFFSET` window does, counts
//! read from the campaign's verdict counts are the rows shown, and the screen moving through a
//! filtered view of more rows than one window shows what it did.

mod common;

use common::{drive, now, request};
use nhi_review::commands::{ImportInput, import_one};
use nhi_review::db::prelude::*;
use nhi_review::db::{QueueFilter, QueueRow, QueueSort, QueueView, Store, WindowSeek};
use nhi_review::model::{CampaignId, Verdict};
use nhi_review::review;
use nhi_review::tui::{self, app::WINDOW};

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn arn(i: u64) -> String {
    format!("arn:aws:iam::123456789012:user/bench/svc-bench-{i:04}")
}

/// A campaign over `n` service users of varied age, use and key count (so signals and risk
/// differ), with a few decided.
fn campaign(n: u64) -> (Store, CampaignId) {
    let mut text = format!("{HEADER}\n");
    for i in 0..n {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let second = if i % 3 == 0 {
            format!("true,2026-{month:02}-{day:02}T08:00:00+00:00,N/A,N/A,N/A")
        } else {
            "false,N/A,N/A,N/A,N/A".to_owned()
        };
        let used = if i % 7 == 0 {
            "N/A".to_owned()
        } else {
            format!("2026-{:02}-{day:02}T03:14:00+00:00", 1 + i % 11)
        };
        text.push_str(&format!(
            "svc-bench-{i:04},{},2024-{month:02}-{day:02}T09:30:00+00:00,false,N/A,N/A,N/A,false,true,2025-{month:02}-{day:02}T00:00:00+00:00,{used},eu-west-1,s3,{second},false,N/A,false,N/A\n",
            arn(i)
        ));
    }
    let mut store = Store::open_in_memory().expect("store");
    import_one(
        &mut store,
        ImportInput {
            name: "report.csv".into(),
            path: None,
            reader: text.as_bytes(),
        },
        None,
        &Default::default(),
        now(),
    )
    .expect("import");
    common::start(&mut store, "2026-Q4", now()).expect("campaign");
    for i in (0..n).step_by(9) {
        review::decide(&mut store, &request("2026-Q4", &arn(i), Verdict::Keep)).expect("keep");
    }
    for i in (4..n).step_by(13) {
        review::decide(&mut store, &request("2026-Q4", &arn(i), Verdict::Revoke)).expect("revoke");
    }
    for i in (0..n).step_by(27) {
        let undo = nhi_review::review::DecisionRequest {
            action: nhi_review::model::DecisionAction::Undo,
            verdict: None,
            owner: None,
            function: None,
            ..request("2026-Q4", &arn(i), Verdict::Keep)
        };
        review::decide(&mut store, &undo).expect("undo");
    }
    let id = store.campaign("2026-Q4").expect("campaign").id;
    (store, id)
}

fn ids(rows: &[QueueRow]) -> Vec<i64> {
    rows.iter().map(|r| r.identity_id.0).collect()
}

fn views(store: &Store, id: CampaignId) -> Vec<QueueView> {
    let (providers, signals) = store.queue_facets(id).expect("facets");
    let mut filters = vec![
        QueueFilter::All,
        QueueFilter::Undecided,
        QueueFilter::Verdict(Verdict::Keep),
        QueueFilter::Verdict(Verdict::Reduce),
        QueueFilter::Verdict(Verdict::Revoke),
        QueueFilter::NoOwner,
    ];
    filters.extend(providers.into_iter().map(QueueFilter::Provider));
    filters.extend(signals.into_iter().map(QueueFilter::Signal));
    let mut views = Vec::new();
    for filter in filters {
        for sort in QueueSort::ALL {
            for search in ["", "bench-0", "zz"] {
                views.push(QueueView {
                    filter: filter.clone(),
                    search: search.into(),
                    sort,
                    assignee: None,
                });
            }
        }
    }
    views
}

#[test]
fn every_way_of_seeking_a_window_holds_the_rows_of_its_offset() {
    let (store, id) = campaign(700);
    let len = 200;
    for view in views(&store, id) {
        let total = store.queue_count(id, &view).expect("count");
        let all = ids(&store.queue_window(id, &view, 0, total + 1).expect("all"));
        assert_eq!(
            all.len() as u64,
            total,
            "{view:?}: the count is the rows shown"
        );
        let starts = [
            0,
            1,
            150,
            total / 2,
            total.saturating_sub(150),
            total.saturating_sub(1),
            total,
        ];
        for start in starts {
            let by_offset = store.queue_window(id, &view, start, len).expect("offset");
            let from = usize::try_from(start.min(total)).expect("fits");
            let to = usize::try_from((start + len).min(total)).expect("fits");
            assert_eq!(ids(&by_offset), all[from..to], "{view:?} at {start}");
            let by_row = store
                .queue_window_seek(id, &view, WindowSeek::RowOf { row: start, total }, len)
                .expect("row of");
            assert_eq!(
                by_row, by_offset,
                "{view:?} at {start}, from the nearer end"
            );
            let Some(first) = by_offset.first() else {
                continue;
            };
            if view.sort != QueueSort::Risk {
                continue;
            }
            let seek = |s| store.queue_window_seek(id, &view, s, len).expect("seek");
            assert_eq!(
                seek(WindowSeek::Position(first.position)),
                by_offset,
                "{view:?} from position {}",
                first.position
            );
            for back in [1, 80, 200, 900] {
                let want = store
                    .queue_window(id, &view, start.saturating_sub(back), len)
                    .expect("offset");
                assert_eq!(
                    seek(WindowSeek::Before {
                        position: first.position,
                        back
                    }),
                    want,
                    "{view:?}, {back} before position {}",
                    first.position
                );
            }
            for (row, identity) in all.iter().enumerate().skip(from).take(3) {
                assert_eq!(
                    store
                        .row_of(id, &view, nhi_review::model::IdentityId(*identity))
                        .expect("row of"),
                    Some(row as u64),
                    "{view:?}"
                );
            }
        }
    }
    // Sorted views are read by row only.
    let by_name = QueueView {
        sort: QueueSort::Name,
        ..QueueView::default()
    };
    assert!(
        store
            .queue_window_seek(id, &by_name, WindowSeek::Position(3), 10)
            .is_err()
    );
}

#[test]
fn moving_through_a_filtered_view_longer_than_a_window_shows_its_rows() {
    let (mut store, id) = campaign(900);
    let mut app = tui::open(&store, "2026-Q4", "ana@example.com", now()).expect("open");
    // The undecided filter, then down past several windows, up again, to the end and back.
    let check = |store: &Store, app: &tui::app::App, step: &str| {
        let want = store
            .queue_window(id, &app.view, app.window_start, app.window.len() as u64)
            .expect("window");
        assert_eq!(app.window, want, "{step}: the window holds the view's rows");
        let here = store
            .queue_window(id, &app.view, app.cursor, 1)
            .expect("row");
        assert_eq!(app.selected_row(), here.first(), "{step}: the cursor's row");
    };
    drive(&mut store, &mut app, "fj<Enter>", 100, 30);
    assert_eq!(app.view.filter, QueueFilter::Undecided);
    let total = app.total;
    assert!(total > 3 * WINDOW, "{total} rows: more than a window");
    for (step, script) in [
        ("down", "j".repeat(450)),
        ("page down", "<PgDn>".repeat(30)),
        ("up", "k".repeat(330)),
        ("page up", "<PgUp>".repeat(20)),
        ("end", "G".into()),
        ("up from the end", "k".repeat(260)),
        ("top", "g".into()),
    ] {
        drive(&mut store, &mut app, &script, 100, 30);
        check(&store, &app, step);
    }
    assert_eq!(app.cursor, 0);
    // A keep recorded elsewhere: the next move's window no longer holds it, as before.
    let below = app.window[5].clone();
    review::decide(
        &mut store,
        &request("2026-Q4", &below.short_id, Verdict::Keep),
    )
    .expect("keep");
    drive(&mut store, &mut app, "j", 100, 30);
    check(&store, &app, "after a keep elsewhere");
    assert!(
        app.window
            .iter()
            .all(|r| r.identity_id != below.identity_id)
    );
}
