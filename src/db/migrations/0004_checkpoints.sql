-- Schema 3: signed checkpoints. Each evidence bundle signed for a campaign stores the head of its
-- chain at sign-off (campaign, seq, head), who signed it with which key, when, and the sha256 of
-- the bundle's SHA256SUMS, as a canonical statement signed (SSHSIG, namespace
-- nhi-review-checkpoint-v1) by the same key. `campaign verify` compares the chain with every
-- checkpoint: a cut tail, a forged append or a chain recomputed from scratch is found there.
-- The columns beside `statement` are for queries and must agree with it.

CREATE TABLE checkpoint (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaign(id),
    seq             INTEGER NOT NULL CHECK (seq >= 1),
    head            TEXT NOT NULL,
    signer          TEXT NOT NULL,       -- the identity the bundle names (e.g. alice@example.com)
    key_fingerprint TEXT NOT NULL,       -- SHA256:… of the signing key, as ssh-keygen -l prints it
    public_key      TEXT NOT NULL,       -- the signing key, OpenSSH public key line
    signed_at       TEXT NOT NULL,
    sums_sha256     TEXT NOT NULL,       -- sha256 of the bundle's SHA256SUMS
    statement       TEXT NOT NULL,       -- canonical JSON of the above, the bytes signed
    signature       TEXT NOT NULL        -- armored SSHSIG over `statement`
);
CREATE INDEX checkpoint_campaign ON checkpoint(campaign_id, id);

CREATE TRIGGER checkpoint_no_update BEFORE UPDATE ON checkpoint
BEGIN SELECT RAISE(ABORT, 'signed checkpoints are append-only'); END;
CREATE TRIGGER checkpoint_no_delete BEFORE DELETE ON checkpoint
BEGIN SELECT RAISE(ABORT, 'signed checkpoints are append-only'); END;
