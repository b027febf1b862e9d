DROP TABLE payments;
DROP TABLE delivery_events;
ALTER TABLE orders DROP COLUMN outcome;
ALTER TABLE orders DROP COLUMN actual_start;
