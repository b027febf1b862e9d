ALTER TABLE delivery_events DROP COLUMN minutes;
