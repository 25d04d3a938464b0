-- Promoted models and the hash-chained audit log. Owned by Flyway; never edit an applied migration.

-- One row per promotion: a submission's attempt that reached "promoted", with the digest the registry
-- re-computed from the blob store before committing. Rows are never deleted: deleting a model sets
-- deleted_at, so what was served and who withdrew it stays on record.
CREATE TABLE models (
    id             varchar(36)  PRIMARY KEY,
    submission_id  varchar(128) NOT NULL REFERENCES submissions (id),
    attempt        integer      NOT NULL CHECK (attempt >= 1),
    name           text         NOT NULL DEFAULT '',
    filename       text         NOT NULL DEFAULT '',
    blob           varchar(71)  NOT NULL CHECK (blob ~ '^sha256:[0-9a-f]{64}$'),
    sha256         char(64)     NOT NULL,
    size           bigint       NOT NULL CHECK (size >= 0),
    promoted_at    timestamptz  NOT NULL,
    promoted_by    text         NOT NULL DEFAULT '',
    -- when the registry itself hashed the blob (the promotion's transaction committed right after)
    verified_at    timestamptz  NOT NULL,
    -- [{stage, status, service, durationMs, findings, worstSeverity, rules}] of the promoted attempt
    stage_summary  jsonb        NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(stage_summary) = 'array'),
    policy_version text         NOT NULL DEFAULT '',
    deleted_at     timestamptz,
    deleted_by     text         NOT NULL DEFAULT '',
    delete_reason  text         NOT NULL DEFAULT '',
    -- a promotion happens at most once per attempt: a redelivered promotion never makes a second model
    CONSTRAINT models_key UNIQUE (submission_id, attempt),
    CONSTRAINT models_blob_digest CHECK (blob = 'sha256:' || sha256)
);
CREATE INDEX models_listed_idx ON models (promoted_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX models_sha256_idx ON models (sha256);

-- Append-only, hash-chained log of every decision. entry_hash = SHA-256 (or HMAC-SHA256 with the
-- configured key) over the canonical JSON of (seq, at, actor, action, subject, details, alg, prevHash);
-- prev_hash is the entry_hash of entry seq - 1 (64 zeros for seq 1). seq has no gaps: it is the chain
-- head's seq + 1, taken under the head row's lock, so a removed entry shows as a hole.
CREATE TABLE audit_log (
    seq        bigint       PRIMARY KEY CHECK (seq >= 1),
    at         timestamptz  NOT NULL,
    actor      text         NOT NULL,
    action     varchar(64)  NOT NULL,
    subject    text         NOT NULL,
    details    jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    hash_alg   varchar(16)  NOT NULL CHECK (hash_alg IN ('sha256', 'hmac-sha256')),
    prev_hash  char(64)     NOT NULL,
    entry_hash char(64)     NOT NULL
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject, seq);
CREATE INDEX audit_log_at_idx ON audit_log (at, seq);

-- The single row every appender locks (SELECT ... FOR UPDATE) before it numbers and hashes its entry:
-- concurrent writers queue here, so the chain never forks. It also says where the chain ends, so a
-- removed tail is detected.
CREATE TABLE audit_chain_head (
    id         integer      PRIMARY KEY CHECK (id = 1),
    seq        bigint       NOT NULL CHECK (seq >= 0),
    entry_hash char(64)     NOT NULL
);
INSERT INTO audit_chain_head (id, seq, entry_hash) VALUES (1, 0, repeat('0', 64));

-- Append-only in the database too: the application never updates or deletes an entry, so any such
-- statement is refused. Not a defence against the database's owner (who can drop the trigger); the
-- chain is what detects that.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
