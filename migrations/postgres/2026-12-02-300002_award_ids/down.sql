DROP INDEX offers_awarded;
DROP INDEX offers_award_id;
ALTER TABLE offers DROP COLUMN awarded_on;
ALTER TABLE offers DROP COLUMN award_id;
CREATE INDEX offers_accepted ON offers (status, answered_at, order_id);
