//! Reading identities back with their credentials and grants, one at a time, so listing a
//! million identities never holds them all in memory.

use anyhow::Result;
use rusqlite::{Connection, Row, params};

use super::{Store, parse_ts};
use crate::model::{CredentialView, GrantView, IdentityView, Status, Tier};

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
    described";

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
        status: Status::from_name(&status).unwrap_or(Status::Unknown),
        created_at: parse_ts(r.get(9)?),
        last_used_at: parse_ts(r.get(10)?),
        usage_tracked: r.get(11)?,
        third_party: r.get(12)?,
        business_function: r.get(13)?,
        first_seen_at: parse_ts(r.get(14)?).unwrap_or_default(),
        last_seen_at: parse_ts(r.get(15)?).unwrap_or_default(),
        gone_at: parse_ts(r.get(16)?),
        described: r.get(17)?,
        credentials: Vec::new(),
        grants: Vec::new(),
    })
}

/// Fill in credentials and grants of one identity.
fn attach(conn: &Connection, identity: &mut IdentityView) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT native_id, kind, created_at, last_used_at, usage_tracked, last_used_where, expires_at,
                active, platform_managed, gone_at
         FROM credential WHERE identity_id = ?1 ORDER BY native_id",
    )?;
    identity.credentials = stmt
        .query_map([identity.row_id], |r| {
            Ok(CredentialView {
                id: r.get(0)?,
                kind: r.get(1)?,
                created_at: parse_ts(r.get(2)?),
                last_used_at: parse_ts(r.get(3)?),
                usage_tracked: r.get(4)?,
                last_used_where: r.get(5)?,
                expires_at: parse_ts(r.get(6)?),
                active: r.get(7)?,
                platform_managed: r.get(8)?,
                gone_at: parse_ts(r.get(9)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT permission, resource, tier, condition, via, gone_at FROM grant_ WHERE identity_id = ?1
         ORDER BY CASE tier WHEN 'admin' THEN 0 WHEN 'write' THEN 1 WHEN 'read' THEN 2 ELSE 3 END, permission, resource",
    )?;
    identity.grants = stmt
        .query_map([identity.row_id], |r| {
            let tier: String = r.get(2)?;
            Ok(GrantView {
                permission: r.get(0)?,
                resource: r.get(1)?,
                tier: Tier::from_name(&tier).unwrap_or(Tier::Unknown),
                condition: r.get(3)?,
                via: r.get(4)?,
                gone_at: parse_ts(r.get(5)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(())
}

impl Store {
    /// Call `each` for every identity matching `filter`, ordered by provider, account and name,
    /// with its credentials and grants.
    pub fn for_each_identity(
        &self,
        filter: &InventoryFilter,
        mut each: impl FnMut(IdentityView) -> Result<()>,
    ) -> Result<()> {
        let sql = format!(
            "SELECT {IDENTITY_COLUMNS} FROM identity
             WHERE (?1 IS NULL OR provider = ?1) AND (?2 IS NULL OR kind = ?2) AND (?3 OR gone_at IS NULL)
             ORDER BY provider, account, name, native_id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(params![filter.provider, filter.kind, filter.include_gone])?;
        while let Some(row) = rows.next()? {
            let mut identity = identity_from_row(row)?;
            attach(&self.conn, &mut identity)?;
            each(identity)?;
        }
        Ok(())
    }

    /// One identity by row id, with credentials and grants.
    pub fn identity(&self, row_id: i64) -> Result<IdentityView> {
        let sql = format!("SELECT {IDENTITY_COLUMNS} FROM identity WHERE id = ?1");
        let mut identity = self.conn.query_row(&sql, [row_id], identity_from_row)?;
        attach(&self.conn, &mut identity)?;
        Ok(identity)
    }

    /// One identity by short id or native id.
    pub fn find_identity(&self, reference: &str) -> Result<IdentityView> {
        let id = super::resolve_identity(&self.conn, reference)?;
        self.identity(id)
    }

    /// Set the owner in review (it wins over what exports say). Empty clears it.
    pub fn set_owner(&mut self, row_id: i64, owner: &str) -> Result<()> {
        let owner = owner.trim();
        if let Some(c) = owner.chars().find(|c| c.is_control()) {
            anyhow::bail!(
                "the owner contains a control character (U+{:04X})",
                c as u32
            );
        }
        self.conn.execute(
            "UPDATE identity SET review_owner = ?2 WHERE id = ?1",
            params![row_id, (!owner.is_empty()).then_some(owner)],
        )?;
        Ok(())
    }

    /// Set the business function outside a decision (the next decision carries it).
    pub fn set_business_function(&mut self, row_id: i64, function: &str) -> Result<()> {
        let function = function.trim();
        if let Some(c) = function.chars().find(|c| c.is_control()) {
            anyhow::bail!(
                "the business function contains a control character (U+{:04X})",
                c as u32
            );
        }
        self.conn.execute(
            "UPDATE identity SET business_function = ?2 WHERE id = ?1",
            params![row_id, (!function.is_empty()).then_some(function)],
        )?;
        Ok(())
    }

    /// Number of identities, not counting gone ones.
    pub fn identity_count(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM identity WHERE gone_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }
}
