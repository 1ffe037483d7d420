//! The limits every import enforces while it reads, so that a hostile or broken file is refused
//! with a message instead of exhausting memory or storing a field nobody can display. The README
//! ("What is imported", *Limits*) states them.

/// Largest CSV field or JSON string (1 MiB). Real exports hold ids, names, dates and policy
/// documents (an IAM policy is at most 10 KB): a bigger value is an error, never stored.
pub const MAX_FIELD_BYTES: usize = 1024 * 1024;

/// Most columns in a CSV header or row.
pub const MAX_COLUMNS: usize = 512;

/// Largest CSV row (4 MiB): enforced while the row is read, so an endless line stops here.
pub const MAX_ROW_BYTES: u64 = 4 * 1024 * 1024;

/// Deepest JSON nesting. Exports nest a few levels (a policy inside a role inside a list).
pub const MAX_JSON_DEPTH: usize = 64;

/// Largest single item of a streamed JSON list (16 MiB): one service principal, binding or
/// token. The list itself may be any length.
pub const MAX_ITEM_BYTES: u64 = 16 * 1024 * 1024;

/// Largest JSON export that cannot be streamed because its parts refer to each other (AWS
/// authorization details, a GCP IAM policy, a key file, the credential report's JSON), 64 MiB:
/// the largest AWS account (5,000 users and roles) writes a fraction of that.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Largest `Content` string of `aws iam get-credential-report --output json` (16 MiB): the
/// whole report base64-encoded in one string (5,000 users make about 2.5 MB).
pub const MAX_EMBEDDED_REPORT_BYTES: usize = 16 * 1024 * 1024;

/// A byte count for messages: `1 MiB`, `16 MiB`, `512 KiB`, `300 bytes`.
pub fn human(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn sizes_read_well() {
        assert_eq!(human(1024 * 1024), "1 MiB");
        assert_eq!(human(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(human(64 * 1024), "64 KiB");
        assert_eq!(human(300), "300 bytes");
    }
}
