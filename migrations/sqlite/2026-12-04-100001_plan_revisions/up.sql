-- Plan revisions and shaping a plan before approval (issue 16, parts 1 and 2).
-- A plan made for a person who already has a plan revises it (`revises_plan_id`); once a
-- later plan of the person is approved, the earlier one is superseded (`superseded_by`).
-- An approved plan is due for review on `review_on`. `sequence` is the offender manager's
-- "item starts after item" constraints, as JSON: [{"item": id, "after": id}].
ALTER TABLE sentence_plans ADD COLUMN revises_plan_id TEXT;
ALTER TABLE sentence_plans ADD COLUMN superseded_by TEXT;
ALTER TABLE sentence_plans ADD COLUMN review_on DATE;
ALTER TABLE sentence_plans ADD COLUMN sequence TEXT NOT NULL DEFAULT '[]';
CREATE INDEX sentence_plans_crn ON sentence_plans (crn, created_at);
CREATE INDEX sentence_plans_review ON sentence_plans (area_code, review_on);

-- An item removed (never bought) or deferred (not bought now) by the offender manager,
-- with the reason; and the earliest start a sequence leaves it (`not_before`), which
-- matching honours for the item's order.
ALTER TABLE plan_items ADD COLUMN set_aside TEXT CHECK (set_aside IN ('removed', 'deferred'));
ALTER TABLE plan_items ADD COLUMN set_aside_reason TEXT;
ALTER TABLE plan_items ADD COLUMN not_before DATE;
