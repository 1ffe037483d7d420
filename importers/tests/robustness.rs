//! Property tests: no input, however malformed, makes an importer panic; every bad input is an
//! error or a counted reject, and every good result reconciles.

use nhi_importers::mapping::Mapping;
use nhi_importers::{Format, ImportOptions, VecSink, parse, parse_value};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON, biased towards the keys exports use so parsers get past their first checks.
fn json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "id",
        "name",
        "email",
        "keyType",
        "validAfterTime",
        "members",
        "role",
        "bindings",
        "items",
        "kind",
        "metadata",
        "subjects",
        "roleRef",
        "permissions",
        "scope",
        "clientId",
        "scopes",
        "userKey",
        "Arn",
        "UserName",
        "RoleName",
        "CreateDate",
        "AttachedManagedPolicies",
        "Statement",
        "Action",
        "Resource",
        "passwordCredentials",
        "keyCredentials",
        "principalType",
        "principalId",
        "token_id",
        "url",
        "settings",
        "Content",
        "namespace",
        "secrets",
        "installations",
        "account",
        "login",
        "value",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "N/A",
            "2026-01-02T03:04:05Z",
            "9999-12-31T23:59:59Z",
            "serviceAccount:a@p.iam.gserviceaccount.com",
            "User",
            "ServicePrincipal",
            "write",
            "*",
            "roles/owner",
            "projects/p/serviceAccounts/a@p.iam.gserviceaccount.com/keys/k",
            "system:serviceaccount:ns:n",
            "ServiceAccount",
            "Group"
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn options(skip_bad_rows: bool) -> ImportOptions {
    ImportOptions {
        file_name: "prop".into(),
        skip_bad_rows,
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_importers_never_panic(value in json(), skip in any::<bool>()) {
        for format in Format::ALL.iter().copied().filter(|f| f.is_json()) {
            let mut sink = VecSink::default();
            if let Ok(tally) = parse_value(format, &value, &options(skip), &mut sink) {
                prop_assert!(tally.reconciles(), "{format:?}: {tally:?}");
            }
        }
    }

    #[test]
    fn the_credential_report_never_panics_on_any_bytes(body in prop::collection::vec(any::<u8>(), 0..600), skip in any::<bool>()) {
        let mut input = b"user,arn,user_creation_time,password_enabled,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n".to_vec();
        input.extend(body);
        let mut sink = VecSink::default();
        if let Ok(tally) = parse(Format::AwsCredentialReport, input.as_slice(), &options(skip), &mut sink) {
            prop_assert!(tally.reconciles(), "{tally:?}");
        }
    }

    #[test]
    fn a_mapped_csv_never_panics_on_any_rows(rows in prop::collection::vec(".{0,40}", 0..8), skip in any::<bool>()) {
        let mapping = Mapping::from_toml(
            "provider = \"p\"\naccount = \"a\"\ndate_formats = [\"%m/%d/%Y\"]\n[columns]\nid = \"App\"\ncreated = \"When\"\nscopes = \"Scopes\"\nstatus = \"S\"\n[status]\nactive = [\"on\"]\ndisabled = [\"off\"]\n",
        ).expect("mapping");
        let text = format!("App,When,Scopes,S\r\n{}", rows.join("\r\n"));
        let mut sink = VecSink::default();
        let options = ImportOptions { mapping: Some(mapping), ..options(skip) };
        if let Ok(tally) = parse(Format::MappedCsv, text.as_bytes(), &options, &mut sink) {
            prop_assert!(tally.reconciles(), "{tally:?}");
        }
    }
}
