-- Placements and quotes keep what they read of an area's supply per supply version
-- (crates/market/src/supply.rs), the area's matching policy with it: a change to a
-- policy moves the version on too.
CREATE CONSTRAINT TRIGGER area_policies_supply_changed AFTER INSERT OR UPDATE OR DELETE ON area_policies
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supply_changed();
CREATE TRIGGER area_policies_supply_truncated AFTER TRUNCATE ON area_policies
    FOR EACH STATEMENT EXECUTE FUNCTION supply_changed();
