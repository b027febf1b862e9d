-- An accepted offer withdrawn from a revoked provider stays published, as its award's
-- cancellation, dated by the day it was withdrawn.
ALTER TABLE offers ADD COLUMN withdrawn_on DATE;
