-- A published award is named by a random id drawn when the offer is accepted, never by
-- the order id (time-ordered ids of one plan's orders share their creation instant), and
-- dated by the day only: nothing in an award groups the awards of one person.
ALTER TABLE offers ADD COLUMN award_id TEXT;
ALTER TABLE offers ADD COLUMN awarded_on DATE;
UPDATE offers
   SET award_id = lower(hex(randomblob(16))), awarded_on = date(answered_at)
 WHERE status = 'accepted' AND answered_at IS NOT NULL;
CREATE UNIQUE INDEX offers_award_id ON offers (award_id);
DROP INDEX offers_accepted;
-- Published awards are listed by day, then by their random id.
CREATE INDEX offers_awarded ON offers (status, awarded_on, award_id);
