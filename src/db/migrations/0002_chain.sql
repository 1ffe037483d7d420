-- Schema 2: the chain holds everything an auditor reads. Each campaign's chain begins with its
-- start record and ends with its close record; owner and business-function changes are records;
-- every decision carries the owner and function in force. Decisions of schema 1 stay, byte for
-- byte, at the head of their chain (kind 'legacy'), followed by the start record written at the
-- upgrade (the Rust step of this migration, which hashes).
--
-- The columns beside `record` are for queries and must agree with it (`campaign verify` checks).
-- The standing verdict, owner and function of each member, and each campaign's counts, are
-- caches of the chain that `campaign verify` recomputes and compares.

CREATE TABLE record (
    campaign_id       INTEGER NOT NULL REFERENCES campaign(id),
    seq               INTEGER NOT NULL CHECK (seq >= 1),
    kind              TEXT NOT NULL CHECK (kind IN ('legacy', 'start', 'decision', 'owner', 'function',
                                                'expected_unused', 'assign', 'confirm', 'close')),
    identity_id       INTEGER REFERENCES identity(id),
    action            TEXT,              -- decisions: decide, undo, reattest, unreviewed
    verdict           TEXT,              -- decisions: keep, reduce, revoke; NULL when none stands
    owner             TEXT,              -- in force after the record, for the kinds that carry it
    business_function TEXT,              -- idem
    expected_unused   TEXT,              -- the expected-unused reason set (empty: withdrawn)
    assignee          TEXT,              -- the reviewer an assign record assigns
    reviewer          TEXT NOT NULL,
    at                TEXT NOT NULL,
    prev_hash         TEXT NOT NULL,
    row_hash          TEXT NOT NULL,
    record            TEXT NOT NULL,     -- the exact canonical bytes that row_hash covers
    PRIMARY KEY (campaign_id, seq)
);
CREATE INDEX record_identity ON record(campaign_id, identity_id, seq);

CREATE TRIGGER record_no_update BEFORE UPDATE ON record
BEGIN SELECT RAISE(ABORT, 'the chain is append-only: record a new record instead'); END;
CREATE TRIGGER record_no_delete BEFORE DELETE ON record
BEGIN SELECT RAISE(ABORT, 'the chain is append-only: record a new record instead'); END;

INSERT INTO record (campaign_id, seq, kind, identity_id, action, verdict, owner, business_function,
                    reviewer, at, prev_hash, row_hash, record)
SELECT campaign_id, seq, 'legacy', identity_id, action, verdict, NULL, NULL,
       reviewer, decided_at, prev_hash, row_hash, record
FROM decision ORDER BY campaign_id, seq;

DROP TABLE decision;

-- Caches of the chain, per campaign.
ALTER TABLE campaign ADD COLUMN keep_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign ADD COLUMN reduce_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign ADD COLUMN revoke_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign ADD COLUMN scope TEXT NOT NULL DEFAULT '';
ALTER TABLE campaign ADD COLUMN started_by TEXT NOT NULL DEFAULT '';
ALTER TABLE campaign ADD COLUMN default_reviewer TEXT NOT NULL DEFAULT '';
ALTER TABLE campaign ADD COLUMN second_review TEXT NOT NULL DEFAULT '';
ALTER TABLE campaign ADD COLUMN independent INTEGER NOT NULL DEFAULT 0;

-- An identity marked as unused by design (with the reason): its signals do not call it unused,
-- in this campaign and the next. Set by an 'expected_unused' record; carried over here.
ALTER TABLE identity ADD COLUMN expected_unused TEXT;

-- Per member: what was in force at start (hashed into the population), and the caches.
ALTER TABLE campaign_identity ADD COLUMN owner_at_start TEXT;
ALTER TABLE campaign_identity ADD COLUMN function_at_start TEXT;
ALTER TABLE campaign_identity ADD COLUMN owner TEXT;
ALTER TABLE campaign_identity ADD COLUMN business_function TEXT;
ALTER TABLE campaign_identity ADD COLUMN action TEXT;
ALTER TABLE campaign_identity ADD COLUMN expected_unused_at_start TEXT;
ALTER TABLE campaign_identity ADD COLUMN expected_unused TEXT;
-- The reviewer assigned (owner at start, else the campaign's default reviewer, else nobody), and
-- the second review of a keep that needs one: needed (1) until a different reviewer confirms.
ALTER TABLE campaign_identity ADD COLUMN assignee TEXT;
ALTER TABLE campaign_identity ADD COLUMN second_review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_identity ADD COLUMN confirmed_by TEXT;
CREATE INDEX campaign_identity_assignee ON campaign_identity(campaign_id, assignee, position);
-- An identity's standing in every campaign (earlier decisions, remediation of closed ones).
CREATE INDEX campaign_identity_identity ON campaign_identity(identity_id);
