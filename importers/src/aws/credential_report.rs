//! AWS IAM credential report: the CSV as downloaded, and the JSON that
//! `aws iam get-credential-report` prints with the CSV base64-encoded in `Content`.
//!
//! Rules (reference §3.1): the `<root_account>` row is the root, neither person nor machine;
//! any other row with `password_enabled` true is a person; the rest are machine identities. A key
//! or certificate slot holds a credential iff its `*_last_rotated` is not `N/A`. Sentinels are
//! null. The report holds no secrets.

use std::io::Read;

use base64::Engine;
use chrono::{DateTime, Utc};
use csv::StringRecord;

use crate::csvread::{CsvRows, RowError};
use crate::model::{Credential, Identity, IdentityKey, Record, Reject, Sink, Status, Tally};
use crate::time::{parse_bool, parse_timestamp};
use crate::{ImportError, ImportOptions, Location};

/// The columns this importer reads; a report missing any of them is refused.
const COLUMNS: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// Position of each needed column in the file's header.
struct Columns(Vec<usize>);

impl Columns {
    fn from_header(header: &[String]) -> Result<Self, &'static str> {
        let names: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
        COLUMNS
            .iter()
            .map(|want| names.iter().position(|n| n == want).ok_or(*want))
            .collect::<Result<Vec<_>, _>>()
            .map(Columns)
    }
}

/// A cell lookup bound to one row.
struct Row<'a> {
    record: &'a StringRecord,
    columns: &'a Columns,
}

impl Row<'_> {
    fn get(&self, name: &str) -> &str {
        let idx = COLUMNS
            .iter()
            .position(|c| *c == name)
            .map(|i| self.columns.0[i]);
        idx.and_then(|i| self.record.get(i)).unwrap_or("").trim()
    }

    fn time(&self, name: &str) -> Result<Option<DateTime<Utc>>, RowError> {
        parse_timestamp(self.get(name)).map_err(|message| RowError {
            field: name.into(),
            message,
        })
    }

    fn flag(&self, name: &str) -> Result<Option<bool>, RowError> {
        parse_bool(self.get(name)).map_err(|message| RowError {
            field: name.into(),
            message,
        })
    }
}

/// How one row is classified.
enum RowKind {
    Root,
    Human(IdentityKey),
    Machine(Identity, Vec<Credential>),
}

fn classify(row: &Row) -> Result<RowKind, RowError> {
    let user = row.get("user");
    let arn = row.get("arn");
    if user.is_empty() {
        return Err(RowError {
            field: "user".into(),
            message: "empty user name".into(),
        });
    }
    let Some(account) = super::account_of_arn(arn) else {
        return Err(RowError {
            field: "arn".into(),
            message: format!(
                "'{arn}' is not an IAM ARN (expected arn:aws:iam::<12-digit account>:…)"
            ),
        });
    };
    if user == "<root_account>" {
        return Ok(RowKind::Root);
    }
    match row.flag("password_enabled")? {
        Some(true) => {
            return Ok(RowKind::Human(IdentityKey::new("aws", account, arn)));
        }
        Some(false) => {}
        None => {
            return Err(RowError {
                field: "password_enabled".into(),
                message: format!(
                    "'{}' on a user row (expected true or false; only the root row may say not_supported)",
                    row.get("password_enabled")
                ),
            });
        }
    }
    let key = IdentityKey {
        provider: "aws".into(),
        account: account.into(),
        native_id: arn.into(),
    };
    let mut credentials = Vec::new();
    for slot in ["access_key_1", "access_key_2", "cert_1", "cert_2"] {
        let rotated_field = format!("{slot}_last_rotated");
        let rotated = row.get(&rotated_field);
        if rotated.eq_ignore_ascii_case("n/a") || rotated.is_empty() {
            continue;
        }
        let created_at = row.time(&rotated_field)?;
        let active_field = format!("{slot}_active");
        let Some(active) = row.flag(&active_field)? else {
            return Err(RowError {
                field: active_field,
                message: "slot has a rotation date but no true/false active flag".into(),
            });
        };
        let is_key = slot.starts_with("access_key");
        let (last_used_at, last_used_where) = if is_key {
            let used = row.time(&format!("{slot}_last_used_date"))?;
            let service = non_sentinel(row.get(&format!("{slot}_last_used_service")));
            let region = non_sentinel(row.get(&format!("{slot}_last_used_region")));
            let place = match (service, region) {
                (Some(s), Some(r)) => Some(format!("{s} in {r}")),
                (Some(s), None) => Some(s.to_owned()),
                (None, Some(r)) => Some(r.to_owned()),
                (None, None) => None,
            };
            (used, place)
        } else {
            (None, None)
        };
        credentials.push(Credential {
            identity: key.clone(),
            native_id: slot.to_owned(),
            kind: if is_key {
                "access_key"
            } else {
                "signing_certificate"
            }
            .to_owned(),
            created_at,
            last_used_at,
            // The report tracks access-key use only; certificate use is unknown, not "never".
            usage_tracked: is_key,
            last_used_where,
            expires_at: None,
            active,
            platform_managed: false,
            holder: None,
            reference_only: false,
        });
    }
    let last_used_at = credentials.iter().filter_map(|c| c.last_used_at).max();
    // An active certificate may be in use without the report knowing: then last use is unknown.
    let usage_tracked = !credentials.iter().any(|c| c.active && !c.usage_tracked);
    let identity = Identity {
        key,
        kind: "iam_user".into(),
        name: user.into(),
        owner: None,
        status: Status::Active,
        created_at: row.time("user_creation_time")?,
        last_used_at,
        usage_tracked: Some(usage_tracked),
        unused_within_days: None,
        trust: None,
        third_party: false,
        reference_only: false,
    };
    Ok(RowKind::Machine(identity, credentials))
}

fn non_sentinel(s: &str) -> Option<&str> {
    (!crate::time::is_sentinel(s)).then_some(s)
}

/// Parse the CSV report from a stream.
pub fn parse_csv(
    input: impl Read,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    parse_lines(input, options, sink, Box::new(Location::Line))
}

/// Parse the JSON that `aws iam get-credential-report` prints: decode `Content`, then read it as
/// the CSV. The CLI's JSON holds the whole report in one string (AWS caps IAM users at 5,000 per
/// account, so it stays small); the CSV form streams. Tools that decode the content for you
/// leave the CSV text itself in `Content`: that is read as it is.
pub fn parse_json(
    root: &serde_json::Value,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let file = options.file_name.as_str();
    let at = |field: &str| Location::Path(format!("$.{field}"));
    if !root.is_object() {
        return Err(ImportError::new(
            file,
            at(""),
            None,
            "not aws-credential-report-json: expected an object with 'Content'",
        ));
    }
    if let Some(fmt) = root.get("ReportFormat").and_then(|v| v.as_str())
        && fmt != "text/csv"
    {
        return Err(ImportError::new(
            file,
            at("ReportFormat"),
            Some("ReportFormat"),
            format!("'{fmt}' is not supported (expected text/csv)"),
        ));
    }
    let content = root
        .get("Content")
        .and_then(|v| v.as_str())
        .ok_or_else(|| {
            ImportError::new(
                file,
                at("Content"),
                Some("Content"),
                "missing, or not a string (expected the report, base64-encoded)",
            )
        })?;
    let plain = content.trim_start();
    let csv = if plain.starts_with("user,arn,") || plain.starts_with("\u{feff}user,arn,") {
        plain.as_bytes().to_vec()
    } else {
        let compact: String = content
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|e| {
                ImportError::new(
                    file,
                    at("Content"),
                    Some("Content"),
                    format!(
                        "neither the report's CSV text nor valid base64 of it ({e}): expected what 'aws iam get-credential-report --output json' prints"
                    ),
                )
            })?
    };
    crate::detect::check_text(&csv[..csv.len().min(crate::detect::SNIFF_LEN)]).map_err(|m| {
        ImportError::new(
            file,
            at("Content"),
            Some("Content"),
            format!("the decoded report: {m}"),
        )
    })?;
    parse_lines(
        csv.as_slice(),
        options,
        sink,
        Box::new(|line| Location::Embedded {
            path: "$.Content".into(),
            line,
        }),
    )
}

fn parse_lines(
    input: impl Read,
    options: &ImportOptions,
    sink: &mut dyn Sink,
    at: Box<dyn Fn(u64) -> Location>,
) -> Result<Tally, ImportError> {
    let file = options.file_name.as_str();
    let sink_error =
        |e: crate::SinkError| ImportError::new(file, Location::File, None, e.to_string());
    let mut rows = CsvRows::open(input, file, Box::new(at))?;
    let columns = Columns::from_header(rows.header()).map_err(|missing| {
        ImportError::new(
            file,
            rows.location(1),
            Some(missing),
            "missing from the header: is this an unmodified AWS credential report?",
        )
    })?;
    let mut tally = Tally::default();
    while let Some((line, row)) = rows.next_row()? {
        tally.records_read += 1;
        let outcome = row.and_then(|record| {
            let out = classify(&Row {
                record: &record,
                columns: &columns,
            });
            rows.recycle(record);
            out
        });
        let location = rows.location(line);
        match outcome {
            Ok(RowKind::Root) => tally.skip("root"),
            Ok(RowKind::Human(key)) => {
                tally.humans_skipped += 1;
                sink.person(key).map_err(sink_error)?;
            }
            Ok(RowKind::Machine(identity, credentials)) => {
                tally.imported += 1;
                let records = std::iter::once(Record::Identity(identity))
                    .chain(credentials.into_iter().map(Record::Credential));
                for record in records {
                    tally.count(&record);
                    sink.record(record).map_err(sink_error)?;
                }
            }
            Err(RowError { field, message }) => {
                let field = (!field.is_empty()).then_some(field);
                if !options.skip_bad_rows {
                    return Err(ImportError::new(file, location, field.as_deref(), message));
                }
                tally.rejected += 1;
                sink.reject(Reject {
                    location,
                    field,
                    message,
                })
                .map_err(sink_error)?;
            }
        }
    }
    if rows.rows == 0 {
        return Err(ImportError::new(
            file,
            rows.location(2),
            None,
            "the report has a header but no rows: every credential report has at least the <root_account> row; is the file cut short?",
        ));
    }
    Ok(tally)
}
