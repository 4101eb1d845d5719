-- An infrastructure fault (the engine or the sandbox failing) is not an attempt of the
-- candidate's: it is counted apart, only to space the retries, and never parks a job.
ALTER TABLE jobs ADD COLUMN infra_failures integer NOT NULL DEFAULT 0;
