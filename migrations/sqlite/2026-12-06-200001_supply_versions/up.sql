-- What a listing search answers is read from listings, their areas, providers,
-- specifications, accreditations and the quality threshold. Every change to any of them
-- moves this number on in the same transaction, so a process may keep a search's answer
-- for the number it was made at (crates/api/src/listings/cache.rs).
CREATE TABLE supply_versions (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO supply_versions (id, version) VALUES (1, 0);

CREATE TRIGGER listings_supply_insert AFTER INSERT ON listings
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listings_supply_update AFTER UPDATE ON listings
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listings_supply_delete AFTER DELETE ON listings
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_areas_supply_insert AFTER INSERT ON listing_areas
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_areas_supply_update AFTER UPDATE ON listing_areas
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER listing_areas_supply_delete AFTER DELETE ON listing_areas
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER providers_supply_insert AFTER INSERT ON providers
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER providers_supply_update AFTER UPDATE ON providers
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER providers_supply_delete AFTER DELETE ON providers
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER specifications_supply_insert AFTER INSERT ON specifications
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER specifications_supply_update AFTER UPDATE ON specifications
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER specifications_supply_delete AFTER DELETE ON specifications
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER accreditations_supply_insert AFTER INSERT ON accreditations
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER accreditations_supply_update AFTER UPDATE ON accreditations
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER accreditations_supply_delete AFTER DELETE ON accreditations
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER quality_threshold_supply_insert AFTER INSERT ON quality_threshold
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER quality_threshold_supply_update AFTER UPDATE ON quality_threshold
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER quality_threshold_supply_delete AFTER DELETE ON quality_threshold
BEGIN
    UPDATE supply_versions SET version = version + 1 WHERE id = 1;
END;
