ALTER TABLE matching_runs DROP COLUMN completed_at;
ALTER TABLE matching_runs DROP COLUMN changed_meanwhile;
ALTER TABLE matching_runs DROP COLUMN held_for_budget;
