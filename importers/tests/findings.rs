//! Issue 9, importer side: each misreading found in real exports, on a fixture written by hand
//! in the provider's shape (values invented), read the way the CLI reads it.

mod common;

use std::io::Read;

use common::{credentials, fixture, grants, identity, import_with};
use nhi_importers::{Format, ImportOptions, Location, Tier, VecSink, parse};

fn read(path: &str, account: Option<&str>) -> (Format, nhi_importers::Tally, VecSink) {
    let options = ImportOptions {
        account: account.map(str::to_owned),
        ..Default::default()
    };
    import_with(&fixture(path), options).expect("imports")
}

fn parse_bytes(
    format: Format,
    bytes: impl Read,
    options: ImportOptions,
) -> nhi_importers::ImportError {
    let mut sink = VecSink::default();
    let options = ImportOptions {
        file_name: "input".into(),
        ..options
    };
    parse(format, bytes, &options, &mut sink).expect_err("refused")
}

#[test]
fn role_use_is_unknown_unless_the_export_tracks_it() {
    let (_, _, sink) = read("aws/authorization-details-acme.json", None);
    // No RoleLastUsed at all: the export has no data, so use is unknown (never "never used").
    let runner = identity(&sink, "role/app-runner");
    assert_eq!(
        (
            runner.usage_tracked,
            runner.unused_within_days,
            runner.last_used_at
        ),
        (Some(false), None, None)
    );
    // An empty RoleLastUsed: no use in IAM's 400-day window, older use unknown.
    let legacy = identity(&sink, "role/batch-legacy");
    assert_eq!(
        (
            legacy.usage_tracked,
            legacy.unused_within_days,
            legacy.last_used_at
        ),
        (Some(false), Some(400), None)
    );
    let api = identity(&sink, "role/orders-api");
    assert_eq!(api.usage_tracked, Some(true));
    assert_eq!(
        common::ts(api.last_used_at).as_deref(),
        Some("2026-11-20T06:12:00Z")
    );
    // Users' use is the credential report's to say: the details say nothing.
    assert_eq!(
        identity(&sink, "user/service-accounts/ci-bot").usage_tracked,
        None
    );
}

#[test]
fn an_iam_user_is_keyed_by_account_and_name_whatever_its_path() {
    let (_, _, details) = read("aws/authorization-details-acme.json", None);
    let (_, _, report) = read("aws/credential-report-acme.csv", None);
    let from_details = identity(&details, "user/service-accounts/ci-bot");
    let from_report = identity(&report, ":user/ci-bot");
    assert_ne!(from_details.key.native_id, from_report.key.native_id);
    assert_eq!(from_details.key.join_key().as_deref(), Some("user/ci-bot"));
    assert_eq!(from_details.key.join_key(), from_report.key.join_key());
    assert_eq!(from_details.key.account, from_report.key.account);
}

#[test]
fn policy_tiers_follow_what_the_actions_do() {
    let (_, _, sink) = read("aws/authorization-details-acme.json", None);
    // SecurityAudit: Get/List/Describe (and GenerateCredentialReport, apigateway:GET) only;
    // its old "*" version is not the default and never counts.
    let audit: Vec<_> = grants(&sink, "user/service-accounts/ci-bot")
        .into_iter()
        .filter(|g| g.permission == "SecurityAudit")
        .collect();
    assert_eq!(
        (audit[0].tier, audit[0].resource.as_str()),
        (Tier::Read, "*")
    );
    assert_eq!(grants(&sink, "role/partner-read")[0].tier, Tier::Read);
    // A URL-encoded inline policy with a '%' before a multi-byte character decodes (it used
    // to panic in the percent-decoder).
    let inline: Vec<_> = grants(&sink, "user/service-accounts/ci-bot")
        .into_iter()
        .filter(|g| g.permission == "inline:build-artifacts")
        .collect();
    assert_eq!(
        (inline[0].tier, inline[0].resource.as_str()),
        (Tier::Write, "arn:aws:s3:::acme-build-artifacts/*")
    );
}

#[test]
fn public_and_cross_account_trust_is_read_from_the_trust_policy() {
    let (_, _, sink) = read("aws/authorization-details-acme.json", None);
    let trust = |suffix: &str| identity(&sink, suffix).trust.clone().expect("stated");
    assert_eq!(
        trust("role/open-door").public.as_deref(),
        Some("Principal {\"AWS\": \"*\"}")
    );
    assert!(trust("role/gh-deploy").public.is_some_and(|p| {
        p.contains("token.actions.githubusercontent.com without a 'sub' condition")
    }));
    let partner = trust("role/partner-read");
    assert_eq!(partner.public, None);
    assert_eq!(partner.foreign_accounts, ["123412341234", "777788889999"]);
    assert!(
        !identity(&sink, "role/partner-read").third_party,
        "no external id: not a vendor"
    );
    assert_eq!(trust("role/app-runner"), nhi_importers::Trust::default());
    // Users carry no trust statement.
    assert_eq!(identity(&sink, "user/service-accounts/ci-bot").trust, None);
}

#[test]
fn a_read_only_admin_scope_is_read_and_each_users_token_has_its_holder() {
    let mut holders = Vec::new();
    for user in ["118800112233", "118800445566"] {
        let (_, _, sink) = read(
            &format!("workspace/tokens-user-{user}.json"),
            Some("acme.example"),
        );
        let g = grants(&sink, "acmecrm.apps.googleusercontent.com");
        assert_eq!(
            (g[0].permission.as_str(), g[0].tier),
            (
                "https://www.googleapis.com/auth/admin.directory.group.readonly",
                Tier::Read
            )
        );
        let c = credentials(&sink, "acmecrm.apps.googleusercontent.com");
        holders.push(c[0].holder.clone());
    }
    assert_eq!(
        holders,
        [
            Some("user:118800112233".to_owned()),
            Some("user:118800445566".to_owned())
        ]
    );
}

#[test]
fn okta_apps_name_their_org_by_any_link() {
    let (_, t, sink) = read("okta/apps-no-self-link.json", None);
    assert_eq!((t.imported, t.rejected), (1, 0));
    assert_eq!(
        identity(&sink, "0oa7acmesvc0001XYZ").key.account,
        "acme.okta.com"
    );
}

#[test]
fn kubernetes_owners_come_from_any_owner_annotation_or_label() {
    let (_, _, sink) = read("k8s/serviceaccounts-owners.json", Some("acme-prod"));
    assert_eq!(
        identity(&sink, "payments/api").owner.as_deref(),
        Some("payments-team@acme.example")
    );
    assert_eq!(
        identity(&sink, "orders/importer").owner.as_deref(),
        Some("orders")
    );
    assert_eq!(identity(&sink, "orders/default").owner, None);
}

#[test]
fn binding_files_cover_their_own_parts() {
    let (_, t, sink) = read("k8s/clusterrolebindings.json", Some("acme-prod"));
    assert_eq!(t.grants, 8);
    assert!(t.lists_parts);
    assert_eq!(sink.covers, vec!["acme-prod:ClusterRoleBinding".to_owned()]);
    let (_, t, sink) = read("k8s/rolebindings.json", Some("acme-prod"));
    assert_eq!(t.grants, 8);
    assert!(t.lists_parts);
    assert_eq!(
        sink.covers,
        vec![
            "acme-prod:RoleBinding:payments".to_owned(),
            "acme-prod:RoleBinding:orders".to_owned()
        ]
    );
    assert_eq!(
        sink.parts[1].as_deref(),
        Some("acme-prod:RoleBinding:payments")
    );
    let (_, t, sink) = read("azure/role-assignments-sub-b.json", Some("tenant-1"));
    assert_eq!(
        (t.humans_skipped, t.lists_parts, sink.covers),
        (
            1,
            true,
            vec!["tenant-1:b2b2b2b2-0000-4000-8000-00000000000b".to_owned()]
        )
    );
}

#[test]
fn a_credential_report_whose_content_is_already_decoded_reads() {
    let (format, t, sink) = read("aws/credential-report-decoded.json", None);
    assert_eq!(format, Format::AwsCredentialReportJson);
    assert_eq!((t.records_read, t.imported, t.humans_skipped), (3, 1, 1));
    assert_eq!(credentials(&sink, ":user/ci-bot").len(), 1);
}

#[test]
fn a_forced_format_that_does_not_fit_is_refused() {
    let okta = std::fs::read(fixture("okta/apps-no-self-link.json")).expect("read");
    let e = parse_bytes(
        Format::GcpServiceAccounts,
        okta.as_slice(),
        ImportOptions::default(),
    );
    assert_eq!(e.field.as_deref(), Some("email"));
    let e = parse_bytes(
        Format::GcpIamPolicy,
        &b"{\"etag\": \"x\"}"[..],
        ImportOptions::default(),
    );
    assert!(e.message.contains("'bindings'"), "{e}");
    let e = parse_bytes(
        Format::WorkspaceTokens,
        &b"{\"a\": 1}"[..],
        ImportOptions::default(),
    );
    assert!(e.message.contains("not a Workspace token list"), "{e}");
    let e = parse_bytes(
        Format::AzureRoleAssignments,
        &b"{\"value\": 1}"[..],
        ImportOptions::default(),
    );
    assert!(e.message.contains("expected a list"), "{e}");
    let e = parse_bytes(
        Format::GithubDeployKeys,
        &b"{\"keys\": []}"[..],
        ImportOptions::default(),
    );
    assert!(e.message.contains("not github-deploy-keys"), "{e}");
}

#[test]
fn endless_input_stops_at_a_limit_instead_of_exhausting_memory() {
    // At most 64 MiB is offered; each read must stop long before.
    let endless = |head: &'static [u8], fill: u8| {
        std::io::Cursor::new(head).chain(std::io::repeat(fill).take(64 * 1024 * 1024))
    };
    let e = parse_bytes(
        Format::AwsCredentialReport,
        endless(b"", b'a'),
        ImportOptions::default(),
    );
    assert!(e.message.contains("row longer than 4 MiB"), "{e}");
    assert_eq!(e.location, Location::Line(1));
    let e = parse_bytes(
        Format::OktaApps,
        endless(b"", b'['),
        ImportOptions::default(),
    );
    assert!(e.message.contains("nested deeper than 64 levels"), "{e}");
    let e = parse_bytes(
        Format::OktaApps,
        endless(b"[\"", b'a'),
        ImportOptions::default(),
    );
    assert!(e.message.contains("string longer than 1 MiB"), "{e}");
    let e = parse_bytes(
        Format::AwsAuthorizationDetails,
        endless(b"{\"UserDetailList\": [", b' '),
        ImportOptions::default(),
    );
    assert!(e.message.contains("larger than 64 MiB"), "{e}");
}

#[test]
fn a_huge_field_is_refused_not_stored() {
    let big = "x".repeat(2 * 1024 * 1024);
    let json = format!(
        "[\n{{\"email\": \"a@p.iam.gserviceaccount.com\", \"uniqueId\": \"1\", \"description\": \"{big}\"}}]"
    );
    let e = parse_bytes(
        Format::GcpServiceAccounts,
        json.as_bytes(),
        ImportOptions::default(),
    );
    assert_eq!(e.location, Location::Line(2));
    assert!(e.message.contains("longer than 1 MiB"), "{e}");
}

#[test]
fn a_row_with_extra_fields_is_refused_like_a_short_one() {
    let text = std::fs::read_to_string(fixture("aws/credential-report-acme.csv")).expect("read");
    let extra = text.replace(
        "eu-central-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
        "eu-central-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A,surplus",
    );
    let e = parse_bytes(
        Format::AwsCredentialReport,
        extra.as_bytes(),
        ImportOptions::default(),
    );
    assert_eq!(e.location, Location::Line(3));
    assert!(
        e.message.contains("row has 23 fields, the header has 22"),
        "{e}"
    );
}

#[test]
fn text_that_is_not_utf8_is_refused_with_what_it_is() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("user,arn\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let e = parse_bytes(
        Format::AwsCredentialReport,
        utf16.as_slice(),
        ImportOptions::default(),
    );
    assert!(e.message.contains("UTF-16 (little-endian)"), "{e}");
    let gz = [0x1Fu8, 0x8B, 0x08, 0x00, 0x00];
    let e = parse_bytes(Format::OktaApps, &gz[..], ImportOptions::default());
    assert!(e.message.contains("gzip"), "{e}");
}
