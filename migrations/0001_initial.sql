-- The initial schema: actors and their API keys, versioned trials, submissions,
-- the job queue and grading results.

CREATE TABLE actors (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind          text NOT NULL CHECK (kind IN ('candidate', 'client', 'platform')),
    -- the platform's own id for this actor; unique per kind so it can be used for look-up
    external_ref  text CHECK (external_ref IS NULL OR length(external_ref) BETWEEN 1 AND 200),
    display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    skills        text[] NOT NULL DEFAULT '{}',
    created_by    uuid REFERENCES actors (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, external_ref)
);

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- the public part of the key, shown in listings and used to find the row
    prefix        text NOT NULL UNIQUE,
    -- sha256 of the secret part; the secret itself is never stored
    secret_hash   bytea NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'platform', 'client', 'candidate')),
    actor_id      uuid REFERENCES actors (id),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CHECK (role NOT IN ('client', 'candidate') OR actor_id IS NOT NULL)
);

CREATE TABLE trials (
    id                 text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    title              text NOT NULL,
    skills             text[] NOT NULL,
    difficulty         smallint NOT NULL CHECK (difficulty BETWEEN 1 AND 5),
    current_version_id uuid,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- A trial version is immutable and addressed by the hash of its content.
CREATE TABLE trial_versions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trial_id        text NOT NULL REFERENCES trials (id),
    version         text NOT NULL,
    content_hash    text NOT NULL UNIQUE,
    manifest        jsonb NOT NULL,
    statement       text NOT NULL,
    package         bytea NOT NULL,
    expected_tests  jsonb NOT NULL DEFAULT '[]',
    check_report    jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (trial_id, version)
);

ALTER TABLE trials
    ADD CONSTRAINT trials_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES trial_versions (id);

CREATE TABLE submissions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trial_version_id uuid NOT NULL REFERENCES trial_versions (id),
    candidate_id     uuid NOT NULL REFERENCES actors (id),
    submitted_by     uuid REFERENCES api_keys (id),
    -- the candidate's files exactly as received (a deterministic tar), and their hash
    archive          bytea NOT NULL,
    archive_sha256   text NOT NULL CHECK (length(archive_sha256) = 64),
    file_count       integer NOT NULL CHECK (file_count > 0),
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'graded', 'failed')),
    idempotency_key  text CHECK (idempotency_key IS NULL OR length(idempotency_key) BETWEEN 1 AND 200),
    created_at       timestamptz NOT NULL DEFAULT now(),
    graded_at        timestamptz,
    UNIQUE (candidate_id, idempotency_key)
);
CREATE INDEX submissions_candidate_created ON submissions (candidate_id, created_at DESC);

-- The work queue: claimed with FOR UPDATE SKIP LOCKED under a renewable lease.
CREATE TABLE jobs (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL,
    submission_id    uuid REFERENCES submissions (id),
    payload          jsonb NOT NULL DEFAULT '{}',
    state            text NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    run_after        timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires_at timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX jobs_claimable ON jobs (run_after) WHERE state IN ('queued', 'running');
CREATE UNIQUE INDEX jobs_one_per_submission ON jobs (kind, submission_id);

CREATE TABLE results (
    submission_id   uuid PRIMARY KEY REFERENCES submissions (id),
    verdict         text NOT NULL CHECK (verdict IN (
                        'accepted', 'partial', 'failed', 'compile_error', 'runtime_error',
                        'time_limit_exceeded', 'memory_limit_exceeded', 'output_limit_exceeded',
                        'integrity_error', 'internal_error')),
    score           double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    tests           jsonb NOT NULL,
    flags           jsonb NOT NULL DEFAULT '[]',
    duration_ms     integer NOT NULL,
    peak_memory_mb  real NOT NULL,
    -- raw output of the run: for operators only, it can leak hidden tests
    output          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
