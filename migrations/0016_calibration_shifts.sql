-- Base-rate recalibration: when an organization's outcomes show that the scores a model
-- version served drifted from what happened (service/reputation/calibration.py), a shift on
-- the logit scale is stored for that organization and version, and scores computed from
-- then on serve sigmoid(logit(p) + shift). The latest row of a pair is the shift in force;
-- each row holds the total (earlier shifts composed in), so no sum over rows is needed.
CREATE TABLE calibration_shifts (
    id               bigserial PRIMARY KEY,  -- in the order the shifts were stored
    organization_id  uuid NOT NULL REFERENCES organizations (id),
    -- the version as scores name it (no foreign key: score history names versions the same way)
    model_version    text NOT NULL CHECK (length(model_version) BETWEEN 1 AND 200),
    shift            double precision NOT NULL CHECK (shift BETWEEN -20 AND 20),
    -- the figures it was computed from: outcomes judged, their mean prediction as served with
    -- the shift in force before, and the observed rate it now matches
    outcomes         integer NOT NULL CHECK (outcomes > 0),
    predicted        double precision NOT NULL CHECK (predicted BETWEEN 0 AND 1),
    observed         double precision NOT NULL CHECK (observed BETWEEN 0 AND 1),
    reason           text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- the API key that asked; NULL from the command line and the refresher's daily pass
    created_by       uuid REFERENCES api_keys (id)
);
CREATE INDEX calibration_shifts_latest
    ON calibration_shifts (organization_id, model_version, created_at DESC, id DESC);

-- The record of recalibrations is append-only, like model promotions.
CREATE FUNCTION calibration_shifts_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'calibration shifts are an audit trail: they are never changed or deleted';
END;
$$;
CREATE TRIGGER calibration_shifts_append_only
    BEFORE UPDATE OR DELETE ON calibration_shifts
    FOR EACH ROW EXECUTE FUNCTION calibration_shifts_immutable();
