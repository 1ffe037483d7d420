//! One fuzz target per importer: proptest mutates a valid export of the format (flipped,
//! deleted, inserted, duplicated bytes, a cut) and feeds it to detection and to the importer.
//! Nothing may panic; whatever imports must reconcile. Bounded for `cargo test` (48 cases per
//! importer); run longer on demand, e.g. `PROPTEST_CASES=20000 cargo test -p nhi-importers
//! --release --test fuzz`. A crash found joins tests/corpus/ (README there).

mod common;

use nhi_importers::mapping::Mapping;
use nhi_importers::{Format, ImportOptions, Sniffed, VecSink, detect_json_prefix, parse, sniff};
use proptest::prelude::*;

/// One edit of the bytes.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize, usize),
    Cut(usize),
}

/// Bytes that matter to JSON and CSV, and a few that break encodings.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        prop::sample::select(b"{}[]\",:\n\r\\%09aPDZ -".to_vec()),
        Just(0xE9u8),
        Just(0xFFu8),
        Just(0u8),
        any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), byte()).prop_map(|(p, b)| Edit::Set(p, b)),
        (any::<usize>(), 1..64usize).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), prop::collection::vec(byte(), 1..8)).prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 1..256usize, any::<usize>())
            .prop_map(|(p, n, q)| Edit::Duplicate(p, n, q)),
        any::<usize>().prop_map(Edit::Cut),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Set(p, b) => {
                if !bytes.is_empty() {
                    bytes[p % len] = *b;
                }
            }
            Edit::Delete(p, n) => {
                let start = p % len;
                let end = (start + n).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Edit::Insert(p, b) => {
                let at = (p % len).min(bytes.len());
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Duplicate(p, n, q) => {
                let start = p % len;
                let end = (start + n).min(bytes.len());
                if start < end {
                    let slice = bytes[start..end].to_vec();
                    let at = (q % len).min(bytes.len());
                    bytes.splice(at..at, slice);
                }
            }
            Edit::Cut(p) => bytes.truncate(p % len),
        }
    }
    bytes
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48)
}

/// Feed mutated `bytes` of `format` to detection and to the importer, with and without
/// `--skip-bad-rows`.
fn exercise(format: Format, bytes: &[u8], mapping: Option<&Mapping>) -> Result<(), TestCaseError> {
    if sniff(bytes) == Sniffed::Json {
        let _ = detect_json_prefix(&bytes[..bytes.len().min(64 * 1024)], "fuzz");
    }
    for skip in [false, true] {
        let options = ImportOptions {
            file_name: "fuzz".into(),
            skip_bad_rows: skip,
            mapping: mapping.cloned(),
            ..Default::default()
        };
        let mut sink = VecSink::default();
        if let Ok(tally) = parse(format, bytes, &options, &mut sink) {
            prop_assert!(tally.reconciles(), "{format:?}: {tally:?}");
            prop_assert_eq!(sink.rejects.len() as u64, tally.rejected);
        }
    }
    Ok(())
}

macro_rules! fuzz_target {
    ($name:ident, $format:expr, $seed:expr) => {
        fuzz_target!($name, $format, $seed, None);
    };
    ($name:ident, $format:expr, $seed:expr, $mapping:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]
            #[test]
            fn $name(edits in prop::collection::vec(edit(), 1..6)) {
                let seed = std::fs::read($seed).expect("seed");
                let mapping: Option<Mapping> = $mapping.map(|m: &str| {
                    Mapping::from_toml(&std::fs::read_to_string(common::example(m)).expect("mapping"))
                        .expect("valid mapping")
                });
                exercise($format, &apply(seed, &edits), mapping.as_ref())?;
            }
        }
    };
}

fuzz_target!(
    aws_credential_report,
    Format::AwsCredentialReport,
    common::example("aws/credential-report.csv")
);
fuzz_target!(
    aws_credential_report_json,
    Format::AwsCredentialReportJson,
    common::fixture("aws/credential-report.json")
);
fuzz_target!(
    aws_authorization_details,
    Format::AwsAuthorizationDetails,
    common::fixture("aws/authorization-details-acme.json")
);
fuzz_target!(
    gcp_service_accounts,
    Format::GcpServiceAccounts,
    common::example("gcp/service-accounts.json")
);
fuzz_target!(
    gcp_service_account_keys,
    Format::GcpServiceAccountKeys,
    common::example("gcp/keys-etl-loader.json")
);
fuzz_target!(
    gcp_iam_policy,
    Format::GcpIamPolicy,
    common::example("gcp/iam-policy.json")
);
fuzz_target!(
    gcp_key_file,
    Format::GcpKeyFile,
    common::example("gcp/key-file-etl-loader.json")
);
fuzz_target!(
    azure_service_principals,
    Format::AzureServicePrincipals,
    common::example("azure/service-principals.json")
);
fuzz_target!(
    azure_role_assignments,
    Format::AzureRoleAssignments,
    common::example("azure/role-assignments.json")
);
fuzz_target!(
    azure_oauth2_grants,
    Format::AzureOauth2Grants,
    common::example("azure/oauth2-permission-grants.json")
);
fuzz_target!(
    k8s_service_accounts,
    Format::K8sServiceAccounts,
    common::example("k8s/serviceaccounts.json")
);
fuzz_target!(
    k8s_role_bindings,
    Format::K8sRoleBindings,
    common::fixture("k8s/rolebindings.json")
);
fuzz_target!(
    github_installations,
    Format::GithubInstallations,
    common::example("github/installations.json")
);
fuzz_target!(
    github_personal_access_tokens,
    Format::GithubPersonalAccessTokens,
    common::example("github/personal-access-tokens.json")
);
fuzz_target!(
    github_deploy_keys,
    Format::GithubDeployKeys,
    common::example("github/deploy-keys-web.json")
);
fuzz_target!(
    okta_apps,
    Format::OktaApps,
    common::example("okta/apps.json")
);
fuzz_target!(
    okta_api_tokens,
    Format::OktaApiTokens,
    common::example("okta/api-tokens.json")
);
fuzz_target!(
    okta_app_grants,
    Format::OktaAppGrants,
    common::example("okta/app-grants-nw-user-provisioner.json")
);
fuzz_target!(
    workspace_tokens,
    Format::WorkspaceTokens,
    common::example("workspace/tokens-user-114477001.json")
);
fuzz_target!(
    mapped_csv,
    Format::MappedCsv,
    common::example("saas/slack-integrations.csv"),
    Some("saas/slack.mapping.toml")
);
