ALTER TABLE plan_items DROP COLUMN not_before;
ALTER TABLE plan_items DROP COLUMN set_aside_reason;
ALTER TABLE plan_items DROP COLUMN set_aside;
DROP INDEX sentence_plans_review;
DROP INDEX sentence_plans_crn;
ALTER TABLE sentence_plans DROP COLUMN sequence;
ALTER TABLE sentence_plans DROP COLUMN review_on;
ALTER TABLE sentence_plans DROP COLUMN superseded_by;
ALTER TABLE sentence_plans DROP COLUMN revises_plan_id;
