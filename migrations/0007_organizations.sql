-- Organizations: every platform on this engine is one, and sees only its own people.
--
-- A person (candidate or client) belongs to one organization, and so does everything
-- reached through them (engagements, milestones, submissions, results, reputations,
-- decisions). A platform, candidate or client key belongs to one organization; admin keys
-- to none (they see across). A trial with no organization is the shared catalogue; one
-- with an organization is private to it. Existing data moves into the `default` one.

CREATE TABLE organizations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO organizations (slug, name) VALUES ('default', 'Default organization');

ALTER TABLE actors ADD COLUMN organization_id uuid REFERENCES organizations (id);
UPDATE actors SET organization_id = (SELECT id FROM organizations WHERE slug = 'default');
ALTER TABLE actors ALTER COLUMN organization_id SET NOT NULL;
-- the platform's own ids are unique within the platform, not across platforms
ALTER TABLE actors DROP CONSTRAINT actors_kind_external_ref_key;
ALTER TABLE actors ADD CONSTRAINT actors_organization_kind_external_ref_key
    UNIQUE (organization_id, kind, external_ref);
CREATE INDEX actors_organization_kind_created ON actors (organization_id, kind, created_at DESC);
-- look-ups by platform id for an admin (any organization) and under generic plans
CREATE INDEX actors_kind_external_ref ON actors (kind, external_ref);

ALTER TABLE api_keys ADD COLUMN organization_id uuid REFERENCES organizations (id);
UPDATE api_keys k SET organization_id = coalesce(
    (SELECT a.organization_id FROM actors a WHERE a.id = k.actor_id),
    (SELECT id FROM organizations WHERE slug = 'default'))
WHERE role <> 'admin';
ALTER TABLE api_keys ADD CONSTRAINT api_keys_organization_unless_admin
    CHECK ((role = 'admin') = (organization_id IS NULL));

ALTER TABLE engagements ADD COLUMN organization_id uuid REFERENCES organizations (id);
UPDATE engagements e SET organization_id = a.organization_id
    FROM actors a WHERE a.id = e.candidate_id;
ALTER TABLE engagements ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE engagements DROP CONSTRAINT engagements_external_ref_key;
ALTER TABLE engagements ADD CONSTRAINT engagements_organization_external_ref_key
    UNIQUE (organization_id, external_ref);
CREATE INDEX engagements_external_ref ON engagements (external_ref);

ALTER TABLE milestones ADD COLUMN organization_id uuid REFERENCES organizations (id);
UPDATE milestones m SET organization_id = a.organization_id
    FROM actors a WHERE a.id = m.candidate_id;
ALTER TABLE milestones ALTER COLUMN organization_id SET NOT NULL;
ALTER TABLE milestones DROP CONSTRAINT milestones_external_ref_key;
ALTER TABLE milestones ADD CONSTRAINT milestones_organization_external_ref_key
    UNIQUE (organization_id, external_ref);
CREATE INDEX milestones_external_ref ON milestones (external_ref);

-- NULL: an admin's webhook, which receives every organization's events
ALTER TABLE webhooks ADD COLUMN organization_id uuid REFERENCES organizations (id);
UPDATE webhooks w SET organization_id = k.organization_id
    FROM api_keys k WHERE k.id = w.owner_key;

-- NULL: the shared catalogue
ALTER TABLE trials ADD COLUMN organization_id uuid REFERENCES organizations (id);
