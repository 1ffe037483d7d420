//! Parsers for the native identity exports of clouds and SaaS, normalised to identity →
//! credential → grant records. This crate knows nothing of SQLite or the terminal: each parser
//! reads a stream and pushes records into a [`Sink`], so memory does not grow with the file.

#![warn(missing_docs)]

pub mod aws;
pub mod azure;
pub mod detect;
pub mod error;
pub mod gcp;
pub mod github;
pub mod hashing;
pub mod json;
pub mod k8s;
pub mod lines;
pub mod mapping;
pub mod model;
pub mod okta;
pub mod time;
pub mod workspace;

pub use detect::{Format, Sniffed, detect_json, sniff};
pub use error::{ImportError, Location};
pub use model::{
    ANY_ACCOUNT, Credential, Grant, Identity, IdentityKey, Record, Reject, Sink, SinkError, Status,
    Tally, Tier, VecSink,
};

use std::io::Read;

/// What a parser may need beyond the bytes of the file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The file's name as the user gave it, for error messages only (never used to guess facts).
    pub file_name: String,
    /// The account, project, tenant, org, repository or user the file speaks for, where the
    /// file cannot say.
    pub account: Option<String>,
    /// Record bad rows as rejects and go on, instead of failing the whole file.
    pub skip_bad_rows: bool,
    /// Column mapping for [`Format::MappedCsv`].
    pub mapping: Option<mapping::Mapping>,
}

/// Parse a whole JSON document, naming the line and column of a syntax error.
pub fn read_json(bytes: &[u8], file: &str) -> Result<serde_json::Value, ImportError> {
    serde_json::from_slice(detect::strip_bom(bytes)).map_err(|e| {
        ImportError::new(
            file,
            Location::Line(e.line() as u64),
            None,
            format!("invalid JSON: {e}"),
        )
    })
}

/// Parse `input` as `format`, pushing every record into `sink`, and return the reconciliation
/// counts. CSV formats stream; JSON formats are read whole. On error nothing is promised about
/// what reached the sink: callers wrap the sink in a transaction and roll it back.
pub fn parse(
    format: Format,
    mut input: impl Read,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    match format {
        Format::AwsCredentialReport => aws::credential_report::parse_csv(input, options, sink),
        Format::MappedCsv => mapping::parse(input, options, sink),
        json_format => {
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes).map_err(|e| {
                ImportError::new(
                    &options.file_name,
                    Location::File,
                    None,
                    format!("cannot read: {e}"),
                )
            })?;
            let value = read_json(&bytes, &options.file_name)?;
            parse_value(json_format, &value, options, sink)
        }
    }
}

/// Parse an already-read JSON export.
pub fn parse_value(
    format: Format,
    value: &serde_json::Value,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    match format {
        Format::AwsCredentialReportJson => aws::credential_report::parse_json(value, options, sink),
        Format::AwsAuthorizationDetails => aws::authorization::parse(value, options, sink),
        Format::GcpServiceAccounts => gcp::service_accounts(value, options, sink),
        Format::GcpServiceAccountKeys => gcp::keys(value, options, sink),
        Format::GcpIamPolicy => gcp::iam_policy(value, options, sink),
        Format::GcpKeyFile => gcp::key_file(value, options, sink),
        Format::AzureServicePrincipals => azure::service_principals(value, options, sink),
        Format::AzureRoleAssignments => azure::role_assignments(value, options, sink),
        Format::AzureOauth2Grants => azure::oauth2_grants(value, options, sink),
        Format::K8sServiceAccounts => k8s::service_accounts(value, options, sink),
        Format::K8sRoleBindings => k8s::role_bindings(value, options, sink),
        Format::GithubInstallations => github::installations(value, options, sink),
        Format::GithubPersonalAccessTokens => github::personal_access_tokens(value, options, sink),
        Format::GithubDeployKeys => github::deploy_keys(value, options, sink),
        Format::OktaApps => okta::apps(value, options, sink),
        Format::OktaApiTokens => okta::api_tokens(value, options, sink),
        Format::OktaAppGrants => okta::app_grants(value, options, sink),
        Format::WorkspaceTokens => workspace::tokens(value, options, sink),
        Format::AwsCredentialReport | Format::MappedCsv => Err(ImportError::new(
            &options.file_name,
            Location::File,
            None,
            format!("'{}' is a CSV format, not JSON", format.name()),
        )),
    }
}
