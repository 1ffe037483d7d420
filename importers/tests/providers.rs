//! Every provider's importer on the example organisation's exports (real-shaped, invented):
//! exact counts, and specific facts for each format's traps.

mod common;

use common::{
    credentials, detect_file, example, fixture, grants, identity, import, import_mapped,
    import_with, ts,
};
use nhi_importers::{Format, ImportOptions, Location, Status, Tier};

#[test]
fn every_example_is_detected_by_content() {
    let cases = [
        ("aws/credential-report.csv", Format::AwsCredentialReport),
        (
            "aws/authorization-details.json",
            Format::AwsAuthorizationDetails,
        ),
        ("gcp/service-accounts.json", Format::GcpServiceAccounts),
        ("gcp/keys-etl-loader.json", Format::GcpServiceAccountKeys),
        ("gcp/keys-ci-deployer.json", Format::GcpServiceAccountKeys),
        ("gcp/iam-policy.json", Format::GcpIamPolicy),
        ("gcp/key-file-etl-loader.json", Format::GcpKeyFile),
        (
            "azure/service-principals.json",
            Format::AzureServicePrincipals,
        ),
        ("azure/role-assignments.json", Format::AzureRoleAssignments),
        (
            "azure/oauth2-permission-grants.json",
            Format::AzureOauth2Grants,
        ),
        ("k8s/serviceaccounts.json", Format::K8sServiceAccounts),
        ("k8s/rolebindings.json", Format::K8sRoleBindings),
        ("github/installations.json", Format::GithubInstallations),
        (
            "github/personal-access-tokens.json",
            Format::GithubPersonalAccessTokens,
        ),
        ("github/deploy-keys-web.json", Format::GithubDeployKeys),
        ("okta/apps.json", Format::OktaApps),
        ("okta/api-tokens.json", Format::OktaApiTokens),
        (
            "okta/app-grants-nw-user-provisioner.json",
            Format::OktaAppGrants,
        ),
        (
            "workspace/tokens-user-114477001.json",
            Format::WorkspaceTokens,
        ),
        (
            "workspace/tokens-user-114477003.json",
            Format::WorkspaceTokens,
        ),
    ];
    for (path, want) in cases {
        assert_eq!(detect_file(&example(path)), Some(want), "{path}");
    }
    // CSV without a built-in header is left to a mapping.
    assert_eq!(detect_file(&example("saas/slack-integrations.csv")), None);
}

#[test]
fn aws_authorization_details_users_roles_groups_and_default_policy_versions() {
    let (_, t, sink) = import("aws/authorization-details.json", None);
    assert_eq!(
        (
            t.records_read,
            t.identities,
            t.credentials,
            t.grants,
            t.humans_skipped
        ),
        (12, 12, 0, 14, 0)
    );
    // Only the default version is in force: the old "*:*" version is never reported.
    let backup = grants(&sink, "user/svc-backup-nightly");
    assert_eq!(backup.len(), 1);
    assert_eq!(
        (backup[0].tier, backup[0].resource.as_str()),
        (Tier::Write, "arn:aws:s3:::nw-backups/* (+1 more)")
    );
    // Group policies reach members as grants via the group.
    let ci = grants(&sink, "user/ci/svc-ci-deploy");
    assert_eq!(
        ci.iter()
            .map(|g| (g.permission.as_str(), g.tier, g.via.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("nw-ci-deploy", Tier::Admin, None),
            ("inline:read-artifacts", Tier::Read, Some("group:ci-robots")),
        ]
    );
    // A URL-encoded inline policy document is decoded.
    assert_eq!(
        grants(&sink, "user/svc-marketing-export")[0].tier,
        Tier::Write
    );
    assert_eq!(grants(&sink, "/svc-terraform")[0].tier, Tier::Admin);
    // Owner tag in either case; absent Tags; non-ASCII tags.
    assert_eq!(
        identity(&sink, "user/svc-backup-nightly").owner.as_deref(),
        Some("sre@northwind.example")
    );
    assert_eq!(
        identity(&sink, "user/svc-marketing-export")
            .owner
            .as_deref(),
        Some("marketing-ops@northwind.example")
    );
    // An empty RoleLastUsed: no use within IAM's 400-day window, earlier use unknown.
    let legacy = identity(&sink, "role/nw-legacy-batch");
    assert_eq!(
        (
            legacy.owner.as_deref(),
            legacy.last_used_at,
            legacy.usage_tracked,
            legacy.unused_within_days
        ),
        (None, None, Some(false), Some(400))
    );
    assert_eq!(
        ts(identity(&sink, "role/nw-orders-lambda").last_used_at).as_deref(),
        Some("2026-11-27T07:58:12Z")
    );
    // External id from a foreign account: a vendor.
    assert!(identity(&sink, "role/nw-vendor-cloudcost").third_party);
    assert!(!identity(&sink, "role/nw-orders-lambda").third_party);
    assert_eq!(
        identity(&sink, "AWSServiceRoleForAutoScaling").kind,
        "service_linked_role"
    );
    // Only its AWS service may change a service-linked role: the service is its owner.
    assert_eq!(
        identity(&sink, "AWSServiceRoleForAutoScaling")
            .owner
            .as_deref(),
        Some("aws-service:autoscaling.amazonaws.com")
    );
    assert_eq!(
        grants(&sink, "AWSServiceRoleForAutoScaling")[0].tier,
        Tier::Unknown,
        "policy not in the export"
    );
}

#[test]
fn gcp_service_accounts_keys_and_key_files() {
    let (_, t, sink) = import("gcp/service-accounts.json", None);
    assert_eq!(
        (t.records_read, t.identities, t.credentials, t.grants),
        (6, 6, 0, 0)
    );
    assert_eq!(
        identity(
            &sink,
            "legacy-reporting@northwind-prod.iam.gserviceaccount.com"
        )
        .status,
        Status::Disabled
    );
    assert_eq!(
        identity(&sink, "etl-loader@northwind-prod.iam.gserviceaccount.com")
            .owner
            .as_deref(),
        Some("data-eng@northwind.example")
    );
    let compute = identity(&sink, "-compute@developer.gserviceaccount.com");
    assert_eq!(
        (compute.kind.as_str(), compute.key.account.as_str()),
        ("service_account", "northwind-prod")
    );

    let (_, t, sink) = import("gcp/keys-etl-loader.json", None);
    assert_eq!(
        (
            t.records_read,
            t.identities,
            t.credentials,
            t.platform_managed
        ),
        (5, 0, 5, 2)
    );
    assert!(t.lists_parts);
    assert_eq!(
        sink.covers,
        vec!["northwind-prod:etl-loader@northwind-prod.iam.gserviceaccount.com".to_owned()]
    );
    let keys = credentials(&sink, "etl-loader@northwind-prod.iam.gserviceaccount.com");
    let never = keys
        .iter()
        .find(|c| c.native_id.starts_with("3f9c0a7e"))
        .expect("key");
    assert_eq!(
        (never.expires_at, never.platform_managed),
        (None, false),
        "9999-12-31 means never"
    );
    let exposed = keys
        .iter()
        .find(|c| c.native_id.starts_with("d00dfeed"))
        .expect("key");
    assert_eq!(
        (exposed.kind.as_str(), exposed.active),
        ("sa_key (exposed)", false)
    );
    assert!(
        keys.iter()
            .filter(|c| c.platform_managed)
            .all(|c| c.native_id.len() == 40)
    );

    let (_, _, sink) = import("gcp/keys-ci-deployer.json", None);
    let ci = credentials(&sink, "ci-deployer@northwind-prod.iam.gserviceaccount.com");
    assert_eq!(
        ci[0].identity.account, "northwind-prod",
        "project '-' resolved from the email"
    );

    let (_, t, sink) = import("gcp/key-file-etl-loader.json", None);
    assert_eq!((t.credentials, t.secrets_dropped), (1, 1));
    assert_eq!(t.dropped_fields, ["private_key"]);
    assert_eq!(
        sink.credentials().next().map(|c| c.native_id.as_str()),
        Some("3f9c0a7e5b2d4c6a8e1f0b9d7c5a3e1f2d4b6a8c")
    );
    assert!(
        !format!("{:?}", sink.records).contains("PRIVATE KEY"),
        "the private key never reaches the sink"
    );
}

#[test]
fn gcp_iam_policy_members_of_every_kind() {
    let (_, t, sink) = import("gcp/iam-policy.json", Some("northwind-prod"));
    assert_eq!(
        (
            t.records_read,
            t.imported,
            t.humans_skipped,
            t.grants,
            t.identities
        ),
        (14, 10, 2, 10, 4)
    );
    assert_eq!(
        t.skipped,
        [("group".to_owned(), 1), ("domain".to_owned(), 1)]
    );
    let owner = grants(&sink, "ci-deployer@northwind-prod.iam.gserviceaccount.com");
    assert_eq!(
        (
            owner[0].permission.as_str(),
            owner[0].tier,
            owner[0].resource.as_str()
        ),
        ("roles/owner", Tier::Admin, "projects/northwind-prod")
    );
    let etl = grants(&sink, "etl-loader@northwind-prod.iam.gserviceaccount.com");
    let conditional = etl
        .iter()
        .find(|g| g.permission == "roles/storage.objectAdmin")
        .expect("grant");
    assert!(
        conditional
            .condition
            .as_deref()
            .is_some_and(|c| c.starts_with("staging-only: resource.name"))
    );
    let deleted = identity(&sink, "?uid=104728365019283740000");
    assert_eq!(
        (deleted.kind.as_str(), deleted.status),
        ("deleted_service_account", Status::Disabled)
    );
    assert_eq!(
        identity(&sink, "@gcp-sa-aiplatform.iam.gserviceaccount.com").kind,
        "service_agent"
    );
    assert_eq!(
        identity(&sink, "attribute.repository/northwind-cargo/web").kind,
        "federated_principal"
    );
    assert_eq!(
        grants(
            &sink,
            "legacy-reporting@northwind-prod.iam.gserviceaccount.com"
        )[0]
        .tier,
        Tier::Unknown,
        "custom role"
    );
    // Without --account the project comes from the members, said out loud.
    let (_, t, _) = import("gcp/iam-policy.json", None);
    assert!(t.notes[0].contains("'northwind-prod'"), "{:?}", t.notes);
}

#[test]
fn azure_service_principals_credentials_and_first_party() {
    let tenant = "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d";
    let (_, t, sink) = import("azure/service-principals.json", Some(tenant));
    assert_eq!(
        (
            t.records_read,
            t.identities,
            t.credentials,
            t.platform_managed
        ),
        (10, 8, 8, 2)
    );
    assert_eq!(t.skipped, [("Microsoft first-party".to_owned(), 2)]);
    assert!(
        identity(&sink, "0003-4000-8000-000000000003").third_party,
        "owned by another tenant"
    );
    let mi = identity(&sink, "0005-4000-8000-000000000005");
    assert_eq!(
        (mi.kind.as_str(), mi.third_party),
        ("managed_identity", false)
    );
    assert!(credentials(&sink, "0005-4000-8000-000000000005")[0].platform_managed);
    // SAML signing: Sign + Verify + password sharing one customKeyIdentifier count once.
    let saml = credentials(&sink, "0004-4000-8000-000000000004");
    assert_eq!(saml.len(), 1);
    assert_eq!(
        (saml[0].kind.as_str(), saml[0].native_id.as_str()),
        ("saml_signing", "33333333-cccc-4ccc-8ccc-000000000001")
    );
    assert_eq!(
        identity(&sink, "0010-4000-8000-000000000010").status,
        Status::Disabled
    );
    let forever = credentials(&sink, "0009-4000-8000-000000000009");
    assert_eq!(
        ts(forever[0].expires_at).as_deref(),
        Some("2299-12-31T00:00:00Z"),
        "kept, not treated as never"
    );
    assert_eq!(
        identity(&sink, "0001-4000-8000-000000000001")
            .owner
            .as_deref(),
        Some("orders-team@northwind.example")
    );
    let (_, t, sink) = import("azure/service-principals.json", None);
    assert!(t.notes[0].contains(tenant));
    assert!(identity(&sink, "0003-4000-8000-000000000003").third_party);
}

#[test]
fn azure_role_assignments_and_oauth2_grants() {
    let (_, t, sink) = import("azure/role-assignments.json", None);
    assert_eq!(
        (
            t.records_read,
            t.imported,
            t.humans_skipped,
            t.grants,
            t.identities
        ),
        (8, 6, 1, 6, 1)
    );
    let legacy = grants(&sink, "0009-4000-8000-000000000009");
    assert_eq!(
        (legacy[0].permission.as_str(), legacy[0].tier),
        ("Owner", Tier::Admin)
    );
    assert_eq!(
        grants(&sink, "0002-4000-8000-000000000002")[0].permission,
        "Contributor",
        "deleted role name from its GUID"
    );
    assert!(
        grants(&sink, "0005-4000-8000-000000000005")[0]
            .condition
            .is_some(),
        "ABAC condition kept"
    );
    let mg = &grants(&sink, "0006-4000-8000-000000000006")[0];
    assert_eq!(
        (mg.resource.as_str(), mg.tier),
        (
            "/providers/Microsoft.Management/managementGroups/northwind",
            Tier::Read
        )
    );
    assert_eq!(
        identity(&sink, "0deadbee-0000-4000-8000-00000000dead").kind,
        "orphaned_principal"
    );

    let (_, t, sink) = import("azure/oauth2-permission-grants.json", None);
    assert_eq!((t.records_read, t.grants), (3, 5));
    assert_eq!(t.skipped, [("empty scope".to_owned(), 1)]);
    let vendor: Vec<(&str, Tier)> = grants(&sink, "0003-4000-8000-000000000003")
        .iter()
        .map(|g| (g.permission.as_str(), g.tier))
        .collect();
    assert_eq!(
        vendor,
        [
            ("User.Read", Tier::Read),
            ("Mail.Send", Tier::Write),
            ("Directory.ReadWrite.All", Tier::Admin)
        ]
    );
    assert_eq!(
        grants(&sink, "0001-4000-8000-000000000001")[0]
            .via
            .as_deref(),
        Some("user consent: 9f8e7d6c-0000-4000-8000-00000000abcd")
    );
}

#[test]
fn kubernetes_service_accounts_and_bindings() {
    let (_, t, sink) = import("k8s/serviceaccounts.json", Some("nw-prod-eks"));
    assert_eq!(
        (t.identities, t.credentials),
        (5, 1),
        "imagePullSecrets are not credentials"
    );
    assert_eq!(
        credentials(&sink, "orders/orders-api")[0].native_id,
        "orders-api-token-x7k2p"
    );
    assert_eq!(
        identity(&sink, "build/runner").owner.as_deref(),
        Some("platform-team@northwind.example")
    );
    assert_eq!(identity(&sink, "build/runner").key.account, "nw-prod-eks");

    let (_, t, sink) = import("k8s/rolebindings.json", Some("nw-prod-eks"));
    assert_eq!(
        (
            t.records_read,
            t.imported,
            t.humans_skipped,
            t.grants,
            t.identities
        ),
        (10, 7, 1, 7, 1)
    );
    let runner = &grants(&sink, "build/runner")[0];
    assert_eq!(
        (
            runner.permission.as_str(),
            runner.resource.as_str(),
            runner.tier
        ),
        ("ClusterRole/cluster-admin", "cluster", Tier::Admin)
    );
    // Namespace omitted in a RoleBinding subject: the binding's namespace.
    let orders = &grants(&sink, "orders/orders-api")[0];
    assert_eq!(
        (orders.resource.as_str(), orders.tier, orders.via.as_deref()),
        (
            "namespace/orders",
            Tier::Write,
            Some("RoleBinding/orders-api-edit")
        )
    );
    // system:serviceaccount:<ns>:<name> user subjects are the service account.
    assert!(
        grants(&sink, "monitoring/prometheus")
            .iter()
            .any(|g| g.permission == "ClusterRole/view")
    );
    assert_eq!(
        identity(&sink, "system:serviceaccounts:build").kind,
        "k8s_service_account_group"
    );
    // A subject naming a missing service account is kept as a (dangling) grant.
    assert_eq!(grants(&sink, "orders/old-importer")[0].tier, Tier::Admin);
    let (_, t, _) = import("k8s/rolebindings.json", None);
    assert!(t.notes[0].contains("'default'"));
}

#[test]
fn github_installations_tokens_and_deploy_keys() {
    let (_, t, sink) = import("github/installations.json", None);
    assert_eq!((t.identities, t.grants), (3, 10));
    let bot = grants(&sink, "installation:40100002");
    assert!(
        bot.iter()
            .any(|g| g.permission == "administration:write" && g.tier == Tier::Admin)
    );
    assert_eq!(
        identity(&sink, "installation:40100003").status,
        Status::Disabled,
        "suspended"
    );
    let renovate = identity(&sink, "installation:40100001");
    assert_eq!(
        (
            ts(renovate.created_at).as_deref(),
            renovate.key.account.as_str()
        ),
        (Some("2022-04-01T16:00:00Z"), "northwind-cargo")
    );

    let (_, t, sink) = import(
        "github/personal-access-tokens.json",
        Some("northwind-cargo"),
    );
    assert_eq!((t.identities, t.credentials, t.grants), (3, 3, 6));
    let admin = credentials(&sink, "pat:5502");
    assert_eq!(
        (
            admin[0].expires_at,
            admin[0].last_used_at,
            admin[0].usage_tracked
        ),
        (None, None, true)
    );
    assert_eq!(
        grants(&sink, "pat:5502")
            .iter()
            .filter(|g| g.tier == Tier::Admin)
            .count(),
        2
    );
    assert_eq!(
        ts(identity(&sink, "pat:5501").last_used_at).as_deref(),
        Some("2026-11-26T23:20:00Z")
    );
    assert!(!credentials(&sink, "pat:5503")[0].active, "expired");

    let (_, t, sink) = import("github/deploy-keys-web.json", None);
    assert_eq!((t.identities, t.credentials, t.grants), (3, 3, 3));
    assert!(t.lists_parts);
    assert_eq!(
        sink.covers,
        vec!["northwind-cargo:repo:northwind-cargo/web".to_owned()]
    );
    let write = &grants(&sink, "web/7001")[0];
    assert_eq!(
        (write.tier, write.resource.as_str()),
        (Tier::Write, "northwind-cargo/web")
    );
    assert_eq!(grants(&sink, "web/7002")[0].tier, Tier::Read);
    assert_eq!(identity(&sink, "web/7002").last_used_at, None);
    assert_eq!(identity(&sink, "web/7003").status, Status::Disabled);
}

#[test]
fn okta_service_apps_tokens_and_grants() {
    let (_, t, sink) = import("okta/apps.json", None);
    assert_eq!((t.records_read, t.identities, t.credentials), (6, 3, 2));
    assert_eq!(t.skipped, [("not a service app".to_owned(), 3)]);
    assert_eq!(
        identity(&sink, "0oa1nwsvc0001SCIM").key.account,
        "northwind.okta.com"
    );
    assert_eq!(
        identity(&sink, "0oa1nwsvc0003OLDX").status,
        Status::Disabled
    );

    let (_, t, sink) = import("okta/api-tokens.json", None);
    assert_eq!((t.identities, t.credentials), (3, 3));
    assert_eq!(
        ts(identity(&sink, "00Tnwtok0001").last_used_at).as_deref(),
        Some("2026-11-26T08:00:00Z")
    );
    let never = identity(&sink, "00Tnwtok0002");
    assert_eq!(
        (never.last_used_at, never.usage_tracked),
        (None, Some(true)),
        "expiresAt - window == created: never used"
    );
    assert_eq!(
        identity(&sink, "00Tnwtok0001").owner.as_deref(),
        Some("00unwuser0001")
    );

    let (_, t, sink) = import("okta/app-grants-nw-user-provisioner.json", None);
    assert_eq!((t.records_read, t.grants), (5, 4));
    let tiers: Vec<(&str, Tier)> = grants(&sink, "0oa1nwsvc0001SCIM")
        .iter()
        .map(|g| (g.permission.as_str(), g.tier))
        .collect();
    assert_eq!(
        tiers,
        [
            ("okta.users.manage", Tier::Write),
            ("okta.groups.manage", Tier::Write),
            ("okta.roles.manage", Tier::Admin),
            ("okta.logs.read", Tier::Read)
        ]
    );
}

#[test]
fn workspace_tokens_per_user() {
    let (_, t, sink) = import(
        "workspace/tokens-user-114477001.json",
        Some("northwind.example"),
    );
    assert_eq!((t.identities, t.credentials, t.grants), (3, 3, 5));
    let mail = grants(&sink, "-mailmerge.apps.googleusercontent.com");
    assert_eq!(
        (
            mail[0].permission.as_str(),
            mail[0].tier,
            mail[0].resource.as_str()
        ),
        ("https://mail.google.com/", Tier::Write, "user:114477001")
    );
    assert!(identity(&sink, "-mailmerge.apps.googleusercontent.com").third_party);
    assert_eq!(
        identity(&sink, "anonymous:114477001:anonymous").name,
        "An unregistered script"
    );
    let (_, t, sink) = import(
        "workspace/tokens-user-114477002.json",
        Some("northwind.example"),
    );
    assert_eq!((t.identities, t.credentials, t.grants), (2, 2, 3));
    assert_eq!(
        grants(&sink, "-admintool.apps.googleusercontent.com")[0].tier,
        Tier::Admin
    );
    // `items` omitted: zero tokens, not an error.
    let (_, t, _) = import(
        "workspace/tokens-user-114477003.json",
        Some("northwind.example"),
    );
    assert_eq!((t.records_read, t.identities), (0, 0));
}

#[test]
fn mapped_csv_with_bom_crlf_quotes_dates_never_and_secrets() {
    let (_, t, sink) = import_mapped(
        &example("saas/slack-integrations.csv"),
        &example("saas/slack.mapping.toml"),
    )
    .expect("imports");
    assert_eq!(
        (t.records_read, t.identities, t.credentials, t.grants),
        (4, 4, 4, 8)
    );
    assert_eq!(
        (t.secrets_dropped, t.dropped_fields.as_slice()),
        (3, ["Token".to_owned()].as_slice())
    );
    let jira = identity(&sink, "A02NWJIRA");
    assert_eq!(
        (jira.name.as_str(), jira.last_used_at, jira.usage_tracked),
        ("Jira Cloud, by Atlassian", None, Some(true))
    );
    assert_eq!(
        identity(&sink, "A03NWEXPORT").name,
        "Old \"Legacy\" Exporter"
    );
    assert_eq!(identity(&sink, "A03NWEXPORT").status, Status::Disabled);
    let standup = identity(&sink, "A01NWSTANDUP");
    assert_eq!(standup.name, "Standup Bot 🤖");
    assert_eq!(
        ts(standup.created_at).as_deref(),
        Some("2024-03-15T09:30:00Z")
    );
    assert_eq!(
        standup.owner.as_deref(),
        Some("tom.nakamura@northwind.example"),
        "fallback to Installed By"
    );
    let old: Vec<(&str, Tier)> = grants(&sink, "A03NWEXPORT")
        .iter()
        .map(|g| (g.permission.as_str(), g.tier))
        .collect();
    assert_eq!(
        old,
        [("admin", Tier::Admin), ("channels:history", Tier::Read)]
    );
    assert!(!format!("{:?}", sink.records).contains("NOT-A-REAL-TOKEN"));

    let (_, t, sink) = import_mapped(
        &example("saas/salesforce-oauth-tokens.csv"),
        &example("saas/salesforce.mapping.toml"),
    )
    .expect("imports");
    assert_eq!(
        (
            t.records_read,
            t.identities,
            t.credentials,
            t.secrets_dropped
        ),
        (4, 3, 4, 10)
    );
    let mobile = credentials(&sink, "0DS5e000000Nw01GAA");
    assert_eq!(mobile.len(), 2, "one app, two users' tokens");
    assert_eq!(
        mobile[0].native_id,
        "0DS5e000000Nw01GAA|0055e000004AbC1AAK|2024-02-01T09:00:00.000Z"
    );
    assert_eq!(mobile[1].last_used_at, None);
    assert!(!format!("{:?}", sink.records).contains("EXAMPLEONLY"));
}

#[test]
fn a_bad_json_value_names_its_path_and_field() {
    let path = fixture("gcp/keys-bad-date.json");
    let err = import_with(&path, ImportOptions::default()).expect_err("31 September");
    assert_eq!(err.location, Location::Path("$[1].validAfterTime".into()));
    assert_eq!(err.field.as_deref(), Some("validAfterTime"));
    assert!(err.to_string().contains("keys-bad-date.json"));
    let (_, t, sink) = import_with(
        &path,
        ImportOptions {
            skip_bad_rows: true,
            ..Default::default()
        },
    )
    .expect("the rest");
    assert_eq!((t.records_read, t.rejected, t.credentials), (5, 1, 4));
    assert_eq!(
        sink.rejects[0].location,
        Location::Path("$[1].validAfterTime".into())
    );
}

#[test]
fn a_bad_csv_date_names_its_line_and_column() {
    let err = import_mapped(
        &fixture("saas/slack-bad-date.csv"),
        &example("saas/slack.mapping.toml"),
    )
    .expect_err("month 13");
    assert_eq!(
        (err.location.clone(), err.field.as_deref()),
        (Location::Line(4), Some("Installed (UTC)"))
    );
    assert!(err.message.contains("%m/%d/%Y %H:%M"), "{}", err.message);
}

#[test]
fn a_group_policy_list_written_as_one_object_still_reads() {
    // AWS's own documentation example shows a group's AttachedManagedPolicies as an object.
    let mut doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(example("aws/authorization-details.json")).expect("read"),
    )
    .expect("json");
    doc["GroupDetailList"][0]["AttachedManagedPolicies"] = serde_json::json!({"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"});
    let mut sink = nhi_importers::VecSink::default();
    let options = ImportOptions {
        file_name: "doc.json".into(),
        ..Default::default()
    };
    let t = nhi_importers::parse_value(Format::AwsAuthorizationDetails, &doc, &options, &mut sink)
        .expect("reads");
    assert_eq!(
        t.grants,
        14 + 2,
        "each member of ci-robots gains ReadOnlyAccess via the group"
    );
    assert!(
        grants(&sink, "/svc-ci-deploy").iter().any(
            |g| g.permission == "ReadOnlyAccess" && g.via.as_deref() == Some("group:ci-robots")
        )
    );
}

#[test]
fn an_azure_secret_text_is_dropped_and_counted() {
    // `az ad app credential reset` style output pasted into a list: secretText must never pass.
    let doc = serde_json::json!([{
        "id": "0a1b2c3d-0099-4000-8000-000000000099", "appId": "a1", "displayName": "leaky",
        "appOwnerOrganizationId": "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d", "servicePrincipalType": "Application",
        "servicePrincipalNames": ["a1"], "accountEnabled": true, "keyCredentials": [],
        "passwordCredentials": [{"keyId": "k1", "secretText": "NOT-A-REAL-SECRET-nw-0099", "hint": "NOT",
            "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00Z"}]
    }]);
    let mut sink = nhi_importers::VecSink::default();
    let options = ImportOptions {
        file_name: "sp.json".into(),
        account: Some("7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d".into()),
        ..Default::default()
    };
    let t = nhi_importers::parse_value(Format::AzureServicePrincipals, &doc, &options, &mut sink)
        .expect("reads");
    assert_eq!(
        (
            t.credentials,
            t.secrets_dropped,
            t.dropped_fields.as_slice()
        ),
        (1, 1, ["secretText".to_owned()].as_slice())
    );
    assert!(!format!("{:?}", sink.records).contains("NOT-A-REAL-SECRET"));
}

#[test]
fn gcp_service_agents_and_cross_project_members_do_not_name_the_project() {
    // The example policy, plus what real policies hold: service agents of Google's services
    // (their domains name a service, not a project) and accounts of other projects.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(example("gcp/iam-policy.json")).expect("read"))
            .expect("json");
    doc["bindings"].as_array_mut().expect("bindings").push(serde_json::json!({
        "role": "roles/container.serviceAgent",
        "members": [
            "serviceAccount:service-482913775601@container-engine-robot.iam.gserviceaccount.com",
            "serviceAccount:service-482913775601@compute-system.iam.gserviceaccount.com",
            "serviceAccount:service-482913775601@dataflow-service-producer-prod.iam.gserviceaccount.com",
            "serviceAccount:ci-runner@northwind-shared.iam.gserviceaccount.com",
            "serviceAccount:service-desk@northwind-prod.iam.gserviceaccount.com"
        ]
    }));
    let mut sink = nhi_importers::VecSink::default();
    let options = ImportOptions {
        file_name: "iam-policy.json".into(),
        ..Default::default()
    };
    let t =
        nhi_importers::parse_value(Format::GcpIamPolicy, &doc, &options, &mut sink).expect("reads");
    // Five accounts of northwind-prod against one of northwind-shared: the project is told,
    // and the note says it is a majority, not the only one.
    assert!(
        t.notes[0].contains("'northwind-prod' is the project of most")
            && t.notes[0].contains("5 of 6"),
        "{:?}",
        t.notes
    );
    for agent in [
        "service-482913775601@container-engine-robot.iam.gserviceaccount.com",
        "service-482913775601@compute-system.iam.gserviceaccount.com",
        "service-482913775601@dataflow-service-producer-prod.iam.gserviceaccount.com",
    ] {
        let i = identity(&sink, agent);
        assert_eq!(
            (i.kind.as_str(), i.key.account.as_str()),
            ("service_agent", "northwind-prod"),
            "{agent}"
        );
    }
    // An account of another project stays in its own project; a user-managed account whose
    // name starts with "service-" is no agent.
    for (email, project) in [
        (
            "ci-runner@northwind-shared.iam.gserviceaccount.com",
            "northwind-shared",
        ),
        (
            "service-desk@northwind-prod.iam.gserviceaccount.com",
            "northwind-prod",
        ),
    ] {
        let member = sink
            .identities()
            .find(|i| i.key.native_id.ends_with(email))
            .unwrap_or_else(|| panic!("{email}"));
        assert_eq!(
            (member.kind.as_str(), member.key.account.as_str()),
            ("service_account", project),
            "{email}"
        );
    }
}
