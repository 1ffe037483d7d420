-- Facts the importers now carry (issue 9), and "gone" decided per part of an export family.

-- The provider's real natural key where the native id carries more: an IAM user is unique by
-- account and user name ('user/<lower-case name>'), whatever path its ARN shows.
ALTER TABLE identity ADD COLUMN join_key TEXT;
-- The source saw no use in this many days and keeps no older record (IAM's 400-day
-- RoleLastUsed window): earlier use is unknown, so never "never used".
ALTER TABLE identity ADD COLUMN unused_within_days INTEGER CHECK (unused_within_days > 0);
-- Who may assume the identity from outside its account (an IAM role's trust policy):
-- why anyone may (e.g. 'Principal {"AWS": "*"}'), and the other accounts that may
-- (comma-separated 12-digit ids). NULL: no such trust, or the export does not say.
ALTER TABLE identity ADD COLUMN public_trust TEXT;
ALTER TABLE identity ADD COLUMN cross_account_trust TEXT;
CREATE INDEX identity_join ON identity(provider, account, join_key) WHERE join_key IS NOT NULL;

ALTER TABLE person ADD COLUMN join_key TEXT;
CREATE INDEX person_join ON person(provider, account, join_key) WHERE join_key IS NOT NULL;

-- The principal a credential was issued to when one identity holds credentials of several
-- (each user's OAuth token of one app): two holders' tokens are not two keys of one holder.
ALTER TABLE credential ADD COLUMN holder TEXT;

-- The scopes each import was a complete list of (a file may list several parts of its family:
-- cluster role bindings and each namespace's role bindings, several subscriptions).
CREATE TABLE source_scope (
    source_id INTEGER NOT NULL REFERENCES source_file(id),
    scope_id  INTEGER NOT NULL REFERENCES scope(id),
    PRIMARY KEY (source_id, scope_id)
);
CREATE INDEX source_scope_latest ON source_scope(scope_id, source_id);
INSERT INTO source_scope (source_id, scope_id)
    SELECT id, scope_id FROM source_file WHERE scope_id IS NOT NULL;

-- Join keys of the IAM users and people already stored: the name after the ARN's last '/'.
-- (rtrim with every character but '/' leaves the ARN up to its last '/'.)
UPDATE identity
   SET join_key = 'user/' || lower(replace(native_id, rtrim(native_id, replace(native_id, '/', '')), ''))
 WHERE provider = 'aws' AND native_id LIKE 'arn:%:iam::%:user/%';
UPDATE person
   SET join_key = 'user/' || lower(replace(native_id, rtrim(native_id, replace(native_id, '/', '')), ''))
 WHERE provider = 'aws' AND native_id LIKE 'arn:%:iam::%:user/%';

-- Workspace tokens are held by the user they were granted by.
UPDATE credential SET holder = native_id
 WHERE kind = 'oauth_token' AND native_id LIKE 'user:%'
   AND identity_id IN (SELECT id FROM identity WHERE provider = 'workspace');

-- Kubernetes role bindings and Azure role assignments were one scope per account; they are now
-- one per part (cluster role bindings, each namespace's role bindings; each subscription), so
-- files of different parts no longer mark each other's grants gone. Move what is stored.
CREATE TEMP TABLE part_of_grant AS
SELECT g.id AS grant_id, g.scope_id AS old_scope,
       s.name || ':' || CASE
         WHEN s.name LIKE 'k8s-role-bindings:%' THEN
           CASE WHEN g.resource LIKE 'namespace/%' THEN 'RoleBinding:' || substr(g.resource, 11)
                ELSE 'ClusterRoleBinding' END
         WHEN lower(g.resource) LIKE '/subscriptions/%' THEN
           lower(substr(g.resource, 16,
             CASE WHEN instr(substr(g.resource, 16), '/') > 0
                  THEN instr(substr(g.resource, 16), '/') - 1
                  ELSE length(g.resource) END))
         ELSE 'above-subscriptions'
       END AS new_name
  FROM grant_ g JOIN scope s ON s.id = g.scope_id
 WHERE s.name LIKE 'k8s-role-bindings:%' OR s.name LIKE 'azure-role-assignments:%';

INSERT OR IGNORE INTO scope (name) SELECT DISTINCT new_name FROM part_of_grant;
UPDATE grant_
   SET scope_id = (SELECT sc.id FROM part_of_grant p JOIN scope sc ON sc.name = p.new_name
                    WHERE p.grant_id = grant_.id)
 WHERE id IN (SELECT grant_id FROM part_of_grant);
INSERT OR IGNORE INTO identity_sighting (identity_id, scope_id, source_id)
    SELECT DISTINCT s.identity_id, sc.id, s.source_id
      FROM identity_sighting s
      JOIN grant_ g ON g.identity_id = s.identity_id
      JOIN part_of_grant p ON p.grant_id = g.id AND p.old_scope = s.scope_id
      JOIN scope sc ON sc.name = p.new_name;
DELETE FROM identity_sighting WHERE scope_id IN (SELECT old_scope FROM part_of_grant);
INSERT OR IGNORE INTO source_scope (source_id, scope_id)
    SELECT DISTINCT ss.source_id, sc.id
      FROM source_scope ss
      JOIN part_of_grant p ON p.old_scope = ss.scope_id
      JOIN scope sc ON sc.name = p.new_name;
DROP TABLE part_of_grant;
