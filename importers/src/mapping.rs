//! Any other CSV (a SaaS console's export of integrations, tokens or OAuth apps), read through
//! a column-mapping file the user writes once per SaaS. Each row is one identity (rows with the
//! same id are one identity) and one credential; each scope in the scopes cell is one grant.
//! Handles a UTF-8 BOM, CRLF, RFC 4180 quoting, headers with spaces, several date formats,
//! "never"-style words and a delimiter-separated scopes cell. Columns named secret are never read.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use csv::StringRecord;
use serde::Deserialize;

use crate::csvread::{CsvRows, RowError};
use crate::model::{
    Credential, Grant, Identity, IdentityKey, Record, Reject, Sink, Status, Tally, Tier,
};
use crate::time::parse_timestamp;
use crate::{ImportError, ImportOptions, Location};

/// One column, or fallbacks tried in order (`owner = ["Owner Email", "Installed By"]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Columns {
    /// One column.
    One(String),
    /// First non-empty of several.
    Fallbacks(Vec<String>),
}

impl Columns {
    fn names(&self) -> Vec<&str> {
        match self {
            Columns::One(c) => vec![c.as_str()],
            Columns::Fallbacks(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// Which CSV column holds each field.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMap {
    /// The identity's id in the SaaS (required).
    pub id: Columns,
    /// Display name.
    pub name: Option<Columns>,
    /// Owner (email, login).
    pub owner: Option<Columns>,
    /// Created.
    pub created: Option<Columns>,
    /// Last used.
    pub last_used: Option<Columns>,
    /// Expires.
    pub expires: Option<Columns>,
    /// Status word (see `[status]`).
    pub status: Option<Columns>,
    /// Scopes, separated by `scope_delimiter`.
    pub scopes: Option<Columns>,
    /// The user a token belongs to (the grantor), if any.
    pub user: Option<Columns>,
    /// Columns whose values, joined, identify the credential (default: id and user).
    pub credential_id: Option<Vec<String>>,
}

/// Status vocabulary.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusWords {
    /// Words meaning active.
    #[serde(default)]
    pub active: Vec<String>,
    /// Words meaning revoked, expired or disabled.
    #[serde(default)]
    pub disabled: Vec<String>,
}

/// A mapping file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Provider short name (`salesforce`, `slack`, …).
    pub provider: String,
    /// Account (org, workspace, instance).
    pub account: String,
    /// Identity kind (default `oauth_app`).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Credential kind (default `token`).
    #[serde(default = "default_credential_kind")]
    pub credential_kind: String,
    /// Identities belong to another organisation (vendor apps).
    #[serde(default)]
    pub third_party: bool,
    /// Column of each field.
    pub columns: ColumnMap,
    /// chrono formats tried in order before RFC 3339 (`%m/%d/%Y %H:%M`).
    #[serde(default)]
    pub date_formats: Vec<String>,
    /// UTC offset of dates without one (`+02:00`; default UTC).
    #[serde(default)]
    pub utc_offset: Option<String>,
    /// Cell values meaning "none" (`Never`, `-`); empty cells always do.
    #[serde(default)]
    pub null_values: Vec<String>,
    /// Separator inside the scopes cell (default `,`; items are trimmed).
    #[serde(default = "default_delimiter")]
    pub scope_delimiter: String,
    /// Status vocabulary.
    #[serde(default)]
    pub status: StatusWords,
    /// Columns holding secrets: never read, counted as dropped.
    #[serde(default)]
    pub secret_columns: Vec<String>,
    /// Tier of each scope; scopes not listed are judged by their words.
    #[serde(default)]
    pub tiers: BTreeMap<String, String>,
}

fn default_kind() -> String {
    "oauth_app".into()
}
fn default_credential_kind() -> String {
    "token".into()
}
fn default_delimiter() -> String {
    ",".into()
}

impl Mapping {
    /// Read a mapping file's text; errors name the problem and its place.
    pub fn from_toml(text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(text).map_err(|e| e.to_string())?;
        let secret = |c: &str| m.secret_columns.iter().any(|s| s.eq_ignore_ascii_case(c));
        let mut used: Vec<&str> = m.column_sets().iter().flat_map(|c| c.names()).collect();
        used.extend(m.columns.credential_id.iter().flatten().map(String::as_str));
        if let Some(c) = used.iter().find(|c| secret(c)) {
            return Err(format!(
                "column '{c}' is listed in secret_columns and mapped to a field: secrets are never read"
            ));
        }
        if let Some(off) = &m.utc_offset
            && off.parse::<FixedOffset>().is_err()
        {
            return Err(format!(
                "utc_offset '{off}' is not an offset such as +02:00"
            ));
        }
        for (scope, tier) in &m.tiers {
            if Tier::from_name(tier).is_none() {
                return Err(format!(
                    "tier '{tier}' of scope '{scope}' is not admin, write, read or unknown"
                ));
            }
        }
        Ok(m)
    }

    /// Whether a CSV whose first bytes are `prefix` has every column this mapping reads (the
    /// first of each set of fallbacks may be missing if another is there).
    pub fn matches(&self, prefix: &[u8]) -> bool {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(prefix);
        let Some(Ok(first)) = csv.records().next() else {
            return false;
        };
        let header: Vec<String> = first
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        let has = |c: &str| header.iter().any(|h| h.eq_ignore_ascii_case(c.trim()));
        self.column_sets()
            .iter()
            .all(|cols| cols.names().iter().any(|n| has(n)))
    }

    fn column_sets(&self) -> Vec<&Columns> {
        let c = &self.columns;
        [
            Some(&c.id),
            c.name.as_ref(),
            c.owner.as_ref(),
            c.user.as_ref(),
            c.created.as_ref(),
            c.last_used.as_ref(),
            c.expires.as_ref(),
            c.status.as_ref(),
            c.scopes.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn tier(&self, scope: &str) -> Tier {
        if let Some(t) = self.tiers.get(scope).and_then(|t| Tier::from_name(t)) {
            return t;
        }
        let s = scope.to_ascii_lowercase();
        if s.contains("admin") {
            Tier::Admin
        } else if ["write", "manage", "full", "send", "edit", "delete"]
            .iter()
            .any(|w| s.contains(w))
        {
            Tier::Write
        } else if ["read", "view"].iter().any(|w| s.contains(w)) {
            Tier::Read
        } else {
            Tier::Unknown
        }
    }
}

struct Reader<'a> {
    mapping: &'a Mapping,
    header: Vec<String>,
    offset: FixedOffset,
}

impl Reader<'_> {
    fn index(&self, column: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(column.trim()))
    }

    fn is_null(&self, v: &str) -> bool {
        v.trim().is_empty()
            || self
                .mapping
                .null_values
                .iter()
                .any(|n| n.eq_ignore_ascii_case(v.trim()))
    }

    /// First non-null value among the columns, with the column it came from.
    fn value<'r>(
        &self,
        row: &'r StringRecord,
        cols: Option<&Columns>,
    ) -> Option<(&'r str, String)> {
        for c in cols?.names() {
            if let Some(v) = self.index(c).and_then(|i| row.get(i))
                && !self.is_null(v)
            {
                return Some((v.trim(), c.to_owned()));
            }
        }
        None
    }

    fn time(
        &self,
        row: &StringRecord,
        cols: Option<&Columns>,
    ) -> Result<Option<DateTime<Utc>>, RowError> {
        let Some((v, column)) = self.value(row, cols) else {
            return Ok(None);
        };
        for f in &self.mapping.date_formats {
            if let Ok(n) = NaiveDateTime::parse_from_str(v, f) {
                return Ok(self
                    .offset
                    .from_local_datetime(&n)
                    .single()
                    .map(|t| t.with_timezone(&Utc)));
            }
            if let Ok(d) = NaiveDate::parse_from_str(v, f) {
                let n = d.and_hms_opt(0, 0, 0).unwrap_or_default();
                return Ok(self
                    .offset
                    .from_local_datetime(&n)
                    .single()
                    .map(|t| t.with_timezone(&Utc)));
            }
        }
        parse_timestamp(v).map_err(|_| RowError {
            field: column,
            message: format!(
                "'{v}' is not a date in any of the mapping's formats ({}) nor RFC 3339",
                if self.mapping.date_formats.is_empty() {
                    "none given".to_owned()
                } else {
                    self.mapping.date_formats.join(", ")
                }
            ),
        })
    }

    fn row(&self, row: &StringRecord) -> Result<Vec<Record>, RowError> {
        let m = self.mapping;
        let (id, _) = self
            .value(row, Some(&m.columns.id))
            .ok_or_else(|| RowError {
                field: m.columns.id.names().join(" / "),
                message: "empty: every row needs the identity's id".into(),
            })?;
        let key = IdentityKey::new(&m.provider, &m.account, id);
        let name = self
            .value(row, m.columns.name.as_ref())
            .map_or(id, |(v, _)| v);
        let mut identity = Identity::new(key.clone(), &m.kind, name);
        identity.third_party = m.third_party;
        identity.owner = self
            .value(row, m.columns.owner.as_ref())
            .map(|(v, _)| v.to_owned());
        let status_word = self.value(row, m.columns.status.as_ref());
        let active = match status_word {
            None => true,
            Some((w, column)) => {
                if m.status.disabled.iter().any(|d| d.eq_ignore_ascii_case(w)) {
                    false
                } else if m.status.active.is_empty()
                    || m.status.active.iter().any(|a| a.eq_ignore_ascii_case(w))
                {
                    true
                } else {
                    return Err(RowError {
                        field: column,
                        message: format!(
                            "status '{w}' is in neither the active nor the disabled list of the mapping"
                        ),
                    });
                }
            }
        };
        identity.status = if active {
            Status::Active
        } else {
            Status::Disabled
        };
        let created = self.time(row, m.columns.created.as_ref())?;
        let last_used = self.time(row, m.columns.last_used.as_ref())?;
        let expires = self.time(row, m.columns.expires.as_ref())?;
        let tracked = m.columns.last_used.is_some();
        identity.created_at = created;
        identity.last_used_at = last_used;
        identity.usage_tracked = Some(tracked);
        let user = self
            .value(row, m.columns.user.as_ref())
            .map(|(v, _)| v.to_owned());
        let credential_id = match &m.columns.credential_id {
            Some(cols) => cols
                .iter()
                .map(|c| self.index(c).and_then(|i| row.get(i)).unwrap_or("").trim())
                .collect::<Vec<_>>()
                .join("|"),
            None => match &user {
                Some(u) => format!("{id}|{u}"),
                None => id.to_owned(),
            },
        };
        let mut c = Credential::new(&key, &credential_id, &m.credential_kind);
        c.created_at = created;
        c.last_used_at = last_used;
        c.usage_tracked = tracked;
        c.expires_at = expires;
        c.active = active;
        c.holder = user.clone();
        let mut records = vec![Record::Identity(identity), Record::Credential(c)];
        if let Some((scopes, _)) = self.value(row, m.columns.scopes.as_ref()) {
            for scope in scopes
                .split(m.scope_delimiter.as_str())
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let resource = user
                    .as_ref()
                    .map_or_else(|| m.account.clone(), |u| format!("user:{u}"));
                records.push(Record::Grant(Grant::new(
                    &key,
                    scope,
                    &resource,
                    m.tier(scope),
                )));
            }
        }
        Ok(records)
    }
}

/// Parse a CSV through the mapping in `options`.
pub fn parse(
    input: impl Read,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let file = options.file_name.as_str();
    let mapping = options.mapping.as_ref().ok_or_else(|| {
        ImportError::new(
            file,
            Location::File,
            None,
            "a generic CSV needs its column mapping: pass --mapping FILE",
        )
    })?;
    let sink_error =
        |e: crate::SinkError| ImportError::new(file, Location::File, None, e.to_string());
    let mut rows = CsvRows::open(input, file, Box::new(Location::Line))?;
    let header = rows.header().to_vec();
    let offset = mapping
        .utc_offset
        .as_deref()
        .and_then(|o| o.parse().ok())
        .unwrap_or_else(|| Utc.fix());
    let reader = Reader {
        mapping,
        header,
        offset,
    };
    // Every mapped column must exist (at least one of each set of fallbacks).
    for cols in mapping.column_sets() {
        if !cols.names().iter().any(|n| reader.index(n).is_some()) {
            let names = cols.names().join("' or '");
            return Err(ImportError::new(
                file,
                Location::Line(1),
                Some(&names),
                format!(
                    "the mapping names column '{names}', which the header lacks (it has: {})",
                    reader.header.join(", ")
                ),
            ));
        }
    }
    let secrets: Vec<usize> = mapping
        .secret_columns
        .iter()
        .filter_map(|s| reader.index(s))
        .collect();
    let mut tally = Tally::default();
    while let Some((line, row)) = rows.next_row()? {
        let outcome = match row {
            Ok(record) if record.iter().all(|v| v.trim().is_empty()) => {
                rows.recycle(record);
                continue;
            }
            Ok(record) => {
                let out = reader.row(&record).map(|records| {
                    let dropped: Vec<String> = secrets
                        .iter()
                        .filter(|i| record.get(**i).is_some_and(|v| !v.trim().is_empty()))
                        .map(|i| reader.header[*i].clone())
                        .collect();
                    (records, dropped)
                });
                rows.recycle(record);
                out
            }
            Err(e) => Err(e),
        };
        tally.records_read += 1;
        match outcome {
            Ok((records, dropped)) => {
                tally.imported += 1;
                for name in dropped {
                    tally.drop_secret(&name);
                }
                for r in records {
                    tally.count_distinct(&r);
                    sink.record(r).map_err(sink_error)?;
                }
            }
            Err(RowError { field, message }) => {
                let field = (!field.is_empty()).then_some(field);
                if !options.skip_bad_rows {
                    return Err(ImportError::new(
                        file,
                        Location::Line(line),
                        field.as_deref(),
                        message,
                    ));
                }
                tally.rejected += 1;
                sink.reject(Reject {
                    location: Location::Line(line),
                    field,
                    message,
                })
                .map_err(sink_error)?;
            }
        }
    }
    if tally.records_read == 0 {
        return Err(ImportError::new(
            file,
            Location::Line(2),
            None,
            "the file has a header but no rows: an empty export is refused, so that it cannot mark every identity of its source gone (is the file cut short?)",
        ));
    }
    Ok(tally)
}
