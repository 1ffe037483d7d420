//! Transitions of the review screen, without a terminal or a database: each mode's keys, the
//! rules each step asks of the domain, and the effect it requests.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::db::{MemberState, QueueRow, StandingDecision, VerdictCounts};
use crate::model::{
    CampaignId, CampaignStatus, CredentialView, DecisionAction, GrantView, IdentityView, Status,
    Thresholds, Tier,
};
use crate::review::Previous;
use crate::signals::Recommendation;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
        .single()
        .expect("time")
}

fn campaign(status: CampaignStatus) -> CampaignInfo {
    CampaignInfo {
        id: CampaignId(1),
        name: "2026-Q4".into(),
        due_date: None,
        started_at: now(),
        closed_at: None,
        status,
        thresholds: Thresholds::default(),
        population_size: 2,
        population_hash: "h".into(),
        scope: String::new(),
        started_by: "lead".into(),
        default_reviewer: String::new(),
        second_review: String::new(),
        independent: false,
        counts: VerdictCounts::default(),
    }
}

fn identity(id: i64, name: &str, admin: bool) -> IdentityView {
    IdentityView {
        row_id: IdentityId(id),
        short_id: format!("aws-{id}"),
        provider: "aws".into(),
        account: "1".into(),
        native_id: format!("arn:{name}"),
        kind: "iam_user".into(),
        name: name.into(),
        owner: None,
        status: Status::Active,
        created_at: None,
        last_used_at: None,
        usage_tracked: false,
        third_party: false,
        described: true,
        business_function: None,
        expected_unused: None,
        unused_within_days: None,
        public_trust: None,
        cross_account_trust: None,
        first_seen_at: now(),
        last_seen_at: now(),
        gone_at: None,
        credentials: vec![CredentialView {
            id: "access_key_1".into(),
            kind: "access_key".into(),
            created_at: None,
            last_used_at: None,
            usage_tracked: false,
            last_used_where: None,
            expires_at: None,
            active: true,
            platform_managed: false,
            last_seen_at: now(),
            gone_at: None,
            holder: None,
        }],
        grants: vec![GrantView {
            permission: if admin {
                "AdministratorAccess"
            } else {
                "ReadOnlyAccess"
            }
            .into(),
            resource: "*".into(),
            tier: if admin { Tier::Admin } else { Tier::Read },
            condition: String::new(),
            via: String::new(),
            last_seen_at: now(),
            gone_at: None,
        }],
    }
}

fn member(id: i64, owner: Option<&str>, verdict: Option<Verdict>) -> MemberState {
    MemberState {
        identity: IdentityId(id),
        position: 0,
        risk: 0,
        signals: Vec::new(),
        snapshot: String::new(),
        owner_at_start: owner.map(str::to_owned),
        function_at_start: None,
        owner: owner.map(str::to_owned),
        function: Some("Sends mail".into()),
        expected_unused_at_start: None,
        expected_unused: None,
        assignee: owner.map(str::to_owned),
        second_review: false,
        confirmed_by: None,
        verdict,
        action: verdict.map(|_| DecisionAction::Decide),
    }
}

fn card(owner: Option<&str>, suggested: Verdict, admin: bool) -> Card {
    Card {
        ctx: MemberContext {
            identity: identity(1, "svc-mailer", admin),
            member: member(1, owner, None),
            signals: Vec::new(),
            suggestion: Recommendation {
                verdict: suggested,
                remove: Vec::new(),
                reasons: vec!["because".into()],
            },
            previous: None,
        },
        history: Vec::new(),
        earlier: Vec::new(),
    }
}

fn row(id: i64) -> QueueRow {
    QueueRow {
        position: (id - 1) as u64,
        identity_id: IdentityId(id),
        short_id: format!("aws-{id}"),
        provider: "aws".into(),
        kind: "iam_user".into(),
        name: format!("svc-{id}"),
        owner: None,
        last_used_at: None,
        usage_tracked: false,
        risk: 0,
        signals: Vec::new(),
        verdict: None,
        pending: false,
    }
}

fn app(card: Card) -> App {
    let mut app = App::new(campaign(CampaignStatus::Open), "ana", 0, now());
    app.loaded(0, vec![row(1), row(2)], Some(card));
    app
}

fn typed(app: &mut App, text: &str) -> Option<Effect> {
    let mut last = None;
    for c in text.chars() {
        last = app.update(Action::Char(c));
    }
    last
}

fn decided(effect: Option<Effect>) -> (DecisionRequest, After) {
    match effect {
        Some(Effect::Decide { request, after }) => (request, after),
        other => panic!("expected a decision, got {other:?}"),
    }
}

fn is_error(app: &App, text: &str) -> bool {
    app.status
        .as_ref()
        .is_some_and(|s| s.is_error && s.text.contains(text))
}

#[test]
fn keep_asks_the_missing_owner_first_and_refuses_an_empty_one() {
    let mut app = app(card(None, Verdict::Keep, false));
    assert_eq!(app.update(Action::Keep), None);
    assert!(matches!(
        app.mode,
        Mode::Input {
            field: Field::Owner,
            ..
        }
    ));
    assert_eq!(app.update(Action::Confirm), None);
    assert!(is_error(&app, "keep needs an accountable owner"));
    typed(&mut app, "mail@example.com");
    app.update(Action::Confirm);
    let Mode::Input { field, text, .. } = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(
        (*field, text.value.as_str()),
        (Field::Function, "Sends mail"),
        "the function in force is offered"
    );
    assert_eq!(
        app.status, None,
        "the error is gone once the next step starts"
    );
    app.update(Action::Confirm);
    assert!(matches!(
        app.mode,
        Mode::Input {
            field: Field::Justification,
            ..
        }
    ));
    let (request, after) = decided(app.update(Action::Confirm));
    assert_eq!(after, After::Next);
    assert_eq!(request.verdict, Some(Verdict::Keep));
    assert_eq!(request.owner.as_deref(), Some("mail@example.com"));
    assert_eq!(request.function.as_deref(), Some("Sends mail"));
    assert_eq!(request.identities, ["aws-1"]);
}

#[test]
fn a_keep_against_a_revoke_suggestion_or_of_admin_access_needs_a_justification() {
    for (suggested, admin, why) in [
        (Verdict::Revoke, false, "suggestion is to revoke"),
        (Verdict::Keep, true, "admin-tier access"),
    ] {
        let mut app = app(card(Some("ops"), suggested, admin));
        app.update(Action::Keep);
        app.update(Action::Confirm);
        assert_eq!(app.update(Action::Confirm), None, "empty refused");
        assert!(is_error(&app, why), "{:?}", app.status);
        typed(&mut app, "Reviewed with the team");
        let (request, _) = decided(app.update(Action::Confirm));
        assert_eq!(request.justification, "Reviewed with the team");
    }
}

#[test]
fn revoke_is_confirmed_then_justified_without_a_function() {
    let mut app = app(card(Some("ops"), Verdict::Revoke, false));
    app.update(Action::Revoke);
    assert_eq!(app.mode, Mode::ConfirmRevoke { bulk: false });
    app.update(Action::Cancel);
    assert_eq!(app.mode, Mode::Browse);
    app.update(Action::Revoke);
    app.update(Action::Confirm);
    assert!(matches!(
        app.mode,
        Mode::Input {
            field: Field::Justification,
            ..
        }
    ));
    assert_eq!(app.update(Action::Confirm), None);
    assert!(is_error(&app, "revoke needs a justification"));
    typed(&mut app, "Unused");
    let (request, _) = decided(app.update(Action::Confirm));
    assert_eq!(
        (request.verdict, request.function),
        (Some(Verdict::Revoke), None)
    );
}

#[test]
fn undo_stays_on_the_identity_and_needs_something_standing() {
    let mut app = app(card(Some("ops"), Verdict::Keep, false));
    assert_eq!(app.update(Action::Undo), None);
    assert!(is_error(&app, "no decision to undo"));
    if let Some(c) = app.card.as_mut() {
        c.ctx.member.verdict = Some(Verdict::Keep);
    }
    let (request, after) = decided(app.update(Action::Undo));
    assert_eq!((request.action, after), (DecisionAction::Undo, After::Stay));
    let next = app.recorded(Ok(("undone".into(), app.campaign.clone())), false, after);
    assert_eq!(next, Some(Effect::Reload(Anchor::Identity(IdentityId(1)))));
    let next = app.recorded(
        Ok(("kept".into(), app.campaign.clone())),
        false,
        After::Next,
    );
    assert_eq!(next, Some(Effect::Reload(Anchor::Identity(IdentityId(2)))));
}

#[test]
fn reattest_takes_one_key_unless_the_rules_want_a_justification() {
    let previous = |c: &mut Card| {
        c.ctx.previous = Some(Previous {
            campaign: "2026-Q3".into(),
            decision: Some(StandingDecision {
                action: DecisionAction::Decide,
                verdict: Some(Verdict::Keep),
                removed: Vec::new(),
                business_function: "Sends mail".into(),
                justification: String::new(),
                reviewer: "bo".into(),
                decided_at: "2026-08-01T00:00:00Z".into(),
            }),
            changes: Vec::new(),
        });
    };
    let mut nothing = app(card(Some("ops"), Verdict::Keep, false));
    assert_eq!(nothing.update(Action::Reattest), None);
    assert!(is_error(&nothing, "not reviewed in the previous campaign"));

    let mut plain = card(Some("ops"), Verdict::Keep, false);
    previous(&mut plain);
    let mut one_key = app(plain);
    let (request, _) = decided(one_key.update(Action::Reattest));
    assert_eq!(request.action, DecisionAction::Reattest);

    let mut against = card(Some("ops"), Verdict::Revoke, false);
    previous(&mut against);
    let mut asks = app(against);
    assert_eq!(asks.update(Action::Reattest), None);
    assert!(matches!(
        asks.mode,
        Mode::Input {
            field: Field::Justification,
            ..
        }
    ));
    typed(&mut asks, "Disaster recovery, unused by design");
    let (request, _) = decided(asks.update(Action::Confirm));
    assert_eq!(
        (request.action, request.justification.as_str()),
        (
            DecisionAction::Reattest,
            "Disaster recovery, unused by design"
        )
    );
}

#[test]
fn a_closed_campaign_decides_nothing_and_edits_nothing() {
    let mut app = app(card(Some("ops"), Verdict::Keep, false));
    app.campaign.status = CampaignStatus::Closed;
    for action in [
        Action::Keep,
        Action::Revoke,
        Action::Reattest,
        Action::SetOwner,
    ] {
        assert_eq!(app.update(action), None);
        assert!(is_error(&app, "closed"), "{action:?}");
        assert_eq!(app.mode, Mode::Browse);
    }
}

#[test]
fn bulk_keep_needs_every_owner_and_a_justification_when_one_needs_it() {
    let mut app = app(card(None, Verdict::Keep, false));
    app.update(Action::Mark);
    assert_eq!(app.marked.len(), 1);
    app.update(Action::Keep);
    assert!(is_error(&app, "1 of the 1 marked identities have none"));
    if let Some(m) = app.marked.values_mut().next() {
        m.owner = Some("ops".into());
        m.keep_needs_why = Some("it holds admin-tier access");
    }
    app.update(Action::Keep);
    let Mode::Input { field, text, draft } = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(
        (*field, text.value.as_str(), draft.bulk),
        (Field::Function, "", true)
    );
    typed(&mut app, "Mail");
    app.update(Action::Confirm);
    assert_eq!(app.update(Action::Confirm), None);
    assert!(is_error(&app, "admin-tier"));
    typed(&mut app, "All reviewed");
    let (request, _) = decided(app.update(Action::Confirm));
    assert_eq!(request.identities, ["aws-1"]);
}

#[test]
fn owner_and_function_edits_are_annotations() {
    let mut app = app(card(Some("ops"), Verdict::Keep, false));
    app.update(Action::SetOwner);
    app.update(Action::Clear);
    typed(&mut app, "mail-team");
    match app.update(Action::Confirm) {
        Some(Effect::Annotate(a)) => {
            assert_eq!((a.owner.as_deref(), a.function), (Some("mail-team"), None))
        }
        other => panic!("{other:?}"),
    }
    app.mode = Mode::Browse;
    app.update(Action::EditFunction);
    typed(&mut app, " and receipts");
    match app.update(Action::Confirm) {
        Some(Effect::Annotate(a)) => {
            assert_eq!(a.function.as_deref(), Some("Sends mail and receipts"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn reduce_chooses_items_then_asks_the_function_and_a_justification() {
    let mut app = app(card(Some("ops"), Verdict::Keep, false));
    app.update(Action::Reduce);
    assert_eq!(app.update(Action::Confirm), None);
    assert!(is_error(&app, "mark at least one"));
    app.update(Action::Next);
    app.update(Action::ToggleItem);
    app.update(Action::Confirm);
    assert!(matches!(
        app.mode,
        Mode::Input {
            field: Field::Function,
            ..
        }
    ));
    app.update(Action::Confirm);
    typed(&mut app, "Read-only is enough");
    let (request, _) = decided(app.update(Action::Confirm));
    assert_eq!(request.remove, ["grant:ReadOnlyAccess@*"]);
}
