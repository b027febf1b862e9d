DROP VIEW capacity_slots;

CREATE TABLE capacity_slots (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    starts_on DATE NOT NULL,
    places INTEGER NOT NULL CHECK (places >= 0),
    places_taken INTEGER NOT NULL DEFAULT 0 CHECK (places_taken >= 0 AND places_taken <= places),
    PRIMARY KEY (listing_id, starts_on)
);

INSERT INTO capacity_slots (listing_id, starts_on, places, places_taken)
SELECT listing_id, starts_on, sum(places), sum(places_taken)
FROM capacity_shares
GROUP BY listing_id, starts_on;

DROP TABLE capacity_shares;
