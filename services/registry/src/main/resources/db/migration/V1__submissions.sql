-- The registry's schema. Owned by Flyway; Hibernate never generates DDL.

-- One sequence for status and stage events, so that the events of a submission have one total
-- order (ListEvents pages on it with after_seq). Writers of one submission serialize on its row
-- lock, so seq order is also commit order per submission: a reader never skips an event.
CREATE SEQUENCE event_seq;

CREATE TABLE submissions (
    id              varchar(128) PRIMARY KEY,
    kind            varchar(16)  NOT NULL CHECK (kind IN ('model', 'kernel')),
    name            text         NOT NULL DEFAULT '',
    filename        text         NOT NULL DEFAULT '',
    blob            varchar(71)  NOT NULL CHECK (blob ~ '^sha256:[0-9a-f]{64}$'),
    size            bigint       NOT NULL CHECK (size >= 0),
    sha256          char(64)     NOT NULL,
    source_url      text         NOT NULL DEFAULT '',
    expected_sha256 text         NOT NULL DEFAULT '',
    has_signature   boolean      NOT NULL DEFAULT false,
    status          varchar(16)  NOT NULL CHECK (status IN ('received', 'queued', 'scanning', 'evaluating',
                                                 'promoted', 'admitted', 'rejected', 'hacked', 'failed')),
    attempt         integer      NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    precheck        text         NOT NULL DEFAULT '',
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now()
);
-- The read API lists newest first, optionally filtered by status or kind and a lower bound on created_at.
CREATE INDEX submissions_created_idx ON submissions (created_at DESC, id DESC);
CREATE INDEX submissions_status_created_idx ON submissions (status, created_at DESC, id DESC);
CREATE INDEX submissions_kind_created_idx ON submissions (kind, created_at DESC, id DESC);

CREATE TABLE status_history (
    seq           bigint       PRIMARY KEY DEFAULT nextval('event_seq'),
    submission_id varchar(128) NOT NULL REFERENCES submissions (id),
    attempt       integer      NOT NULL CHECK (attempt >= 1),
    status        varchar(16)  NOT NULL CHECK (status IN ('received', 'queued', 'scanning', 'evaluating',
                                                 'promoted', 'admitted', 'rejected', 'hacked', 'failed')),
    reason        text         NOT NULL DEFAULT '',
    actor         text         NOT NULL DEFAULT '',
    at            timestamptz  NOT NULL DEFAULT now(),
    -- the idempotency key of Transition: a status is entered at most once per attempt
    CONSTRAINT status_history_key UNIQUE (submission_id, attempt, status)
);
CREATE INDEX status_history_submission_seq_idx ON status_history (submission_id, seq);

CREATE TABLE stage_results (
    seq             bigint       PRIMARY KEY DEFAULT nextval('event_seq'),
    submission_id   varchar(128) NOT NULL REFERENCES submissions (id),
    attempt         integer      NOT NULL CHECK (attempt >= 1),
    stage           varchar(64)  NOT NULL,
    status          varchar(16)  NOT NULL CHECK (status IN ('PASS', 'FAIL', 'ERROR', 'SKIPPED', 'NOT_RUN')),
    duration_micros bigint       NOT NULL DEFAULT 0 CHECK (duration_micros >= 0),
    findings        jsonb        NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(findings) = 'array'),
    details         jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    service         text         NOT NULL DEFAULT '',
    recorded_at     timestamptz  NOT NULL DEFAULT now(),
    -- the idempotency key of RecordStage: a redelivered message never records a stage twice
    CONSTRAINT stage_results_key UNIQUE (submission_id, attempt, stage)
);
CREATE INDEX stage_results_submission_seq_idx ON stage_results (submission_id, seq);
