-- Conformance evaluations: a corpus replayed against a promoted model, on a schedule or on demand.
-- Owned by Flyway; never edit an applied migration.

CREATE TABLE evaluations (
    id                      varchar(36)  PRIMARY KEY,
    name                    varchar(63)  NOT NULL CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
    model_id                varchar(36)  NOT NULL REFERENCES models (id),
    -- a builtin corpus name, or file:<name> in the evaluator's corpora folder
    corpus_ref              text         NOT NULL,
    -- sha256:<hex> the corpus must have; '' for a builtin that is not pinned
    corpus_digest           text         NOT NULL DEFAULT ''
                            CHECK (corpus_digest = '' OR corpus_digest ~ '^sha256:[0-9a-f]{64}$'),
    schedule                text         NOT NULL DEFAULT '',
    fail_model_on_drift     boolean      NOT NULL DEFAULT false,
    max_attack_success_rate double precision NOT NULL DEFAULT 0
                            CHECK (max_attack_success_rate >= 0 AND max_attack_success_rate <= 1),
    -- when the schedule fires next (null: no schedule). Replicas claim due rows with
    -- SELECT ... FOR UPDATE SKIP LOCKED and move this on in the same transaction: a firing is taken once.
    next_fire_at            timestamptz,
    phase                   varchar(16)  NOT NULL DEFAULT 'Pending' CHECK (phase IN ('Pending', 'Ready', 'Degraded')),
    -- [{type, status, reason, message, lastTransitionTime}], rewritten with each recorded run
    conditions              jsonb        NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(conditions) = 'array'),
    -- true while failModelOnDrift holds and the newest completed run failed beyond policy: the model
    -- is then left out of the serving list (see ModelRepository)
    degrades_model          boolean      NOT NULL DEFAULT false,
    created_at              timestamptz  NOT NULL DEFAULT now(),
    created_by              text         NOT NULL DEFAULT '',
    deleted_at              timestamptz,
    deleted_by              text         NOT NULL DEFAULT ''
);
-- names are unique among live evaluations; a deleted one keeps its rows and frees its name
CREATE UNIQUE INDEX evaluations_name_key ON evaluations (name) WHERE deleted_at IS NULL;
CREATE INDEX evaluations_due_idx ON evaluations (next_fire_at) WHERE deleted_at IS NULL AND next_fire_at IS NOT NULL;
CREATE INDEX evaluations_degrading_idx ON evaluations (model_id) WHERE deleted_at IS NULL AND degrades_model;

CREATE TABLE conformance_runs (
    id                  varchar(36)  PRIMARY KEY,
    evaluation_id       varchar(36)  NOT NULL REFERENCES evaluations (id),
    trigger             varchar(16)  NOT NULL CHECK (trigger IN ('schedule', 'run-now')),
    state               varchar(16)  NOT NULL CHECK (state IN ('queued', 'completed', 'error')),
    requested_at        timestamptz  NOT NULL,
    requested_by        text         NOT NULL DEFAULT '',
    started_at          timestamptz,
    finished_at         timestamptz,
    execution_provider  text         NOT NULL DEFAULT '',
    corpus_name         text         NOT NULL DEFAULT '',
    corpus_digest       text         NOT NULL DEFAULT '',
    cases               integer      NOT NULL DEFAULT 0 CHECK (cases >= 0),
    failed              integer      NOT NULL DEFAULT 0 CHECK (failed >= 0),
    attacks             integer      NOT NULL DEFAULT 0 CHECK (attacks >= 0),
    determined          integer      NOT NULL DEFAULT 0 CHECK (determined >= 0),
    flagged             integer      NOT NULL DEFAULT 0 CHECK (flagged >= 0),
    undetermined        integer      NOT NULL DEFAULT 0 CHECK (undetermined >= 0),
    attack_success_rate double precision NOT NULL DEFAULT 0,
    -- the policy threshold the run was judged against, as it was then
    max_attack_success_rate double precision NOT NULL DEFAULT 0,
    passed              boolean      NOT NULL DEFAULT false,
    error               text         NOT NULL DEFAULT '',
    results             jsonb        NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(results) = 'array'),
    details             jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    CONSTRAINT conformance_runs_finished CHECK ((state = 'queued') = (finished_at IS NULL))
);
-- at most one run in flight per evaluation: a second run-now, or a schedule firing meanwhile, cannot queue another
CREATE UNIQUE INDEX conformance_runs_in_flight ON conformance_runs (evaluation_id) WHERE state = 'queued';
CREATE INDEX conformance_runs_history_idx ON conformance_runs (evaluation_id, finished_at DESC, id DESC)
    WHERE state <> 'queued';
CREATE INDEX conformance_runs_queued_idx ON conformance_runs (requested_at) WHERE state = 'queued';
