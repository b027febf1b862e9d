-- An attended session carries the contact time it gave, in whole minutes, so completion
-- can be held to the specification's minimum hours. Sessions recorded before have none.
ALTER TABLE delivery_events ADD COLUMN minutes INTEGER CHECK (minutes IS NULL OR (minutes > 0 AND minutes <= 1440));
