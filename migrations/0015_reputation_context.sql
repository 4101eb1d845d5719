-- What matching needs to score a milestone of other skills and amount without reading
-- the history again: the feature row each reputation was scored from (in the model's
-- feature order), and how many of the market's milestones of its tier had finished
-- (0: the tier has no evidence of its own, and its score carries no tier effect).
ALTER TABLE reputations
    ADD COLUMN features double precision[] NOT NULL DEFAULT '{}',
    ADD COLUMN tier_evidence integer NOT NULL DEFAULT 0;
