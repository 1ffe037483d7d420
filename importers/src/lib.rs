//! Parsers for the native identity exports of clouds and SaaS, normalised to identity →
//! credential → grant records. This crate knows nothing of SQLite or the terminal: each parser
//! reads a stream and pushes records into a [`Sink`], so memory does not grow with the file.

pub mod aws;
pub mod detect;
pub mod error;
pub mod hashing;
pub mod model;
pub mod time;

pub use detect::{Format, detect};
pub use error::{ImportError, Location};
pub use model::{
    Credential, Grant, Identity, IdentityKey, Record, Reject, Sink, SinkError, Status, Tally, Tier,
    VecSink,
};

use std::io::Read;

/// What a parser may need beyond the bytes of the file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The file's name as the user gave it, for error messages only (never used to guess facts).
    pub file_name: String,
    /// The account, project or tenant the file speaks for, where the file cannot say.
    pub account: Option<String>,
    /// Record bad rows as rejects and go on, instead of failing the whole file.
    pub skip_bad_rows: bool,
}

/// Parse `input` as `format`, pushing every record into `sink`, and return the reconciliation
/// counts. On error nothing is promised about what reached the sink: callers wrap the sink in a
/// transaction and roll it back.
pub fn parse(
    format: Format,
    input: impl Read,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    match format {
        Format::AwsCredentialReport => aws::credential_report::parse_csv(input, options, sink),
        Format::AwsCredentialReportJson => aws::credential_report::parse_json(input, options, sink),
    }
}
