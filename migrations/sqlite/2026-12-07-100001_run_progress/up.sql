-- A batch run applies its placements in short transactions, one after another, so other
-- writes never wait for the whole run: the run is recorded before the first and brought
-- up to date by each, and is complete when the last has committed.
ALTER TABLE matching_runs ADD COLUMN held_for_budget INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matching_runs ADD COLUMN changed_meanwhile INTEGER NOT NULL DEFAULT 0;
ALTER TABLE matching_runs ADD COLUMN completed_at TIMESTAMP;
UPDATE matching_runs SET completed_at = created_at;
