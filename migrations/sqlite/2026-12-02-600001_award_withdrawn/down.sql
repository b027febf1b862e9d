ALTER TABLE offers DROP COLUMN withdrawn_on;
