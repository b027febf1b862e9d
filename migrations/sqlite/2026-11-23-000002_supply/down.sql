DROP TABLE capacity_slots;
DROP TABLE listing_prices;
DROP TABLE listing_areas;
DROP TABLE listings;
DROP TABLE accreditations;
DROP TABLE providers;
DROP TABLE quality_threshold;
