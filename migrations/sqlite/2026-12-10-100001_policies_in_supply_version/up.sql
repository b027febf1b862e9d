-- Placements and quotes keep what they read of an area's supply per supply version
-- (crates/market/src/supply.rs), the area's matching policy with it: a change to a
-- policy moves the version on too.
CREATE TRIGGER area_policies_supply_insert AFTER INSERT ON area_policies
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER area_policies_supply_update AFTER UPDATE ON area_policies
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER area_policies_supply_delete AFTER DELETE ON area_policies
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
