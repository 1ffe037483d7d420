//! Writing one imported file: a sink that upserts records by natural key inside the file's
//! transaction, then provenance, rejects and "gone" marks. All or nothing per file.
//!
//! Rules kept here (README, "What is imported"):
//! - identities join on the provider's real natural key ([`IdentityKey::join_key`]: an IAM user
//!   by account and user name), so two exports that disagree on an ARN's path are one identity;
//! - a fact one file has is never erased by a later file that lacks it (a null never overwrites
//!   a value; a file that names a credential without listing it only fills gaps), and within
//!   one file the earliest creation date of an identity seen on several rows wins;
//! - "gone" is decided per part of an export family (a scope): a newer file marks gone only what
//!   it would have listed, so complementary files never undo each other;
//! - a file with rejected rows marks nothing gone (a rejected row may name anything);
//! - a file that would mark more than half of a scope's identities gone stops and changes
//!   nothing, unless `--accept-removals` is given.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use nhi_importers::{
    Credential, Format, Grant, Identity, IdentityKey, ImportOptions, Record, Reject, Sink,
    SinkError, Tally,
};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use super::{Store, ts};

/// What one import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// Source file row id.
    pub source_id: i64,
    /// File name as given.
    pub name: String,
    /// Detected or forced format.
    pub format: &'static str,
    /// sha256 of the bytes read.
    pub sha256: String,
    /// Bytes read.
    pub size: u64,
    /// Reconciliation counts.
    pub tally: Tally,
    /// Identities no longer in this source (marked, not deleted).
    pub identities_gone: u64,
    /// Credentials no longer in this source.
    pub credentials_gone: u64,
    /// Grants no longer in this source.
    pub grants_gone: u64,
}

/// Page cache during an import, in KiB.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

struct DbSink<'a> {
    tx: &'a Transaction<'a>,
    source_id: i64,
    family: &'static str,
    now: String,
    /// The part of the family the next records belong to (`None`: their account's).
    part: Option<String>,
    /// Scopes of accounts (not parts) this file's records went to, by name, in the order first
    /// used: one per account, so few.
    scopes: Vec<(String, i64)>,
    /// The scope of the current part, once looked up.
    part_scope: Option<i64>,
    /// The first scope this file said it lists (its name and id), for its `source_file` row;
    /// the others are in `source_scope` only, so that a list of a million parts (a keys list
    /// of every service account) holds none of them in memory.
    first_cover: Option<(String, i64)>,
    /// The account-named scope last used (not a part), to skip the name lookup.
    last_scope: Option<(String, i64)>,
    last: Option<(IdentityKey, i64)>,
    /// Keys that name, by their join key, an identity stored under another native id.
    aliases: HashMap<IdentityKey, i64>,
    /// Identities of this file that an earlier export showed to be people, and what of theirs
    /// was therefore not imported: (people, credentials, grants).
    people: HashSet<IdentityKey>,
    dropped: (u64, u64, u64),
    /// Whether any earlier import named people at all (if not, no identity needs checking).
    any_people: bool,
    /// Whether this provider has principals known by id alone, waiting for their account.
    any_unattached: bool,
    /// Whether one identity may be described by several records of this file (rows of a
    /// mapped CSV, a group bound many times): then within the file the earliest creation wins.
    repeats: bool,
}

/// An identity's natural key and, where its provider has one, its join key.
fn join_of(key: &IdentityKey) -> Option<String> {
    key.join_key()
}

impl DbSink<'_> {
    fn is_person(&self, key: &IdentityKey) -> rusqlite::Result<bool> {
        let join = join_of(key);
        // Two indexed lookups (an OR of the two would scan the table).
        let by_key = self
            .tx
            .prepare_cached(
                "SELECT 1 FROM person WHERE provider = ?1 AND account = ?2 AND native_id = ?3",
            )?
            .query_row(
                params![key.provider, key.account, key.native_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if by_key || join.is_none() {
            return Ok(by_key);
        }
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM person WHERE provider = ?1 AND account = ?2 AND join_key = ?3 LIMIT 1",
            )?
            .query_row(params![key.provider, key.account, join], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The scope of a record in `account` (or in the current part), created on first use.
    fn scope_for(&mut self, account: &str) -> rusqlite::Result<i64> {
        // Most records go where the one before went: no name to build.
        if let Some((last_account, id)) = &self.last_scope
            && self.part.is_none()
            && last_account == account
        {
            return Ok(*id);
        }
        if let Some(part) = &self.part {
            if let Some(id) = self.part_scope {
                return Ok(id);
            }
            let id = scope_id(self.tx, &format!("{}:{part}", self.family))?;
            self.part_scope = Some(id);
            return Ok(id);
        }
        let name = format!("{}:{account}", self.family);
        if let Some((_, id)) = self.scopes.iter().find(|(n, _)| *n == name) {
            let id = *id;
            self.last_scope = Some((account.to_owned(), id));
            return Ok(id);
        }
        let id = scope_id(self.tx, &name)?;
        self.scopes.push((name, id));
        self.last_scope = Some((account.to_owned(), id));
        Ok(id)
    }

    /// Record that this file is a complete list of scope `name`.
    fn covers(&mut self, name: &str) -> rusqlite::Result<()> {
        let id = scope_id(self.tx, name)?;
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO source_scope (source_id, scope_id) VALUES (?1, ?2)",
            )?
            .execute(params![self.source_id, id])?;
        if self.first_cover.is_none() {
            self.first_cover = Some((name.to_owned(), id));
        }
        Ok(())
    }

    /// The stored identity this key names by its join key (and that identity's native id), when
    /// it is stored under another native id.
    fn joined(
        &self,
        key: &IdentityKey,
        join: Option<&str>,
    ) -> rusqlite::Result<Option<(i64, String)>> {
        let Some(join) = join else {
            return Ok(None);
        };
        self.tx
            .prepare_cached(
                "SELECT id, native_id FROM identity WHERE provider = ?1 AND account = ?2 AND join_key = ?3
                 ORDER BY id LIMIT 1",
            )?
            .query_row(params![key.provider, key.account, join], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map(|found| found.filter(|(_, native): &(i64, String)| *native != key.native_id))
    }

    fn identity_id(&mut self, key: &IdentityKey) -> Result<i64, SinkError> {
        if let Some((k, id)) = &self.last
            && k == key
        {
            return Ok(*id);
        }
        let id = match self.aliases.get(key) {
            Some(id) => *id,
            None => super::resolve_natural(self.tx, key)?.ok_or_else(|| {
                format!(
                    "record refers to identity '{}' that the file does not define",
                    key.native_id
                )
            })?,
        };
        self.last = Some((key.clone(), id));
        Ok(id)
    }

    fn reference(&mut self, i: Identity) -> Result<(), SinkError> {
        // Named, not described: keep what a describing export said.
        let id = match super::resolve_natural(self.tx, &i.key)? {
            Some(id) => id,
            None => match self.joined(&i.key, join_of(&i.key).as_deref())? {
                Some((id, _)) => {
                    self.aliases.insert(i.key.clone(), id);
                    id
                }
                None => self
                    .tx
                    .prepare_cached(
                        "INSERT INTO identity (provider, account, native_id, kind, name, owner, status,
                            created_at, last_used_at, usage_tracked, third_party, first_seen_at, last_seen_at,
                            described, join_key)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, 0, ?13)
                         RETURNING id",
                    )?
                    .query_row(
                        params![
                            i.key.provider, i.key.account, i.key.native_id, i.kind, i.name,
                            i.owner, i.status.as_str(), i.created_at.map(ts), i.last_used_at.map(ts),
                            i.usage_tracked.unwrap_or(false), i.third_party, self.now, join_of(&i.key)
                        ],
                        |r| r.get(0),
                    )?,
            },
        };
        self.last = Some((i.key, id));
        Ok(())
    }

    fn describe(&mut self, i: Identity) -> Result<(), SinkError> {
        let scope = self.scope_for(&i.key.account)?;
        // A principal first met by id alone (account '*') becomes this identity, unless a
        // campaign holds it under its old key (its population hash covers the key) or decisions
        // were recorded under it.
        if self.any_unattached {
            self.tx
                .prepare_cached(
                    "UPDATE identity SET account = ?3 WHERE provider = ?1 AND account = '*'
                       AND native_id = ?2 AND NOT EXISTS (SELECT 1 FROM record d WHERE d.identity_id = identity.id)
                       AND NOT EXISTS (SELECT 1 FROM campaign_identity m WHERE m.identity_id = identity.id)
                       AND NOT EXISTS (SELECT 1 FROM identity o WHERE o.provider = ?1 AND o.account = ?3 AND o.native_id = ?2)",
                )?
                .execute(params![i.key.provider, i.key.native_id, i.key.account])?;
        }
        // Stored under another native id with the same join key (an IAM user whose ARN shows
        // another path): that identity is this one. Its native id stays, as decisions name it.
        let join = join_of(&i.key);
        let mut stored_key = i.key.clone();
        if let Some((id, native)) = self.joined(&i.key, join.as_deref())? {
            self.aliases.insert(i.key.clone(), id);
            stored_key.native_id = native;
        }
        // Described already by an earlier record of this file (rows of one file describing one
        // identity)? Asked here, not inside the upsert: a subquery there makes SQLite keep a
        // statement journal for every row, which made a 200k-row import twice as slow.
        let seen_in_file: bool = self.repeats
            && self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM identity i JOIN identity_sighting s ON s.identity_id = i.id
                   WHERE i.provider = ?1 AND i.account = ?2 AND i.native_id = ?3 AND s.source_id = ?4)",
            )?
            .query_row(
                params![stored_key.provider, stored_key.account, stored_key.native_id, self.source_id],
                |r| r.get(0),
            )?;
        let (public_trust, foreign_trust) = match &i.trust {
            Some(t) => (
                t.public.clone(),
                (!t.foreign_accounts.is_empty()).then(|| t.foreign_accounts.join(",")),
            ),
            None => (None, None),
        };
        // On conflict: rows of one file describing one identity (?18) keep "active" if any
        // says so and the earliest creation; a null never erases a stored value; a file that
        // says nothing about use (?10 null) leaves what another said; trust is replaced only by
        // a file that states it (?17).
        let id: i64 = self.tx.prepare_cached(
            "INSERT INTO identity (provider, account, native_id, kind, name, owner, status,
                created_at, last_used_at, usage_tracked, third_party, first_seen_at, last_seen_at,
                join_key, unused_within_days, public_trust, cross_account_trust)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, COALESCE(?10, 0), ?11, ?12, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (provider, account, native_id) DO UPDATE SET
                kind = excluded.kind, name = excluded.name,
                owner = COALESCE(excluded.owner, identity.owner),
                status = CASE WHEN ?18 AND identity.status = 'active' THEN 'active'
                    ELSE excluded.status END,
                created_at = CASE
                    WHEN excluded.created_at IS NULL THEN identity.created_at
                    WHEN ?18 AND identity.created_at IS NOT NULL
                         AND identity.created_at < excluded.created_at THEN identity.created_at
                    ELSE excluded.created_at END,
                last_used_at = CASE
                    WHEN excluded.last_used_at IS NULL THEN identity.last_used_at
                    WHEN identity.last_used_at IS NULL OR excluded.last_used_at > identity.last_used_at
                        THEN excluded.last_used_at
                    ELSE identity.last_used_at END,
                usage_tracked = CASE WHEN ?10 IS NULL THEN identity.usage_tracked ELSE ?10 END,
                unused_within_days = CASE WHEN ?10 IS NULL THEN identity.unused_within_days
                    ELSE excluded.unused_within_days END,
                third_party = excluded.third_party,
                public_trust = CASE WHEN ?17 THEN excluded.public_trust ELSE identity.public_trust END,
                cross_account_trust = CASE WHEN ?17 THEN excluded.cross_account_trust
                    ELSE identity.cross_account_trust END,
                join_key = COALESCE(identity.join_key, excluded.join_key),
                last_seen_at = excluded.last_seen_at,
                described = 1,
                gone_at = NULL
             RETURNING id",
        )?.query_row(
            params![
                stored_key.provider, stored_key.account, stored_key.native_id, i.kind, i.name,
                i.owner, i.status.as_str(), i.created_at.map(ts), i.last_used_at.map(ts),
                i.usage_tracked, i.third_party, self.now, join, i.unused_within_days,
                public_trust, foreign_trust, i.trust.is_some(), seen_in_file
            ],
            |r| r.get(0),
        )?;
        self.tx
            .prepare_cached(
                "INSERT INTO identity_sighting (identity_id, scope_id, source_id) VALUES (?1, ?2, ?3)
                 ON CONFLICT (identity_id, scope_id) DO UPDATE SET source_id = excluded.source_id",
            )?
            .execute(params![id, scope, self.source_id])?;
        self.last = Some((i.key, id));
        Ok(())
    }

    fn credential(&mut self, c: Credential) -> Result<(), SinkError> {
        let identity_id = self.identity_id(&c.identity)?;
        let scope = self.scope_for(&c.identity.account)?;
        // A file that names a credential without listing its owner's (a key file) fills only
        // what is not known yet and never takes the credential over.
        let sql = if c.reference_only {
            "INSERT INTO credential (identity_id, native_id, kind, created_at, last_used_at, usage_tracked,
                last_used_where, expires_at, active, platform_managed, scope_id, source_id, first_seen_at,
                last_seen_at, holder)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)
             ON CONFLICT (identity_id, native_id) DO UPDATE SET
                created_at = COALESCE(credential.created_at, excluded.created_at),
                last_used_at = COALESCE(credential.last_used_at, excluded.last_used_at),
                last_used_where = COALESCE(credential.last_used_where, excluded.last_used_where),
                expires_at = COALESCE(credential.expires_at, excluded.expires_at),
                holder = COALESCE(credential.holder, excluded.holder)"
        } else {
            "INSERT INTO credential (identity_id, native_id, kind, created_at, last_used_at, usage_tracked,
                last_used_where, expires_at, active, platform_managed, scope_id, source_id, first_seen_at,
                last_seen_at, holder)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)
             ON CONFLICT (identity_id, native_id) DO UPDATE SET
                kind = excluded.kind,
                created_at = COALESCE(excluded.created_at, credential.created_at),
                last_used_at = CASE
                    WHEN excluded.last_used_at IS NULL THEN credential.last_used_at
                    WHEN credential.last_used_at IS NULL OR excluded.last_used_at >= credential.last_used_at
                        THEN excluded.last_used_at
                    ELSE credential.last_used_at END,
                last_used_where = CASE
                    WHEN excluded.last_used_at IS NOT NULL AND (credential.last_used_at IS NULL
                         OR excluded.last_used_at >= credential.last_used_at) THEN excluded.last_used_where
                    ELSE COALESCE(credential.last_used_where, excluded.last_used_where) END,
                usage_tracked = excluded.usage_tracked,
                expires_at = COALESCE(excluded.expires_at, credential.expires_at),
                active = excluded.active, platform_managed = excluded.platform_managed,
                holder = COALESCE(excluded.holder, credential.holder),
                scope_id = excluded.scope_id, source_id = excluded.source_id,
                last_seen_at = excluded.last_seen_at, gone_at = NULL"
        };
        self.tx.prepare_cached(sql)?.execute(params![
            identity_id,
            c.native_id,
            c.kind,
            c.created_at.map(ts),
            c.last_used_at.map(ts),
            c.usage_tracked,
            c.last_used_where,
            c.expires_at.map(ts),
            c.active,
            c.platform_managed,
            scope,
            self.source_id,
            self.now,
            c.holder
        ])?;
        Ok(())
    }

    fn grant(&mut self, g: Grant) -> Result<(), SinkError> {
        let identity_id = self.identity_id(&g.identity)?;
        let scope = self.scope_for(&g.identity.account)?;
        self.tx.prepare_cached(
            "INSERT INTO grant_ (identity_id, permission, resource, condition, via, tier, scope_id, source_id,
                first_seen_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
             ON CONFLICT (identity_id, permission, resource, condition, via) DO UPDATE SET
                tier = excluded.tier, scope_id = excluded.scope_id, source_id = excluded.source_id,
                last_seen_at = excluded.last_seen_at, gone_at = NULL",
        )?.execute(params![
            identity_id, g.permission, g.resource, g.condition.unwrap_or_default(), g.via.unwrap_or_default(),
            g.tier.as_str(), scope, self.source_id, self.now
        ])?;
        Ok(())
    }
}

impl Sink for DbSink<'_> {
    fn record(&mut self, record: Record) -> Result<(), SinkError> {
        let holder = match &record {
            Record::Identity(i) => &i.key,
            Record::Credential(c) => &c.identity,
            Record::Grant(g) => &g.identity,
        };
        if !self.people.is_empty() && self.people.contains(holder) {
            match record {
                Record::Credential(_) => self.dropped.1 += 1,
                Record::Grant(_) => self.dropped.2 += 1,
                Record::Identity(_) => {}
            }
            return Ok(());
        }
        if let Record::Identity(i) = &record
            && self.any_people
            && self.is_person(&i.key)?
        {
            if !i.reference_only {
                self.dropped.0 += 1;
            }
            self.people.insert(i.key.clone());
            return Ok(());
        }
        match record {
            Record::Identity(i) if i.reference_only => self.reference(i),
            Record::Identity(i) => self.describe(i),
            Record::Credential(c) => self.credential(c),
            Record::Grant(g) => self.grant(g),
        }
    }

    fn part(&mut self, part: Option<&str>) -> Result<(), SinkError> {
        if self.part.as_deref() != part {
            self.part = part.map(str::to_owned);
            self.part_scope = None;
        }
        Ok(())
    }

    fn cover(&mut self, part: &str) -> Result<(), SinkError> {
        Ok(self.covers(&format!("{}:{part}", self.family))?)
    }

    fn person(&mut self, key: IdentityKey) -> Result<(), SinkError> {
        let join = join_of(&key);
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO person (provider, account, native_id, join_key) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![key.provider, key.account, key.native_id, join])?;
        // Imported earlier from an export that could not tell (authorization details without a
        // credential report), under this ARN or another path of the same user: remove it,
        // unless a review already refers to it.
        let mut ids: Vec<i64> = super::resolve_natural(self.tx, &key)?.into_iter().collect();
        if let Some((id, _)) = self.joined(&key, join.as_deref())? {
            ids.push(id);
        }
        for id in ids {
            let reviewed: bool = self.tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM campaign_identity WHERE identity_id = ?1)
                     OR EXISTS (SELECT 1 FROM record WHERE identity_id = ?1)",
                [id],
                |r| r.get(0),
            )?;
            if reviewed {
                self.tx.execute(
                    "UPDATE identity SET gone_at = ?2 WHERE id = ?1 AND gone_at IS NULL",
                    params![id, self.now],
                )?;
            } else {
                for sql in [
                    "DELETE FROM grant_ WHERE identity_id = ?1",
                    "DELETE FROM credential WHERE identity_id = ?1",
                    "DELETE FROM identity_sighting WHERE identity_id = ?1",
                    "DELETE FROM identity WHERE id = ?1",
                ] {
                    self.tx.execute(sql, [id])?;
                }
            }
        }
        Ok(())
    }

    fn reject(&mut self, reject: Reject) -> Result<(), SinkError> {
        self.tx
            .prepare_cached(
                "INSERT INTO rejected_row (source_id, location, field, message) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![self.source_id, reject.location.to_string(), reject.field, reject.message])?;
        Ok(())
    }
}

/// What marking one scope's missing rows gone would do.
struct Removal {
    scope_id: i64,
    live: u64,
    identities: u64,
}

/// Identities of `scope` that this import (`source`) did not list and that no other scope's
/// newest list still holds.
const GONE_IDENTITIES: &str = "
    SELECT s.identity_id FROM identity_sighting s JOIN identity i ON i.id = s.identity_id
     WHERE s.scope_id = ?1 AND s.source_id <> ?2 AND i.gone_at IS NULL
       AND NOT EXISTS (
         SELECT 1 FROM identity_sighting o WHERE o.identity_id = s.identity_id AND o.scope_id <> ?1
            AND o.source_id = (SELECT MAX(ss.source_id) FROM source_scope ss WHERE ss.scope_id = o.scope_id))";

impl Store {
    /// Import one file in one transaction. `read_all` receives the transaction's sink and must
    /// parse the whole input and return the tally plus the file's `(sha256, size)`; any error
    /// rolls everything back.
    pub fn import_file(
        &mut self,
        name: &str,
        format: Format,
        options: &ImportOptions,
        now: DateTime<Utc>,
        read_all: impl FnOnce(&mut dyn Sink) -> Result<(Tally, String, u64)>,
    ) -> Result<ImportReport> {
        // A bounded 64 MiB page cache while importing keeps the natural-key and short-id indexes
        // in memory instead of spilling them to the WAL again and again (BENCHMARKS.md).
        self.conn
            .pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
        // Statement journals in memory: each upsert journals the few pages it touches, and once
        // one statement's journal outgrows 64 KiB SQLite moves every later one of the
        // transaction to a temporary file (3.6 million writes on a 200k-row report, twice the
        // time; BENCHMARKS.md).
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        let mut result = self.import_in_transaction(name, format, options, now, read_all);
        // A failure on a damaged file is told as its damage (rolled back either way). The
        // sink's SQLite errors reach here as an export's error text, not as their type, so
        // every failure waits for the check.
        if result.is_err()
            && let Err(damage) = super::settle(&mut self.beside)
        {
            result = Err(damage);
        }
        self.conn.pragma_update(None, "temp_store", "DEFAULT")?;
        self.conn
            .pragma_update(None, "cache_size", -super::DEFAULT_CACHE_KIB)?;
        result
    }

    fn import_in_transaction(
        &mut self,
        name: &str,
        format: Format,
        options: &ImportOptions,
        now: DateTime<Utc>,
        read_all: impl FnOnce(&mut dyn Sink) -> Result<(Tally, String, u64)>,
    ) -> Result<ImportReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now_s = ts(now);
        tx.execute(
            "INSERT INTO source_file (provider, format, name, sha256, size, account, imported_at)
             VALUES (?1, ?2, ?3, '', 0, ?4, ?5)",
            params![
                format.provider(),
                format.name(),
                name,
                options.account,
                now_s
            ],
        )?;
        let source_id = tx.last_insert_rowid();
        let mut sink = DbSink {
            tx: &tx,
            source_id,
            family: format.family(),
            now: now_s.clone(),
            part: None,
            scopes: Vec::new(),
            part_scope: None,
            first_cover: None,
            last_scope: None,
            last: None,
            aliases: HashMap::new(),
            people: HashSet::new(),
            dropped: (0, 0, 0),
            any_people: tx.query_row("SELECT EXISTS (SELECT 1 FROM person)", [], |r| r.get(0))?,
            any_unattached: tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM identity WHERE provider = ?1 AND account = '*')",
                [format.provider()],
                |r| r.get(0),
            )?,
            repeats: matches!(
                format,
                Format::MappedCsv
                    | Format::WorkspaceTokens
                    | Format::K8sRoleBindings
                    | Format::GcpIamPolicy
                    | Format::AzureRoleAssignments
            ),
        };
        let (mut tally, sha256, size) = read_all(&mut sink)?;
        // Identities an earlier export showed to be people are counted as people here too.
        let (people, creds, grants) = sink.dropped;
        tally.imported -= people.min(tally.imported);
        tally.identities -= people.min(tally.identities);
        tally.humans_skipped += people;
        tally.credentials -= creds.min(tally.credentials);
        tally.grants -= grants.min(tally.grants);

        // The scopes this file is a complete list of: the parts it says it covers, else every
        // scope its records went to, else (no records) its family in the account it was given.
        // (The parts were recorded as the file named them.)
        if !tally.lists_parts {
            let names: Vec<String> = if sink.scopes.is_empty() {
                vec![format!(
                    "{}:{}",
                    sink.family,
                    options.account.as_deref().unwrap_or("*")
                )]
            } else {
                sink.scopes.iter().map(|(n, _)| n.clone()).collect()
            };
            for name in &names {
                sink.covers(name)?;
            }
        }
        let first_cover = sink.first_cover.take();
        drop(sink);
        let covered_ids: Vec<i64> = tx
            .prepare("SELECT scope_id FROM source_scope WHERE source_id = ?1 ORDER BY scope_id")?
            .query_map([source_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;

        let (mut identities_gone, mut credentials_gone, mut grants_gone) = (0u64, 0u64, 0u64);
        if tally.rejected > 0 {
            tally.notes.push(format!(
                "{} rejected {}: nothing is marked gone from this file, as a rejected row may name anything; fix the rows and import the file again to record removals",
                tally.rejected,
                if tally.rejected == 1 { "row" } else { "rows" }
            ));
        } else {
            // Gone: not in this newer list of a scope that had it, and (identities) not in the
            // newest list of any other scope (an app in one user's token list may still be in
            // another user's).
            let mut removals = Vec::new();
            let count_gone = format!("SELECT COUNT(DISTINCT identity_id) FROM ({GONE_IDENTITIES})");
            for &id in &covered_ids {
                let live: u64 = tx
                    .prepare_cached(
                        "SELECT COUNT(*) FROM identity_sighting s JOIN identity i ON i.id = s.identity_id
                          WHERE s.scope_id = ?1 AND i.gone_at IS NULL",
                    )?
                    .query_row([id], |r| r.get(0))?;
                let identities: u64 = tx
                    .prepare_cached(&count_gone)?
                    .query_row(params![id, source_id], |r| r.get(0))?;
                removals.push(Removal {
                    scope_id: id,
                    live,
                    identities,
                });
            }
            let too_many: Vec<&Removal> = removals
                .iter()
                .filter(|r| r.identities * 2 > r.live)
                .collect();
            if !too_many.is_empty() && !options.accept_removals {
                let what = too_many
                    .iter()
                    .map(|r| {
                        let scope: String = tx.query_row(
                            "SELECT name FROM scope WHERE id = ?1",
                            [r.scope_id],
                            |row| row.get(0),
                        )?;
                        Ok(format!(
                            "{} of the {} identities of '{}'",
                            r.identities, r.live, scope
                        ))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()?
                    .join(", ");
                bail!(
                    "'{name}': importing it would mark {what} gone, more than half: is the export cut short or filtered? Nothing was changed. If they really are gone, import it again with --accept-removals"
                );
            }
            let mark_gone = format!(
                "UPDATE identity SET gone_at = ?3 WHERE gone_at IS NULL AND id IN ({GONE_IDENTITIES})"
            );
            for r in &removals {
                identities_gone +=
                    tx.prepare_cached(&mark_gone)?
                        .execute(params![r.scope_id, source_id, now_s])? as u64;
                credentials_gone += tx.prepare_cached(
                    "UPDATE credential SET gone_at = ?3 WHERE gone_at IS NULL AND scope_id = ?1 AND source_id <> ?2",
                )?
                .execute(params![r.scope_id, source_id, now_s])? as u64;
                grants_gone += tx.prepare_cached(
                    "UPDATE grant_ SET gone_at = ?3 WHERE gone_at IS NULL AND scope_id = ?1 AND source_id <> ?2",
                )?
                .execute(params![r.scope_id, source_id, now_s])? as u64;
            }
        }
        // A per-object export that names no object (an empty token list) lists no scope.
        let scope_id = first_cover.as_ref().map(|(_, id)| *id);
        let account = first_cover
            .as_ref()
            .and_then(|(scope, _)| scope.split(':').nth(1))
            .map(str::to_owned)
            .or_else(|| options.account.clone())
            .filter(|a| a != "*");
        tx.execute(
            "UPDATE source_file SET sha256 = ?2, size = ?3, scope_id = ?4, account = ?5, records_read = ?6,
                identities = ?7, credentials = ?8, grants = ?9, humans_skipped = ?10, skipped = ?11,
                platform_managed = ?12, rejected = ?13, secrets_dropped = ?14, dropped_fields = ?15,
                imported = ?16, notes = ?17
             WHERE id = ?1",
            params![
                source_id, sha256, size as i64, scope_id, account, tally.records_read as i64,
                tally.identities as i64, tally.credentials as i64, tally.grants as i64,
                tally.humans_skipped as i64, serde_json::to_string(&tally.skipped)?, tally.platform_managed as i64,
                tally.rejected as i64, tally.secrets_dropped as i64, tally.dropped_fields.join(","),
                tally.imported as i64,
                serde_json::to_string(&tally.notes)?
            ],
        )?;
        // Statistics let SQLite find an identity by its native id alone with a skip-scan of the
        // natural-key index over its few (provider, account) pairs, instead of reading every
        // identity. Taken again only when the identities have halved or doubled since (a
        // sampled ANALYZE still cost a third of a second per file, and an estate is thousands
        // of files). In the import's transaction: a kill leaves the database as before the
        // import or wholly after it.
        if statistics_stale(&tx)? {
            tx.execute_batch("PRAGMA analysis_limit = 1000; ANALYZE;")?;
        }
        // Nothing is committed into a damaged file: the check beside the import answers first.
        super::settle(&mut self.beside)?;
        tx.commit().context("committing the import")?;
        Ok(ImportReport {
            source_id,
            name: name.to_owned(),
            format: format.name(),
            sha256,
            size,
            tally,
            identities_gone,
            credentials_gone,
            grants_gone,
        })
    }

    /// Every imported file, oldest first.
    pub fn sources(&self) -> Result<Vec<SourceRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, provider, format, name, sha256, size, account, imported_at, records_read, identities,
                    credentials, grants, humans_skipped, skipped, platform_managed, rejected,
                    secrets_dropped, dropped_fields, imported, notes
             FROM source_file ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceRow {
                id: r.get(0)?,
                provider: r.get(1)?,
                format: r.get(2)?,
                name: r.get(3)?,
                sha256: r.get(4)?,
                size: r.get(5)?,
                account: r.get(6)?,
                imported_at: r.get(7)?,
                tally: Tally {
                    records_read: r.get(8)?,
                    identities: r.get(9)?,
                    credentials: r.get(10)?,
                    grants: r.get(11)?,
                    humans_skipped: r.get(12)?,
                    skipped: super::get_json(r, 13, "skipped counts")?,
                    imported: r.get(18)?,
                    notes: super::get_json(r, 19, "notes")?,
                    platform_managed: r.get(14)?,
                    rejected: r.get(15)?,
                    secrets_dropped: r.get(16)?,
                    dropped_fields: r
                        .get::<_, String>(17)?
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    ..Default::default()
                },
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Rejected rows of one import.
    pub fn rejects(&self, source_id: i64) -> Result<Vec<(String, Option<String>, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT location, field, message FROM rejected_row WHERE source_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([source_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }
}

/// Row id of the scope with this name, created if new.
/// Whether SQLite's statistics are missing, or count fewer than half or more than twice the
/// identities stored now (the largest row id: one descent, not a count).
fn statistics_stale(tx: &Transaction) -> rusqlite::Result<bool> {
    let has_table: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1')",
        [],
        |r| r.get(0),
    )?;
    let counted: Option<i64> = if has_table {
        // Each index's statistics start with the rows it counted (a partial index fewer).
        tx.query_row(
            "SELECT MAX(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = 'identity'",
            [],
            |r| r.get(0),
        )?
    } else {
        None
    };
    let now: i64 = tx.query_row("SELECT COALESCE(MAX(rowid), 0) FROM identity", [], |r| {
        r.get(0)
    })?;
    Ok(counted.is_none_or(|c| now > 2 * c || 2 * now < c))
}

fn scope_id(tx: &Transaction, name: &str) -> rusqlite::Result<i64> {
    tx.prepare_cached("INSERT INTO scope (name) VALUES (?1) ON CONFLICT (name) DO UPDATE SET name = name RETURNING id")?
        .query_row([name], |r| r.get(0))
}

/// One imported file with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRow {
    /// Row id.
    pub id: i64,
    /// Provider.
    pub provider: String,
    /// Format name.
    pub format: String,
    /// File name as given.
    pub name: String,
    /// sha256 hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// Account the file speaks for.
    pub account: Option<String>,
    /// When imported.
    pub imported_at: String,
    /// Reconciliation counts.
    pub tally: Tally,
}
