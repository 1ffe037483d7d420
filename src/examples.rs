//! The bundled example organisation, Northwind Cargo (all values invented), embedded so `demo`
//! works from any directory. Each file is imported the way its README section says, with the
//! account the export itself does not name.

/// One example export.
pub struct ExampleFile {
    /// Path under the repository, shown as the file name.
    pub path: &'static str,
    /// Contents.
    pub text: &'static str,
    /// `--account` for exports that do not name theirs.
    pub account: Option<&'static str>,
    /// Column mapping, for generic CSVs.
    pub mapping: Option<&'static str>,
}

macro_rules! example {
    ($path:literal) => {
        ExampleFile {
            path: $path,
            text: include_str!(concat!("../", $path)),
            account: None,
            mapping: None,
        }
    };
    ($path:literal, account = $account:literal) => {
        ExampleFile {
            path: $path,
            text: include_str!(concat!("../", $path)),
            account: Some($account),
            mapping: None,
        }
    };
    ($path:literal, mapping = $mapping:literal) => {
        ExampleFile {
            path: $path,
            text: include_str!(concat!("../", $path)),
            account: None,
            mapping: Some(include_str!(concat!("../", $mapping))),
        }
    };
}

/// Every example export, in import order (the credential report first, so that people listed
/// in the authorization details are known as people).
pub const FILES: &[ExampleFile] = &[
    example!("examples/aws/credential-report.csv"),
    example!("examples/aws/authorization-details.json"),
    example!("examples/gcp/service-accounts.json"),
    example!("examples/gcp/keys-etl-loader.json"),
    example!("examples/gcp/keys-ci-deployer.json"),
    example!("examples/gcp/iam-policy.json", account = "northwind-prod"),
    example!("examples/gcp/key-file-etl-loader.json"),
    example!(
        "examples/azure/service-principals.json",
        account = "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d"
    ),
    example!(
        "examples/azure/role-assignments.json",
        account = "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d"
    ),
    example!(
        "examples/azure/oauth2-permission-grants.json",
        account = "7d1c5e2a-4b3f-4e8a-9c6d-2f1e0a9b8c7d"
    ),
    example!("examples/k8s/serviceaccounts.json", account = "nw-prod-eks"),
    example!("examples/k8s/rolebindings.json", account = "nw-prod-eks"),
    example!("examples/github/installations.json"),
    example!(
        "examples/github/personal-access-tokens.json",
        account = "northwind-cargo"
    ),
    example!("examples/github/deploy-keys-web.json"),
    example!("examples/okta/apps.json"),
    example!("examples/okta/api-tokens.json"),
    example!("examples/okta/app-grants-nw-user-provisioner.json"),
    example!(
        "examples/workspace/tokens-user-114477001.json",
        account = "northwind.example"
    ),
    example!(
        "examples/workspace/tokens-user-114477002.json",
        account = "northwind.example"
    ),
    example!(
        "examples/workspace/tokens-user-114477003.json",
        account = "northwind.example"
    ),
    example!(
        "examples/saas/salesforce-oauth-tokens.csv",
        mapping = "examples/saas/salesforce.mapping.toml"
    ),
    example!(
        "examples/saas/slack-integrations.csv",
        mapping = "examples/saas/slack.mapping.toml"
    ),
];

/// Import every example file into `store` the way its README section says: the one code path
/// shared by `demo` and the tests.
pub fn import_all(
    store: &mut crate::db::Store,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<crate::db::ImportReport>> {
    use crate::commands::{ImportInput, import_one};
    FILES
        .iter()
        .map(|example| {
            let mapping = example
                .mapping
                .map(nhi_importers::mapping::Mapping::from_toml)
                .transpose()
                .map_err(|e| anyhow::anyhow!("example mapping of '{}': {e}", example.path))?;
            let options = nhi_importers::ImportOptions {
                account: example.account.map(str::to_owned),
                mapping,
                ..Default::default()
            };
            let input = ImportInput {
                name: example.path.to_owned(),
                path: None,
                reader: example.text.as_bytes(),
            };
            import_one(store, input, None, &options, now)
        })
        .collect()
}
