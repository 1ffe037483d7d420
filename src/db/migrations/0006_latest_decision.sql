-- Schema 6: what a decision says beyond its verdict — the suggestion it answered, why, how many
-- items it removes, its second-review mark — in columns beside the record (like the others,
-- taken from the record as it is appended, and compared with it by `campaign verify`); and each
-- member's latest decision as the population of an evidence bundle lists it (who, when, the
-- suggestion, why, how many items), cached beside the standing verdict. At a million members,
-- looking up each member's latest record, and reading its text, was the largest read of an
-- evidence run. NULL where a record does not decide, or a member has no decision.
ALTER TABLE record ADD COLUMN suggested TEXT;
ALTER TABLE record ADD COLUMN justification TEXT;
ALTER TABLE record ADD COLUMN removed INTEGER;
ALTER TABLE record ADD COLUMN second_review TEXT;

-- The triggers forbid any update of the chain; the new columns are filled once, here.
DROP TRIGGER record_no_update;
UPDATE record SET
    suggested = COALESCE(json_extract(record, '$.suggested'), ''),
    justification = COALESCE(json_extract(record, '$.justification'), ''),
    removed = COALESCE(json_array_length(record, '$.removed'), 0),
    second_review = CASE kind WHEN 'decision' THEN json_extract(record, '$.second_review') END
WHERE kind IN ('decision', 'legacy');
CREATE TRIGGER record_no_update BEFORE UPDATE ON record
BEGIN SELECT RAISE(ABORT, 'the chain is append-only: record a new record instead'); END;

ALTER TABLE campaign_identity ADD COLUMN decided_by TEXT;
ALTER TABLE campaign_identity ADD COLUMN decided_at TEXT;
ALTER TABLE campaign_identity ADD COLUMN suggested TEXT;
ALTER TABLE campaign_identity ADD COLUMN justification TEXT;
ALTER TABLE campaign_identity ADD COLUMN removed INTEGER;

UPDATE campaign_identity SET (decided_by, decided_at, suggested, justification, removed) = (
    SELECT r.reviewer, r.at, r.suggested, r.justification, r.removed
    FROM record r
    WHERE r.campaign_id = campaign_identity.campaign_id
      AND r.identity_id = campaign_identity.identity_id
      AND r.kind IN ('decision', 'legacy')
    ORDER BY r.seq DESC LIMIT 1
);

-- The members marked unused by design, which a bundle lists in review order: found without
-- reading every member (at a million, that read was most of what a bundle does after its
-- passes, on one core).
CREATE INDEX campaign_identity_expected_unused ON campaign_identity(campaign_id, position)
    WHERE expected_unused <> '';
