DROP TRIGGER listings_supply_changed ON listings;
DROP TRIGGER listing_areas_supply_changed ON listing_areas;
DROP TRIGGER providers_supply_changed ON providers;
DROP TRIGGER specifications_supply_changed ON specifications;
DROP TRIGGER accreditations_supply_changed ON accreditations;
DROP TRIGGER quality_threshold_supply_changed ON quality_threshold;
DROP FUNCTION supply_changed();
DROP TABLE supply_versions;
