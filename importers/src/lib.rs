//! Parsers for the native identity exports of clouds and SaaS, normalised to identity →
//! credential → grant records. This crate knows nothing of SQLite or the terminal: each parser
//! reads a stream and pushes records into a [`Sink`], so memory does not grow with the file.

#![warn(missing_docs)]

pub mod aws;
pub mod azure;
pub mod csvread;
pub mod detect;
pub mod error;
pub mod gcp;
pub mod github;
pub mod hashing;
pub mod json;
pub mod k8s;
pub mod limits;
pub mod lines;
pub mod mapping;
pub mod model;
pub mod okta;
pub mod stream;
pub mod time;
pub mod workspace;

pub use detect::{Format, Sniffed, check_text, detect_json, detect_json_prefix, sniff};
pub use error::{ImportError, Location};
pub use model::{
    ANY_ACCOUNT, Credential, Grant, Identity, IdentityKey, Record, Reject, Sink, SinkError, Status,
    Tally, Tier, Trust, VecSink,
};

use std::io::{Cursor, Read};

use json::Emitter;
use serde_json::Value;
use stream::{ItemSink, Limits, Root};

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
    /// Let the store mark more than half of a scope's identities gone (`--accept-removals`);
    /// without it such an import stops and changes nothing. Parsers ignore it.
    pub accept_removals: bool,
}

/// Parse a whole JSON document (within [`limits::MAX_DOCUMENT_BYTES`]), naming the line of a
/// syntax error; an object with a key twice is refused.
pub fn read_json(bytes: &[u8], file: &str) -> Result<serde_json::Value, ImportError> {
    stream::read_document(bytes, file, Limits::DOCUMENT)
}

/// A JSON export read as a stream of items.
pub(crate) trait ListFormat: ItemSink {
    /// The counts, once every item is in; `root` says how the top of the file looked.
    fn finish(self: Box<Self>, root: &Root) -> Result<Tally, ImportError>;
    /// Whether a file without its list is still this format (an export that omits an empty
    /// list); the format checks the rest itself.
    fn list_optional(&self) -> bool {
        false
    }
}

/// The streaming reader of a JSON list format, or `None` for formats read whole.
fn list_format<'a>(format: Format, em: Emitter<'a>) -> Option<Box<dyn ListFormat + 'a>> {
    Some(match format {
        Format::GcpServiceAccounts => Box::new(gcp::ServiceAccounts::new(em)),
        Format::GcpServiceAccountKeys => Box::new(gcp::Keys::new(em)),
        Format::AzureServicePrincipals => Box::new(azure::ServicePrincipals::new(em)),
        Format::AzureRoleAssignments => Box::new(azure::RoleAssignments::new(em)),
        Format::AzureOauth2Grants => Box::new(azure::Oauth2Grants::new(em)),
        Format::K8sServiceAccounts => Box::new(k8s::ServiceAccounts::new(em)),
        Format::K8sRoleBindings => Box::new(k8s::RoleBindings::new(em)),
        Format::GithubInstallations => Box::new(github::Installations::new(em)),
        Format::GithubPersonalAccessTokens => Box::new(github::PersonalAccessTokens::new(em)),
        Format::GithubDeployKeys => Box::new(github::DeployKeys::new(em)),
        Format::OktaApps => Box::new(okta::Apps::new(em)),
        Format::OktaApiTokens => Box::new(okta::ApiTokens::new(em)),
        Format::OktaAppGrants => Box::new(okta::AppGrants::new(em)),
        Format::WorkspaceTokens => Box::new(workspace::Tokens::new(em)),
        _ => return None,
    })
}

/// Refuse a file whose top is not the format's list (a bare array, or an object with one of
/// the format's list keys).
fn check_root(
    format: Format,
    lf: &dyn ListFormat,
    root: &Root,
    file: &str,
) -> Result<(), ImportError> {
    if root.array || root.list_key.is_some() || lf.list_optional() {
        return Ok(());
    }
    let keys = lf.list_keys();
    let expected = if keys.is_empty() {
        "a JSON list ([…])".to_owned()
    } else {
        format!(
            "a JSON list, or an object holding it under {}",
            keys.iter()
                .map(|k| format!("'{k}'"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    Err(ImportError::new(
        file,
        Location::Path("$".into()),
        None,
        format!(
            "not {} ({}): expected {expected}",
            format.name(),
            format.describe()
        ),
    ))
}

/// Parse `input` as `format`, pushing every record into `sink`, and return the reconciliation
/// counts. CSV and JSON lists stream (memory stays flat however long the file); the few JSON
/// exports whose parts refer to each other are read whole, within
/// [`limits::MAX_DOCUMENT_BYTES`]. Text that is not UTF-8 (UTF-16, binary) is refused first.
/// On error nothing is promised about what reached the sink: callers wrap the sink in a
/// transaction and roll it back.
pub fn parse(
    format: Format,
    mut input: impl Read,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let file = options.file_name.as_str();
    let mut prefix = Vec::with_capacity(detect::SNIFF_LEN);
    (&mut input)
        .take(detect::SNIFF_LEN as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| ImportError::new(file, Location::File, None, format!("cannot read: {e}")))?;
    check_text(&prefix).map_err(|m| ImportError::new(file, Location::File, None, m))?;
    let input = Cursor::new(prefix).chain(input);
    match format {
        Format::AwsCredentialReport => aws::credential_report::parse_csv(input, options, sink),
        Format::MappedCsv => mapping::parse(input, options, sink),
        Format::AwsCredentialReportJson => {
            let limits = Limits {
                max_string: limits::MAX_EMBEDDED_REPORT_BYTES,
                ..Limits::DOCUMENT
            };
            let value = stream::read_document(input, file, limits)?;
            aws::credential_report::parse_json(&value, options, sink)
        }
        other if other.read_whole() => {
            let value = stream::read_document(input, file, Limits::DOCUMENT)?;
            parse_value(other, &value, options, sink)
        }
        other => {
            let em = Emitter::new(options, sink);
            let Some(mut lf) = list_format(other, em) else {
                return Err(no_reader(other, file));
            };
            let root = stream::stream(input, file, &mut *lf)?;
            check_root(other, &*lf, &root, file)?;
            lf.finish(&root)
        }
    }
}

fn no_reader(format: Format, file: &str) -> ImportError {
    ImportError::new(
        file,
        Location::File,
        None,
        format!("'{}' has no JSON reader", format.name()),
    )
}

/// Parse an export already in memory (tests, small tools): the same readers as [`parse`].
pub fn parse_value(
    format: Format,
    value: &Value,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let file = options.file_name.as_str();
    match format {
        Format::AwsCredentialReportJson => {
            return aws::credential_report::parse_json(value, options, sink);
        }
        Format::AwsCredentialReport | Format::MappedCsv => {
            return Err(ImportError::new(
                file,
                Location::File,
                None,
                format!("'{}' is a CSV format, not JSON", format.name()),
            ));
        }
        _ => {}
    }
    let mut em = Emitter::new(options, sink);
    match format {
        Format::AwsAuthorizationDetails => {
            aws::authorization::parse(value, &mut em)?;
            Ok(em.tally)
        }
        Format::GcpIamPolicy => {
            gcp::iam_policy(value, &mut em)?;
            Ok(em.finish_parts())
        }
        Format::GcpKeyFile => {
            gcp::key_file(value, &mut em)?;
            Ok(em.finish_parts())
        }
        list => {
            let Some(mut lf) = list_format(list, em) else {
                return Err(no_reader(list, file));
            };
            let root = stream::feed(value.clone(), file, &mut *lf)?;
            check_root(list, &*lf, &root, file)?;
            lf.finish(&root)
        }
    }
}
