-- Web pages: browser sessions and one-time sign-in links, and each change of a
-- reputation score over time (the profile page's chart).

-- A browser session stands for one API key: revoking the key ends the session.
-- Only sha256 of the cookie's random token is stored.
CREATE TABLE web_sessions (
    token_hash  bytea PRIMARY KEY,
    key_id      uuid NOT NULL REFERENCES api_keys (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz
);
CREATE INDEX web_sessions_key ON web_sessions (key_id);

-- A link an admin or platform hands to a person: it signs in as `key_id` once,
-- before it expires. Only sha256 of the link's random token is stored.
CREATE TABLE sign_in_links (
    token_hash  bytea PRIMARY KEY,
    key_id      uuid NOT NULL REFERENCES api_keys (id),
    created_by  uuid REFERENCES api_keys (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- Appended by the refresher whenever a stored score moves; never updated.
CREATE TABLE reputation_history (
    id             bigserial PRIMARY KEY,
    candidate_id   uuid NOT NULL REFERENCES actors (id),
    tier           text NOT NULL,
    score          double precision NOT NULL,
    lower_bound    double precision NOT NULL,
    upper_bound    double precision NOT NULL,
    source         text NOT NULL,
    model_version  text NOT NULL,
    computed_at    timestamptz NOT NULL
);
CREATE INDEX reputation_history_candidate ON reputation_history (candidate_id, tier, computed_at);

-- Reputations stored before this migration are each history's first point.
INSERT INTO reputation_history (candidate_id, tier, score, lower_bound, upper_bound, source,
                                model_version, computed_at)
SELECT candidate_id, tier, score, lower_bound, upper_bound, source, model_version, computed_at
FROM reputations;
