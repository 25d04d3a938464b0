-- The user a submission belongs to (the token's subject at the gateway). Rows from before
-- identities have none ('') and are visible to operators and auditors only.
ALTER TABLE submissions ADD COLUMN submitter text NOT NULL DEFAULT '';
CREATE INDEX submissions_submitter_created ON submissions (submitter, created_at DESC);
