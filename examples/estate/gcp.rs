//! Google Cloud: one `gcloud iam service-accounts list` and one `gcloud iam service-accounts
//! keys list` for every project (bare arrays, sorted keys, two-space indent, as gcloud prints
//! them), and one `gcloud projects get-iam-policy` per project (the grants). Projects are
//! generated one at a time.
//!
//! Traps, as reference §4 describes them: default compute and App Engine accounts (the compute
//! one with `roles/editor`), disabled accounts, display names beyond ASCII and long ones, owners
//! only in free-text descriptions, user-managed keys that never expire (`9999-12-31T23:59:59Z`),
//! expired ones, `SYSTEM_MANAGED` keys, disabled and leaked (`…_EXPOSED`) keys, user-provided
//! keys; in the policy: conditional bindings (version 3), custom roles, service agents,
//! `deleted:serviceAccount:…?uid=` members, workload-identity `principalSet://` members,
//! people (`user:`, `deleted:user:`), `group:`, `domain:` and `allUsers` members.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::out::{JsonOut, create};
use super::rng::Rng;
use super::text::{self, DAY, NOW, PURPOSES, Style, TEAMS, Ts, base36};
use super::{Counts, FileSummary, distinct};

/// Predefined roles, the popular first (owner and the IAM administration roles last: rare).
const ROLES: &[&str] = &[
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/storage.objectViewer",
    "roles/cloudtrace.agent",
    "roles/secretmanager.secretAccessor",
    "roles/pubsub.publisher",
    "roles/pubsub.subscriber",
    "roles/bigquery.dataViewer",
    "roles/bigquery.jobUser",
    "roles/storage.objectCreator",
    "roles/cloudsql.client",
    "roles/bigquery.dataEditor",
    "roles/artifactregistry.reader",
    "roles/run.invoker",
    "roles/cloudfunctions.invoker",
    "roles/storage.objectAdmin",
    "roles/datastore.user",
    "roles/container.developer",
    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    "roles/dataflow.worker",
    "roles/composer.worker",
    "roles/errorreporting.writer",
    "roles/artifactregistry.writer",
    "roles/spanner.databaseUser",
    "roles/bigtable.user",
    "roles/cloudtasks.enqueuer",
    "roles/eventarc.eventReceiver",
    "roles/aiplatform.user",
    "roles/dataproc.worker",
    "roles/serviceusage.serviceUsageConsumer",
    "roles/cloudprofiler.agent",
    "roles/logging.viewer",
    "roles/monitoring.viewer",
    "roles/pubsub.viewer",
    "roles/cloudasset.viewer",
    "roles/recommender.viewer",
    "roles/datacatalog.viewer",
    "roles/compute.viewer",
    "roles/redis.editor",
    "roles/run.developer",
    "roles/cloudbuild.builds.editor",
    "roles/compute.instanceAdmin.v1",
    "roles/dns.admin",
    "roles/storage.admin",
    "roles/pubsub.editor",
    "roles/bigquery.admin",
    "roles/cloudscheduler.admin",
    "roles/cloudsql.admin",
    "roles/container.admin",
    "roles/secretmanager.admin",
    "roles/viewer",
    "roles/browser",
    "roles/iam.securityReviewer",
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/editor",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/owner",
];

/// Custom role names (`projects/P/roles/…`): their tier is unknown to the importer.
const CUSTOM: &[&str] = &[
    "reportingCustom",
    "deployerLimited",
    "bucketJanitor",
    "ciRunner",
    "dataExporter",
    "auditReader",
];

/// Service agents other than the Google APIs one: (service, its role).
const AGENTS: &[(&str, &str)] = &[
    ("aiplatform", "roles/aiplatform.serviceAgent"),
    ("pubsub", "roles/pubsub.serviceAgent"),
    ("cloudbuild", "roles/cloudbuild.serviceAgent"),
    ("artifactregistry", "roles/artifactregistry.serviceAgent"),
    ("secretmanager", "roles/secretmanager.serviceAgent"),
    ("cloudscheduler", "roles/cloudscheduler.serviceAgent"),
    ("monitoring", "roles/monitoring.notificationServiceAgent"),
    ("dataflow", "roles/dataflow.serviceAgent"),
];

/// Display names written by people, some beyond ASCII.
const UNICODE_NAMES: &[&str] = &[
    "Chargeur de données 📦",
    "Rechnungs-Export für die Buchhaltung",
    "日次バッチ処理",
    "Импорт каталога",
    "🔐 secrets rotator",
    "Ελεγκτής συμμόρφωσης",
    "Sincronização de preços",
];

/// IAM conditions: (title, description, expression).
const CONDITIONS: &[(&str, Option<&str>, &str)] = &[
    (
        "expires-2027",
        Some("Temporary access for the migration"),
        "request.time < timestamp(\"2027-01-01T00:00:00Z\")",
    ),
    (
        "staging-only",
        Some("Only the staging bucket"),
        "resource.name.startsWith(\"projects/_/buckets/ex-staging\")",
    ),
    (
        "Zugriff für Prüfung (bis März)",
        None,
        "request.time < timestamp(\"2027-03-31T00:00:00Z\") && resource.type == \"storage.googleapis.com/Bucket\"",
    ),
];

/// A 12-digit project number, distinct for every index.
fn project_number(seed: u64, index: u64) -> u64 {
    const M: u64 = 900_000_000_000;
    100_000_000_000 + (seed.wrapping_mul(31) % M + (index % M) * 2_246_822_519 % M) % M
}

/// A 21-digit unique id (`uniqueId`, `oauth2ClientId`) of account `i` of project `index`:
/// distinct for every pair (a bijection modulo 10^20 of the pair's number).
fn unique_id(index: u64, i: u64) -> String {
    const M: u128 = 100_000_000_000_000_000_000;
    let n = (u128::from(index) << 24 | u128::from(i)) % M;
    format!("1{:020}", n * 2_862_933_555_777_941_757 % M)
}

/// Generate every project, streaming the accounts and keys lists as they go.
pub fn generate(seed: u64, grants: u64, budget: u64, dir: &Path) -> io::Result<Vec<FileSummary>> {
    let mut files = Vec::new();
    if budget == 0 {
        return Ok(files);
    }
    let sa_path = PathBuf::from("gcp/service-accounts.json");
    let keys_path = PathBuf::from("gcp/keys.json");
    let mut sa_out = JsonOut::new(create(dir, &sa_path)?, 2);
    let mut keys_out = JsonOut::new(create(dir, &keys_path)?, 2);
    sa_out.arr()?;
    keys_out.arr()?;
    let (mut sa_counts, mut key_counts) = (Counts::default(), Counts::default());
    // A policy's size grows with its members' grants: keep it well inside the importer's
    // 64 MiB for a document read whole.
    let cap = (20_000_000 / (grants.max(1) * 90)).clamp(20, 5000);
    let mut left = budget;
    let mut index = 0;
    while left > 0 {
        let mut rng = Rng::stream(seed, "gcp", index);
        let size = rng.unit_size(40).min(cap).min(left);
        left -= size;
        let policy = project(
            &mut rng,
            seed,
            index,
            grants,
            size,
            &mut sa_out,
            &mut keys_out,
            &mut sa_counts,
            &mut key_counts,
            dir,
        )?;
        files.push(policy);
        index += 1;
    }
    sa_out.end_arr()?;
    sa_out.finish()?;
    keys_out.end_arr()?;
    keys_out.finish()?;
    let size = |p: &Path| std::fs::metadata(dir.join(p)).map(|m| m.len());
    files.insert(
        0,
        FileSummary {
            bytes: size(&keys_path)?,
            path: keys_path,
            format: "gcp-service-account-keys",
            account: None,
            counts: key_counts,
        },
    );
    files.insert(
        0,
        FileSummary {
            bytes: size(&sa_path)?,
            path: sa_path,
            format: "gcp-service-accounts",
            account: None,
            counts: sa_counts,
        },
    );
    Ok(files)
}

fn bind(bindings: &mut Bindings, role: &str, condition: usize, member: String) {
    bindings
        .entry((role.to_owned(), condition))
        .or_default()
        .push(member);
}

/// One user-managed key, or a Google-managed one.
fn key<W: Write>(
    rng: &mut Rng,
    j: &mut JsonOut<W>,
    project: &str,
    email: &str,
    system: bool,
    leaked: bool,
) -> io::Result<()> {
    let (after, before) = if system {
        let after = NOW - rng.below(14 * DAY as u64) as i64;
        (after, Some(after + 16 * DAY))
    } else {
        let after = rng.created();
        match rng.below(100) {
            0..70 => (after, None),
            70..90 => (after, Some(after + 365 * DAY)),
            _ => (after, Some(after + 90 * DAY)),
        }
    };
    let exposed = !system && (leaked || rng.chance(3));
    let disabled = exposed || (!system && rng.chance(30));
    j.obj()?;
    if exposed {
        j.field(
            "disableReason",
            "SERVICE_ACCOUNT_KEY_DISABLE_REASON_EXPOSED",
        )?;
    }
    if disabled {
        j.field_raw("disabled", true)?;
    }
    j.field("keyAlgorithm", "KEY_ALG_RSA_2048")?
        .field(
            "keyOrigin",
            if !system && rng.chance(50) {
                "USER_PROVIDED"
            } else {
                "GOOGLE_PROVIDED"
            },
        )?
        .field(
            "keyType",
            if system {
                "SYSTEM_MANAGED"
            } else {
                "USER_MANAGED"
            },
        )?
        .key("name")?
        .fmt(format_args!(
            "projects/{project}/serviceAccounts/{email}/keys/{}",
            rng.hex(40)
        ))?
        .key("validAfterTime")?
        .fmt(Ts(after, Style::Z))?;
    match before {
        Some(t) => j.key("validBeforeTime")?.fmt(Ts(t, Style::Z))?,
        None => j.field("validBeforeTime", "9999-12-31T23:59:59Z")?,
    };
    j.end_obj()?;
    Ok(())
}

/// Members of each binding: (role, condition index + 1 or 0) → members.
type Bindings = BTreeMap<(String, usize), Vec<String>>;

#[allow(clippy::too_many_arguments)]
fn project<W: Write>(
    rng: &mut Rng,
    seed: u64,
    index: u64,
    grants: u64,
    size: u64,
    sa_out: &mut JsonOut<W>,
    keys_out: &mut JsonOut<W>,
    sa_counts: &mut Counts,
    key_counts: &mut Counts,
    dir: &Path,
) -> io::Result<FileSummary> {
    let project = format!(
        "ex-{}-{}-{}",
        rng.pick(TEAMS),
        rng.pick(text::ENVS),
        base36(index, 4)
    );
    let number = project_number(seed, index);
    let mut policy_counts = Counts::default();

    // Who is in the project: at least one user-managed account (it names the project a policy
    // does not name), then service agents, deleted and federated principals, default accounts.
    let mut left = size - 1;
    let mut take = |n: u64| {
        let n = n.min(left);
        left -= n;
        n
    };
    let agents = take(rng.range(1, 3));
    let deleted = take(size / 100 + u64::from(rng.chance(300)));
    // The first project holds each rare trap at least once: a federated principal, a leaked
    // key, a public binding.
    let first = index == 0;
    let federated = take(if first || rng.chance(100) {
        rng.range(1, 2)
    } else {
        0
    });
    let compute = take(u64::from(rng.chance(700)));
    let appspot = take(u64::from(rng.chance(200)));
    let user_managed = 1 + left;

    // Roles this project's accounts choose from: predefined, then its custom roles.
    let mut catalogue: Vec<String> = ROLES.iter().map(|r| (*r).to_owned()).collect();
    let customs = rng.range(2, CUSTOM.len() as u64) as usize;
    for c in &CUSTOM[..customs] {
        catalogue.push(format!("projects/{project}/roles/{c}"));
    }
    // Enough roles for the most-granted account.
    let mut extra = 0;
    while (catalogue.len() as u64) < 6 * grants {
        catalogue.push(format!("projects/{project}/roles/customRole{extra}"));
        extra += 1;
    }
    let conditions = rng.range(1, CONDITIONS.len() as u64) as usize;
    let mut bindings: Bindings = BTreeMap::new();
    let b = &mut bindings;

    let total = user_managed + compute + appspot;
    for i in 0..total {
        let (email, display, default_account) = if i < user_managed {
            let mut base = format!("{}-{}", rng.pick(PURPOSES), rng.pick(TEAMS));
            base.truncate(25);
            let base = base.trim_end_matches('-');
            let email = format!("{base}-{}@{project}.iam.gserviceaccount.com", base36(i, 4));
            let display = match rng.below(100) {
                0..15 => None,
                15..20 => Some((*rng.pick(UNICODE_NAMES)).to_owned()),
                20..21 => Some(format!(
                    "{base} — runs the {} pipeline for the {} team, see the runbook in the wiki before changing it",
                    rng.pick(PURPOSES),
                    rng.pick(TEAMS)
                )),
                _ => Some(format!("{} {}", rng.pick(TEAMS), rng.pick(PURPOSES))),
            };
            (email, display, false)
        } else if i == user_managed && compute == 1 {
            (
                format!("{number}-compute@developer.gserviceaccount.com"),
                Some("Compute Engine default service account".to_owned()),
                true,
            )
        } else {
            (
                format!("{project}@appspot.gserviceaccount.com"),
                Some("App Engine default service account".to_owned()),
                true,
            )
        };
        let unique_id = unique_id(index, i);
        let disabled = !default_account && rng.chance(30);
        sa_out.obj()?;
        match rng.below(10) {
            0..3 => {
                sa_out.key("description")?.fmt(format_args!(
                    "{}. Owner: {}",
                    rng.pick(&[
                        "Runs the nightly ETL",
                        "Deploys from CI",
                        "Managed by Terraform",
                        "Reads invoices"
                    ]),
                    text::owner(rng)
                ))?;
            }
            3..4 => {
                sa_out
                    .key("description")?
                    .fmt(format_args!("owner={}", text::team_email(rng)))?;
            }
            4..6 => {
                sa_out.field("description", "Managed by Terraform; ask in #platform")?;
            }
            _ => {}
        }
        if disabled {
            sa_out.field_raw("disabled", true)?;
        }
        if let Some(d) = &display {
            sa_out.field("displayName", d)?;
        }
        sa_out
            .field("email", &email)?
            .field("etag", "MDEwMjE5MjA=")?
            .key("name")?
            .fmt(format_args!("projects/{project}/serviceAccounts/{email}"))?
            .field("oauth2ClientId", &unique_id)?
            .field("projectId", &project)?
            .field("uniqueId", &unique_id)?
            .end_obj()?;
        sa_counts.identities += 1;

        // Keys: most accounts have none of their own; Google rotates its own keys.
        let leaked = first && i == 0;
        let user_keys = match rng.below(100) {
            _ if leaked => 1,
            0..55 => 0,
            55..85 => 1,
            85..97 => 2,
            _ => 3,
        };
        let system_keys = if rng.chance(500) { rng.range(1, 2) } else { 0 };
        for _ in 0..user_keys {
            key(rng, keys_out, &project, &email, false, leaked)?;
        }
        for _ in 0..system_keys {
            key(rng, keys_out, &project, &email, true, false)?;
        }
        key_counts.credentials += user_keys + system_keys;

        // Grants: the compute default account is an editor, as Google makes it.
        let member = format!("serviceAccount:{email}");
        let k = rng.around(grants);
        let mut roles = distinct(rng, k, catalogue.len() as u64);
        if email.ends_with("-compute@developer.gserviceaccount.com") {
            let editor = ROLES.iter().position(|r| *r == "roles/editor").unwrap_or(0) as u64;
            if !roles.contains(&editor) {
                roles[0] = editor;
            }
        }
        for r in roles {
            let condition = if rng.chance(40) {
                1 + rng.below(conditions as u64) as usize
            } else {
                0
            };
            bind(b, &catalogue[r as usize], condition, member.clone());
        }
        policy_counts.grants += k.min(catalogue.len() as u64);
    }

    // Principals only the policy names: the Google APIs service agent (an editor, as Google
    // makes it), then per-service agents.
    let first_agent = rng.below(AGENTS.len() as u64) as usize;
    for a in 0..agents as usize {
        if a == 0 {
            let member = format!("serviceAccount:{number}@cloudservices.gserviceaccount.com");
            bind(b, "roles/editor", 0, member);
            continue;
        }
        let (service, role) = AGENTS[(first_agent + a) % AGENTS.len()];
        bind(
            b,
            role,
            0,
            format!("serviceAccount:service-{number}@gcp-sa-{service}.iam.gserviceaccount.com"),
        );
    }
    policy_counts.grants += agents;
    for d in 0..deleted {
        let member = format!(
            "deleted:serviceAccount:{}-{}@{project}.iam.gserviceaccount.com?uid=1{:08}{:012}",
            rng.pick(PURPOSES),
            base36(d, 2),
            index % 100_000_000,
            1_000_000 + d
        );
        let k = rng.range(1, 3);
        for r in distinct(rng, k, ROLES.len() as u64 - 10) {
            bind(b, ROLES[r as usize], 0, member.clone());
        }
        policy_counts.grants += k;
    }
    for f in 0..federated {
        let member = format!(
            "principalSet://iam.googleapis.com/projects/{number}/locations/global/workloadIdentityPools/github/attribute.repository/example-org/{}-{}",
            rng.pick(TEAMS),
            base36(f, 2)
        );
        bind(b, "roles/iam.workloadIdentityUser", 0, member.clone());
        bind(b, "roles/storage.objectViewer", 0, member);
        policy_counts.grants += 2;
    }
    policy_counts.identities = agents + deleted + federated;

    // People and groups beside the machines.
    for members in b.values_mut() {
        if rng.chance(100) {
            for _ in 0..rng.range(1, 2) {
                members.push(format!("user:{}", text::person_email(rng.below(5000))));
            }
        }
        if rng.chance(30) {
            members.push(format!("group:{}", text::team_email(rng)));
        }
        if rng.chance(3) {
            members.push(format!(
                "deleted:user:{}?uid=1{:019}",
                text::person_email(rng.below(5000)),
                rng.below(10_000_000_000_000_000_000)
            ));
        }
    }
    let owner = format!("user:{}", text::person_email(rng.below(5000)));
    bind(b, "roles/owner", 0, owner);
    bind(b, "roles/viewer", 0, "domain:example.com".to_owned());
    if first || rng.chance(10) {
        bind(b, "roles/storage.objectViewer", 0, "allUsers".to_owned());
    }

    let path = PathBuf::from(format!("gcp/iam-policy-{project}.json"));
    let mut j = JsonOut::new(create(dir, &path)?, 2);
    j.obj()?.key("bindings")?.arr()?;
    for ((role, condition), members) in &mut bindings {
        members.sort_unstable();
        members.dedup();
        policy_counts.people += members
            .iter()
            .filter(|m| m.starts_with("user:") || m.starts_with("deleted:user:"))
            .count() as u64;
        j.obj()?;
        if *condition > 0 {
            let (title, description, expression) = CONDITIONS[condition - 1];
            j.key("condition")?.obj()?;
            if let Some(d) = description {
                j.field("description", d)?;
            }
            j.field("expression", expression)?
                .field("title", title)?
                .end_obj()?;
        }
        j.key("members")?.arr()?;
        for m in members.iter() {
            j.str(m)?;
        }
        j.end_arr()?.field("role", role)?.end_obj()?;
    }
    j.end_arr()?
        .key("etag")?
        .fmt(format_args!(
            "BwY{}=",
            rng.chars(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                8
            )
        ))?
        .field_raw(
            "version",
            if bindings.keys().any(|(_, c)| *c > 0) {
                3
            } else {
                1
            },
        )?
        .end_obj()?;
    j.finish()?;
    Ok(FileSummary {
        bytes: std::fs::metadata(dir.join(&path))?.len(),
        path,
        format: "gcp-iam-policy",
        account: None,
        counts: policy_counts,
    })
}
