//! Telling formats apart by content, never by file name.

use serde_json::Value;

/// Every export format this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// AWS IAM credential report, CSV as downloaded.
    AwsCredentialReport,
    /// `aws iam get-credential-report --output json` (base64 `Content`).
    AwsCredentialReportJson,
    /// `aws iam get-account-authorization-details`.
    AwsAuthorizationDetails,
    /// `gcloud iam service-accounts list --format=json`.
    GcpServiceAccounts,
    /// `gcloud iam service-accounts keys list --format=json`.
    GcpServiceAccountKeys,
    /// `gcloud projects get-iam-policy --format=json`.
    GcpIamPolicy,
    /// A downloaded service-account key file (holds a private key, which is dropped).
    GcpKeyFile,
    /// `az ad sp list --all`.
    AzureServicePrincipals,
    /// `az role assignment list --all`.
    AzureRoleAssignments,
    /// Graph `oauth2PermissionGrants`.
    AzureOauth2Grants,
    /// `kubectl get serviceaccounts -A -o json`.
    K8sServiceAccounts,
    /// `kubectl get clusterrolebindings,rolebindings -A -o json`.
    K8sRoleBindings,
    /// GitHub `GET /orgs/{org}/installations`.
    GithubInstallations,
    /// GitHub `GET /orgs/{org}/personal-access-tokens`.
    GithubPersonalAccessTokens,
    /// GitHub `GET /repos/{owner}/{repo}/keys`.
    GithubDeployKeys,
    /// Okta `GET /api/v1/apps`.
    OktaApps,
    /// Okta `GET /api/v1/api-tokens`.
    OktaApiTokens,
    /// Okta `GET /api/v1/apps/{appId}/grants`.
    OktaAppGrants,
    /// Google Workspace Directory `tokens.list`.
    WorkspaceTokens,
    /// Any CSV, read through a column-mapping file.
    MappedCsv,
}

impl Format {
    /// All formats, in the order they are listed to users.
    pub const ALL: &'static [Format] = &[
        Format::AwsCredentialReport,
        Format::AwsCredentialReportJson,
        Format::AwsAuthorizationDetails,
        Format::GcpServiceAccounts,
        Format::GcpServiceAccountKeys,
        Format::GcpIamPolicy,
        Format::GcpKeyFile,
        Format::AzureServicePrincipals,
        Format::AzureRoleAssignments,
        Format::AzureOauth2Grants,
        Format::K8sServiceAccounts,
        Format::K8sRoleBindings,
        Format::GithubInstallations,
        Format::GithubPersonalAccessTokens,
        Format::GithubDeployKeys,
        Format::OktaApps,
        Format::OktaApiTokens,
        Format::OktaAppGrants,
        Format::WorkspaceTokens,
        Format::MappedCsv,
    ];

    /// The name used by `--format` and stored with each source file.
    pub fn name(self) -> &'static str {
        match self {
            Format::AwsCredentialReport => "aws-credential-report",
            Format::AwsCredentialReportJson => "aws-credential-report-json",
            Format::AwsAuthorizationDetails => "aws-authorization-details",
            Format::GcpServiceAccounts => "gcp-service-accounts",
            Format::GcpServiceAccountKeys => "gcp-service-account-keys",
            Format::GcpIamPolicy => "gcp-iam-policy",
            Format::GcpKeyFile => "gcp-key-file",
            Format::AzureServicePrincipals => "azure-service-principals",
            Format::AzureRoleAssignments => "azure-role-assignments",
            Format::AzureOauth2Grants => "azure-oauth2-grants",
            Format::K8sServiceAccounts => "k8s-service-accounts",
            Format::K8sRoleBindings => "k8s-role-bindings",
            Format::GithubInstallations => "github-installations",
            Format::GithubPersonalAccessTokens => "github-personal-access-tokens",
            Format::GithubDeployKeys => "github-deploy-keys",
            Format::OktaApps => "okta-apps",
            Format::OktaApiTokens => "okta-api-tokens",
            Format::OktaAppGrants => "okta-app-grants",
            Format::WorkspaceTokens => "workspace-oauth-tokens",
            Format::MappedCsv => "mapped-csv",
        }
    }

    /// Formats that describe the same source share a family: a newer export of the same family
    /// and account replaces the older one (what it lacks is marked gone).
    pub fn family(self) -> &'static str {
        match self {
            Format::AwsCredentialReport | Format::AwsCredentialReportJson => {
                "aws-credential-report"
            }
            other => other.name(),
        }
    }

    /// Whether a JSON export is read whole (its parts refer to each other, so it cannot
    /// stream), within [`MAX_DOCUMENT_BYTES`](crate::limits::MAX_DOCUMENT_BYTES).
    pub fn read_whole(self) -> bool {
        matches!(
            self,
            Format::AwsCredentialReportJson
                | Format::AwsAuthorizationDetails
                | Format::GcpIamPolicy
                | Format::GcpKeyFile
        )
    }

    /// Provider short name.
    pub fn provider(self) -> &'static str {
        match self {
            Format::AwsCredentialReport
            | Format::AwsCredentialReportJson
            | Format::AwsAuthorizationDetails => "aws",
            Format::GcpServiceAccounts
            | Format::GcpServiceAccountKeys
            | Format::GcpIamPolicy
            | Format::GcpKeyFile => "gcp",
            Format::AzureServicePrincipals
            | Format::AzureRoleAssignments
            | Format::AzureOauth2Grants => "azure",
            Format::K8sServiceAccounts | Format::K8sRoleBindings => "k8s",
            Format::GithubInstallations
            | Format::GithubPersonalAccessTokens
            | Format::GithubDeployKeys => "github",
            Format::OktaApps | Format::OktaApiTokens | Format::OktaAppGrants => "okta",
            Format::WorkspaceTokens => "workspace",
            Format::MappedCsv => "csv",
        }
    }

    /// Whether the format is JSON rather than CSV.
    pub fn is_json(self) -> bool {
        !matches!(self, Format::AwsCredentialReport | Format::MappedCsv)
    }

    /// Where the export comes from, for the list of supported formats.
    pub fn describe(self) -> &'static str {
        match self {
            Format::AwsCredentialReport => "AWS IAM credential report (CSV)",
            Format::AwsCredentialReportJson => "aws iam get-credential-report --output json",
            Format::AwsAuthorizationDetails => {
                "aws iam get-account-authorization-details --output json"
            }
            Format::GcpServiceAccounts => "gcloud iam service-accounts list --format=json",
            Format::GcpServiceAccountKeys => {
                "gcloud iam service-accounts keys list --iam-account=SA --format=json"
            }
            Format::GcpIamPolicy => "gcloud projects get-iam-policy PROJECT --format=json",
            Format::GcpKeyFile => {
                "a downloaded GCP service-account key file (the private key is dropped)"
            }
            Format::AzureServicePrincipals => "az ad sp list --all --output json",
            Format::AzureRoleAssignments => {
                "az role assignment list --all --include-inherited --output json"
            }
            Format::AzureOauth2Grants => "Microsoft Graph GET /v1.0/oauth2PermissionGrants",
            Format::K8sServiceAccounts => "kubectl get serviceaccounts -A -o json",
            Format::K8sRoleBindings => "kubectl get clusterrolebindings,rolebindings -A -o json",
            Format::GithubInstallations => "GitHub GET /orgs/ORG/installations",
            Format::GithubPersonalAccessTokens => "GitHub GET /orgs/ORG/personal-access-tokens",
            Format::GithubDeployKeys => "GitHub GET /repos/OWNER/REPO/keys",
            Format::OktaApps => "Okta GET /api/v1/apps",
            Format::OktaApiTokens => "Okta GET /api/v1/api-tokens",
            Format::OktaAppGrants => "Okta GET /api/v1/apps/APP/grants",
            Format::WorkspaceTokens => "Google Workspace Directory GET /users/USER/tokens",
            Format::MappedCsv => "any other CSV, with --mapping FILE (see README)",
        }
    }

    /// Look a format up by its `--format` name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// One line per format: `name  description`.
    pub fn supported_list() -> String {
        Format::ALL
            .iter()
            .map(|f| format!("  {:<30} {}", f.name(), f.describe()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// How many leading bytes [`sniff`] wants to see.
pub const SNIFF_LEN: usize = 64 * 1024;

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// JSON: tell the format from its first items with [`detect_json_prefix`].
    Json,
    /// CSV (or other text): the format its header shows, if any.
    Text(Option<Format>),
}

/// Look at the first bytes (up to [`SNIFF_LEN`]) of a file.
pub fn sniff(prefix: &[u8]) -> Sniffed {
    let text = String::from_utf8_lossy(strip_bom(prefix));
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Sniffed::Json;
    }
    let first_line = trimmed.lines().next().unwrap_or("");
    let header: Vec<String> = first_line
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    if header.len() >= 3 && header[0] == "user" && header[1] == "arn" {
        return Sniffed::Text(Some(Format::AwsCredentialReport));
    }
    Sniffed::Text(None)
}

/// Whether the items' kinds are all among `wanted`. Detection sees the start of a file: its
/// last item's kind may be cut short there (`"Serv`), and is then taken for the kind it begins,
/// provided a whole kind came before it. (`kubectl … -o json` sorts the list's own `kind` after
/// its items, so in a large export the items are all detection sees.)
fn kinds_are(kinds: &[&str], wanted: &[&str]) -> bool {
    let Some((last, whole)) = kinds.split_last() else {
        return false;
    };
    let whole_match = whole.iter().all(|k| wanted.contains(k));
    if wanted.contains(last) {
        return whole_match;
    }
    whole_match && !whole.is_empty() && wanted.iter().any(|w| w.starts_with(last))
}

/// Tell a JSON export's format from its structure.
pub fn detect_json(root: &Value) -> Option<Format> {
    let has = |v: &Value, k: &str| v.get(k).is_some();
    if let Value::Object(_) = root {
        // The CLI prints Content first: in a long report the other keys come after the prefix
        // detection sees, so the content itself (base64 of, or plain, "user,arn") tells too.
        let report_content = root
            .get("Content")
            .and_then(Value::as_str)
            .is_some_and(|c| {
                let c = c.trim_start();
                c.starts_with("dXNlcixhcm4s") || c.starts_with("user,arn,")
            });
        if has(root, "Content")
            && (has(root, "ReportFormat") || has(root, "GeneratedTime") || report_content)
        {
            return Some(Format::AwsCredentialReportJson);
        }
        if [
            "UserDetailList",
            "RoleDetailList",
            "GroupDetailList",
            "Policies",
        ]
        .iter()
        .any(|k| has(root, k))
        {
            return Some(Format::AwsAuthorizationDetails);
        }
        if root.get("type").and_then(Value::as_str) == Some("service_account")
            && has(root, "client_email")
        {
            return Some(Format::GcpKeyFile);
        }
        if root.get("bindings").is_some_and(Value::is_array) {
            return Some(Format::GcpIamPolicy);
        }
        let first_of = |k: &str| {
            root.get(k)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
        };
        // `jq -S` and some tools sort keys, putting total_count or kind after a long list.
        if has(root, "installations")
            && (has(root, "total_count")
                || first_of("installations")
                    .is_some_and(|i| has(i, "app_id") || has(i, "app_slug")))
        {
            return Some(Format::GithubInstallations);
        }
        if root.get("kind").and_then(Value::as_str) == Some("admin#directory#tokenList")
            || first_of("items")
                .and_then(|i| i.get("kind"))
                .and_then(Value::as_str)
                == Some("admin#directory#token")
        {
            return Some(Format::WorkspaceTokens);
        }
        if let Some(Value::Array(items)) = root.get("items") {
            let kinds: Vec<&str> = items
                .iter()
                .filter_map(|i| i.get("kind").and_then(Value::as_str))
                .collect();
            let list_kind = root.get("kind").and_then(Value::as_str).unwrap_or("");
            if list_kind == "ServiceAccountList" || kinds_are(&kinds, &["ServiceAccount"]) {
                return Some(Format::K8sServiceAccounts);
            }
            if matches!(list_kind, "ClusterRoleBindingList" | "RoleBindingList")
                || kinds_are(&kinds, &["ClusterRoleBinding", "RoleBinding"])
            {
                return Some(Format::K8sRoleBindings);
            }
        }
    }
    // Lists: a bare array, or the array inside a known envelope.
    let list = match root {
        Value::Array(a) => Some(a),
        Value::Object(_) => ["value", "accounts", "keys"]
            .iter()
            .find_map(|k| root.get(*k).and_then(Value::as_array)),
        _ => None,
    }?;
    let first = list.first()?;
    let name = first.get("name").and_then(Value::as_str).unwrap_or("");
    let checks: &[(Format, &[&str])] = &[
        (Format::AzureServicePrincipals, &["servicePrincipalType"]),
        (
            Format::AzureServicePrincipals,
            &["appId", "servicePrincipalNames"],
        ),
        (
            Format::AzureRoleAssignments,
            &["roleDefinitionId", "principalId"],
        ),
        (
            Format::AzureOauth2Grants,
            &["consentType", "clientId", "resourceId"],
        ),
        (Format::GcpServiceAccountKeys, &["keyType"]),
        (
            Format::GcpServiceAccountKeys,
            &["validAfterTime", "keyAlgorithm"],
        ),
        (Format::GcpServiceAccounts, &["email", "uniqueId"]),
        (
            Format::GithubPersonalAccessTokens,
            &["token_id", "access_granted_at"],
        ),
        (Format::GithubDeployKeys, &["key", "read_only"]),
        (Format::OktaApiTokens, &["tokenWindow", "clientName"]),
        (Format::OktaAppGrants, &["scopeId", "clientId", "issuer"]),
        (Format::OktaApps, &["signOnMode", "label"]),
    ];
    for (format, keys) in checks {
        if keys.iter().all(|k| has(first, k)) {
            return Some(*format);
        }
    }
    if name.contains("/serviceAccounts/") && name.contains("/keys/") {
        return Some(Format::GcpServiceAccountKeys);
    }
    None
}

/// Tell a JSON export's format from the start of the file (up to [`SNIFF_LEN`] bytes), so the
/// rest can stream. A syntax error or a broken limit within that start is reported as the
/// file's error; `Ok(None)` is a shape of no known format.
pub fn detect_json_prefix(prefix: &[u8], file: &str) -> Result<Option<Format>, crate::ImportError> {
    if let Some(whole) = crate::stream::check_prefix(prefix, file)? {
        return Ok(detect_json(&whole));
    }
    Ok(crate::stream::partial(prefix).and_then(|v| detect_json(&v)))
}

/// Refuse, with a message that says what the file is, input that is not UTF-8 text: an empty
/// file, UTF-16 or UTF-32 (with or without a byte-order mark), or binary data (a compressed
/// archive, a spreadsheet, a database). `prefix` is the start of the file (up to [`SNIFF_LEN`]).
pub fn check_text(prefix: &[u8]) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("the file is empty (0 bytes): export it again".into());
    }
    if prefix.iter().all(u8::is_ascii_whitespace) {
        return Err("the file holds only blank space: export it again".into());
    }
    let boms: &[(&[u8], &str)] = &[
        (b"\xFF\xFE\x00\x00", "UTF-32 (little-endian)"),
        (b"\x00\x00\xFE\xFF", "UTF-32 (big-endian)"),
        (b"\xFF\xFE", "UTF-16 (little-endian)"),
        (b"\xFE\xFF", "UTF-16 (big-endian)"),
    ];
    for (bom, name) in boms {
        if prefix.starts_with(bom) {
            return Err(format!(
                "the file is {name} text with a byte-order mark, not UTF-8: convert it first, e.g. 'iconv -f {} -t UTF-8 FILE > FILE.utf8' (PowerShell writes UTF-16 unless told '-Encoding utf8')",
                name.split(' ').next().unwrap_or("UTF-16")
            ));
        }
    }
    let magics: &[(&[u8], &str)] = &[
        (
            b"\x1F\x8B",
            "gzip-compressed data: decompress it first (gunzip)",
        ),
        (
            b"PK\x03\x04",
            "a ZIP archive (an .xlsx workbook is one): export the data as CSV or JSON, or unzip it first",
        ),
        (b"%PDF", "a PDF document: export the data as CSV or JSON"),
        (b"SQLite format 3\x00", "an SQLite database, not an export"),
        (b"\x89PNG", "a PNG image"),
        (
            b"\xFD7zXZ\x00",
            "xz-compressed data: decompress it first (unxz)",
        ),
        (b"7z\xBC\xAF", "a 7-Zip archive: extract it first"),
        (b"\x7FELF", "a program (ELF binary)"),
        (
            b"\xD0\xCF\x11\xE0",
            "an old Office document (.xls): export the data as CSV",
        ),
    ];
    for (magic, what) in magics {
        if prefix.starts_with(magic) {
            return Err(format!("the file is {what}"));
        }
    }
    if let Some(at) = prefix.iter().position(|b| *b == 0) {
        // Every other byte zero: UTF-16 text that lost its byte-order mark.
        let pairs = prefix.len().min(512) / 2;
        let odd_zero = (0..pairs).filter(|i| prefix[2 * i + 1] == 0).count();
        let even_zero = (0..pairs).filter(|i| prefix[2 * i] == 0).count();
        if pairs > 0 && (odd_zero * 10 >= pairs * 9 || even_zero * 10 >= pairs * 9) {
            let order = if odd_zero >= even_zero {
                "little"
            } else {
                "big"
            };
            return Err(format!(
                "the file looks like UTF-16 ({order}-endian) text without a byte-order mark, not UTF-8: convert it first, e.g. 'iconv -f UTF-16{} -t UTF-8 FILE > FILE.utf8'",
                if order == "little" { "LE" } else { "BE" }
            ));
        }
        return Err(format!(
            "the file is binary data, not a text export (a NUL byte at offset {at})"
        ));
    }
    Ok(())
}

/// Drop a UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A large `kubectl get … -o json` list seen up to the sniffed length: wherever the cut
    /// falls, even inside an item's `kind`, the format is told.
    #[test]
    fn a_kubernetes_list_is_told_wherever_the_sniffed_start_ends() {
        for (kind, format) in [
            ("ServiceAccount", Format::K8sServiceAccounts),
            ("RoleBinding", Format::K8sRoleBindings),
        ] {
            let items: Vec<Value> = (0..400)
                .map(|i| {
                    json!({"apiVersion": "v1", "kind": kind,
                           "metadata": {"name": format!("sa-{i:04}"), "namespace": "apps",
                                        "uid": format!("00000000-0000-0000-0000-{i:012}")}})
                })
                .collect();
            let text = serde_json::to_string_pretty(&json!({
                "apiVersion": "v1", "items": items, "kind": "List", "metadata": {}
            }))
            .expect("json");
            assert!(text.len() > SNIFF_LEN, "longer than what detection reads");
            // Cut inside the kind of some item past the first, at every offset of the value.
            let at = text[2000..]
                .find(&format!("\"kind\": \"{kind}\""))
                .expect("kind")
                + 2000;
            for cut in at..at + kind.len() + 12 {
                let found = detect_json_prefix(&text.as_bytes()[..cut], "list.json").expect("ok");
                assert_eq!(found, Some(format), "cut at {cut}: {:?}", &text[at..cut]);
            }
        }
    }

    #[test]
    fn credential_report_by_header() {
        let csv = b"user,arn,user_creation_time,password_enabled\n";
        assert_eq!(sniff(csv), Sniffed::Text(Some(Format::AwsCredentialReport)));
        assert_eq!(
            sniff(b"\xEF\xBB\xBFuser,arn,x\n"),
            Sniffed::Text(Some(Format::AwsCredentialReport))
        );
        assert_eq!(sniff(b"  {\"a\":1}"), Sniffed::Json);
    }

    #[test]
    fn json_shapes() {
        let cases = [
            (
                json!({"Content": "dXNlcg==", "ReportFormat": "text/csv"}),
                Some(Format::AwsCredentialReportJson),
            ),
            (
                json!({"UserDetailList": [], "RoleDetailList": []}),
                Some(Format::AwsAuthorizationDetails),
            ),
            (
                json!({"bindings": [], "etag": "x"}),
                Some(Format::GcpIamPolicy),
            ),
            (
                json!([{"email": "a@p.iam.gserviceaccount.com", "uniqueId": "1"}]),
                Some(Format::GcpServiceAccounts),
            ),
            (
                json!({"accounts": [{"email": "a", "uniqueId": "1"}]}),
                Some(Format::GcpServiceAccounts),
            ),
            (
                json!({"apiVersion": "v1", "items": [{"kind": "ServiceAccount"}], "kind": "List"}),
                Some(Format::K8sServiceAccounts),
            ),
            (
                json!({"items": [{"kind": "RoleBinding"}, {"kind": "ClusterRoleBinding"}], "kind": "List"}),
                Some(Format::K8sRoleBindings),
            ),
            (json!({"an": ["unknown", "shape"]}), None),
            (json!([]), None),
        ];
        for (value, want) in cases {
            assert_eq!(detect_json(&value), want, "{value}");
        }
    }

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(*f));
        }
    }
}
