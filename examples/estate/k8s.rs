//! Kubernetes: per cluster, `kubectl get serviceaccounts -A -o json` and
//! `kubectl get rolebindings,clusterrolebindings -A -o json` (the grants), in kubectl's shape
//! (a `List`, four-space indent, sorted keys). kubectl never names its cluster, so each
//! cluster's two files are imported with `--account CLUSTER`. Namespaces are generated one at
//! a time; only their names and sizes are kept, to bind accounts of other namespaces.
//!
//! Traps, as reference §6 describes them: a `default` account in every namespace, legacy token
//! Secrets (credentials) beside `imagePullSecrets` (not), owners only in annotations (some beyond
//! ASCII), cloud links (`eks.amazonaws.com/role-arn`, `iam.gke.io/gcp-service-account`,
//! `azure.workload.identity/client-id`), `last-applied-configuration` as an embedded JSON
//! string, long names; in the bindings: role-binding subjects without a namespace (it defaults
//! to the binding's), accounts of other namespaces, `User system:serviceaccount:NS:NAME`
//! subjects, people and groups (`system:masters`, OIDC groups), `system:serviceaccounts[:NS]`
//! group grants, subjects naming an account that no longer exists (dangling), a binding
//! without `subjects`, role bindings of cluster roles, `cluster-admin`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::out::{JsonOut, create};
use super::rng::Rng;
use super::text::{self, DAY, NOW, PURPOSES, Style, TEAMS, Ts, base36};
use super::{Counts, FileSummary, distinct};

const RBAC: &str = "rbac.authorization.k8s.io";

/// System namespaces every cluster has, with their accounts (after `default`).
const SYSTEM: &[(&str, &[&str])] = &[
    ("default", &[]),
    (
        "kube-system",
        &[
            "coredns",
            "kube-proxy",
            "aws-node",
            "ebs-csi-controller-sa",
            "cluster-autoscaler",
            "metrics-server",
            "attachdetach-controller",
            "bootstrap-signer",
            "certificate-controller",
            "clusterrole-aggregation-controller",
            "cronjob-controller",
            "daemon-set-controller",
            "deployment-controller",
            "endpoint-controller",
            "generic-garbage-collector",
            "horizontal-pod-autoscaler",
            "job-controller",
            "namespace-controller",
            "node-controller",
            "replicaset-controller",
            "service-account-controller",
            "statefulset-controller",
        ],
    ),
    ("kube-public", &[]),
    ("kube-node-lease", &[]),
    (
        "monitoring",
        &[
            "prometheus",
            "grafana",
            "alertmanager",
            "kube-state-metrics",
            "node-exporter",
        ],
    ),
    (
        "ingress-nginx",
        &["ingress-nginx", "ingress-nginx-admission"],
    ),
    (
        "cert-manager",
        &[
            "cert-manager",
            "cert-manager-cainjector",
            "cert-manager-webhook",
        ],
    ),
];

/// Namespace-scoped roles a namespace defines (their tier is unknown to the importer), the
/// popular first.
const ROLE_NAMES: &[&str] = &[
    "configmap-reader",
    "pod-reader",
    "leader-election",
    "secret-reader",
    "job-runner",
    "deployer",
    "event-writer",
    "lease-holder",
    "service-reader",
    "pvc-manager",
];

/// Where the built-in cluster roles sit among a namespace's roles (popular first): `view`
/// and `edit` are bound often, `admin` less.
const BUILTIN: &[(usize, &str)] = &[(1, "view"), (4, "edit"), (9, "admin")];

/// The role at position `r` of a namespace's roles: (kind, name).
fn role_at(r: usize) -> (&'static str, String) {
    if let Some((_, name)) = BUILTIN.iter().find(|(at, _)| *at == r) {
        return ("ClusterRole", (*name).to_owned());
    }
    let own = r - BUILTIN.iter().filter(|(at, _)| *at < r).count();
    let base = ROLE_NAMES[own % ROLE_NAMES.len()];
    if own < ROLE_NAMES.len() {
        ("Role", base.to_owned())
    } else {
        ("Role", format!("{base}-{}", own / ROLE_NAMES.len()))
    }
}

/// A namespace, as kept for later bindings.
struct Namespace {
    name: String,
    /// Accounts, `default` included.
    accounts: u64,
    /// Seed of its account names.
    seed: u64,
    /// Index into [`SYSTEM`], for system namespaces.
    system: Option<usize>,
}

impl Namespace {
    /// Name of account `i` (0 is `default`), the same each time it is asked for.
    fn account(&self, i: u64) -> String {
        if i == 0 {
            return "default".to_owned();
        }
        if let Some(s) = self.system {
            let names = SYSTEM[s].1;
            if let Some(n) = names.get(i as usize - 1) {
                return (*n).to_owned();
            }
        }
        let mut rng = Rng::stream(self.seed, "account", i);
        let (team, purpose) = (rng.pick(TEAMS), rng.pick(PURPOSES));
        if rng.chance(5) {
            // Long, as generated names get (a DNS subdomain allows 253 characters).
            return format!(
                "{team}-{purpose}-{}-{}-{}",
                "tenant-provisioning-workflow-with-a-very-descriptive-name-for-the-operators",
                "generated-by-the-platform-operator-from-the-custom-resource",
                base36(i, 3)
            );
        }
        format!("{team}-{purpose}-{}", base36(i, 3))
    }
}

/// Generate every cluster. `budget` is the identities to make.
pub fn generate(seed: u64, grants: u64, budget: u64, dir: &Path) -> io::Result<Vec<FileSummary>> {
    let mut files = Vec::new();
    let mut left = budget;
    let mut index = 0;
    while left > 0 {
        let mut rng = Rng::stream(seed, "k8s", index);
        let size = rng.unit_size(500).min(30_000).min(left);
        left -= size;
        files.extend(cluster(&mut rng, index, grants, size, dir)?);
        index += 1;
    }
    Ok(files)
}

fn binding_head<W: Write>(
    j: &mut JsonOut<W>,
    rng: &mut Rng,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    role_kind: &str,
    role: &str,
) -> io::Result<()> {
    j.obj()?
        .field("apiVersion", "rbac.authorization.k8s.io/v1")?
        .field("kind", kind)?
        .key("metadata")?
        .obj()?
        .key("creationTimestamp")?
        .fmt(Ts(rng.created(), Style::Z))?
        .field("name", name)?;
    if let Some(ns) = namespace {
        j.field("namespace", ns)?;
    }
    j.key("resourceVersion")?
        .fmt(rng.range(1000, 99_999_999))?
        .field("uid", &rng.uuid())?
        .end_obj()?
        .key("roleRef")?
        .obj()?
        .field("apiGroup", RBAC)?
        .field("kind", role_kind)?
        .field("name", role)?
        .end_obj()?;
    Ok(())
}

fn subject<W: Write>(
    j: &mut JsonOut<W>,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> io::Result<()> {
    j.obj()?;
    if kind != "ServiceAccount" {
        j.field("apiGroup", RBAC)?;
    }
    j.field("kind", kind)?.field("name", name)?;
    if let Some(ns) = namespace {
        j.field("namespace", ns)?;
    }
    j.end_obj()?;
    Ok(())
}

fn cluster(
    rng: &mut Rng,
    index: u64,
    grants: u64,
    size: u64,
    dir: &Path,
) -> io::Result<Vec<FileSummary>> {
    // Named as platform teams name them: flavour, environment, region, number.
    let (flavour, regions): (&str, &[&str]) = *rng.pick(&[
        ("eks", text::REGIONS),
        ("gke", &["europe-west1", "us-central1", "asia-northeast1"]),
        ("aks", &["westeurope", "eastus2", "northeurope"]),
    ]);
    let name = format!(
        "{flavour}-{}-{}-{}",
        rng.pick(text::ENVS),
        rng.pick(regions),
        base36(index, 2)
    );
    let sa_path = PathBuf::from(format!("k8s/{name}/serviceaccounts.json"));
    let rb_path = PathBuf::from(format!("k8s/{name}/rolebindings.json"));
    let mut sa = JsonOut::new(create(dir, &sa_path)?, 4);
    let mut rb = JsonOut::new(create(dir, &rb_path)?, 4);
    sa.obj()?.field("apiVersion", "v1")?.key("items")?.arr()?;
    rb.obj()?.field("apiVersion", "v1")?.key("items")?.arr()?;
    let (mut sa_counts, mut rb_counts) = (Counts::default(), Counts::default());
    let mut namespaces: Vec<Namespace> = Vec::new();
    let mut left = size;
    // Every role binding's role: the namespace's own and the built-in ones, enough for the
    // most-bound account.
    let role_count = (ROLE_NAMES.len() as u64).max(6 * grants) + BUILTIN.len() as u64;
    while left > 0 {
        let n = namespaces.len();
        let system = (n < SYSTEM.len()).then_some(n);
        let ns_name = match system {
            Some(s) => SYSTEM[s].0.to_owned(),
            None => format!(
                "{}-{}-{}",
                rng.pick(TEAMS),
                rng.pick(PURPOSES),
                base36(n as u64, 3)
            ),
        };
        let wanted = match system {
            Some(s) => 1 + SYSTEM[s].1.len() as u64,
            None => 1 + rng.skewed(60),
        };
        let accounts = wanted.min(left);
        left -= accounts;
        // A group grant to all of the namespace's accounts, and a subject naming an account
        // deleted since: each one more identity, if the budget allows.
        // Each cluster's first application namespace has both, and a binding without
        // subjects, so that a small estate shows every trap.
        let first_app = n == SYSTEM.len();
        let group = left > 0 && (first_app || rng.chance(20));
        left -= u64::from(group);
        let dangling = left > 0 && (first_app || rng.chance(10));
        left -= u64::from(dangling);
        let ns = Namespace {
            name: ns_name,
            accounts,
            seed: rng.next_u64(),
            system,
        };
        write_accounts(rng, &mut sa, &ns, &mut sa_counts)?;
        sa_counts.identities += accounts;
        rb_counts.identities += u64::from(group) + u64::from(dangling);
        role_bindings(
            rng,
            &mut rb,
            &ns,
            &namespaces,
            grants,
            role_count,
            [group, dangling, first_app],
            &mut rb_counts,
        )?;
        namespaces.push(ns);
    }
    cluster_role_bindings(rng, &mut rb, &namespaces, &mut rb_counts)?;
    sa.end_arr()?
        .field("kind", "List")?
        .key("metadata")?
        .obj()?
        .field("resourceVersion", "")?
        .end_obj()?
        .end_obj()?;
    sa.finish()?;
    rb.end_arr()?
        .field("kind", "List")?
        .key("metadata")?
        .obj()?
        .field("resourceVersion", "")?
        .end_obj()?
        .end_obj()?;
    rb.finish()?;
    let size_of = |p: &Path| std::fs::metadata(dir.join(p)).map(|m| m.len());
    Ok(vec![
        FileSummary {
            bytes: size_of(&sa_path)?,
            path: sa_path,
            format: "k8s-service-accounts",
            account: Some(name.clone()),
            counts: sa_counts,
        },
        FileSummary {
            bytes: size_of(&rb_path)?,
            path: rb_path,
            format: "k8s-role-bindings",
            account: Some(name),
            counts: rb_counts,
        },
    ])
}

fn write_accounts<W: Write>(
    rng: &mut Rng,
    j: &mut JsonOut<W>,
    ns: &Namespace,
    counts: &mut Counts,
) -> io::Result<()> {
    for i in 0..ns.accounts {
        let name = ns.account(i);
        let created = rng.created();
        let mut annotations: Vec<(&str, String)> = Vec::new();
        if i > 0 {
            match rng.below(100) {
                0..20 => annotations.push(("owner", text::owner(rng))),
                20..28 => annotations.push(("example.com/team", text::team_email(rng))),
                28..30 => annotations.push(("contact", "#platform-oncall".to_owned())),
                _ => {}
            }
            match rng.below(100) {
                0..10 => annotations.push((
                    "eks.amazonaws.com/role-arn",
                    format!("arn:aws:iam::111122223333:role/{name}"),
                )),
                10..15 => annotations.push((
                    "iam.gke.io/gcp-service-account",
                    format!(
                        "{}@ex-platform-prod-0000.iam.gserviceaccount.com",
                        rng.pick(PURPOSES)
                    ),
                )),
                15..18 => annotations.push(("azure.workload.identity/client-id", rng.uuid())),
                _ => {}
            }
            if rng.chance(200) {
                annotations.push((
                    "kubectl.kubernetes.io/last-applied-configuration",
                    format!(
                        "{{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{{\"annotations\":{{}},\"name\":\"{name}\",\"namespace\":\"{}\"}}}}\n",
                        ns.name
                    ),
                ));
            }
        }
        annotations.sort_by(|a, b| a.0.cmp(b.0));
        let pull = i > 0 && rng.chance(100);
        // Token Secrets were made automatically before Kubernetes 1.24.
        let tokens = if i > 0 && created < NOW - 3 * 365 * DAY && rng.chance(250) {
            rng.range(1, 2)
        } else {
            0
        };
        j.obj()?.field("apiVersion", "v1")?;
        if pull {
            j.key("imagePullSecrets")?
                .arr()?
                .obj()?
                .field("name", "registry-credentials")?
                .end_obj()?
                .end_arr()?;
        }
        j.field("kind", "ServiceAccount")?.key("metadata")?.obj()?;
        if !annotations.is_empty() {
            j.key("annotations")?.obj()?;
            for (k, v) in &annotations {
                j.field(k, v)?;
            }
            j.end_obj()?;
        }
        j.key("creationTimestamp")?.fmt(Ts(created, Style::Z))?;
        if i > 0 && rng.chance(400) {
            j.key("labels")?
                .obj()?
                .field("app.kubernetes.io/managed-by", "Helm")?
                .field("app.kubernetes.io/name", &name)?
                .end_obj()?;
        }
        j.field("name", &name)?
            .field("namespace", &ns.name)?
            .key("resourceVersion")?
            .fmt(rng.range(1000, 99_999_999))?
            .field("uid", &rng.uuid())?
            .end_obj()?;
        if tokens > 0 {
            j.key("secrets")?.arr()?;
            for _ in 0..tokens {
                j.obj()?
                    .key("name")?
                    .fmt(format_args!(
                        "{name}-token-{}",
                        rng.chars(b"bcdfghjklmnpqrstvwxz2456789", 5)
                    ))?
                    .end_obj()?;
            }
            j.end_arr()?;
            counts.credentials += tokens;
        }
        j.end_obj()?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn role_bindings<W: Write>(
    rng: &mut Rng,
    j: &mut JsonOut<W>,
    ns: &Namespace,
    earlier: &[Namespace],
    grants: u64,
    role_count: u64,
    [group, dangling, orphan]: [bool; 3],
    counts: &mut Counts,
) -> io::Result<()> {
    // Which accounts each role is bound to: every account but `default` holds about `grants`
    // roles (the popular ones more often); `default` rarely any.
    let mut holders: Vec<Vec<u64>> = vec![Vec::new(); role_count as usize];
    for i in 0..ns.accounts {
        let k = if i == 0 {
            u64::from(rng.chance(30))
        } else {
            rng.around(grants)
        };
        for r in distinct(rng, k, role_count) {
            holders[r as usize].push(i);
        }
    }
    let mut extra_placed = (!group, !dangling);
    for (r, members) in holders.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        let (role_kind, role) = role_at(r);
        let binding = format!("{role}-binding");
        binding_head(
            j,
            rng,
            "RoleBinding",
            &binding,
            Some(&ns.name),
            role_kind,
            &role,
        )?;
        // How this binding's author wrote its account subjects.
        let omit_namespace = rng.chance(300);
        j.key("subjects")?.arr()?;
        for i in members {
            let name = ns.account(*i);
            if rng.chance(30) {
                let user = format!("system:serviceaccount:{}:{name}", ns.name);
                subject(j, "User", &user, None)?;
            } else {
                subject(
                    j,
                    "ServiceAccount",
                    &name,
                    (!omit_namespace).then_some(ns.name.as_str()),
                )?;
            }
        }
        counts.grants += members.len() as u64;
        if rng.chance(20) && !earlier.is_empty() {
            // An account of another namespace.
            let other = &earlier[rng.below(earlier.len() as u64) as usize];
            let i = rng.below(other.accounts);
            subject(j, "ServiceAccount", &other.account(i), Some(&other.name))?;
            counts.grants += 1;
        }
        if !extra_placed.0 {
            let name = format!("system:serviceaccounts:{}", ns.name);
            subject(j, "Group", &name, None)?;
            counts.grants += 1;
            extra_placed.0 = true;
        }
        if !extra_placed.1 {
            let name = format!("{}-deleted-{}", rng.pick(PURPOSES), rng.hex(4));
            subject(j, "ServiceAccount", &name, Some(&ns.name))?;
            counts.grants += 1;
            extra_placed.1 = true;
        }
        if rng.chance(50) {
            subject(j, "User", &text::person_email(rng.below(5000)), None)?;
            counts.people += 1;
        }
        if rng.chance(30) {
            subject(j, "Group", &format!("oidc:{}-team", rng.pick(TEAMS)), None)?;
        }
        j.end_arr()?.end_obj()?;
    }
    // The group and the dangling subject need a binding even where no role was bound.
    if !(extra_placed.0 && extra_placed.1) {
        binding_head(
            j,
            rng,
            "RoleBinding",
            "legacy-access",
            Some(&ns.name),
            "ClusterRole",
            "view",
        )?;
        j.key("subjects")?.arr()?;
        if !extra_placed.0 {
            subject(
                j,
                "Group",
                &format!("system:serviceaccounts:{}", ns.name),
                None,
            )?;
            counts.grants += 1;
        }
        if !extra_placed.1 {
            let name = format!("{}-deleted-{}", rng.pick(PURPOSES), rng.hex(4));
            subject(j, "ServiceAccount", &name, Some(&ns.name))?;
            counts.grants += 1;
        }
        j.end_arr()?.end_obj()?;
    }
    if orphan || rng.chance(10) {
        // Left behind when its subjects were removed by hand.
        binding_head(
            j,
            rng,
            "RoleBinding",
            "orphaned-binding",
            Some(&ns.name),
            "Role",
            "pod-reader",
        )?;
        j.end_obj()?;
    }
    Ok(())
}

fn cluster_role_bindings<W: Write>(
    rng: &mut Rng,
    j: &mut JsonOut<W>,
    namespaces: &[Namespace],
    counts: &mut Counts,
) -> io::Result<()> {
    let total: u64 = namespaces.iter().map(|n| n.accounts).sum();
    // Accounts picked anywhere in the cluster (not `default`), distinct within a binding.
    let pick = |rng: &mut Rng, n: u64| -> Vec<(usize, u64)> {
        let mut out: Vec<(usize, u64)> = Vec::new();
        for _ in 0..n * 2 {
            if out.len() as u64 == n {
                break;
            }
            let ns = rng.below(namespaces.len() as u64) as usize;
            if namespaces[ns].accounts < 2 {
                continue;
            }
            let i = rng.range(1, namespaces[ns].accounts - 1);
            if !out.contains(&(ns, i)) {
                out.push((ns, i));
            }
        }
        out
    };
    let mut write = |j: &mut JsonOut<W>,
                     rng: &mut Rng,
                     name: &str,
                     role: &str,
                     accounts: &[(usize, u64)],
                     people: &[(&str, &str)]|
     -> io::Result<()> {
        binding_head(
            j,
            rng,
            "ClusterRoleBinding",
            name,
            None,
            "ClusterRole",
            role,
        )?;
        j.key("subjects")?.arr()?;
        for (ns, i) in accounts {
            let ns = &namespaces[*ns];
            subject(j, "ServiceAccount", &ns.account(*i), Some(&ns.name))?;
        }
        for (kind, name) in people {
            subject(j, kind, name, None)?;
            if *kind == "User" {
                counts.people += 1;
            }
        }
        counts.grants += accounts.len() as u64;
        j.end_arr()?.end_obj()?;
        Ok(())
    };
    let n = rng.range(1, 3);
    let admins = pick(rng, n);
    let oncall = text::person_email(rng.below(5000));
    write(
        j,
        rng,
        "cluster-admins",
        "cluster-admin",
        &admins,
        &[("Group", "system:masters"), ("User", &oncall)],
    )?;
    for b in 0..2 + total / 300 {
        let n = rng.range(1, 5);
        let accounts = pick(rng, n);
        let (name, role) = match rng.below(10) {
            0..5 => (
                format!("{}-cluster-reader-{}", rng.pick(TEAMS), base36(b, 2)),
                "view",
            ),
            5..8 => (
                format!("{}-operator-{}", rng.pick(PURPOSES), base36(b, 2)),
                "edit",
            ),
            _ => (
                format!("{}-crd-manager-{}", rng.pick(TEAMS), base36(b, 2)),
                "crd-manager",
            ),
        };
        write(j, rng, &name, role, &accounts, &[])?;
    }
    Ok(())
}
