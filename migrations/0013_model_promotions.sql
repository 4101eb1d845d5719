-- Every change of the serving model version, kept for audit: training promoting a better
-- model, an admin promoting a version by hand, or rolling back to the version that served
-- before. model_versions says which version serves now; this says how it came to.
CREATE TABLE model_promotions (
    id            bigserial PRIMARY KEY,  -- in the order the changes were made
    kind          text NOT NULL CHECK (kind IN ('training', 'promotion', 'rollback')),
    -- the version serving before (NULL: none did, the prior served) and the one serving after
    from_version  text REFERENCES model_versions (version),
    to_version    text NOT NULL REFERENCES model_versions (version),
    -- why, in the admin's words (training: its decision); PostgreSQL text never holds NUL
    note          text CHECK (note IS NULL OR length(note) BETWEEN 1 AND 2000),
    -- the API key that asked; NULL from the command line
    changed_by    uuid REFERENCES api_keys (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (from_version IS DISTINCT FROM to_version)
);
CREATE INDEX model_promotions_from ON model_promotions (from_version);
CREATE INDEX model_promotions_to ON model_promotions (to_version);

-- The audit trail is append-only.
CREATE FUNCTION model_promotions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'model promotions are an audit trail: they are never changed or deleted';
END;
$$;
CREATE TRIGGER model_promotions_append_only
    BEFORE UPDATE OR DELETE ON model_promotions
    FOR EACH ROW EXECUTE FUNCTION model_promotions_immutable();
