-- The currency of a milestone's amount, as the platform gives it (ISO 4217); none for
-- milestones recorded before, or imported with a history that carries none.
ALTER TABLE milestones ADD COLUMN currency text CHECK (currency ~ '^[A-Z]{3}$');
