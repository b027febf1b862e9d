-- What a listing search answers is read from listings, their areas, providers,
-- specifications, accreditations and the quality threshold. Every transaction that
-- changes any of them moves this number on once, as it commits (a deferred trigger: the
-- row is locked only for the commit itself, so these writers do not queue on it while
-- they work), so a process may keep a search's answer for the number it was made at
-- (crates/api/src/listings/cache.rs).
CREATE TABLE supply_versions (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO supply_versions (id, version) VALUES (1, 0);

CREATE FUNCTION supply_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction, however many rows it changed.
    IF current_setting('hub.supply_changed', true) IS DISTINCT FROM '1' THEN
        PERFORM set_config('hub.supply_changed', '1', true);
        UPDATE supply_versions SET version = version + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER listings_supply_changed AFTER INSERT OR UPDATE OR DELETE ON listings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supply_changed();
CREATE CONSTRAINT TRIGGER listing_areas_supply_changed AFTER INSERT OR UPDATE OR DELETE ON listing_areas
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supply_changed();
CREATE CONSTRAINT TRIGGER providers_supply_changed AFTER INSERT OR UPDATE OR DELETE ON providers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supply_changed();
CREATE CONSTRAINT TRIGGER specifications_supply_changed AFTER INSERT OR UPDATE OR DELETE ON specifications
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supply_changed();
CREATE CONSTRAINT TRIGGER accreditations_supply_changed AFTER INSERT OR UPDATE OR DELETE ON accreditations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supply_changed();
CREATE CONSTRAINT TRIGGER quality_threshold_supply_changed AFTER INSERT OR UPDATE OR DELETE ON quality_threshold
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION supply_changed();

-- Emptying a table by hand (TRUNCATE fires no row trigger) moves it on too.
CREATE TRIGGER listings_supply_truncated AFTER TRUNCATE ON listings
    FOR EACH STATEMENT EXECUTE FUNCTION supply_changed();
CREATE TRIGGER listing_areas_supply_truncated AFTER TRUNCATE ON listing_areas
    FOR EACH STATEMENT EXECUTE FUNCTION supply_changed();
CREATE TRIGGER providers_supply_truncated AFTER TRUNCATE ON providers
    FOR EACH STATEMENT EXECUTE FUNCTION supply_changed();
CREATE TRIGGER specifications_supply_truncated AFTER TRUNCATE ON specifications
    FOR EACH STATEMENT EXECUTE FUNCTION supply_changed();
CREATE TRIGGER accreditations_supply_truncated AFTER TRUNCATE ON accreditations
    FOR EACH STATEMENT EXECUTE FUNCTION supply_changed();
CREATE TRIGGER quality_threshold_supply_truncated AFTER TRUNCATE ON quality_threshold
    FOR EACH STATEMENT EXECUTE FUNCTION supply_changed();
