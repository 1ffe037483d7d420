//! `aws iam get-account-authorization-details`: users, roles (with trust policies and last use),
//! groups and policies. Grants are attached managed policies and inline policies, each with a
//! privilege tier read from the policy's **default** version; group policies reach members as
//! grants `via` the group. Users join the credential report on account and user name (see
//! [`IdentityKey::join_key`]). Roles carry who may assume them (public, other accounts).

use std::collections::HashMap;

use serde_json::Value;

use super::account_of_arn;
use crate::ImportError;
use crate::json::{Emitter, Field, Obj, Outcome, each_item};
use crate::model::{Grant, Identity, IdentityKey, Record, Status, Tier, Trust};

/// Verb prefixes of actions that only read (compared case-insensitively: `apigateway:GET`).
const READ_PREFIXES: &[&str] = &[
    "get", "list", "describe", "view", "search", "query", "scan", "batchget", "select", "lookup",
    "read", "head", "options", "filter",
];

/// Actions that read although their verb does not say so.
const READ_ACTIONS: &[&str] = &[
    "iam:generatecredentialreport",
    "iam:generateservicelastaccesseddetails",
    "iam:generateorganizationsaccessreport",
    "cloudformation:estimatetemplatecost",
    "cloudformation:validatetemplate",
];

/// Write verbs that change who may do what on a resource (resource-policy writes): admin.
const POLICY_WRITE_VERBS: &[&str] = &["addpermission", "creategrant"];

/// Decode a policy document: an object (CLI, boto3) or a URL-encoded JSON string (Query API).
fn document(v: &Value) -> Option<Value> {
    match v {
        Value::Object(_) => Some(v.clone()),
        Value::String(s) => {
            let decoded = percent_decode(s);
            serde_json::from_str(&decoded).ok()
        }
        _ => None,
    }
}

/// Decode `%XX` escapes and `+` (IAM's URL-encoded policy documents): a `%` not followed by
/// two hex digits stays as it is; bytes that do not form UTF-8 become U+FFFD.
fn percent_decode(s: &str) -> String {
    // `+` first: an encoded plus (`%2B`) must survive as a plus.
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn one_or_many(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

fn is_allow(st: &Value) -> bool {
    st.get("Effect")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("Allow"))
}

/// Tier of one action or action pattern (`s3:Get*`, `iam:*`, `*`), by what it can do:
/// read-only verbs are read; any IAM write (`iam:PassRole`, `iam:Put*Policy`, …) and
/// resource-policy writes (`s3:PutBucketPolicy`, `lambda:AddPermission`) are admin, since each
/// can grant more access; every action on every resource (or on IAM resources) is admin; other
/// writes, and wildcards over one service other than IAM, are write.
pub fn tier_of_action(action: &str, all_resources: bool, iam_resources: bool) -> Tier {
    let lower = action.trim().to_ascii_lowercase();
    let (service, verb) = lower.split_once(':').unwrap_or(("*", lower.as_str()));
    if service == "*" && verb.chars().all(|c| c == '*') {
        return if all_resources || iam_resources {
            Tier::Admin
        } else {
            Tier::Write
        };
    }
    // The literal start of a pattern decides: `Get*` only matches reads, `*Object` anything.
    let literal = verb.split(['*', '?']).next().unwrap_or("");
    let reads = (!literal.is_empty() && READ_PREFIXES.iter().any(|p| literal.starts_with(p)))
        || READ_ACTIONS.contains(&lower.as_str())
        || (service == "iam" && literal.starts_with("simulate"));
    if reads {
        return Tier::Read;
    }
    if service == "iam" || service == "*" {
        // Any IAM write can grant access; a verb pattern over every service is as broad.
        return Tier::Admin;
    }
    let wildcard = verb.contains(['*', '?']);
    if !wildcard && (verb.contains("policy") || POLICY_WRITE_VERBS.contains(&verb)) {
        return Tier::Admin;
    }
    Tier::Write
}

/// Tier and resource summary of a policy document's Allow statements.
pub fn tier_of_document(doc: &Value) -> (Tier, String) {
    let mut tier = Tier::Read;
    let mut resources: Vec<String> = Vec::new();
    let mut any = false;
    for st in statements(doc) {
        if !is_allow(st) {
            continue;
        }
        any = true;
        // "Everything except …" resources are as broad as all resources.
        let not_resource = st.get("NotResource").is_some();
        let res = one_or_many(st.get("Resource"));
        let all_resources = not_resource || res.is_empty() || res.contains(&"*");
        let iam_resources = res.iter().any(|r| r.contains(":iam::"));
        let shown: Vec<&str> = if not_resource { vec!["*"] } else { res };
        for r in shown {
            if !resources.iter().any(|x| x == r) {
                resources.push(r.to_owned());
            }
        }
        if st.get("NotAction").is_some() {
            // "Every action except …" includes IAM and policy writes unless it is scoped.
            tier = tier.max(if all_resources {
                Tier::Admin
            } else {
                Tier::Write
            });
            continue;
        }
        for action in one_or_many(st.get("Action")) {
            tier = tier.max(tier_of_action(action, all_resources, iam_resources));
        }
    }
    if !any {
        return (Tier::Unknown, "*".into());
    }
    let resource = if resources.is_empty() || resources.iter().any(|r| r == "*") {
        "*".to_owned()
    } else if resources.len() == 1 {
        resources[0].clone()
    } else {
        format!("{} (+{} more)", resources[0], resources.len() - 1)
    };
    (tier, resource)
}

/// Tier of an AWS-managed policy the export does not define, by its well-known name.
fn tier_by_name(name: &str) -> Tier {
    match name {
        "AdministratorAccess" | "IAMFullAccess" => Tier::Admin,
        n if n.ends_with("ReadOnlyAccess") || n == "ReadOnlyAccess" || n == "ViewOnlyAccess" => {
            Tier::Read
        }
        n if n.ends_with("FullAccess") || n == "PowerUserAccess" => Tier::Write,
        _ => Tier::Unknown,
    }
}

/// Managed policies by ARN: name, tier and resource of the default version only.
struct Policies(HashMap<String, (Tier, String)>);

impl Policies {
    fn read(root: &Value) -> Policies {
        let mut map = HashMap::new();
        for p in root
            .get("Policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(arn) = p.get("Arn").and_then(Value::as_str) else {
                continue;
            };
            let name = p.get("PolicyName").and_then(Value::as_str).unwrap_or("");
            let default = p
                .get("PolicyVersionList")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|v| v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
                .and_then(|v| v.get("Document"))
                .and_then(document);
            let tiered = match default {
                Some(doc) if name == "AdministratorAccess" => {
                    (Tier::Admin, tier_of_document(&doc).1)
                }
                Some(doc) => tier_of_document(&doc),
                None => (tier_by_name(name), "*".into()),
            };
            map.insert(arn.to_owned(), tiered);
        }
        Policies(map)
    }

    fn attached(&self, holder: &IdentityKey, obj: &Obj, via: Option<&str>) -> Field<Vec<Grant>> {
        let mut out = Vec::new();
        for (i, v) in obj.arr("AttachedManagedPolicies")?.iter().enumerate() {
            let p = obj.item("AttachedManagedPolicies", i, v)?;
            let name = p.str("PolicyName")?;
            let arn = p.opt_str("PolicyArn")?.unwrap_or("");
            let (tier, resource) = self
                .0
                .get(arn)
                .cloned()
                .unwrap_or_else(|| (tier_by_name(name), "*".into()));
            let mut g = Grant::new(holder, name, &resource, tier);
            g.via = via.map(str::to_owned);
            out.push(g);
        }
        Ok(out)
    }
}

fn inline(holder: &IdentityKey, obj: &Obj, list: &str, via: Option<&str>) -> Field<Vec<Grant>> {
    let mut out = Vec::new();
    for (i, v) in obj.arr(list)?.iter().enumerate() {
        let p = obj.item(list, i, v)?;
        let name = p.str("PolicyName")?;
        let doc = p
            .get("PolicyDocument")
            .and_then(document)
            .ok_or_else(|| p.error("PolicyDocument", "missing or not a policy document"))?;
        let (tier, resource) = tier_of_document(&doc);
        let mut g = Grant::new(holder, &format!("inline:{name}"), &resource, tier);
        g.via = via.map(str::to_owned);
        out.push(g);
    }
    Ok(out)
}

fn tag(obj: &Obj, wanted: &[&str]) -> Field<Option<String>> {
    for (i, v) in obj.arr("Tags")?.iter().enumerate() {
        let t = obj.item("Tags", i, v)?;
        let key = t.opt_str("Key")?.unwrap_or("");
        if wanted.iter().any(|w| key.eq_ignore_ascii_case(w)) {
            return Ok(t.opt_str("Value")?.map(str::to_owned));
        }
    }
    Ok(None)
}

fn key_of(obj: &Obj) -> Field<IdentityKey> {
    let arn = obj.str("Arn")?;
    let account = account_of_arn(arn)
        .ok_or_else(|| obj.error("Arn", format!("'{arn}' is not an IAM ARN")))?;
    Ok(IdentityKey::new("aws", account, arn))
}

/// Condition keys that limit "anyone" to an organisation, account or principal.
const LIMITING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
];

/// Every condition key (lower-cased) of a statement, and the values of those that name accounts.
fn condition_keys(st: &Value) -> (Vec<String>, Vec<String>) {
    let mut keys = Vec::new();
    let mut accounts = Vec::new();
    if let Some(Value::Object(ops)) = st.get("Condition") {
        for op in ops.values() {
            if let Value::Object(kv) = op {
                for (k, v) in kv {
                    let k = k.to_ascii_lowercase();
                    if matches!(k.as_str(), "aws:principalaccount" | "aws:sourceaccount") {
                        accounts.extend(one_or_many(Some(v)).into_iter().map(str::to_owned));
                    }
                    keys.push(k);
                }
            }
        }
    }
    (keys, accounts)
}

/// Whether a statement's actions include assuming the role.
fn assumes(st: &Value) -> bool {
    let actions = one_or_many(st.get("Action"));
    actions.is_empty()
        || actions.iter().any(|a| {
            let a = a.to_ascii_lowercase();
            a == "*" || a == "sts:*" || a.starts_with("sts:assumerole")
        })
}

/// Who may assume a role, read from its trust policy (`AssumeRolePolicyDocument`), and whether
/// a foreign account may, with an `sts:ExternalId` (a vendor).
pub fn trust_of(doc: &Value, own_account: &str) -> (Trust, bool) {
    let mut trust = Trust::default();
    let mut vendor = false;
    for st in statements(doc) {
        if !is_allow(st) || !assumes(st) {
            continue;
        }
        let (keys, condition_accounts) = condition_keys(st);
        let limited = keys.iter().any(|k| LIMITING_KEYS.contains(&k.as_str()));
        let external_id = keys.iter().any(|k| k == "sts:externalid");
        let mut public = None;
        let mut foreign: Vec<String> = Vec::new();
        if st.get("NotPrincipal").is_some() {
            public = Some("NotPrincipal with Allow (everyone but the principals named)".to_owned());
        }
        match st.get("Principal") {
            Some(Value::String(p)) if p == "*" => public = Some("Principal \"*\"".to_owned()),
            Some(Value::Object(p)) => {
                for aws in one_or_many(p.get("AWS")) {
                    if aws == "*" {
                        public = Some("Principal {\"AWS\": \"*\"}".to_owned());
                    } else if let Some(a) = account_of_principal(aws)
                        && a != own_account
                    {
                        foreign.push(a.to_owned());
                    }
                }
                for fed in one_or_many(p.get("Federated")) {
                    let provider = fed.rsplit("oidc-provider/").next().unwrap_or(fed);
                    // OIDC providers (and the public web identity providers) vouch only for
                    // "a user of this provider": without a subject condition, any of them.
                    let web_identity = fed.contains(":oidc-provider/") || !fed.starts_with("arn:");
                    let needed = if provider.starts_with("cognito-identity.amazonaws.com") {
                        ":aud"
                    } else {
                        ":sub"
                    };
                    if web_identity && !keys.iter().any(|k| k.ends_with(needed)) {
                        public = Some(format!(
                            "federated {provider} without a '{}' condition (any of its users may assume it)",
                            needed.trim_start_matches(':')
                        ));
                    }
                }
            }
            _ => {}
        }
        if public.is_some() && limited {
            // "Anyone in these accounts or this organisation": not public, maybe foreign.
            public = None;
            foreign.extend(
                condition_accounts
                    .into_iter()
                    .filter(|a| a.as_str() != own_account),
            );
        }
        if trust.public.is_none() {
            trust.public = public;
        }
        vendor |= external_id && !foreign.is_empty();
        trust.foreign_accounts.extend(foreign);
    }
    trust.foreign_accounts.sort();
    trust.foreign_accounts.dedup();
    (trust, vendor)
}

fn account_of_principal(p: &str) -> Option<&str> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p);
    }
    p.split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
}

/// How long IAM keeps a role's last use (`RoleLastUsed`): an empty one means no use in this
/// many days, not "never used".
pub const ROLE_LAST_USED_WINDOW_DAYS: u32 = 400;

/// Parse the whole document (read whole: users need the groups and policies listed after them).
pub fn parse(root: &Value, em: &mut Emitter) -> Result<(), ImportError> {
    let file = em.file().to_owned();
    let lists = [
        "UserDetailList",
        "RoleDetailList",
        "GroupDetailList",
        "Policies",
    ];
    if !root.is_object() || !lists.iter().any(|k| root.get(*k).is_some()) {
        return Err(ImportError::new(
            &file,
            crate::Location::Path("$".into()),
            None,
            "not aws-authorization-details: expected an object with UserDetailList, RoleDetailList, GroupDetailList or Policies",
        ));
    }
    for k in lists {
        if let Some(v) = root.get(k)
            && !v.is_array()
            && !v.is_null()
        {
            return Err(ImportError::new(
                &file,
                crate::Location::Path(format!("$.{k}")),
                Some(k),
                format!("expected a list, found {}", crate::json::kind(v)),
            ));
        }
    }
    let listed = |k: &str| root.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    if listed("UserDetailList") + listed("RoleDetailList") == 0 {
        return Err(ImportError::new(
            &file,
            crate::Location::Path("$".into()),
            None,
            "lists no users and no roles: every account has at least its service-linked roles; was the export filtered (--filter) or cut short?",
        ));
    }
    let policies = Policies::read(root);
    // Group name → the grants its members inherit (computed per member below).
    let groups: HashMap<&str, &Value> = root
        .get("GroupDetailList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| Some((g.get("GroupName")?.as_str()?, g)))
        .collect();
    let list = |k: &str| {
        root.get(k)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    };
    each_item(list("UserDetailList"), "$.UserDetailList", em, |u| {
        let key = key_of(&u)?;
        let name = u.str("UserName")?;
        let mut identity = Identity::new(key.clone(), "iam_user", name);
        identity.created_at = u.time("CreateDate")?;
        identity.owner = tag(&u, &["Owner", "owner"])?;
        // Users' use is in the credential report, not here: say nothing, erase nothing.
        identity.usage_tracked = None;
        let mut records = vec![Record::Identity(identity)];
        for g in policies.attached(&key, &u, None)?.into_iter().chain(inline(
            &key,
            &u,
            "UserPolicyList",
            None,
        )?) {
            records.push(Record::Grant(g));
        }
        for group in u.strings("GroupList")? {
            let Some(gv) = groups.get(group) else {
                continue;
            };
            let gpath = format!("$.GroupDetailList[{group}]");
            let g = Obj::new(gv, gpath)?;
            let via = format!("group:{group}");
            for grant in policies
                .attached(&key, &g, Some(&via))?
                .into_iter()
                .chain(inline(&key, &g, "GroupPolicyList", Some(&via))?)
            {
                records.push(Record::Grant(grant));
            }
        }
        Ok(Outcome::records(records))
    })?;
    each_item(list("RoleDetailList"), "$.RoleDetailList", em, |r| {
        let key = key_of(&r)?;
        let name = r.str("RoleName")?;
        let path = r.opt_str("Path")?.unwrap_or("/");
        let kind = if path.starts_with("/aws-service-role/") {
            "service_linked_role"
        } else {
            "iam_role"
        };
        let mut identity = Identity::new(key.clone(), kind, name);
        identity.created_at = r.time("CreateDate")?;
        identity.owner = tag(&r, &["Owner", "owner"])?;
        // A service-linked role belongs to the AWS service named in its path (only that
        // service may change it): that service is its owner unless a tag says otherwise.
        if kind == "service_linked_role" && identity.owner.is_none() {
            let service = path
                .trim_start_matches("/aws-service-role/")
                .trim_end_matches('/');
            identity.owner = Some(format!("aws-service:{service}"));
        }
        // Unknown unless the export carries the role's last use; an empty RoleLastUsed means
        // no use within IAM's 400-day window, which is not "never used" either.
        match r.obj("RoleLastUsed")? {
            None => identity.usage_tracked = Some(false),
            Some(last) => match last.time("LastUsedDate")? {
                Some(t) => {
                    identity.usage_tracked = Some(true);
                    identity.last_used_at = Some(t);
                }
                None => {
                    identity.usage_tracked = Some(false);
                    identity.unused_within_days = Some(ROLE_LAST_USED_WINDOW_DAYS);
                }
            },
        }
        let trust_doc = match r.get("AssumeRolePolicyDocument") {
            Some(v) => Some(document(v).ok_or_else(|| {
                r.error(
                    "AssumeRolePolicyDocument",
                    "not a policy document (expected an object or a URL-encoded JSON string)",
                )
            })?),
            None => None,
        };
        let (trust, vendor) = trust_doc
            .as_ref()
            .map(|d| trust_of(d, &key.account))
            .unwrap_or_default();
        identity.third_party = vendor;
        identity.trust = Some(trust);
        identity.status = Status::Active;
        let mut records = vec![Record::Identity(identity)];
        for g in policies.attached(&key, &r, None)?.into_iter().chain(inline(
            &key,
            &r,
            "RolePolicyList",
            None,
        )?) {
            records.push(Record::Grant(g));
        }
        Ok(Outcome::records(records))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tiers_of_policy_documents() {
        let admin = json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}});
        assert_eq!(tier_of_document(&admin).0, Tier::Admin);
        let iam = json!({"Statement": [{"Effect": "Allow", "Action": ["iam:PassRole"], "Resource": "arn:aws:iam::1:role/x"}]});
        assert_eq!(tier_of_document(&iam).0, Tier::Admin);
        let write = json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]}]});
        assert_eq!(
            tier_of_document(&write),
            (Tier::Write, "arn:aws:s3:::b/* (+1 more)".to_owned())
        );
        let read = json!({"Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}, {"Effect": "Deny", "Action": "*", "Resource": "*"}]});
        assert_eq!(tier_of_document(&read).0, Tier::Read);
        let not_action =
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]});
        assert_eq!(tier_of_document(&not_action).0, Tier::Admin);
        let encoded = Value::String("%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%7D".into());
        assert_eq!(
            document(&encoded).map(|d| tier_of_document(&d).0),
            Some(Tier::Admin)
        );
    }

    #[test]
    fn actions_are_read_by_what_they_do() {
        let cases = [
            ("ec2:Describe*", Tier::Read),
            ("iam:Get*", Tier::Read),
            ("iam:GenerateCredentialReport", Tier::Read),
            ("iam:SimulatePrincipalPolicy", Tier::Read),
            ("apigateway:GET", Tier::Read),
            ("s3:getobject", Tier::Read),
            ("s3:PutObject", Tier::Write),
            ("s3:*", Tier::Write),
            ("s3:*Object", Tier::Write),
            ("s3:PutBucketPolicy", Tier::Admin),
            ("lambda:AddPermission", Tier::Admin),
            ("iam:*", Tier::Admin),
            ("IAM:passrole", Tier::Admin),
            ("iam:CreateAccessKey", Tier::Admin),
            ("*:Put*", Tier::Admin),
            ("*:Describe*", Tier::Read),
        ];
        for (action, want) in cases {
            assert_eq!(tier_of_action(action, true, false), want, "{action}");
        }
        assert_eq!(tier_of_action("*", false, false), Tier::Write);
        assert_eq!(tier_of_action("*:*", true, false), Tier::Admin);
        assert_eq!(tier_of_action("*", false, true), Tier::Admin);
    }

    #[test]
    fn a_percent_before_a_multibyte_character_is_kept() {
        assert_eq!(percent_decode("100%é"), "100%é");
        assert_eq!(percent_decode("%é%"), "%é%");
        assert_eq!(percent_decode("a%2Fb+c%"), "a/b c%");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(
            percent_decode("a%2Bb"),
            "a+b",
            "an encoded plus stays a plus"
        );
    }

    #[test]
    fn trust_names_vendors_public_and_foreign_accounts() {
        let own = "111122223333";
        let vendor = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]});
        let (t, third) = trust_of(&vendor, own);
        assert!(third);
        assert_eq!(
            (t.public, t.foreign_accounts),
            (None, vec!["999988887777".to_owned()])
        );
        let service = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert_eq!(trust_of(&service, own), (Trust::default(), false));
        let public = json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}});
        assert_eq!(
            trust_of(&public, own).0.public.as_deref(),
            Some("Principal {\"AWS\": \"*\"}")
        );
        let org_only = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}});
        assert_eq!(trust_of(&org_only, own).0.public, None);
        let github = json!({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}});
        assert!(
            trust_of(&github, own)
                .0
                .public
                .is_some_and(|p| p.contains("token.actions.githubusercontent.com without a 'sub'"))
        );
        let pinned = json!({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
            "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/web:*"}}}});
        assert_eq!(trust_of(&pinned, own).0.public, None);
        let denied =
            json!({"Statement": {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}});
        assert_eq!(trust_of(&denied, own).0.public, None);
    }
}
