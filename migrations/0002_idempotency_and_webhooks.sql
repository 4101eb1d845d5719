-- Idempotent writes, webhook subscriptions and every delivery attempt.

CREATE TABLE idempotency_keys (
    api_key_id     uuid NOT NULL REFERENCES api_keys (id),
    key            text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    method         text NOT NULL,
    path           text NOT NULL,
    -- the same key with a different body is a client bug: answered 409, never replayed
    request_sha256 text NOT NULL,
    status_code    integer NOT NULL,
    response_body  bytea NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, key)
);

CREATE TABLE webhooks (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_key   uuid NOT NULL REFERENCES api_keys (id),
    url         text NOT NULL CHECK (url ~ '^https?://'),
    events      text[] NOT NULL CHECK (cardinality(events) > 0),
    -- the HMAC secret; shown once at creation
    secret      text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id     uuid NOT NULL REFERENCES webhooks (id),
    event          text NOT NULL,
    subject_id     uuid,
    body           bytea NOT NULL,
    state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts       integer NOT NULL DEFAULT 0,
    last_status    integer,
    last_error     text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at     timestamptz NOT NULL DEFAULT now(),
    delivered_at   timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status_code  integer,
    error        text,
    duration_ms  integer NOT NULL
);

ALTER TABLE jobs ADD COLUMN heartbeat_at timestamptz;
ALTER TABLE results ADD COLUMN summary text NOT NULL DEFAULT '';
