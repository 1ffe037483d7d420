//! Which identities a campaign covers: filters given at start (provider, account, kind, tier,
//! owner; each repeatable, values of one filter OR'ed, filters AND'ed), recorded in the start
//! record as one canonical line.

use crate::model::{IdentityView, Tier};

/// A campaign's scope; empty means everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Providers (`aws`, `gcp`, …).
    pub providers: Vec<String>,
    /// Accounts, projects, tenants, clusters, orgs.
    pub accounts: Vec<String>,
    /// Kinds (`iam_user`, `service_account`, …).
    pub kinds: Vec<String>,
    /// Tiers: an identity is in scope if it holds a grant of one of them.
    pub tiers: Vec<Tier>,
    /// Owners (compared without case).
    pub owners: Vec<String>,
}

impl Scope {
    /// Whether nothing narrows it.
    pub fn is_everything(&self) -> bool {
        self.providers.is_empty()
            && self.accounts.is_empty()
            && self.kinds.is_empty()
            && self.tiers.is_empty()
            && self.owners.is_empty()
    }

    /// Whether an identity (with the owner in force) is in scope.
    pub fn covers(&self, identity: &IdentityView) -> bool {
        let any = |values: &[String], v: &str| values.is_empty() || values.iter().any(|x| x == v);
        let owner = identity.owner.as_deref().unwrap_or("").to_lowercase();
        any(&self.providers, &identity.provider)
            && any(&self.accounts, &identity.account)
            && any(&self.kinds, &identity.kind)
            && (self.owners.is_empty() || self.owners.iter().any(|o| o.to_lowercase() == owner))
            && (self.tiers.is_empty()
                || identity
                    .grants
                    .iter()
                    .any(|g| g.gone_at.is_none() && self.tiers.contains(&g.tier)))
    }

    /// The canonical line recorded in the start record: `key=v1,v2` parts in key order,
    /// values sorted, joined by `; `. Empty for everything.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        let mut part = |key: &str, values: Vec<String>| {
            if !values.is_empty() {
                let mut v = values;
                v.sort();
                v.dedup();
                parts.push(format!("{key}={}", v.join(",")));
            }
        };
        part("account", self.accounts.clone());
        part("kind", self.kinds.clone());
        part("owner", self.owners.clone());
        part("provider", self.providers.clone());
        part(
            "tier",
            self.tiers.iter().map(|t| t.as_str().to_owned()).collect(),
        );
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::testdata::{grant, identity};

    #[test]
    fn a_scope_narrows_by_every_filter_and_writes_one_canonical_line() {
        let mut admin = identity();
        admin.grants = vec![grant("AdministratorAccess", Tier::Admin, "")];
        let reader = identity();
        let scope = Scope {
            tiers: vec![Tier::Admin],
            providers: vec!["gcp".into(), "aws".into()],
            ..Default::default()
        };
        assert!(scope.covers(&admin));
        assert!(!scope.covers(&reader));
        assert_eq!(scope.text(), "provider=aws,gcp; tier=admin");
        assert!(Scope::default().covers(&reader));
        assert_eq!(Scope::default().text(), "");
        let owned = Scope {
            owners: vec!["TEAM-A@example.com".into()],
            ..Default::default()
        };
        assert!(owned.covers(&reader), "owners compare without case");
    }
}
