-- Matching keeps, per process, an in-memory index of an organization's stored reputations
-- for one tier (service/matching/). Before each request it asks whether those reputations
-- changed since the index was built: one primary-key read of reputation_generations,
-- whatever the organization's size (counting and taking max(computed_at) over its rows
-- instead would join every one of its candidates on every request). When they changed, it
-- reads which candidates did from reputation_changes and re-reads only theirs.
--
-- Triggers rather than the refresher's code keep both: every writer is covered (a refresh,
-- a promotion's re-scoring, an operator's repair), in the writer's own transaction, so a
-- change and its generation become visible together.

CREATE TABLE reputation_generations (
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    tier             text NOT NULL,
    -- goes up by one with every statement that writes reputations of the organization and
    -- tier. Writers hold this row from their bump to their commit, so generations are in
    -- the order the writes became visible.
    generation       bigint NOT NULL CHECK (generation > 0),
    changed_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, tier)
);

-- Which candidates each generation changed; candidate_id NULL: more than 2000 did (an
-- import, a promotion, the daily refresh), and readers rebuild from scratch. Only the last
-- 100 generations of each organization and tier are kept: an index older than that is
-- rebuilt from scratch too.
CREATE TABLE reputation_changes (
    organization_id  uuid NOT NULL,
    tier             text NOT NULL,
    generation       bigint NOT NULL,
    candidate_id     uuid
);
CREATE INDEX reputation_changes_since ON reputation_changes (organization_id, tier, generation);

INSERT INTO reputation_generations (organization_id, tier, generation)
SELECT a.organization_id, r.tier, 1
FROM reputations r JOIN actors a ON a.id = r.candidate_id
GROUP BY a.organization_id, r.tier;
INSERT INTO reputation_changes (organization_id, tier, generation, candidate_id)
SELECT organization_id, tier, generation, NULL FROM reputation_generations;

-- One generation per (organization, tier) a statement touched, whatever the number of rows.
-- Writers of one organization already take its refresh lock, so they wait on each other
-- here no longer than before.
CREATE FUNCTION reputation_generations_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH touched AS (
        SELECT a.organization_id, c.tier, array_agg(c.candidate_id) AS ids
        FROM changed c JOIN actors a ON a.id = c.candidate_id
        GROUP BY a.organization_id, c.tier
    ), bumped AS (
        INSERT INTO reputation_generations AS g (organization_id, tier, generation)
        SELECT organization_id, tier, 1 FROM touched
        ORDER BY organization_id, tier  -- one order of row locks: writers never deadlock
        ON CONFLICT (organization_id, tier)
        DO UPDATE SET generation = g.generation + 1, changed_at = now()
        RETURNING g.organization_id, g.tier, g.generation
    ), logged AS (
        INSERT INTO reputation_changes (organization_id, tier, generation, candidate_id)
        SELECT b.organization_id, b.tier, b.generation, listed.candidate_id
        FROM bumped b JOIN touched t USING (organization_id, tier)
        CROSS JOIN LATERAL unnest(
            CASE WHEN cardinality(t.ids) <= 2000 THEN t.ids ELSE ARRAY[NULL::uuid] END
        ) AS listed (candidate_id)
    )
    DELETE FROM reputation_changes expired USING bumped b
    WHERE expired.organization_id = b.organization_id AND expired.tier = b.tier
      AND expired.generation <= b.generation - 100;
    RETURN NULL;
END;
$$;

-- A transition table belongs to one event, so each event has its trigger.
CREATE TRIGGER reputation_generations_insert
    AFTER INSERT ON reputations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION reputation_generations_bump();
CREATE TRIGGER reputation_generations_update
    AFTER UPDATE ON reputations REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION reputation_generations_bump();
CREATE TRIGGER reputation_generations_delete
    AFTER DELETE ON reputations REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION reputation_generations_bump();
