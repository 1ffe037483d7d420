//! `aws iam get-account-authorization-details`: users, roles (with trust policies and last use),
//! groups and policies. Grants are attached managed policies and inline policies, each with a
//! privilege tier read from the policy's **default** version; group policies reach members as
//! grants `via` the group. Users join the credential report on their ARN.

use std::collections::HashMap;

use serde_json::Value;

use super::account_of_arn;
use crate::json::{Field, Obj, Outcome, each_item};
use crate::model::{Grant, Identity, IdentityKey, Record, Sink, Status, Tally, Tier};
use crate::{ImportError, ImportOptions};

/// Actions that only read.
const READ_PREFIXES: &[&str] = &[
    "Get", "List", "Describe", "View", "Search", "Query", "Scan", "BatchGet", "Select", "Lookup",
    "Read",
];
/// IAM actions that can grant more access: holding them is admin.
const IAM_ESCALATION: &[&str] = &["*", "Put", "Attach", "Create", "Update", "PassRole", "Add"];

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

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn one_or_many(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Tier and resource summary of a policy document's Allow statements.
pub fn tier_of_document(doc: &Value) -> (Tier, String) {
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    let mut tier = Tier::Read;
    let mut resources: Vec<String> = Vec::new();
    let mut any = false;
    for st in statements {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        any = true;
        let res = one_or_many(st.get("Resource").or(st.get("NotResource")));
        let all_resources = res.is_empty() || res.contains(&"*");
        for r in &res {
            if !resources.iter().any(|x| x == r) {
                resources.push((*r).to_owned());
            }
        }
        if st.get("NotAction").is_some() {
            // "Everything except …" is as broad as it gets.
            tier = tier.max(if all_resources {
                Tier::Admin
            } else {
                Tier::Write
            });
            continue;
        }
        for action in one_or_many(st.get("Action")) {
            let (service, verb) = action.split_once(':').unwrap_or(("*", action));
            let t = if action == "*" || (service == "*" && verb == "*") {
                if all_resources {
                    Tier::Admin
                } else {
                    Tier::Write
                }
            } else if service.eq_ignore_ascii_case("iam")
                && IAM_ESCALATION.iter().any(|p| verb.starts_with(p))
            {
                Tier::Admin
            } else if verb == "*" || !READ_PREFIXES.iter().any(|p| verb.starts_with(p)) {
                Tier::Write
            } else {
                Tier::Read
            };
            tier = tier.max(t);
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

/// Whether a role's trust policy lets another account in with an external id (a vendor).
fn trusted_third_party(doc: &Value, own_account: &str) -> bool {
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    statements.iter().any(|st| {
        let principals = st.get("Principal").map(|p| match p {
            Value::String(s) => vec![s.as_str()],
            other => one_or_many(other.get("AWS")),
        });
        let foreign = principals
            .into_iter()
            .flatten()
            .any(|p| p == "*" || account_of_principal(p).is_some_and(|a| a != own_account));
        let external_id = st
            .get("Condition")
            .is_some_and(|c| c.to_string().contains("sts:ExternalId"));
        foreign && external_id
    })
}

fn account_of_principal(p: &str) -> Option<&str> {
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p);
    }
    p.split(':').nth(4).filter(|a| a.len() == 12)
}

/// Parse the whole document.
pub fn parse(
    root: &Value,
    options: &ImportOptions,
    sink: &mut dyn Sink,
) -> Result<Tally, ImportError> {
    let mut tally = Tally::default();
    let policies = Policies::read(root);
    // Group name → the grants its members inherit (computed per member below).
    let groups: HashMap<&str, &Value> = root
        .get("GroupDetailList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| Some((g.get("GroupName")?.as_str()?, g)))
        .collect();
    let (users, base) = crate::json::items(root, &["UserDetailList"], &options.file_name)?;
    let base = if base == "$" {
        "$.UserDetailList".to_owned()
    } else {
        base
    };
    each_item(users, &base, options, sink, &mut tally, |u| {
        let key = key_of(&u)?;
        let name = u.str("UserName")?;
        let mut identity = Identity::new(key.clone(), "iam_user", name);
        identity.created_at = u.time("CreateDate")?;
        identity.owner = tag(&u, &["Owner", "owner"])?;
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
    let roles = root
        .get("RoleDetailList")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    each_item(roles, "$.RoleDetailList", options, sink, &mut tally, |r| {
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
        identity.usage_tracked = true;
        if let Some(last) = r.obj("RoleLastUsed")? {
            identity.last_used_at = last.time("LastUsedDate")?;
        }
        if let Some(trust) = r.get("AssumeRolePolicyDocument").and_then(document) {
            identity.third_party = trusted_third_party(&trust, &key.account);
        }
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
    Ok(tally)
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
    fn vendors_are_told_by_external_id() {
        let vendor = json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}]});
        assert!(trusted_third_party(&vendor, "111122223333"));
        let own = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!trusted_third_party(&own, "111122223333"));
    }
}
