//! Shared helpers: import a file the way the CLI does (detect by content, then parse) into a
//! `VecSink`, and look records up.
#![allow(dead_code)]

use std::path::PathBuf;

use nhi_importers::mapping::Mapping;
use nhi_importers::{
    Credential, Format, Grant, Identity, ImportError, ImportOptions, Sniffed, Tally, VecSink,
    detect_json, parse, parse_value, read_json, sniff,
};

/// A file of the bundled example organisation.
pub fn example(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(path)
}

/// A test fixture.
pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// The format the CLI would detect for this file.
pub fn detect_file(path: &PathBuf) -> Option<Format> {
    let bytes = std::fs::read(path).expect("file exists");
    match sniff(&bytes) {
        Sniffed::Json => detect_json(&read_json(&bytes, "x").expect("valid JSON")),
        Sniffed::Text(f) => f,
    }
}

/// Import with options.
pub fn import_with(
    path: &PathBuf,
    options: ImportOptions,
) -> Result<(Format, Tally, VecSink), ImportError> {
    let bytes = std::fs::read(path).expect("file exists");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = ImportOptions {
        file_name: name,
        ..options
    };
    let mut sink = VecSink::default();
    let (format, tally) = match sniff(&bytes) {
        Sniffed::Json => {
            let value = read_json(&bytes, &options.file_name)?;
            let format = detect_json(&value).expect("a known JSON format");
            (format, parse_value(format, &value, &options, &mut sink)?)
        }
        Sniffed::Text(Some(format)) => (
            format,
            parse(format, bytes.as_slice(), &options, &mut sink)?,
        ),
        Sniffed::Text(None) => (
            Format::MappedCsv,
            parse(Format::MappedCsv, bytes.as_slice(), &options, &mut sink)?,
        ),
    };
    assert!(tally.reconciles(), "counts do not add up: {tally:?}");
    Ok((format, tally, sink))
}

/// Import an example with an account.
pub fn import(path: &str, account: Option<&str>) -> (Format, Tally, VecSink) {
    let options = ImportOptions {
        account: account.map(str::to_owned),
        ..Default::default()
    };
    import_with(&example(path), options).expect("imports")
}

/// Import a CSV through a mapping file.
pub fn import_mapped(
    csv: &PathBuf,
    mapping: &PathBuf,
) -> Result<(Format, Tally, VecSink), ImportError> {
    let m = Mapping::from_toml(&std::fs::read_to_string(mapping).expect("mapping"))
        .expect("valid mapping");
    import_with(
        csv,
        ImportOptions {
            mapping: Some(m),
            ..Default::default()
        },
    )
}

/// The described identity whose native id ends with `suffix`.
pub fn identity<'a>(sink: &'a VecSink, suffix: &str) -> &'a Identity {
    sink.identities()
        .find(|i| !i.reference_only && i.key.native_id.ends_with(suffix))
        .unwrap_or_else(|| panic!("no identity ending in {suffix}"))
}

/// Credentials of identities whose native id ends with `suffix`.
pub fn credentials<'a>(sink: &'a VecSink, suffix: &str) -> Vec<&'a Credential> {
    sink.credentials()
        .filter(|c| c.identity.native_id.ends_with(suffix))
        .collect()
}

/// Grants of identities whose native id ends with `suffix`.
pub fn grants<'a>(sink: &'a VecSink, suffix: &str) -> Vec<&'a Grant> {
    sink.grants()
        .filter(|g| g.identity.native_id.ends_with(suffix))
        .collect()
}

/// Time as printed.
pub fn ts(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(nhi_importers::time::format_utc)
}
