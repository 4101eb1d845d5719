-- Each claim starts a new generation of the job's lease. Every write a worker makes on the
-- job names the generation it holds, so a write left over from an earlier claim (even by
-- the same worker, after its lease expired and it claimed the job again) changes nothing.
ALTER TABLE jobs ADD COLUMN lease_generation bigint NOT NULL DEFAULT 0;
