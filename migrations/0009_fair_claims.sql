-- Fair claims: each candidate's turn, so workers serve the candidate served least recently
-- first and one candidate's backlog never queues ahead of another's next submission. The
-- row is also what a claim locks, so two workers never start two runs of one candidate
-- past the limit at once.
CREATE TABLE candidate_turns (
    candidate_id     uuid PRIMARY KEY REFERENCES actors (id),
    last_claimed_at  timestamptz
);
INSERT INTO candidate_turns (candidate_id) SELECT DISTINCT candidate_id FROM submissions;
CREATE INDEX submissions_candidate ON submissions (candidate_id);
