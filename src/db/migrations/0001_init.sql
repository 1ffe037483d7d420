-- The review database: imported facts (source files, identities, credentials, grants) and the
-- review (campaigns, their frozen populations, append-only hash-chained decisions).
-- Times are TEXT in RFC 3339 UTC with 'Z' and whole seconds, so they sort as text.

-- What a newer export replaces: a format family and an account ("aws-credential-report:
-- 555566667777"), and for per-object exports the object (one service account's keys).
CREATE TABLE scope (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE source_file (
    id               INTEGER PRIMARY KEY,
    provider         TEXT NOT NULL,
    format           TEXT NOT NULL,
    name             TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    size             INTEGER NOT NULL,
    account          TEXT,
    scope_id         INTEGER REFERENCES scope(id),  -- set when the import completes
    imported_at      TEXT NOT NULL,
    records_read     INTEGER NOT NULL DEFAULT 0,
    imported         INTEGER NOT NULL DEFAULT 0,
    identities       INTEGER NOT NULL DEFAULT 0,
    credentials      INTEGER NOT NULL DEFAULT 0,
    grants           INTEGER NOT NULL DEFAULT 0,
    humans_skipped   INTEGER NOT NULL DEFAULT 0,
    skipped          TEXT NOT NULL DEFAULT '[]',   -- JSON [[reason, count], …]
    platform_managed INTEGER NOT NULL DEFAULT 0,
    rejected         INTEGER NOT NULL DEFAULT 0,
    secrets_dropped  INTEGER NOT NULL DEFAULT 0,
    dropped_fields   TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '[]'     -- JSON list: what the import had to assume
);
CREATE INDEX source_file_scope ON source_file(scope_id, id);

CREATE TABLE rejected_row (
    id        INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES source_file(id) ON DELETE CASCADE,
    location  TEXT NOT NULL,
    field     TEXT,
    message   TEXT NOT NULL
);

CREATE TABLE identity (
    id                INTEGER PRIMARY KEY,
    provider          TEXT NOT NULL,
    account           TEXT NOT NULL,
    native_id         TEXT NOT NULL,
    kind              TEXT NOT NULL,
    name              TEXT NOT NULL,
    owner             TEXT,
    status            TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'unknown')),
    created_at        TEXT,
    last_used_at      TEXT,
    usage_tracked     INTEGER NOT NULL CHECK (usage_tracked IN (0, 1)),
    third_party       INTEGER NOT NULL CHECK (third_party IN (0, 1)),
    described         INTEGER NOT NULL DEFAULT 1 CHECK (described IN (0, 1)), -- 0: only named by keys or grants
    review_owner      TEXT,              -- owner set in review; wins over the export's
    business_function TEXT,
    first_seen_at     TEXT NOT NULL,
    last_seen_at      TEXT NOT NULL,
    gone_at           TEXT,
    UNIQUE (provider, account, native_id)
);

-- Principals an export showed to be people: never imported as identities from any export.
CREATE TABLE person (
    provider  TEXT NOT NULL,
    account   TEXT NOT NULL,
    native_id TEXT NOT NULL,
    PRIMARY KEY (provider, account, native_id)
);

-- Which source scopes have seen an identity, and in which import last.
CREATE TABLE identity_sighting (
    identity_id INTEGER NOT NULL REFERENCES identity(id),
    scope_id    INTEGER NOT NULL REFERENCES scope(id),
    source_id   INTEGER NOT NULL REFERENCES source_file(id),
    PRIMARY KEY (identity_id, scope_id)
);
CREATE INDEX identity_sighting_scope ON identity_sighting(scope_id, source_id);

CREATE TABLE credential (
    id               INTEGER PRIMARY KEY,
    identity_id      INTEGER NOT NULL REFERENCES identity(id),
    native_id        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    created_at       TEXT,
    last_used_at     TEXT,
    usage_tracked    INTEGER NOT NULL CHECK (usage_tracked IN (0, 1)),
    last_used_where  TEXT,
    expires_at       TEXT,
    active           INTEGER NOT NULL CHECK (active IN (0, 1)),
    platform_managed INTEGER NOT NULL CHECK (platform_managed IN (0, 1)),
    scope_id         INTEGER NOT NULL REFERENCES scope(id),
    source_id        INTEGER NOT NULL REFERENCES source_file(id),
    first_seen_at    TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    gone_at          TEXT,
    UNIQUE (identity_id, native_id)
);
CREATE INDEX credential_scope ON credential(scope_id, source_id);

CREATE TABLE grant_ (
    id            INTEGER PRIMARY KEY,
    identity_id   INTEGER NOT NULL REFERENCES identity(id),
    permission    TEXT NOT NULL,
    resource      TEXT NOT NULL,
    condition     TEXT NOT NULL DEFAULT '',
    via           TEXT NOT NULL DEFAULT '',
    tier          TEXT NOT NULL CHECK (tier IN ('admin', 'write', 'read', 'unknown')),
    scope_id      INTEGER NOT NULL REFERENCES scope(id),
    source_id     INTEGER NOT NULL REFERENCES source_file(id),
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    gone_at       TEXT,
    UNIQUE (identity_id, permission, resource, condition, via)
);
CREATE INDEX grant_scope ON grant_(scope_id, source_id);

CREATE TABLE campaign (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    due_date        TEXT,
    started_at      TEXT NOT NULL,
    closed_at       TEXT,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    thresholds      TEXT NOT NULL,       -- JSON of the policy thresholds in force
    population_size INTEGER NOT NULL,
    population_hash TEXT NOT NULL
);

-- The population frozen at campaign start, in review (risk) order: position 0 is reviewed first.
-- `snapshot` is what the reviewer attests to (owner, credentials, grants) as it stood at start;
-- its hash is `fingerprint`. `verdict` caches the standing decision (NULL: undecided) so the
-- queue can filter and count without reading the whole chain; the chain stays the record.
CREATE TABLE campaign_identity (
    campaign_id   INTEGER NOT NULL REFERENCES campaign(id),
    identity_id   INTEGER NOT NULL REFERENCES identity(id),
    position      INTEGER NOT NULL,
    risk          INTEGER NOT NULL,
    signals       TEXT NOT NULL,         -- signal codes at start, comma-separated, for the queue
    fingerprint   TEXT NOT NULL,
    snapshot      TEXT NOT NULL,
    verdict       TEXT CHECK (verdict IN ('keep', 'reduce', 'revoke')),
    PRIMARY KEY (campaign_id, identity_id),
    UNIQUE (campaign_id, position)
);
CREATE INDEX campaign_identity_verdict ON campaign_identity(campaign_id, verdict, position);

-- Append-only and hash-chained per campaign (reference/evidence.md). `record` holds the exact
-- canonical JSON bytes that `row_hash` covers; the other columns are for queries and must agree.
CREATE TABLE decision (
    id                INTEGER PRIMARY KEY,
    campaign_id       INTEGER NOT NULL REFERENCES campaign(id),
    identity_id       INTEGER NOT NULL REFERENCES identity(id),
    seq               INTEGER NOT NULL CHECK (seq >= 1),
    action            TEXT NOT NULL CHECK (action IN ('decide', 'undo', 'reattest')),
    verdict           TEXT CHECK (verdict IN ('keep', 'reduce', 'revoke')),
    removed           TEXT NOT NULL,     -- JSON array of "credential:<id>" / "grant:<id>"
    business_function TEXT NOT NULL,
    justification     TEXT NOT NULL,
    reviewer          TEXT NOT NULL,
    decided_at        TEXT NOT NULL,
    prev_hash         TEXT NOT NULL,
    row_hash          TEXT NOT NULL,
    record            TEXT NOT NULL,
    UNIQUE (campaign_id, seq),
    CHECK ((action = 'undo') = (verdict IS NULL))
);
CREATE INDEX decision_identity ON decision(campaign_id, identity_id, seq);

CREATE TRIGGER decision_no_update BEFORE UPDATE ON decision
BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new decision instead'); END;
CREATE TRIGGER decision_no_delete BEFORE DELETE ON decision
BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new decision instead'); END;
