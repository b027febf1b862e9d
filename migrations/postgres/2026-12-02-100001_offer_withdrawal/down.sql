DROP INDEX orders_waiting;
DROP INDEX orders_provider;
UPDATE offers SET status = 'cancelled' WHERE status = 'withdrawn';
ALTER TABLE offers DROP CONSTRAINT offers_status_check;
ALTER TABLE offers ADD CONSTRAINT offers_status_check
    CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled'));
