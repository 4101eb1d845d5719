-- Reputation and eligibility: the events the model reads (engagements, milestones,
-- outcomes, ratings, trial results), model versions, materialised reputations,
-- versioned eligibility policies and the audit trail of decisions.

-- When the platform says the actor joined (from an imported history). NULL for
-- actors registered over the API: their created_at stands in.
ALTER TABLE actors ADD COLUMN joined_at timestamptz;

CREATE TABLE engagements (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- the platform's own id for the engagement
    external_ref  text UNIQUE CHECK (external_ref IS NULL OR length(external_ref) BETWEEN 1 AND 200),
    client_id     uuid NOT NULL REFERENCES actors (id),
    candidate_id  uuid NOT NULL REFERENCES actors (id),
    created_by    uuid REFERENCES api_keys (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A milestone names its candidate and client directly: imported histories have no
-- engagements, so engagement_id is set only for milestones opened over the API.
CREATE TABLE milestones (
    id             uuid PRIMARY KEY,
    -- the platform's id; milestones opened over the API without one get their uuid
    external_ref   text NOT NULL UNIQUE CHECK (length(external_ref) BETWEEN 1 AND 200),
    engagement_id  uuid REFERENCES engagements (id),
    candidate_id   uuid NOT NULL REFERENCES actors (id),
    client_id      uuid NOT NULL REFERENCES actors (id),
    tier           text NOT NULL CHECK (length(tier) BETWEEN 1 AND 64),
    skills         text[] NOT NULL DEFAULT '{}',
    amount         double precision NOT NULL CHECK (amount >= 0),
    due_at         timestamptz NOT NULL,
    opened_at      timestamptz NOT NULL,
    origin         text NOT NULL CHECK (origin IN ('api', 'import')),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestones_candidate ON milestones (candidate_id, opened_at);
CREATE INDEX milestones_client ON milestones (client_id);
CREATE INDEX milestones_engagement ON milestones (engagement_id) WHERE engagement_id IS NOT NULL;

-- One outcome and one rating per milestone: the primary keys say "once".
CREATE TABLE milestone_outcomes (
    milestone_id  uuid PRIMARY KEY REFERENCES milestones (id),
    outcome       text NOT NULL
                  CHECK (outcome IN ('accepted', 'revision_requested', 'disputed', 'cancelled')),
    on_time       boolean NOT NULL,
    at            timestamptz NOT NULL,
    recorded_by   uuid REFERENCES api_keys (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestone_outcomes_disputed ON milestone_outcomes (at) WHERE outcome = 'disputed';

CREATE TABLE ratings (
    milestone_id   uuid PRIMARY KEY REFERENCES milestones (id),
    stars          smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    quality        smallint CHECK (quality BETWEEN 1 AND 5),
    communication  smallint CHECK (communication BETWEEN 1 AND 5),
    timeliness     smallint CHECK (timeliness BETWEEN 1 AND 5),
    at             timestamptz NOT NULL,
    rated_by       uuid REFERENCES api_keys (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Trial results: graded submissions (key `submission:<id>`) and imported history
-- (key `<candidate uuid>|<trial>|<at>`). `trial` may name a trial not packaged here.
CREATE TABLE trial_results (
    id             bigserial PRIMARY KEY,
    key            text NOT NULL UNIQUE,
    candidate_id   uuid NOT NULL REFERENCES actors (id),
    trial          text NOT NULL CHECK (length(trial) BETWEEN 1 AND 200),
    skills         text[] NOT NULL DEFAULT '{}',
    score          double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
    verdict        text NOT NULL,
    at             timestamptz NOT NULL,
    submission_id  uuid UNIQUE REFERENCES submissions (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trial_results_candidate ON trial_results (candidate_id, at);

-- Trained models. `model` holds dump_model bytes (a JSON header and a skops body,
-- never a pickle); at most one version is promoted and serves.
CREATE TABLE model_versions (
    version           text PRIMARY KEY,
    model             bytea NOT NULL,
    meta              jsonb NOT NULL,
    metrics           jsonb NOT NULL,  -- on the model's own time-based hold-out
    compared_with     text,            -- the version promoted when this one was trained
    compared_metrics  jsonb,           -- that version's metrics on the same hold-out rows
    promoted          boolean NOT NULL DEFAULT false,
    decision          text NOT NULL,   -- why it was or was not promoted
    promoted_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX model_versions_one_promoted ON model_versions (promoted) WHERE promoted;

-- Materialised reputation per candidate and milestone tier (the model reads the
-- tier), refreshed when events arrive, after imports and after a promotion.
CREATE TABLE reputations (
    candidate_id        uuid NOT NULL REFERENCES actors (id),
    tier                text NOT NULL,
    score               double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
    lower_bound         double precision NOT NULL,
    upper_bound         double precision NOT NULL,
    evidence            integer NOT NULL,
    effective_evidence  double precision NOT NULL,
    per_skill           jsonb NOT NULL,
    reasons             jsonb NOT NULL,
    model_version       text NOT NULL,
    source              text NOT NULL CHECK (source IN ('model', 'prior')),
    as_of               timestamptz NOT NULL,
    computed_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (candidate_id, tier)
);
CREATE INDEX reputations_computed ON reputations (computed_at);

-- Candidates whose events changed since their reputation was computed; the
-- refresher claims them with FOR UPDATE SKIP LOCKED.
CREATE TABLE reputation_dirty (
    candidate_id  uuid PRIMARY KEY REFERENCES actors (id),
    marked_at     timestamptz NOT NULL DEFAULT now()
);

-- Eligibility policies: a PUT adds a version; the highest version of a tier is current.
CREATE TABLE policies (
    tier        text NOT NULL CHECK (tier ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    version     integer NOT NULL CHECK (version > 0),
    body        jsonb NOT NULL,
    created_by  uuid REFERENCES api_keys (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tier, version)
);

-- Default policies, seeded here; an admin replaces a tier's with PUT /v1/policies/{tier}:
--   entry     score >= 40; one passed trial (>= 0.6) in each requested skill within a year
--   standard  score >= 55, lower bound >= 35, 5 pieces of evidence; one trial >= 0.7 per skill
--   expert    score >= 70, lower bound >= 55, 15 pieces of evidence; two trials >= 0.8 per
--             skill within 18 months; a trained model's score, not the prior
-- Every tier refuses candidates with an open dispute.
INSERT INTO policies (tier, version, body) VALUES
    ('entry', 1, '{"min_score": 40, "min_lower_bound": 0, "min_evidence": 0,
      "required_trials": [{"skill": "*", "min_count": 1, "min_score": 0.6, "window_days": 365}],
      "no_open_disputes": true, "allow_prior": true}'),
    ('standard', 1, '{"min_score": 55, "min_lower_bound": 35, "min_evidence": 5,
      "required_trials": [{"skill": "*", "min_count": 1, "min_score": 0.7, "window_days": 365}],
      "no_open_disputes": true, "allow_prior": true}'),
    ('expert', 1, '{"min_score": 70, "min_lower_bound": 55, "min_evidence": 15,
      "required_trials": [{"skill": "*", "min_count": 2, "min_score": 0.8, "window_days": 540}],
      "no_open_disputes": true, "allow_prior": false}');

-- Every eligibility answer, kept for audit; `origin` says whether a caller asked or a
-- refresh re-decided (and flipped) an earlier decision.
CREATE TABLE eligibility_decisions (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    candidate_id            uuid NOT NULL REFERENCES actors (id),
    tier                    text NOT NULL,
    skills                  text[] NOT NULL,
    eligible                boolean NOT NULL,
    reasons                 jsonb NOT NULL,
    score_used              double precision NOT NULL,
    lower_bound_used        double precision NOT NULL,
    evidence_used           integer NOT NULL,
    source                  text NOT NULL CHECK (source IN ('model', 'prior')),
    policy_version          integer NOT NULL,
    model_version           text NOT NULL,
    reputation_computed_at  timestamptz NOT NULL,
    origin                  text NOT NULL CHECK (origin IN ('request', 'refresh')),
    previous_id             uuid REFERENCES eligibility_decisions (id),
    requested_by            uuid REFERENCES api_keys (id),
    created_at              timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tier, policy_version) REFERENCES policies (tier, version)
);
CREATE INDEX eligibility_decisions_latest
    ON eligibility_decisions (candidate_id, tier, created_at DESC);
CREATE INDEX eligibility_decisions_created ON eligibility_decisions (created_at DESC, id DESC);

-- The audit trail is append-only.
CREATE FUNCTION eligibility_decisions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eligibility decisions are an audit trail: they are never changed or deleted';
END;
$$;
CREATE TRIGGER eligibility_decisions_append_only
    BEFORE UPDATE OR DELETE ON eligibility_decisions
    FOR EACH ROW EXECUTE FUNCTION eligibility_decisions_immutable();
