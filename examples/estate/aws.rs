//! AWS: one IAM credential report (CSV) for every account, and one
//! `aws iam get-account-authorization-details` export per account (users, groups, roles and
//! managed policies; the grants). Accounts are generated one at a time and never held together.
//!
//! Traps, as reference §3 describes them: a `<root_account>` row per account (a member account's
//! root with `password_enabled false`), people among the machine users (with `no_information`
//! and `N/A` password use), `N/A` sentinels, keys never used, inactive keys that keep their
//! rotation date, `N/A` regions of global services, `TRUE`/`True` beside `true`, no final
//! newline; in the authorization details: group-inherited grants, inline and attached
//! policies, a non-default `*:*` policy version, URL-encoded documents (raw Query API), CLI v1
//! `Z` dates, `Statement`/`Action`/`Resource` as a value or a list, `NotAction`, wildcards,
//! `AdministratorAccess`, service-linked roles, vendor roles with `sts:ExternalId`, other
//! accounts, GitHub OIDC with and without a `sub` condition, `RoleLastUsed` `{}` and absent,
//! tags absent, empty, `Owner`/`owner` and beyond ASCII, permission boundaries, long names,
//! and a user whose path differs between the two exports (joined by name).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::out::{JsonOut, create};
use super::rng::Rng;
use super::text::{
    self, GLOBAL_SERVICES, NOW, PURPOSES, REGIONS, SERVICES, Style, TEAMS, Ts, base36, url_encode,
};
use super::{Counts, FileSummary};

/// The credential report's 22 columns, as AWS writes them.
const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// AWS-managed policies: the admin ones first (attached on purpose, rarely), then the common
/// ones (path, name), the popular first. Only `AdministratorAccess` is listed in `Policies`
/// (a real export lists every attached AWS policy, some of them 100 kB documents); the
/// importer judges the others by their names.
const AWS_MANAGED: &[(&str, &str)] = &[
    ("", "AdministratorAccess"),
    ("", "IAMFullAccess"),
    ("", "PowerUserAccess"),
    ("", "ReadOnlyAccess"),
    ("", "AmazonS3ReadOnlyAccess"),
    ("service-role/", "AWSLambdaBasicExecutionRole"),
    ("", "CloudWatchLogsFullAccess"),
    ("", "AmazonS3FullAccess"),
    ("", "AmazonSQSFullAccess"),
    ("", "AmazonDynamoDBReadOnlyAccess"),
    ("service-role/", "AmazonECSTaskExecutionRolePolicy"),
    ("", "AmazonEC2ContainerRegistryReadOnly"),
    ("", "AmazonSSMManagedInstanceCore"),
    ("", "CloudWatchReadOnlyAccess"),
    ("", "AmazonDynamoDBFullAccess"),
    ("", "AmazonSNSFullAccess"),
    ("", "SecretsManagerReadWrite"),
    ("", "AmazonEC2ReadOnlyAccess"),
    ("", "AWSLambda_ReadOnlyAccess"),
    ("", "AmazonRDSReadOnlyAccess"),
    ("", "AmazonKinesisReadOnlyAccess"),
    ("", "AWSCloudFormationReadOnlyAccess"),
    ("job-function/", "ViewOnlyAccess"),
    ("", "SecurityAudit"),
    ("", "AmazonEC2ContainerRegistryPowerUser"),
    ("", "AWSLambda_FullAccess"),
    ("", "AmazonAthenaFullAccess"),
    ("", "AmazonSESFullAccess"),
    ("", "AmazonRoute53FullAccess"),
    ("", "AmazonEC2FullAccess"),
    ("", "AmazonRDSFullAccess"),
    ("service-role/", "AWSGlueServiceRole"),
    ("service-role/", "AWSBackupServiceRolePolicyForBackup"),
    ("", "AmazonEKSClusterPolicy"),
    ("", "AmazonEKSWorkerNodePolicy"),
    ("", "AmazonElasticFileSystemReadOnlyAccess"),
];

/// Index of the first common (non-admin) policy in [`AWS_MANAGED`].
const COMMON: usize = 3;

/// Service-linked roles (service, role name, its policy).
const SERVICE_LINKED: &[(&str, &str, &str)] = &[
    (
        "ecs.amazonaws.com",
        "AWSServiceRoleForECS",
        "AmazonECSServiceRolePolicy",
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "AWSServiceRoleForElasticLoadBalancing",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
    (
        "autoscaling.amazonaws.com",
        "AWSServiceRoleForAutoScaling",
        "AutoScalingServiceRolePolicy",
    ),
    (
        "rds.amazonaws.com",
        "AWSServiceRoleForRDS",
        "AmazonRDSServiceRolePolicy",
    ),
    (
        "organizations.amazonaws.com",
        "AWSServiceRoleForOrganizations",
        "AWSOrganizationsServiceTrustPolicy",
    ),
    (
        "sso.amazonaws.com",
        "AWSServiceRoleForSSO",
        "AWSSSOServiceRolePolicy",
    ),
    (
        "support.amazonaws.com",
        "AWSServiceRoleForSupport",
        "AWSSupportServiceRolePolicy",
    ),
    (
        "trustedadvisor.amazonaws.com",
        "AWSServiceRoleForTrustedAdvisor",
        "AWSTrustedAdvisorServiceRolePolicy",
    ),
];

/// Vendors that assume roles with an external id (invented account ids).
const VENDORS: &[(&str, &str)] = &[
    ("metrics-vendor", "999988887777"),
    ("backup-vendor", "444455556666"),
    ("siem-vendor", "777766665555"),
];

const GROUPS: &[&str] = &[
    "ci-robots",
    "developers",
    "read-only",
    "vendors",
    "data-engineers",
    "admins",
    "support",
    "auditors",
];

const USER_PATHS: &[&str] = &["/", "/", "/", "/ci/", "/vendors/", "/platform/", "/batch/"];

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The 12-digit id of account `index`: distinct for every index (a bijection modulo
/// 900,000,000,000), and invented.
pub fn account_id(seed: u64, index: u64) -> String {
    const M: u64 = 900_000_000_000;
    let offset = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) % M;
    let id = 100_000_000_000 + (offset + (index % M) * 2_654_435_761 % M) % M;
    format!("{id:012}")
}

/// A managed policy by reference: AWS-managed (index into [`AWS_MANAGED`]) or this
/// account's own (index into its customer-managed policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Aws(usize),
    Customer(usize),
}

struct Inline {
    name: String,
    doc: String,
    /// URL-encoded although the rest of the export is not (a tool that mixes both).
    encoded: bool,
}

struct Policy {
    name: String,
    path: &'static str,
    id: String,
    doc: String,
    /// A non-default older version granting everything (only the default is effective).
    risky_old_version: bool,
    versions: u64,
    created: i64,
    updated: i64,
    attachments: u64,
}

struct Group {
    name: &'static str,
    id: String,
    created: i64,
    attached: Vec<Ref>,
    inline: Vec<Inline>,
}

impl Group {
    fn grants(&self) -> u64 {
        (self.attached.len() + self.inline.len()) as u64
    }
}

enum Tags {
    Absent,
    Empty,
    Owner(&'static str, String),
    OwnerAndCostCentre(String),
}

struct Principal {
    name: String,
    path: String,
    id: String,
    created: i64,
    attached: Vec<Ref>,
    inline: Vec<Inline>,
    tags: Tags,
    boundary: bool,
}

struct User {
    p: Principal,
    groups: Vec<usize>,
}

struct Role {
    p: Principal,
    /// The AWS policy of a service-linked role.
    linked_policy: Option<&'static str>,
    trust: String,
    last_used: Option<Option<(i64, &'static str)>>,
}

/// How one account's exports spell things.
struct Account {
    id: String,
    /// `true`/`false` as this account's report spells them.
    bools: [&'static str; 2],
    dates: Style,
    /// Documents URL-encoded (an export made with the raw Query API).
    encoded: bool,
    policies: Vec<Policy>,
    groups: Vec<Group>,
}

impl Account {
    fn bool(&self, rng: &mut Rng, b: bool) -> &'static str {
        // Some tools mix spellings within one report.
        if rng.chance(20) {
            return [["FALSE", "TRUE"], ["False", "True"]][rng.below(2) as usize][usize::from(b)];
        }
        self.bools[usize::from(b)]
    }

    fn doc(&self, doc: &str) -> String {
        self.doc_as(doc, self.encoded)
    }

    fn doc_as(&self, doc: &str, encoded: bool) -> String {
        if encoded || self.encoded {
            format!("\"{}\"", url_encode(doc))
        } else {
            doc.to_owned()
        }
    }

    fn policy_arn(&self, r: Ref) -> String {
        match r {
            Ref::Aws(i) => format!(
                "arn:aws:iam::aws:policy/{}{}",
                AWS_MANAGED[i].0, AWS_MANAGED[i].1
            ),
            Ref::Customer(i) => {
                let p = &self.policies[i];
                format!("arn:aws:iam::{}:policy{}{}", self.id, p.path, p.name)
            }
        }
    }

    fn policy_name(&self, r: Ref) -> &str {
        match r {
            Ref::Aws(i) => AWS_MANAGED[i].1,
            Ref::Customer(i) => &self.policies[i].name,
        }
    }
}

/// A policy document granting something of a random tier, compact JSON as IAM stores it.
fn document(rng: &mut Rng, account: &str) -> String {
    let team = rng.pick(TEAMS);
    let env = rng.pick(text::ENVS);
    let region = rng.pick(REGIONS);
    let bucket = format!("example-{team}-{env}-{}", rng.hex(4));
    match rng.below(100) {
        0..30 => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::{bucket}","arn:aws:s3:::{bucket}/*"]}}]}}"#
        ),
        30..45 => r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["cloudwatch:Describe*","logs:Get*","logs:FilterLogEvents"],"Resource":"*"}}"#.to_owned(),
        45..60 => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:{region}:{account}:{team}-{env}-events"}}]}}"#
        ),
        60..72 => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:{region}:{account}:table/{team}-{env}"}}]}}"#
        ),
        72..84 => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::{bucket}/*"}},{{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}}]}}"#
        ),
        84..90 => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["iam:PassRole","ecs:RunTask"],"Resource":["arn:aws:iam::{account}:role/{team}-task","*"]}}]}}"#
        ),
        90..94 => format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:PutBucketPolicy","Resource":"arn:aws:s3:::{bucket}"}}}}"#
        ),
        94..97 => r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.to_owned(),
        97..99 => r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#.to_owned(),
        _ => format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kinesis:PutRecord*","Resource":"arn:aws:kinesis:{region}:{account}:stream/{team}"}},{{"Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],"Resource":"*","Condition":{{"StringEquals":{{"kms:ViaService":"kinesis.{region}.amazonaws.com"}}}}}}]}}"#
        ),
    }
}

/// A trust policy: services, this account, another of the organisation's accounts, a vendor
/// with an external id, GitHub Actions (with or without a `sub` condition), the organisation.
/// `kind` picks the kind (a number below 1000, as the shares below), or `None` at random.
fn trust(rng: &mut Rng, account: &str, other: &str, kind: Option<u64>) -> String {
    let stmt = |principal: String, action: &str, condition: String| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"{action}"{condition}}}]}}"#
        )
    };
    let github = format!(
        r#"{{"Federated":"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"}}"#
    );
    match kind.unwrap_or_else(|| rng.below(1000)) {
        0..600 => {
            let service = rng.pick(&[
                "lambda.amazonaws.com",
                "ec2.amazonaws.com",
                "ecs-tasks.amazonaws.com",
                "glue.amazonaws.com",
                "states.amazonaws.com",
            ]);
            stmt(format!(r#"{{"Service":"{service}"}}"#), "sts:AssumeRole", String::new())
        }
        600..750 => stmt(
            format!(r#"{{"AWS":"arn:aws:iam::{account}:root"}}"#),
            "sts:AssumeRole",
            String::new(),
        ),
        750..830 => stmt(
            format!(r#"{{"AWS":["arn:aws:iam::{other}:role/ci-deployer","arn:aws:iam::{account}:root"]}}"#),
            "sts:AssumeRole",
            String::new(),
        ),
        830..880 => {
            let (_, vendor) = rng.pick(VENDORS);
            stmt(
                format!(r#"{{"AWS":"arn:aws:iam::{vendor}:root"}}"#),
                "sts:AssumeRole",
                format!(
                    r#","Condition":{{"StringEquals":{{"sts:ExternalId":"{}"}}}}"#,
                    rng.hex(16)
                ),
            )
        }
        880..940 => stmt(
            github,
            "sts:AssumeRoleWithWebIdentity",
            format!(
                r#","Condition":{{"StringEquals":{{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}},"StringLike":{{"token.actions.githubusercontent.com:sub":"repo:example-org/{}-{}:*"}}}}"#,
                rng.pick(TEAMS),
                rng.pick(PURPOSES)
            ),
        ),
        940..945 => stmt(
            github,
            "sts:AssumeRoleWithWebIdentity",
            r#","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#.to_owned(),
        ),
        945..998 => stmt(
            r#""*""#.to_owned(),
            "sts:AssumeRole",
            r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-example1234"}}"#.to_owned(),
        ),
        _ => stmt(r#"{"AWS":"*"}"#.to_owned(), "sts:AssumeRole", String::new()),
    }
}

fn tags(rng: &mut Rng) -> Tags {
    match rng.below(10) {
        0..3 => Tags::Absent,
        3..5 => Tags::Empty,
        5..9 => Tags::Owner(
            if rng.chance(800) { "Owner" } else { "owner" },
            text::owner(rng),
        ),
        _ => Tags::OwnerAndCostCentre(text::owner(rng)),
    }
}

/// `k` distinct managed or inline policies for one principal.
fn pick_policies(rng: &mut Rng, k: u64, acct: &Account) -> (Vec<Ref>, Vec<Inline>) {
    let customer = acct.policies.len();
    let mut refs: Vec<Ref> = Vec::with_capacity(k as usize);
    let mut inline = Vec::new();
    if rng.chance(15) {
        // Over-privileged on purpose: the finding a review exists for.
        refs.push(Ref::Aws(rng.below(COMMON as u64) as usize));
    }
    while ((refs.len() + inline.len()) as u64) < k {
        let roll = rng.below(100);
        let candidate = if roll < 6 {
            None
        } else if roll < 40 {
            Some(Ref::Aws(
                COMMON + rng.skewed((AWS_MANAGED.len() - COMMON) as u64) as usize,
            ))
        } else {
            Some(Ref::Customer(rng.skewed(customer as u64) as usize))
        };
        match candidate {
            Some(r) if !refs.contains(&r) => refs.push(r),
            _ => inline.push(Inline {
                name: format!("{}-{}", rng.pick(PURPOSES), inline.len() + 1),
                doc: document(rng, &acct.id),
                encoded: rng.chance(10),
            }),
        }
    }
    (refs, inline)
}

fn principal_id(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", rng.chars(UPPER_ALNUM, 16))
}

/// A machine user's name, unique in its account by its index; one in a hundred long (IAM
/// allows 64 characters).
fn machine_name(rng: &mut Rng, i: u64) -> String {
    let (team, purpose) = (rng.pick(TEAMS), rng.pick(PURPOSES));
    let suffix = base36(i, 3);
    if rng.chance(10) {
        let long = format!("svc-{team}-{purpose}-legacy-integration-with-partner-systems-");
        let keep = 64 - suffix.len();
        return format!("{}{suffix}", &long[..long.len().min(keep)]);
    }
    format!("svc-{team}-{purpose}-{suffix}")
}

/// One key slot of the report: `active,last_rotated,last_used_date,region,service`.
fn key_slot(rng: &mut Rng, acct: &Account, created: i64, out: &mut String) -> bool {
    let rotated = rng.between(created, NOW - text::DAY);
    let active = !rng.chance(100);
    let _ = write!(
        out,
        ",{},{}",
        acct.bool(rng, active),
        Ts(rotated, Style::Offset)
    );
    if rng.chance(80) {
        // Never used.
        out.push_str(",N/A,N/A,N/A");
    } else {
        let used = rng.used_after(rotated);
        let s = rng.below(SERVICES.len() as u64) as usize;
        let region = if s < GLOBAL_SERVICES {
            "N/A"
        } else {
            rng.pick(REGIONS)
        };
        let _ = write!(out, ",{},{region},{}", Ts(used, Style::Offset), SERVICES[s]);
    }
    true
}

fn empty_key_slot(acct: &Account, out: &mut String) {
    out.push(',');
    out.push_str(acct.bools[0]);
    out.push_str(",N/A,N/A,N/A,N/A");
}

fn cert_slot(rng: &mut Rng, acct: &Account, created: i64, present: bool, out: &mut String) -> bool {
    if present {
        let rotated = rng.between(created, NOW - text::DAY);
        let active = !rng.chance(300);
        let _ = write!(
            out,
            ",{},{}",
            acct.bool(rng, active),
            Ts(rotated, Style::Offset)
        );
    } else {
        out.push(',');
        out.push_str(acct.bools[0]);
        out.push_str(",N/A");
    }
    present
}

/// Generate every account: rows into the one credential report, and each account's
/// authorization details. `users` and `roles` are the machine identities to make.
pub fn generate(
    seed: u64,
    grants: u64,
    users: u64,
    roles: u64,
    dir: &Path,
) -> io::Result<Vec<FileSummary>> {
    let mut files = Vec::new();
    if users + roles == 0 {
        return Ok(files);
    }
    let report_path = PathBuf::from("aws/credential-report.csv");
    let mut report = create(dir, &report_path)?;
    report.write_all(HEADER.as_bytes())?;
    let mut report_counts = Counts::default();
    let (mut users_left, mut roles_left) = (users, roles);
    // Bytes per principal grow with grants: keep each export well inside the importer's
    // 64 MiB for a document read whole (and inside IAM's 5,000 users an account).
    let cap = (30_000_000 / (grants.max(1) * 220)).clamp(50, 5000);
    let mut index = 0;
    while users_left + roles_left > 0 {
        let mut rng = Rng::stream(seed, "aws", index);
        let size = rng.unit_size(100).min(cap);
        let share = (size * users / (users + roles)).max(1);
        let machine_users = users_left.min(share);
        let role_count = roles_left.min(size.saturating_sub(machine_users).max(1));
        users_left -= machine_users;
        roles_left -= role_count;
        // Another account of the organisation, for cross-account trust.
        let other = account_id(seed, if index == 0 { 1 } else { index - 1 });
        let (rc, details) = account(
            &mut rng,
            seed,
            index,
            grants,
            machine_users,
            role_count,
            &other,
            &mut report,
            dir,
        )?;
        report_counts += rc;
        files.push(details);
        index += 1;
    }
    // Real reports may end without a final newline: this one does.
    report.flush()?;
    drop(report);
    let bytes = std::fs::metadata(dir.join(&report_path))?.len();
    files.insert(
        0,
        FileSummary {
            path: report_path,
            format: "aws-credential-report",
            account: None,
            counts: report_counts,
            bytes,
        },
    );
    Ok(files)
}

impl Account {
    /// A new account: how its exports spell things, its own policies, its groups.
    fn new(rng: &mut Rng, seed: u64, index: u64, grants: u64) -> Account {
        let id = account_id(seed, index);
        let bools = match rng.below(100) {
            0..85 => ["false", "true"],
            85..95 => ["FALSE", "TRUE"],
            _ => ["False", "True"],
        };
        let dates = if rng.chance(200) {
            Style::Z
        } else {
            Style::Offset
        };
        let encoded = rng.chance(30);
        let customer = (20 + 3 * grants).min(400);
        let policies = (0..customer)
            .map(|i| {
                let created = rng.created();
                // The first account's most attached policy has an older version granting
                // everything.
                let first = index == 0 && i == 0;
                let versions = if first { 2 } else { rng.range(1, 4) };
                Policy {
                    name: format!(
                        "ex-{}-{}-{}",
                        rng.pick(TEAMS),
                        rng.pick(PURPOSES),
                        base36(i, 2)
                    ),
                    path: if rng.chance(300) { "/service/" } else { "/" },
                    id: principal_id(rng, "ANPA"),
                    doc: document(rng, &id),
                    risky_old_version: first || (versions > 1 && rng.chance(100)),
                    versions,
                    created,
                    updated: rng.between(created, NOW - text::DAY),
                    attachments: 0,
                }
            })
            .collect();
        // Groups: two to six, one of them perhaps the admins.
        let count = rng.range(2, 6) as usize;
        let start = rng.below(GROUPS.len() as u64) as usize;
        let groups = (0..count)
            .map(|g| {
                let name = GROUPS[(start + g) % GROUPS.len()];
                let mut attached = Vec::new();
                if name == "admins" {
                    attached.push(Ref::Aws(0));
                }
                for _ in 0..rng.range(1, 2) {
                    let r = if rng.chance(500) {
                        Ref::Aws(COMMON + rng.skewed((AWS_MANAGED.len() - COMMON) as u64) as usize)
                    } else {
                        Ref::Customer(rng.below(customer) as usize)
                    };
                    if !attached.contains(&r) {
                        attached.push(r);
                    }
                }
                let inline = if rng.chance(300) {
                    vec![Inline {
                        name: format!("{name}-extra"),
                        doc: document(rng, &id),
                        encoded: false,
                    }]
                } else {
                    Vec::new()
                };
                Group {
                    name,
                    id: principal_id(rng, "AGPA"),
                    created: rng.created(),
                    attached,
                    inline,
                }
            })
            .collect();
        Account {
            bools,
            dates,
            encoded,
            id,
            policies,
            groups,
        }
    }

    /// The `<root_account>` row, first in the report, as AWS writes it; a member account's
    /// root may have no password.
    fn root_row(&self, rng: &mut Rng, line: &mut String) {
        let created = rng.created().min(NOW - 400 * text::DAY);
        let member = rng.chance(300);
        let used = if rng.chance(300) {
            "no_information".to_owned()
        } else {
            Ts(rng.used_after(created), Style::Offset).to_string()
        };
        let _ = write!(
            line,
            "\n<root_account>,arn:aws:iam::{}:root,{},{},{used},not_supported,not_supported,{}",
            self.id,
            Ts(created, Style::Offset),
            if member {
                self.bools[0]
            } else {
                "not_supported"
            },
            self.bools[usize::from(!member)],
        );
        empty_key_slot(self, line);
        empty_key_slot(self, line);
        cert_slot(rng, self, created, false, line);
        cert_slot(rng, self, created, false, line);
    }

    /// A person's report row (password use, perhaps a key of their own).
    fn person_row(&self, rng: &mut Rng, created: i64, line: &mut String) {
        let last = match rng.below(100) {
            0..15 => "no_information".to_owned(),
            15..22 => "N/A".to_owned(),
            _ => Ts(rng.used_after(created), Style::Offset).to_string(),
        };
        let mfa = rng.chance(700);
        let _ = write!(
            line,
            ",{},{last},{},N/A,{}",
            self.bool(rng, true),
            Ts(rng.between(created, NOW - text::DAY), Style::Offset),
            self.bool(rng, mfa)
        );
        if rng.chance(300) {
            key_slot(rng, self, created, line);
        } else {
            empty_key_slot(self, line);
        }
        empty_key_slot(self, line);
        cert_slot(rng, self, created, false, line);
        cert_slot(rng, self, created, false, line);
    }

    /// A machine's report row: no password, keys and certificates. Returns its credentials.
    fn machine_row(&self, rng: &mut Rng, created: i64, line: &mut String) -> u64 {
        let _ = write!(
            line,
            ",{},N/A,N/A,N/A,{}",
            self.bool(rng, false),
            self.bool(rng, false)
        );
        let mut slots = 0;
        for per_mille in [900, 200] {
            if rng.chance(per_mille) {
                slots += u64::from(key_slot(rng, self, created, line));
            } else {
                empty_key_slot(self, line);
            }
        }
        let c1 = rng.chance(40);
        slots += u64::from(cert_slot(rng, self, created, c1, line));
        let c2 = c1 && rng.chance(200);
        slots += u64::from(cert_slot(rng, self, created, c2, line));
        slots
    }

    /// User `i` (a person when `person` is its number among the people): its report row into
    /// `line`, and what the authorization details say of it.
    fn user(
        &self,
        rng: &mut Rng,
        i: u64,
        person: Option<u64>,
        grants: u64,
        line: &mut String,
    ) -> (User, u64) {
        let created = rng.created();
        let (name, path) = match person {
            // `first.last` of someone among the staff, and which person of the account.
            Some(n) => {
                let email = text::person_email(rng.below(100_000));
                let local = email.split('@').next().unwrap_or_default();
                (format!("{local}.{}", base36(n + 1, 2)), "/".to_owned())
            }
            None => (machine_name(rng, i), (*rng.pick(USER_PATHS)).to_owned()),
        };
        // One machine user in two hundred sits under another path in the report than in the
        // authorization details: the two join on account and user name.
        let moved = person.is_none() && rng.chance(5);
        let report_path = match (moved, path.as_str()) {
            (true, "/") => "/legacy/",
            (true, _) => "/",
            (false, p) => p,
        };
        let _ = write!(
            line,
            "\n{name},arn:aws:iam::{}:user{report_path}{name},{}",
            self.id,
            Ts(created, Style::Offset)
        );
        let credentials = match person {
            Some(_) => {
                self.person_row(rng, created, line);
                0
            }
            None => self.machine_row(rng, created, line),
        };
        let memberships = match (person.is_some(), rng.below(100)) {
            (true, 0..20) | (false, 0..70) => 0,
            (true, 20..80) | (false, 70..95) => 1,
            _ => 2,
        };
        let mut groups = Vec::new();
        for _ in 0..memberships {
            let g = rng.below(self.groups.len() as u64) as usize;
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        let inherited: u64 = groups.iter().map(|g| self.groups[*g].grants()).sum();
        let k = rng.around(grants);
        let (attached, inline) = pick_policies(rng, k.saturating_sub(inherited), self);
        let user = User {
            p: Principal {
                name,
                path,
                id: principal_id(rng, "AIDA"),
                created,
                attached,
                inline,
                tags: tags(rng),
                boundary: rng.chance(30),
            },
            groups,
        };
        (user, credentials)
    }

    /// A user's grants: direct ones and those of its groups.
    fn grants_of(&self, u: &User) -> u64 {
        let inherited: u64 = u.groups.iter().map(|g| self.groups[*g].grants()).sum();
        inherited + (u.p.attached.len() + u.p.inline.len()) as u64
    }

    /// A service-linked role of one service.
    fn linked_role(
        &self,
        rng: &mut Rng,
        (service, name, policy): (&str, &str, &'static str),
    ) -> Role {
        let created = rng.created();
        Role {
            p: Principal {
                name: name.to_owned(),
                path: format!("/aws-service-role/{service}/"),
                id: principal_id(rng, "AROA"),
                created,
                attached: Vec::new(),
                inline: Vec::new(),
                tags: Tags::Absent,
                boundary: false,
            },
            linked_policy: Some(policy),
            trust: format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
            ),
            last_used: Some(Some((rng.used_after(created), *rng.pick(REGIONS)))),
        }
    }

    /// One of the account's own roles; `trust_kind` forces its trust (see [`trust`]).
    fn role(
        &self,
        rng: &mut Rng,
        i: u64,
        grants: u64,
        other: &str,
        trust_kind: Option<u64>,
    ) -> Role {
        let created = rng.created();
        let k = rng.around(grants);
        let (attached, inline) = pick_policies(rng, k, self);
        let (team, purpose, env) = (rng.pick(TEAMS), rng.pick(PURPOSES), rng.pick(text::ENVS));
        Role {
            p: Principal {
                name: format!("{team}-{purpose}-{env}-{}", base36(i, 3)),
                path: match rng.below(10) {
                    0..7 => "/".to_owned(),
                    7..9 => "/service-role/".to_owned(),
                    _ => format!("/{team}/"),
                },
                id: principal_id(rng, "AROA"),
                created,
                attached,
                inline,
                tags: tags(rng),
                boundary: rng.chance(50),
            },
            linked_policy: None,
            trust: trust(rng, &self.id, other, trust_kind),
            last_used: match rng.below(100) {
                0..65 => Some(Some((rng.used_after(created), *rng.pick(REGIONS)))),
                65..95 => Some(None),
                _ => None,
            },
        }
    }

    /// Count attachments of each of its policies; whether `AdministratorAccess` is attached.
    fn count_attachments(&mut self, users: &[User], roles: &[Role]) -> bool {
        let mut admin = false;
        let mut counts = vec![0u64; self.policies.len()];
        let refs = users
            .iter()
            .flat_map(|u| u.p.attached.iter())
            .chain(roles.iter().flat_map(|r| r.p.attached.iter()))
            .chain(self.groups.iter().flat_map(|g| g.attached.iter()));
        for r in refs {
            match r {
                Ref::Customer(i) => counts[*i] += 1,
                Ref::Aws(0) => admin = true,
                Ref::Aws(_) => {}
            }
        }
        for (p, n) in self.policies.iter_mut().zip(counts) {
            p.attachments = n;
        }
        admin
    }
}

/// One account: its rows of the credential report (its counts returned) and its
/// authorization details (written, and summarised).
#[allow(clippy::too_many_arguments)]
fn account(
    rng: &mut Rng,
    seed: u64,
    index: u64,
    grants: u64,
    machine_users: u64,
    role_count: u64,
    other: &str,
    report: &mut impl Write,
    dir: &Path,
) -> io::Result<(Counts, FileSummary)> {
    let mut acct = Account::new(rng, seed, index, grants);
    let (mut counts, mut details) = (Counts::default(), Counts::default());
    let mut line = String::with_capacity(512);
    acct.root_row(rng, &mut line);
    report.write_all(line.as_bytes())?;

    // Users: the machines, and about one person in ten rows among them, spread through.
    let people = machine_users / 9 + u64::from(rng.chance(500));
    let total = machine_users + people;
    let mut users = Vec::with_capacity(total as usize);
    for i in 0..total {
        let person_no = i * people / total;
        let person = (people > 0 && person_no != (i + 1) * people / total).then_some(person_no);
        line.clear();
        let (user, credentials) = acct.user(rng, i, person, grants, &mut line);
        report.write_all(line.as_bytes())?;
        if person.is_some() {
            counts.people += 1;
            details.people += 1;
        } else {
            counts.identities += 1;
            counts.credentials += credentials;
            details.grants += acct.grants_of(&user);
        }
        users.push(user);
    }

    // Roles: service-linked ones first (each service once), then the account's own. The first
    // account holds each rare trust at least once: GitHub without a `sub` condition, anyone,
    // a vendor.
    let linked = (role_count / 4)
        .min(rng.range(1, SERVICE_LINKED.len() as u64))
        .min(role_count);
    let mut roles = Vec::with_capacity(role_count as usize);
    for i in 0..role_count {
        let role = if i < linked {
            acct.linked_role(rng, SERVICE_LINKED[i as usize])
        } else {
            let kind = match (index, i - linked) {
                (0, 0) => Some(940),
                (0, 1) => Some(999),
                (0, 2) => Some(830),
                _ => None,
            };
            acct.role(rng, i, grants, other, kind)
        };
        details.identities += 1;
        details.grants += (role.p.attached.len() + role.p.inline.len()) as u64
            + u64::from(role.linked_policy.is_some());
        roles.push(role);
    }

    // The first account has at least one URL-encoded inline document among object ones.
    if index == 0
        && let Some(p) = users
            .iter_mut()
            .flat_map(|u| u.p.inline.iter_mut())
            .chain(roles.iter_mut().flat_map(|r| r.p.inline.iter_mut()))
            .next()
    {
        p.encoded = true;
    }

    let admin_attached = acct.count_attachments(&users, &roles);
    let path = PathBuf::from(format!("aws/authorization-details-{}.json", acct.id));
    let mut j = JsonOut::new(create(dir, &path)?, 4);
    write_details(&mut j, &acct, &users, &roles, admin_attached)?;
    j.finish()?;
    let bytes = std::fs::metadata(dir.join(&path))?.len();
    Ok((
        counts,
        FileSummary {
            path,
            format: "aws-authorization-details",
            account: None,
            counts: details,
            bytes,
        },
    ))
}

fn write_attached<W: Write>(j: &mut JsonOut<W>, acct: &Account, refs: &[Ref]) -> io::Result<()> {
    j.key("AttachedManagedPolicies")?.arr()?;
    for r in refs {
        j.obj()?
            .field("PolicyName", acct.policy_name(*r))?
            .field("PolicyArn", &acct.policy_arn(*r))?
            .end_obj()?;
    }
    j.end_arr()?;
    Ok(())
}

fn write_inline<W: Write>(
    j: &mut JsonOut<W>,
    acct: &Account,
    key: &str,
    list: &[Inline],
) -> io::Result<()> {
    j.key(key)?.arr()?;
    for p in list {
        j.obj()?
            .field("PolicyName", &p.name)?
            .field_raw("PolicyDocument", acct.doc_as(&p.doc, p.encoded))?
            .end_obj()?;
    }
    j.end_arr()?;
    Ok(())
}

fn write_tags<W: Write>(j: &mut JsonOut<W>, tags: &Tags) -> io::Result<()> {
    let tag = |j: &mut JsonOut<W>, k: &str, v: &str| -> io::Result<()> {
        j.obj()?.field("Key", k)?.field("Value", v)?.end_obj()?;
        Ok(())
    };
    match tags {
        Tags::Absent => {}
        Tags::Empty => {
            j.key("Tags")?.arr()?.end_arr()?;
        }
        Tags::Owner(key, owner) => {
            j.key("Tags")?.arr()?;
            tag(j, key, owner)?;
            j.end_arr()?;
        }
        Tags::OwnerAndCostCentre(owner) => {
            j.key("Tags")?.arr()?;
            tag(j, "Kostenstelle", "Vertrieb-Süd")?;
            tag(j, "Owner", owner)?;
            j.end_arr()?;
        }
    }
    Ok(())
}

fn write_boundary<W: Write>(j: &mut JsonOut<W>, acct: &Account, p: &Principal) -> io::Result<()> {
    if p.boundary {
        j.key("PermissionsBoundary")?
            .obj()?
            .field("PermissionsBoundaryType", "Policy")?
            .field(
                "PermissionsBoundaryArn",
                &format!("arn:aws:iam::{}:policy/ex-boundary", acct.id),
            )?
            .end_obj()?;
    }
    Ok(())
}

fn write_details<W: Write>(
    j: &mut JsonOut<W>,
    acct: &Account,
    users: &[User],
    roles: &[Role],
    admin_attached: bool,
) -> io::Result<()> {
    let id = &acct.id;
    let ts = |t: i64| Ts(t, acct.dates);
    j.obj()?.key("UserDetailList")?.arr()?;
    for u in users {
        let p = &u.p;
        j.obj()?
            .field("Path", &p.path)?
            .field("UserName", &p.name)?
            .field("UserId", &p.id)?
            .key("Arn")?
            .fmt(format_args!("arn:aws:iam::{id}:user{}{}", p.path, p.name))?
            .key("CreateDate")?
            .fmt(ts(p.created))?;
        write_inline(j, acct, "UserPolicyList", &p.inline)?;
        j.key("GroupList")?.arr()?;
        for g in &u.groups {
            j.str(acct.groups[*g].name)?;
        }
        j.end_arr()?;
        write_attached(j, acct, &p.attached)?;
        write_boundary(j, acct, p)?;
        write_tags(j, &p.tags)?;
        j.end_obj()?;
    }
    j.end_arr()?.key("GroupDetailList")?.arr()?;
    for g in &acct.groups {
        j.obj()?
            .field("Path", "/")?
            .field("GroupName", g.name)?
            .field("GroupId", &g.id)?
            .key("Arn")?
            .fmt(format_args!("arn:aws:iam::{id}:group/{}", g.name))?
            .key("CreateDate")?
            .fmt(ts(g.created))?;
        write_inline(j, acct, "GroupPolicyList", &g.inline)?;
        write_attached(j, acct, &g.attached)?;
        j.end_obj()?;
    }
    j.end_arr()?.key("RoleDetailList")?.arr()?;
    for r in roles {
        let p = &r.p;
        j.obj()?
            .field("Path", &p.path)?
            .field("RoleName", &p.name)?
            .field("RoleId", &p.id)?
            .key("Arn")?
            .fmt(format_args!("arn:aws:iam::{id}:role{}{}", p.path, p.name))?
            .key("CreateDate")?
            .fmt(ts(p.created))?
            .field_raw("AssumeRolePolicyDocument", acct.doc(&r.trust))?
            .key("InstanceProfileList")?
            .arr()?
            .end_arr()?;
        write_inline(j, acct, "RolePolicyList", &p.inline)?;
        match r.linked_policy {
            Some(policy) => {
                j.key("AttachedManagedPolicies")?
                    .arr()?
                    .obj()?
                    .field("PolicyName", policy)?
                    .key("PolicyArn")?
                    .fmt(format_args!(
                        "arn:aws:iam::aws:policy/aws-service-role/{policy}"
                    ))?
                    .end_obj()?
                    .end_arr()?;
            }
            None => write_attached(j, acct, &p.attached)?,
        }
        write_boundary(j, acct, p)?;
        write_tags(j, &p.tags)?;
        match r.last_used {
            None => {}
            Some(None) => {
                j.key("RoleLastUsed")?.obj()?.end_obj()?;
            }
            Some(Some((t, region))) => {
                j.key("RoleLastUsed")?
                    .obj()?
                    .key("LastUsedDate")?
                    .fmt(ts(t))?
                    .field("Region", region)?
                    .end_obj()?;
            }
        }
        j.end_obj()?;
    }
    j.end_arr()?.key("Policies")?.arr()?;
    if admin_attached {
        let created = text::days_from_civil(2015, 2, 6) * text::DAY + 18 * 3600 + 39 * 60 + 46;
        j.obj()?
            .field("PolicyName", "AdministratorAccess")?
            .field("PolicyId", "ANPAIWMBCKSKIEE64ZLYK")?
            .field("Arn", "arn:aws:iam::aws:policy/AdministratorAccess")?
            .field("Path", "/")?
            .field("DefaultVersionId", "v1")?
            .field_raw("AttachmentCount", 1)?
            .field_raw("PermissionsBoundaryUsageCount", 0)?
            .field_raw("IsAttachable", true)?
            .key("CreateDate")?
            .fmt(ts(created))?
            .key("UpdateDate")?
            .fmt(ts(created))?
            .key("PolicyVersionList")?
            .arr()?
            .obj()?
            .field_raw(
                "Document",
                acct.doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
            )?
            .field("VersionId", "v1")?
            .field_raw("IsDefaultVersion", true)?
            .key("CreateDate")?
            .fmt(ts(created))?
            .end_obj()?
            .end_arr()?
            .end_obj()?;
    }
    for p in &acct.policies {
        j.obj()?
            .field("PolicyName", &p.name)?
            .field("PolicyId", &p.id)?
            .key("Arn")?
            .fmt(format_args!("arn:aws:iam::{id}:policy{}{}", p.path, p.name))?
            .field("Path", p.path)?
            .key("DefaultVersionId")?
            .fmt(format_args!("v{}", p.versions))?
            .field_raw("AttachmentCount", p.attachments)?
            .field_raw("PermissionsBoundaryUsageCount", 0)?
            .field_raw("IsAttachable", true)?
            .key("CreateDate")?
            .fmt(ts(p.created))?
            .key("UpdateDate")?
            .fmt(ts(p.updated))?
            .key("PolicyVersionList")?
            .arr()?;
        // Newest (the default) first, as IAM lists them.
        for v in (1..=p.versions).rev() {
            let doc = if v == p.versions {
                p.doc.as_str()
            } else if p.risky_old_version && v == p.versions - 1 {
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#
            } else {
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#
            };
            j.obj()?
                .field_raw("Document", acct.doc(doc))?
                .key("VersionId")?
                .fmt(format_args!("v{v}"))?
                .field_raw("IsDefaultVersion", v == p.versions)?
                .key("CreateDate")?
                .fmt(ts(if v == p.versions {
                    p.updated
                } else {
                    p.created
                }))?
                .end_obj()?;
        }
        j.end_arr()?.end_obj()?;
    }
    j.end_arr()?.end_obj()?;
    Ok(())
}
