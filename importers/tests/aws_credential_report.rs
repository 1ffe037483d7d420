//! The AWS credential report importer against fixture files shaped like real reports.

use std::fs::File;

use nhi_importers::time::format_utc;
use nhi_importers::{Format, ImportOptions, Location, VecSink, parse};

fn detect(bytes: &[u8]) -> Option<Format> {
    match nhi_importers::sniff(bytes) {
        nhi_importers::Sniffed::Text(f) => f,
        nhi_importers::Sniffed::Json => {
            nhi_importers::detect_json(&nhi_importers::read_json(bytes, "x").ok()?)
        }
    }
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/aws/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn import(
    name: &str,
    skip_bad_rows: bool,
) -> Result<(nhi_importers::Tally, VecSink), nhi_importers::ImportError> {
    let path = fixture(name);
    let bytes = std::fs::read(&path).expect("fixture exists");
    let format = detect(&bytes).expect("detected");
    let options = ImportOptions {
        file_name: name.into(),
        skip_bad_rows,
        ..Default::default()
    };
    let mut sink = VecSink::default();
    let tally = parse(
        format,
        File::open(&path).expect("open"),
        &options,
        &mut sink,
    )?;
    Ok((tally, sink))
}

fn ts(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(format_utc)
}

#[test]
fn only_machine_identities_are_imported_and_counts_add_up() {
    let (tally, sink) = import("credential-report.csv", false).expect("imports");
    assert_eq!(tally.records_read, 7);
    assert_eq!(
        tally.identities, 4,
        "svc-ci-deploy, svc-backup, svc-legacy-ftp, svc-no-keys"
    );
    assert_eq!(
        tally.humans_skipped, 2,
        "ana.ruiz (has a key too) and bob.okafor"
    );
    assert_eq!(tally.skipped, [("root".to_owned(), 1)], "the root row");
    assert_eq!(tally.rejected, 0);
    assert_eq!(tally.imported, 4);
    assert!(tally.reconciles());
    let names: Vec<&str> = sink.identities().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "svc-ci-deploy",
            "svc-backup",
            "svc-legacy-ftp",
            "svc-no-keys"
        ]
    );
    assert!(
        sink.identities()
            .all(|i| i.key.account == "555566667777" && i.kind == "iam_user")
    );
    // Humans' keys are not credentials here.
    assert_eq!(
        tally.credentials, 6,
        "2 + 2 + key and certificate of svc-legacy-ftp"
    );
    assert_eq!(sink.credentials().count(), 6);
    assert!(
        sink.credentials()
            .all(|c| !c.identity.native_id.contains("ana.ruiz"))
    );
}

#[test]
fn each_key_sits_in_its_slot_with_rotation_and_last_use_as_in_the_file() {
    let (_, sink) = import("credential-report.csv", false).expect("imports");
    let creds: Vec<_> = sink
        .credentials()
        .filter(|c| c.identity.native_id.ends_with("/svc-ci-deploy"))
        .collect();
    assert_eq!(creds.len(), 2);
    assert_eq!(creds[0].native_id, "access_key_1");
    assert!(creds[0].active);
    assert_eq!(
        ts(creds[0].created_at).as_deref(),
        Some("2026-08-01T00:00:00Z")
    );
    assert_eq!(
        ts(creds[0].last_used_at).as_deref(),
        Some("2026-11-26T03:14:00Z")
    );
    assert_eq!(
        creds[0].last_used_where.as_deref(),
        Some("cloudformation in eu-west-1")
    );
    // An inactive key keeps its rotation date (reality, not the docs).
    assert_eq!(creds[1].native_id, "access_key_2");
    assert!(!creds[1].active);
    assert_eq!(
        ts(creds[1].created_at).as_deref(),
        Some("2024-03-02T11:00:00Z")
    );
}

#[test]
fn never_used_keys_have_no_last_use_and_global_services_no_region() {
    let (_, sink) = import("credential-report.csv", false).expect("imports");
    let backup: Vec<_> = sink
        .credentials()
        .filter(|c| c.identity.native_id.ends_with("/svc-backup"))
        .collect();
    assert_eq!(backup[0].native_id, "access_key_1");
    assert_eq!(backup[0].last_used_at, None, "N/A means never used");
    assert!(backup[0].usage_tracked);
    assert!(backup[0].active, "TRUE in upper case is true");
    assert_eq!(
        backup[1].last_used_where.as_deref(),
        Some("iam"),
        "region N/A for a global service"
    );
    let identity = sink
        .identities()
        .find(|i| i.name == "svc-backup")
        .expect("present");
    assert_eq!(
        ts(identity.last_used_at).as_deref(),
        Some("2026-11-25T01:00:00Z"),
        "latest key use"
    );
}

#[test]
fn certificates_have_unknown_usage_and_keyless_users_no_credentials() {
    let (_, sink) = import("credential-report.csv", false).expect("imports");
    let cert = sink
        .credentials()
        .find(|c| c.kind == "signing_certificate")
        .expect("svc-legacy-ftp has a certificate");
    assert_eq!(cert.native_id, "cert_1");
    assert!(
        !cert.usage_tracked,
        "the report does not track certificate use"
    );
    let no_keys = sink
        .identities()
        .find(|i| i.name == "svc-no-keys")
        .expect("present");
    assert_eq!(no_keys.last_used_at, None);
    assert_eq!(
        sink.credentials()
            .filter(|c| c.identity == no_keys.key)
            .count(),
        0
    );
}

#[test]
fn the_json_form_gives_exactly_what_the_csv_gives() {
    let (csv_tally, csv_sink) = import("credential-report.csv", false).expect("csv");
    let (json_tally, json_sink) = import("credential-report.json", false).expect("json");
    assert_eq!(csv_tally, json_tally);
    assert_eq!(csv_sink.records, json_sink.records);
    let bytes = std::fs::read(fixture("credential-report.json")).expect("read");
    assert_eq!(detect(&bytes), Some(Format::AwsCredentialReportJson));
}

#[test]
fn a_bad_date_names_the_line_and_the_field() {
    let err = import("bad-date.csv", false).expect_err("month 13");
    assert_eq!(err.location, Location::Line(4));
    assert_eq!(err.field.as_deref(), Some("user_creation_time"));
    let text = err.to_string();
    assert!(
        text.starts_with("'bad-date.csv' line 4, field 'user_creation_time'"),
        "{text}"
    );
}

#[test]
fn a_bad_row_is_rejected_and_counted_with_skip_bad_rows() {
    let (tally, sink) = import("bad-date.csv", true).expect("imports the rest");
    assert_eq!(tally.rejected, 1);
    assert_eq!(tally.identities, 3);
    assert_eq!(tally.records_read, 7);
    assert_eq!(sink.rejects[0].location, Location::Line(4));
    assert_eq!(sink.rejects[0].field.as_deref(), Some("user_creation_time"));
}

#[test]
fn a_wrong_header_names_the_missing_column() {
    let err = import("bad-header.csv", false).expect_err("renamed column");
    assert_eq!(err.location, Location::Line(1));
    assert_eq!(err.field.as_deref(), Some("access_key_1_last_rotated"));
}

#[test]
fn a_truncated_file_names_the_short_line() {
    let err = import("truncated.csv", false).expect_err("cut short");
    assert_eq!(err.location, Location::Line(5));
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn a_bom_and_crlf_do_not_matter() {
    let text = std::fs::read_to_string(fixture("credential-report.csv")).expect("read");
    let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    let options = ImportOptions {
        file_name: "crlf.csv".into(),
        ..Default::default()
    };
    let mut sink = VecSink::default();
    let format = detect(crlf.as_bytes()).expect("detected");
    let tally = parse(format, crlf.as_bytes(), &options, &mut sink).expect("imports");
    assert_eq!(tally.identities, 4);
}
