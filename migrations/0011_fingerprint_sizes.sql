-- How many distinct hashes each fingerprint has, and whether its sample was capped: a new
-- submission then loads only the work it could resemble past the threshold, not every
-- fingerprint that shares a few idioms with it.
ALTER TABLE submission_fingerprints
    ADD COLUMN hash_count integer NOT NULL DEFAULT 0 CHECK (hash_count >= 0),
    ADD COLUMN capped boolean NOT NULL DEFAULT false;
UPDATE submission_fingerprints f SET hash_count =
    (SELECT count(*) FROM fingerprint_hashes h WHERE h.submission_id = f.submission_id);
