-- Attempts: a candidate's timed session at a trial. Submissions belong to one; only an
-- attempt's result (its last graded submission before the deadline) is a trial result.
-- Practice runs grade the public tests only and never count.
CREATE TABLE attempts (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trial_id              text NOT NULL REFERENCES trials (id),
    candidate_id          uuid NOT NULL REFERENCES actors (id),
    started_at            timestamptz NOT NULL DEFAULT now(),
    deadline              timestamptz NOT NULL,
    submission_limit      integer NOT NULL CHECK (submission_limit BETWEEN 1 AND 100),
    cooldown              interval NOT NULL,
    -- ended before the deadline: finished by the candidate, or its last submission used
    ended_at              timestamptz,
    -- settled: every submission of it graded after it ended, its result chosen
    closed_at             timestamptz,
    result_submission_id  uuid REFERENCES submissions (id),
    -- similarity: 'pending' while an operator has not looked at a flag on it
    review                text NOT NULL DEFAULT 'none'
                          CHECK (review IN ('none', 'pending', 'cleared', 'rejected')),
    CHECK (deadline > started_at)
);
-- one unsettled attempt per candidate and trial; this is also what two racing starts meet
CREATE UNIQUE INDEX attempts_one_open ON attempts (candidate_id, trial_id) WHERE closed_at IS NULL;
CREATE INDEX attempts_candidate ON attempts (candidate_id, started_at DESC);
CREATE INDEX attempts_to_settle ON attempts (deadline) WHERE closed_at IS NULL;

ALTER TABLE submissions
    ADD COLUMN attempt_id uuid REFERENCES attempts (id),
    ADD COLUMN practice boolean NOT NULL DEFAULT false;
CREATE INDEX submissions_attempt ON submissions (attempt_id, created_at);
-- rate limits count a caller's recent submissions
CREATE INDEX submissions_recent ON submissions (created_at);

-- An attempt's result as a trial result (key `attempt:<id>`); earlier rows keep theirs.
ALTER TABLE trial_results ADD COLUMN attempt_id uuid UNIQUE REFERENCES attempts (id);

-- Similarity: each graded submission's fingerprint (its marks, for the matching lines),
-- and its hashes as an index by trial, so a new submission finds the work it shares
-- hashes with in one query, however much work the trial has seen.
CREATE TABLE submission_fingerprints (
    submission_id  uuid PRIMARY KEY REFERENCES submissions (id),
    trial_id       text NOT NULL REFERENCES trials (id),
    candidate_id   uuid NOT NULL REFERENCES actors (id),
    fingerprint    jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE fingerprint_hashes (
    trial_id       text NOT NULL,
    hash           bigint NOT NULL,
    submission_id  uuid NOT NULL REFERENCES submission_fingerprints (submission_id),
    PRIMARY KEY (trial_id, hash, submission_id)
);

CREATE TABLE similarity_flags (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trial_id       text NOT NULL REFERENCES trials (id),
    -- the later submission, and what it resembles: another submission or the trial's solution
    submission_id  uuid NOT NULL REFERENCES submissions (id),
    other_submission_id uuid REFERENCES submissions (id),
    other_kind     text NOT NULL CHECK (other_kind IN ('submission', 'solution')),
    similarity     double precision NOT NULL CHECK (similarity BETWEEN 0 AND 1),
    shared         integer NOT NULL,
    regions        jsonb NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cleared', 'confirmed')),
    decided_by     uuid REFERENCES api_keys (id),
    decided_at     timestamptz,
    note           text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((other_kind = 'submission') = (other_submission_id IS NOT NULL))
);
CREATE UNIQUE INDEX similarity_flags_pair
    ON similarity_flags (submission_id, coalesce(other_submission_id, submission_id));
CREATE INDEX similarity_flags_open ON similarity_flags (created_at) WHERE status = 'open';
