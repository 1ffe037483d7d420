//! Writes a synthetic `az ad sp list --all --output json` export of about N megabytes to standard
//! output, for the JSON memory benchmark (BENCHMARKS.md): az's shape (a bare array, sorted keys,
//! two-space indent), one secret and one certificate per application, every tenth a managed
//! identity. All ids, names and dates are invented.
//!
//! `cargo run --release -p nhi-importers --example gen_service_principals -- 1024 > /tmp/sp.json`

use std::io::{BufWriter, Write};

const TENANT: &str = "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d";

fn main() -> std::io::Result<()> {
    let megabytes: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(16);
    let target = megabytes * 1024 * 1024;
    let out = std::io::stdout();
    let mut w = BufWriter::new(out.lock());
    let mut written = 0u64;
    w.write_all(b"[\n")?;
    let mut i = 0u64;
    while written < target {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        let item = principal(i);
        written += item.len() as u64 + 2;
        w.write_all(item.as_bytes())?;
        i += 1;
    }
    w.write_all(b"\n]\n")?;
    w.flush()
}

fn principal(i: u64) -> String {
    let id = format!("0a1b2c3d-{:04x}-4000-8000-{:012x}", i >> 48, i);
    let app = format!("a1b2c3d4-{:04x}-4111-8111-{:012x}", i >> 48, i);
    let managed = i % 10 == 9;
    let name = format!("bench-app-{i:08}");
    let day = 1 + i % 28;
    let month = 1 + (i / 28) % 12;
    let (kind, owner, secrets) = if managed {
        ("ManagedIdentity", "null".to_owned(), String::new())
    } else {
        (
            "Application",
            format!("\"{TENANT}\""),
            format!(
                r#"
    {{
      "customKeyIdentifier": null,
      "displayName": "ci-secret",
      "endDateTime": "2027-{month:02}-{day:02}T10:00:00Z",
      "hint": "Qx7",
      "keyId": "11111111-aaaa-4aaa-8aaa-{i:012x}",
      "secretText": null,
      "startDateTime": "2026-{month:02}-{day:02}T10:00:00Z"
    }}
  "#
            ),
        )
    };
    format!(
        r#"{{
  "accountEnabled": true,
  "addIns": [],
  "alternativeNames": [],
  "appDescription": null,
  "appDisplayName": "{name}",
  "appId": "{app}",
  "appOwnerOrganizationId": {owner},
  "appRoleAssignmentRequired": false,
  "appRoles": [],
  "createdDateTime": "2024-{month:02}-{day:02}T10:00:00Z",
  "deletedDateTime": null,
  "description": null,
  "displayName": "{name}",
  "homepage": null,
  "id": "{id}",
  "info": {{
    "logoUrl": null
  }},
  "keyCredentials": [
    {{
      "customKeyIdentifier": null,
      "displayName": "CN={name}",
      "endDateTime": "2027-{month:02}-{day:02}T00:00:00Z",
      "key": null,
      "keyId": "22222222-bbbb-4bbb-8bbb-{i:012x}",
      "startDateTime": "2025-{month:02}-{day:02}T00:00:00Z",
      "type": "AsymmetricX509Cert",
      "usage": "Verify"
    }}
  ],
  "notes": "Owner: team-{team}@bench.example",
  "passwordCredentials": [{secrets}],
  "servicePrincipalNames": [
    "{app}"
  ],
  "servicePrincipalType": "{kind}",
  "signInAudience": "AzureADMyOrg",
  "tags": []
}}"#,
        team = i % 40
    )
}
