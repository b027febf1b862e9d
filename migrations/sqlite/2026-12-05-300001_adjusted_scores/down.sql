DROP INDEX orders_evidence;
ALTER TABLE area_policies DROP COLUMN continuity_pence;
