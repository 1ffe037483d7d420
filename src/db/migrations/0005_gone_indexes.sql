-- Schema 5: what an import marked gone, found without reading every row. Remediation asks which
-- revoked or reduced identities have anything gone (their items are verified, not open); with
-- these partial indexes that costs the gone rows, not the million that are not. Rows that are
-- not gone are not in them, so imports pay nothing for the rows they only upsert.
CREATE INDEX identity_gone ON identity(id) WHERE gone_at IS NOT NULL;
CREATE INDEX credential_gone ON credential(identity_id) WHERE gone_at IS NOT NULL;
CREATE INDEX grant_gone ON grant_(identity_id) WHERE gone_at IS NOT NULL;
