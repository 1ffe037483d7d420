//! Writing one imported file: a sink that upserts records by natural key inside the file's
//! transaction, then provenance, rejects and "gone" marks. All or nothing per file.

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use nhi_importers::{Format, IdentityKey, ImportOptions, Record, Reject, Sink, SinkError, Tally};
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
    scope: Option<(String, i64)>,
    now: String,
    last: Option<(IdentityKey, i64)>,
    /// Identities of this file that an earlier export showed to be people, and what of theirs
    /// was therefore not imported: (people, credentials, grants).
    people: std::collections::HashSet<IdentityKey>,
    dropped: (u64, u64, u64),
    /// Whether any earlier import named people at all (if not, no identity needs checking).
    any_people: bool,
    /// Whether this provider has principals known by id alone, waiting for their account.
    any_unattached: bool,
}

impl DbSink<'_> {
    fn is_person(&self, key: &IdentityKey) -> rusqlite::Result<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM person WHERE provider = ?1 AND account = ?2 AND native_id = ?3",
            )?
            .query_row(
                params![key.provider, key.account, key.native_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// The scope this file's records belong to (family and account), created on first use.
    fn scope_for(&mut self, account: &str) -> rusqlite::Result<i64> {
        if let Some((_, id)) = &self.scope {
            return Ok(*id);
        }
        let name = format!("{}:{}", self.family, account);
        let id = scope_id(self.tx, &name)?;
        self.scope = Some((name, id));
        Ok(id)
    }
    fn identity_id(&mut self, key: &IdentityKey) -> Result<i64, SinkError> {
        if let Some((k, id)) = &self.last
            && k == key
        {
            return Ok(*id);
        }
        let id = super::resolve_natural(self.tx, key)?.ok_or_else(|| {
            format!(
                "record refers to identity '{}' that the file does not define",
                key.native_id
            )
        })?;
        self.last = Some((key.clone(), id));
        Ok(id)
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
            Record::Identity(i) if i.reference_only => {
                // Named, not described: keep what a describing export said.
                let id = match super::resolve_natural(self.tx, &i.key)? {
                    Some(id) => id,
                    None => self
                        .tx
                        .prepare_cached(
                            "INSERT INTO identity (provider, account, native_id, kind, name, owner, status,
                                created_at, last_used_at, usage_tracked, third_party, first_seen_at, last_seen_at, described)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, 0)
                             RETURNING id",
                        )?
                        .query_row(
                            params![
                                i.key.provider, i.key.account, i.key.native_id, i.kind, i.name,
                                i.owner, i.status.as_str(), i.created_at.map(ts), i.last_used_at.map(ts),
                                i.usage_tracked, i.third_party, self.now
                            ],
                            |r| r.get(0),
                        )?,
                };
                self.last = Some((i.key, id));
            }
            Record::Identity(i) => {
                let scope = self.scope_for(&i.key.account)?;
                // A principal first met by id alone (account '*') becomes this identity, unless
                // decisions were already recorded under its old key.
                if self.any_unattached {
                    self.tx
                    .prepare_cached(
                        "UPDATE identity SET account = ?3 WHERE provider = ?1 AND account = '*'
                           AND native_id = ?2 AND NOT EXISTS (SELECT 1 FROM record d WHERE d.identity_id = identity.id)
                           AND NOT EXISTS (SELECT 1 FROM identity o WHERE o.provider = ?1 AND o.account = ?3 AND o.native_id = ?2)",
                    )?
                    .execute(params![i.key.provider, i.key.native_id, i.key.account])?;
                }
                let id: i64 = self.tx.prepare_cached(
                    "INSERT INTO identity (provider, account, native_id, kind, name, owner, status,
                        created_at, last_used_at, usage_tracked, third_party, first_seen_at, last_seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
                     ON CONFLICT (provider, account, native_id) DO UPDATE SET
                        kind = excluded.kind, name = excluded.name,
                        owner = COALESCE(excluded.owner, identity.owner),
                        status = excluded.status,
                        created_at = COALESCE(excluded.created_at, identity.created_at),
                        last_used_at = CASE
                            WHEN excluded.last_used_at IS NULL THEN identity.last_used_at
                            WHEN identity.last_used_at IS NULL OR excluded.last_used_at > identity.last_used_at
                                THEN excluded.last_used_at
                            ELSE identity.last_used_at END,
                        usage_tracked = MAX(excluded.usage_tracked, identity.usage_tracked),
                        third_party = excluded.third_party,
                        last_seen_at = excluded.last_seen_at,
                        described = 1,
                        gone_at = NULL
                     RETURNING id",
                )?.query_row(
                    params![
                        i.key.provider, i.key.account, i.key.native_id, i.kind, i.name,
                        i.owner, i.status.as_str(), i.created_at.map(ts), i.last_used_at.map(ts),
                        i.usage_tracked, i.third_party, self.now
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
            }
            Record::Credential(c) => {
                let identity_id = self.identity_id(&c.identity)?;
                let scope = self.scope_for(&c.identity.account)?;
                self.tx.prepare_cached(
                    "INSERT INTO credential (identity_id, native_id, kind, created_at, last_used_at, usage_tracked,
                        last_used_where, expires_at, active, platform_managed, scope_id, source_id, first_seen_at, last_seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)
                     ON CONFLICT (identity_id, native_id) DO UPDATE SET
                        kind = excluded.kind, created_at = excluded.created_at, last_used_at = excluded.last_used_at,
                        usage_tracked = excluded.usage_tracked, last_used_where = excluded.last_used_where,
                        expires_at = excluded.expires_at, active = excluded.active,
                        platform_managed = excluded.platform_managed, scope_id = excluded.scope_id,
                        source_id = excluded.source_id, last_seen_at = excluded.last_seen_at, gone_at = NULL",
                )?.execute(params![
                    identity_id, c.native_id, c.kind, c.created_at.map(ts), c.last_used_at.map(ts), c.usage_tracked,
                    c.last_used_where, c.expires_at.map(ts), c.active, c.platform_managed, scope, self.source_id, self.now
                ])?;
            }
            Record::Grant(g) => {
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
            }
        }
        Ok(())
    }

    fn person(&mut self, key: IdentityKey) -> Result<(), SinkError> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO person (provider, account, native_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![key.provider, key.account, key.native_id])?;
        // Imported earlier from an export that could not tell (authorization details without a
        // credential report): remove it, unless a review already refers to it.
        if let Some(id) = super::resolve_natural(self.tx, &key)? {
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
        let result = self.import_in_transaction(name, format, options, now, read_all);
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
            scope: None,
            now: now_s.clone(),
            last: None,
            people: Default::default(),
            dropped: (0, 0, 0),
            any_people: tx.query_row("SELECT EXISTS (SELECT 1 FROM person)", [], |r| r.get(0))?,
            any_unattached: tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM identity WHERE provider = ?1 AND account = '*')",
                [format.provider()],
                |r| r.get(0),
            )?,
        };
        let (mut tally, sha256, size) = read_all(&mut sink)?;
        // Identities an earlier export showed to be people are counted as people here too.
        let (people, creds, grants) = sink.dropped;
        tally.imported -= people.min(tally.imported);
        tally.identities -= people.min(tally.identities);
        tally.humans_skipped += people;
        tally.credentials -= creds.min(tally.credentials);
        tally.grants -= grants.min(tally.grants);
        let account = options.account.clone().unwrap_or_else(|| "*".into());
        sink.scope_for(&account)?;
        let (mut scope, mut scope_id) = sink.scope.take().unwrap_or_default();
        drop(sink);
        // A per-object export replaces only its object's records; one that names no object
        // (an empty list) replaces nothing.
        if format.per_object() {
            let object = tally
                .scope
                .clone()
                .unwrap_or_else(|| format!("import-{source_id}"));
            scope = format!("{scope}:{object}");
            scope_id = self::scope_id(&tx, &scope)?;
            for sql in [
                "UPDATE OR REPLACE identity_sighting SET scope_id = ?1 WHERE source_id = ?2",
                "UPDATE credential SET scope_id = ?1 WHERE source_id = ?2",
                "UPDATE grant_ SET scope_id = ?1 WHERE source_id = ?2",
            ] {
                tx.execute(sql, params![scope_id, source_id])?;
            }
        }

        // Gone: not in this newer export of a source that had it, and not current in any other
        // source (an app in one user's token list may still be in another user's).
        let identities_gone = tx.execute(
            "UPDATE identity SET gone_at = ?3 WHERE gone_at IS NULL AND id IN (
               SELECT s.identity_id FROM identity_sighting s WHERE s.scope_id = ?1 AND s.source_id <> ?2
               AND NOT EXISTS (
                 SELECT 1 FROM identity_sighting o WHERE o.identity_id = s.identity_id AND o.scope_id <> ?1
                   AND o.source_id = (SELECT MAX(f.id) FROM source_file f WHERE f.scope_id = o.scope_id)))",
            params![scope_id, source_id, now_s],
        )? as u64;
        let credentials_gone = tx.execute(
            "UPDATE credential SET gone_at = ?3 WHERE gone_at IS NULL AND scope_id = ?1 AND source_id <> ?2",
            params![scope_id, source_id, now_s],
        )? as u64;
        let grants_gone = tx.execute(
            "UPDATE grant_ SET gone_at = ?3 WHERE gone_at IS NULL AND scope_id = ?1 AND source_id <> ?2",
            params![scope_id, source_id, now_s],
        )? as u64;
        let account = scope
            .split(':')
            .nth(1)
            .map(str::to_owned)
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
