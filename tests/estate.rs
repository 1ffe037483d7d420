//! The estate generator of the scale benchmarks (`examples/gen_estate.rs`) against the real
//! binary: every file it writes imports, the inventory holds what it says it wrote, and a seed
//! always writes the same bytes.

mod common;

#[path = "../examples/estate/mod.rs"]
mod estate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Identities asked of the generator.
const ASKED: u64 = 2000;

fn config(seed: u64) -> estate::Config {
    estate::Config {
        identities: ASKED,
        grants_per_identity: 5,
        seed,
    }
}

/// Every file under `dir`, by path, with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("under dir").to_path_buf();
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

/// `a` within `percent` of `b`.
fn close(a: u64, b: u64, percent: u64) -> bool {
    a.abs_diff(b) * 100 <= b * percent
}

#[test]
fn every_generated_file_imports_and_the_inventory_holds_what_was_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("estate");
    let summary = estate::generate(&config(42), &out).expect("generate");
    let formats: Vec<&str> = summary.by_format().iter().map(|f| f.0).collect();
    assert_eq!(
        formats,
        [
            "aws-credential-report",
            "aws-authorization-details",
            "gcp-service-accounts",
            "gcp-service-account-keys",
            "gcp-iam-policy",
            "k8s-service-accounts",
            "k8s-role-bindings",
            "mapped-csv"
        ]
    );
    let db = dir.path().join("review.db");
    // Every cluster in one run, each after its own --account.
    for run in &summary.imports() {
        let mut cmd = common::cli(&db);
        cmd.current_dir(&out)
            .arg("import")
            .args(estate::Summary::import_args(run, |f| {
                f.path.display().to_string()
            }));
        cmd.assert().success();
    }

    // Every file is a source, read without a rejected row, in the format the generator meant.
    let sources = common::stdout_of(common::cli(&db), &["sources", "--format", "json"]);
    let sources: Vec<serde_json::Value> = sources
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(sources.len(), summary.files.len());
    for (source, file) in sources.iter().zip(&summary.files) {
        assert_eq!(source["format"], file.format, "{source}");
        assert_eq!(source["tally"]["rejected"], 0, "{source}");
    }

    // The inventory holds the identities and grants the generator counted.
    let inventory = common::stdout_of(common::cli(&db), &["inventory", "--format", "json"]);
    let (mut identities, mut grants) = (0u64, 0u64);
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    let mut clusters = std::collections::BTreeSet::new();
    for line in inventory.lines() {
        let identity: serde_json::Value = serde_json::from_str(line).expect("json line");
        identities += 1;
        if identity["provider"] == "k8s" {
            clusters.insert(identity["account"].as_str().expect("account").to_owned());
        }
        grants += identity["grants"].as_array().expect("grants").len() as u64;
        *kinds
            .entry(format!("{}/{}", identity["provider"], identity["kind"]))
            .or_default() += 1;
    }
    let want = summary.total();
    assert!(
        close(identities, want.identities, 2),
        "{identities} identities in the inventory, {} generated; by kind: {kinds:?}",
        want.identities
    );
    assert!(
        close(want.identities, ASKED, 2),
        "{} identities generated for {ASKED} asked",
        want.identities
    );
    assert!(
        close(grants, want.grants, 2),
        "{grants} grants in the inventory, {} generated",
        want.grants
    );
    assert!(
        close(want.grants, ASKED * 5, 10),
        "{} grants generated for {} asked",
        ASKED * 5,
        want.grants
    );
    // Each cluster's service accounts are in that cluster, named by its own --account.
    let want_clusters: std::collections::BTreeSet<String> = summary
        .files
        .iter()
        .filter_map(|f| f.account.clone())
        .collect();
    assert_eq!(clusters, want_clusters);
    // People among the machines are kept out; the machines of every provider are in.
    assert!(want.people > 100, "{want:?}");
    for kind in [
        "\"aws\"/\"iam_user\"",
        "\"aws\"/\"iam_role\"",
        "\"aws\"/\"service_linked_role\"",
        "\"gcp\"/\"service_account\"",
        "\"gcp\"/\"service_agent\"",
        "\"gcp\"/\"deleted_service_account\"",
        "\"gcp\"/\"federated_principal\"",
        "\"k8s\"/\"k8s_service_account\"",
        "\"k8s\"/\"k8s_service_account_group\"",
        "\"slack\"/\"oauth_app\"",
    ] {
        assert!(kinds.contains_key(kind), "no {kind} in {kinds:?}");
    }
}

#[test]
fn the_same_seed_writes_the_same_bytes_and_another_seed_other_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, seed: u64| {
        let out = dir.path().join(name);
        estate::generate(&config(seed), &out).expect("generate");
        contents(&out)
    };
    let (first, again, other) = (write("a", 7), write("b", 7), write("c", 8));
    assert!(first.len() > 8, "{:?}", first.keys());
    assert!(
        first == again,
        "seed 7 wrote different files the second time"
    );
    // Another seed: other accounts, projects and clusters, other contents (the mapping file is
    // the same text whatever the seed).
    let same: Vec<&PathBuf> = other
        .iter()
        .filter(|(_, bytes)| first.values().any(|b| b == *bytes))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(same, [Path::new("saas/apps.mapping.toml")]);
}
