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

    /// Whether one file covers one object (a service account, user, app or repository) rather
    /// than a whole account.
    pub fn per_object(self) -> bool {
        matches!(
            self,
            Format::GcpServiceAccountKeys
                | Format::GcpKeyFile
                | Format::OktaAppGrants
                | Format::WorkspaceTokens
                | Format::GithubDeployKeys
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

    /// Whether the format is JSON (read whole) rather than CSV (streamed).
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
    /// JSON: read it whole, then tell the format with [`detect_json`].
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

/// Tell a JSON export's format from its structure.
pub fn detect_json(root: &Value) -> Option<Format> {
    let has = |v: &Value, k: &str| v.get(k).is_some();
    if let Value::Object(_) = root {
        if has(root, "Content") && (has(root, "ReportFormat") || has(root, "GeneratedTime")) {
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
        if has(root, "installations") && has(root, "total_count") {
            return Some(Format::GithubInstallations);
        }
        if root.get("kind").and_then(Value::as_str) == Some("admin#directory#tokenList") {
            return Some(Format::WorkspaceTokens);
        }
        if let Some(Value::Array(items)) = root.get("items") {
            let kinds: Vec<&str> = items
                .iter()
                .filter_map(|i| i.get("kind").and_then(Value::as_str))
                .collect();
            let list_kind = root.get("kind").and_then(Value::as_str).unwrap_or("");
            if list_kind == "ServiceAccountList"
                || (!kinds.is_empty() && kinds.iter().all(|k| *k == "ServiceAccount"))
            {
                return Some(Format::K8sServiceAccounts);
            }
            if matches!(list_kind, "ClusterRoleBindingList" | "RoleBindingList")
                || (!kinds.is_empty()
                    && kinds
                        .iter()
                        .all(|k| *k == "ClusterRoleBinding" || *k == "RoleBinding"))
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

/// Drop a UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
