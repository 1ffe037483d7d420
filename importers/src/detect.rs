//! Telling formats apart by content, never by file name.

/// Every export format this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// AWS IAM credential report, CSV as downloaded.
    AwsCredentialReport,
    /// `aws iam get-credential-report --output json` (base64 `Content`).
    AwsCredentialReportJson,
}

impl Format {
    /// All formats, in the order they are listed to users.
    pub const ALL: &'static [Format] =
        &[Format::AwsCredentialReport, Format::AwsCredentialReportJson];

    /// The name used by `--format` and stored with each source file.
    pub fn name(self) -> &'static str {
        match self {
            Format::AwsCredentialReport => "aws-credential-report",
            Format::AwsCredentialReportJson => "aws-credential-report-json",
        }
    }

    /// Formats that describe the same source share a family: a newer export of the same family
    /// and account replaces the older one (what it lacks is marked gone).
    pub fn family(self) -> &'static str {
        match self {
            Format::AwsCredentialReport | Format::AwsCredentialReportJson => {
                "aws-credential-report"
            }
        }
    }

    /// Provider short name.
    pub fn provider(self) -> &'static str {
        match self {
            Format::AwsCredentialReport | Format::AwsCredentialReportJson => "aws",
        }
    }

    /// Where the export comes from, for the list of supported formats.
    pub fn describe(self) -> &'static str {
        match self {
            Format::AwsCredentialReport => "AWS IAM credential report (CSV)",
            Format::AwsCredentialReportJson => {
                "AWS IAM credential report as printed by 'aws iam get-credential-report' (JSON)"
            }
        }
    }

    /// Look a format up by its `--format` name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// One line per format: `name — description`.
    pub fn supported_list() -> String {
        Format::ALL
            .iter()
            .map(|f| format!("  {:<28} {}", f.name(), f.describe()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// How many leading bytes [`detect`] wants to see.
pub const SNIFF_LEN: usize = 64 * 1024;

/// Guess the format from the first bytes of a file (up to [`SNIFF_LEN`]).
pub fn detect(prefix: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(strip_bom(prefix));
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return detect_json(trimmed);
    }
    let first_line = trimmed.lines().next().unwrap_or("");
    let header: Vec<String> = first_line
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    if header.len() >= 3 && header[0] == "user" && header[1] == "arn" {
        return Some(Format::AwsCredentialReport);
    }
    None
}

fn detect_json(text: &str) -> Option<Format> {
    // The credential report JSON is a small object; its first key (sorted) is "Content".
    if text.starts_with('{')
        && (has_key(text, "ReportFormat") || first_key(text) == Some("Content"))
    {
        return Some(Format::AwsCredentialReportJson);
    }
    None
}

/// Whether `"key"` followed by a colon appears in the text.
fn has_key(text: &str, key: &str) -> bool {
    let needle = format!("\"{key}\"");
    text.match_indices(&needle)
        .any(|(i, _)| text[i + needle.len()..].trim_start().starts_with(':'))
}

/// The first key of a JSON object, when it is a plain string.
fn first_key(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('{')?.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(&rest[..end])
}

/// Drop a UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_report_by_header() {
        let csv = b"user,arn,user_creation_time,password_enabled\n";
        assert_eq!(detect(csv), Some(Format::AwsCredentialReport));
        assert_eq!(
            detect(b"\xEF\xBB\xBFuser,arn,x\n"),
            Some(Format::AwsCredentialReport)
        );
    }

    #[test]
    fn credential_report_json_by_keys() {
        let json = br#"{"Content": "dXNlcg==", "ReportFormat": "text/csv"}"#;
        assert_eq!(detect(json), Some(Format::AwsCredentialReportJson));
        let pretty = b"{\n    \"Content\": \"dXNlcg==\"";
        assert_eq!(detect(pretty), Some(Format::AwsCredentialReportJson));
    }

    #[test]
    fn unknown_shapes_are_none() {
        assert_eq!(detect(br#"{"an": ["unknown", "shape"]}"#), None);
        assert_eq!(detect(b"name,email\nx,y\n"), None);
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(*f));
        }
    }
}
