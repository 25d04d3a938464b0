-- Kernel tasks (kernelbot's layout: task.yml, reference.py, task.py), registered by operators and
-- pinned by digest. Owned by Flyway; never edit an applied migration.

-- One row per version of a task. The digest is SHA-256 over the canonical listing of the task's files
-- (TaskBundle in libs/formats: "<name> NUL <hex sha256> LF" per file, names sorted); registering the same
-- files again under the same name returns the existing version. Rows are never changed or deleted: a
-- submission pins (name, digest) and the evaluator fetches exactly those files.
CREATE TABLE kernel_tasks (
    name          varchar(64)  NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    version       integer      NOT NULL CHECK (version >= 1),
    digest        varchar(71)  NOT NULL CHECK (digest ~ '^sha256:[0-9a-f]{64}$'),
    lang          varchar(8)   NOT NULL CHECK (lang IN ('py', 'cu')),
    -- the parsed task.yml (description, files, tests, benchmarks, ranking_by, devices, ...): public
    summary       jsonb        NOT NULL CHECK (jsonb_typeof(summary) = 'object'),
    -- [{name, size, sha256, public}] of every file
    files         jsonb        NOT NULL CHECK (jsonb_typeof(files) = 'array'),
    -- what registration noticed and did not refuse (an eval.py that is ignored, ...)
    notes         jsonb        NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(notes) = 'array'),
    -- the files as one tar (TaskBundle.toTar); a task is small (TaskBundle's caps: 64 files, 4 MiB)
    bundle        bytea        NOT NULL CHECK (octet_length(bundle) <= 5 * 1024 * 1024),
    size          bigint       NOT NULL CHECK (size >= 0),
    registered_by text         NOT NULL,
    registered_at timestamptz  NOT NULL,
    PRIMARY KEY (name, version),
    CONSTRAINT kernel_tasks_content UNIQUE (name, digest)
);
CREATE INDEX kernel_tasks_digest_idx ON kernel_tasks (digest);

-- The task a kernel submission names and the digest of the version it was judged against ('' for
-- models, and for kernels sent without a task: their report says no behavioral test ran).
ALTER TABLE submissions ADD COLUMN task varchar(64) NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN task_digest varchar(71) NOT NULL DEFAULT ''
    CHECK (task_digest = '' OR task_digest ~ '^sha256:[0-9a-f]{64}$');
