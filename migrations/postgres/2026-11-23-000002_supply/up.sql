-- The supply side: providers, accreditation, the quality threshold, listings,
-- their areas, price history and capacity.
CREATE TABLE quality_threshold (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    threshold INTEGER NOT NULL CHECK (threshold BETWEEN 0 AND 100),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO quality_threshold (id, threshold, updated_at, updated_by)
VALUES (1, 60, (CURRENT_TIMESTAMP AT TIME ZONE 'UTC'), 'migration');

CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sector TEXT NOT NULL CHECK (sector IN ('public', 'private', 'voluntary', 'social_enterprise')),
    registration_number TEXT NOT NULL UNIQUE,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT,
    standing TEXT NOT NULL CHECK (standing IN ('active', 'suspended', 'revoked')),
    standing_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX providers_name ON providers (name, id);

CREATE TABLE accreditations (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    category TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    assessed_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    notes TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    superseded_at TIMESTAMP
);
CREATE INDEX accreditations_current ON accreditations (provider_id, category, score, expires_on)
    WHERE superseded_at IS NULL;
CREATE INDEX accreditations_provider ON accreditations (provider_id, recorded_at);

CREATE TABLE listings (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    specification_id TEXT NOT NULL REFERENCES specifications (id),
    specification_code TEXT NOT NULL,
    specification_version INTEGER NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    price_pence BIGINT NOT NULL CHECK (price_pence > 0),
    delivery_format TEXT NOT NULL,
    delivery_mode TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'paused', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP,
    withdrawn_at TIMESTAMP
);
CREATE INDEX listings_search ON listings (status, category, id);
CREATE INDEX listings_provider ON listings (provider_id, id);
CREATE INDEX listings_code ON listings (specification_code, id);

CREATE TABLE listing_areas (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    area_code TEXT NOT NULL REFERENCES areas (code),
    PRIMARY KEY (listing_id, area_code)
);
CREATE INDEX listing_areas_area ON listing_areas (area_code, listing_id);

CREATE TABLE listing_prices (
    id TEXT PRIMARY KEY,
    listing_id TEXT NOT NULL REFERENCES listings (id),
    price_pence BIGINT NOT NULL CHECK (price_pence > 0),
    effective_from TIMESTAMP NOT NULL,
    set_by TEXT NOT NULL
);
CREATE INDEX listing_prices_listing ON listing_prices (listing_id, effective_from);

CREATE TABLE capacity_slots (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    starts_on DATE NOT NULL,
    places INTEGER NOT NULL CHECK (places >= 0),
    places_taken INTEGER NOT NULL DEFAULT 0 CHECK (places_taken >= 0 AND places_taken <= places),
    PRIMARY KEY (listing_id, starts_on)
);
