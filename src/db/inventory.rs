//! Reading identities back with their credentials and grants, one at a time, so listing a
//! million identities never holds them all in memory.

use anyhow::Result;
use rusqlite::{Connection, Row, params};

use super::{Read, get_ts, get_ts_required};
use crate::model::{CredentialView, GrantView, IdentityId, IdentityView, Status, Tier};

/// Which identities to list.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilter {
    /// Only this provider.
    pub provider: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Include identities absent from the newest export of their source.
    pub include_gone: bool,
}

/// Columns of an identity; its short id is derived (`provider-rowid`), never stored.
const IDENTITY_COLUMNS: &str = "id, provider || '-' || id, provider, account, native_id, kind, name, COALESCE(review_owner, owner), status,
    created_at, last_used_at, usage_tracked, third_party, business_function, first_seen_at, last_seen_at, gone_at,
    described, expected_unused, unused_within_days, public_trust, cross_account_trust";

fn unknown(idx: usize, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        rusqlite::types::Type::Text,
        e.to_string().into(),
    )
}

fn identity_from_row(r: &Row) -> rusqlite::Result<IdentityView> {
    let status: String = r.get(8)?;
    Ok(IdentityView {
        row_id: r.get(0)?,
        short_id: r.get(1)?,
        provider: r.get(2)?,
        account: r.get(3)?,
        native_id: r.get(4)?,
        kind: r.get(5)?,
        name: r.get(6)?,
        owner: r.get(7)?,
        status: Status::from_name(&status)
            .ok_or_else(|| unknown(8, format!("stored status '{status}' is not known")))?,
        created_at: get_ts(r, 9)?,
        last_used_at: get_ts(r, 10)?,
        usage_tracked: r.get(11)?,
        third_party: r.get(12)?,
        business_function: r.get(13)?,
        first_seen_at: get_ts_required(r, 14)?,
        last_seen_at: get_ts_required(r, 15)?,
        gone_at: get_ts(r, 16)?,
        described: r.get(17)?,
        expected_unused: r.get(18)?,
        unused_within_days: r.get(19)?,
        public_trust: r.get(20)?,
        cross_account_trust: r.get(21)?,
        credentials: Vec::new(),
        grants: Vec::new(),
    })
}

const CREDENTIAL_COLUMNS: &str = "native_id, kind, created_at, last_used_at, usage_tracked,
    last_used_where, expires_at, active, platform_managed, gone_at, last_seen_at, holder, identity_id";

fn credential_from_row(r: &Row) -> rusqlite::Result<CredentialView> {
    Ok(CredentialView {
        id: r.get(0)?,
        kind: r.get(1)?,
        created_at: get_ts(r, 2)?,
        last_used_at: get_ts(r, 3)?,
        usage_tracked: r.get(4)?,
        last_used_where: r.get(5)?,
        expires_at: get_ts(r, 6)?,
        active: r.get(7)?,
        platform_managed: r.get(8)?,
        gone_at: get_ts(r, 9)?,
        last_seen_at: get_ts_required(r, 10)?,
        holder: r.get(11)?,
    })
}

const GRANT_COLUMNS: &str =
    "permission, resource, tier, condition, via, gone_at, last_seen_at, identity_id";

fn grant_from_row(r: &Row) -> rusqlite::Result<GrantView> {
    let tier: String = r.get(2)?;
    Ok(GrantView {
        permission: r.get(0)?,
        resource: r.get(1)?,
        tier: Tier::from_name(&tier)
            .ok_or_else(|| unknown(2, format!("stored tier '{tier}' is not known")))?,
        condition: r.get(3)?,
        via: r.get(4)?,
        gone_at: get_ts(r, 5)?,
        last_seen_at: get_ts_required(r, 6)?,
    })
}

/// The order an identity's grants are shown in: admin first, then write, read, unknown; then
/// permission, resource, via, condition. (The SQL of [`attach`] says the same.)
fn grant_order(g: &GrantView) -> (std::cmp::Reverse<Tier>, &str, &str, &str, &str) {
    (
        std::cmp::Reverse(g.tier),
        &g.permission,
        &g.resource,
        &g.via,
        &g.condition,
    )
}

/// Fill in credentials and grants of one identity.
fn attach(conn: &Connection, identity: &mut IdentityView) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CREDENTIAL_COLUMNS} FROM credential WHERE identity_id = ?1 ORDER BY native_id"
    ))?;
    identity.credentials = stmt
        .query_map([identity.row_id], credential_from_row)?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {GRANT_COLUMNS} FROM grant_ WHERE identity_id = ?1
         ORDER BY CASE tier WHEN 'admin' THEN 0 WHEN 'write' THEN 1 WHEN 'read' THEN 2 ELSE 3 END,
                  permission, resource, via, condition"
    ))?;
    identity.grants = stmt
        .query_map([identity.row_id], grant_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(())
}

/// [`for_each_identity`] in no particular order (by row id), for a pass over every identity
/// that orders its results itself (campaign start): the identities, their credentials and
/// their grants each read once, in identity order, side by side, instead of two queries per
/// identity and a sort of the whole table.
pub(super) fn for_each_identity_by_id(
    conn: &Connection,
    filter: &InventoryFilter,
    mut each: impl FnMut(IdentityView) -> Result<()>,
) -> Result<()> {
    let mut identities = conn.prepare(&format!(
        "SELECT {IDENTITY_COLUMNS} FROM identity
         WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR kind = ?2) AND (?3 OR gone_at IS NULL)
         ORDER BY id"
    ))?;
    let mut credentials = conn.prepare(&format!(
        "SELECT {CREDENTIAL_COLUMNS} FROM credential ORDER BY identity_id, native_id"
    ))?;
    let mut grants = conn.prepare(&format!(
        "SELECT {GRANT_COLUMNS} FROM grant_ ORDER BY identity_id"
    ))?;
    let mut credentials = credentials
        .query_map([], |r| Ok((r.get::<_, i64>(12)?, credential_from_row(r)?)))?
        .peekable();
    let mut grants = grants
        .query_map([], |r| Ok((r.get::<_, i64>(7)?, grant_from_row(r)?)))?
        .peekable();
    let mut rows = identities.query(params![filter.provider, filter.kind, filter.include_gone])?;
    while let Some(row) = rows.next()? {
        let mut identity = identity_from_row(row)?;
        let id = identity.row_id.0;
        while let Some(next) =
            credentials.next_if(|c| c.as_ref().map_or(true, |(owner, _)| *owner <= id))
        {
            let (owner, credential) = next?;
            if owner == id {
                identity.credentials.push(credential);
            }
        }
        while let Some(next) =
            grants.next_if(|g| g.as_ref().map_or(true, |(owner, _)| *owner <= id))
        {
            let (owner, grant) = next?;
            if owner == id {
                identity.grants.push(grant);
            }
        }
        identity
            .grants
            .sort_by(|a, b| grant_order(a).cmp(&grant_order(b)));
        each(identity)?;
    }
    Ok(())
}

/// Call `each` for every identity matching `filter`, ordered by provider, account and name,
/// with its credentials and grants.
pub(super) fn for_each_identity(
    conn: &Connection,
    filter: &InventoryFilter,
    mut each: impl FnMut(IdentityView) -> Result<()>,
) -> Result<()> {
    let sql = format!(
        "SELECT {IDENTITY_COLUMNS} FROM identity
         WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR kind = ?2) AND (?3 OR gone_at IS NULL)
         ORDER BY provider, account, name, native_id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params![filter.provider, filter.kind, filter.include_gone])?;
    while let Some(row) = rows.next()? {
        let mut identity = identity_from_row(row)?;
        attach(conn, &mut identity)?;
        each(identity)?;
    }
    Ok(())
}

/// Reading identities.
pub trait IdentityReads: Read {
    /// Call `each` for every identity matching `filter`, ordered by provider, account and
    /// name, with its credentials and grants.
    fn for_each_identity(
        &self,
        filter: &InventoryFilter,
        each: impl FnMut(IdentityView) -> Result<()>,
    ) -> Result<()> {
        for_each_identity(self.conn(), filter, each)
    }

    /// [`Self::for_each_identity`] in row-id order, read by a merge (see
    /// `for_each_identity_by_id`): for passes over every identity that order results themselves.
    fn for_each_identity_by_id(
        &self,
        filter: &InventoryFilter,
        each: impl FnMut(IdentityView) -> Result<()>,
    ) -> Result<()> {
        for_each_identity_by_id(self.conn(), filter, each)
    }

    /// One identity by row id, with credentials and grants.
    fn identity(&self, row_id: IdentityId) -> Result<IdentityView> {
        let sql = format!("SELECT {IDENTITY_COLUMNS} FROM identity WHERE id = ?1");
        let mut identity = self
            .conn()
            .prepare_cached(&sql)?
            .query_row([row_id], identity_from_row)?;
        attach(self.conn(), &mut identity)?;
        Ok(identity)
    }

    /// The row id an identity reference (short id or native id) names.
    fn resolve_identity(&self, reference: &str) -> Result<IdentityId> {
        super::resolve_identity(self.conn(), reference)
    }

    /// One identity by short id or native id.
    fn find_identity(&self, reference: &str) -> Result<IdentityView> {
        let id = self.resolve_identity(reference)?;
        self.identity(id)
    }

    /// Number of identities, not counting gone ones.
    fn identity_count(&self) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*) FROM identity WHERE gone_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }
}

impl<T: Read> IdentityReads for T {}
