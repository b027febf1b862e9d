-- A start date's places are kept in up to eight shares, one row each, instead of one row
-- per date. Buyers of one date then take a place in different rows (the first share
-- nobody else holds: FOR NO KEY UPDATE SKIP LOCKED) rather than queue for one counter
-- locked from each sale to its commit. The capacity_slots view adds the shares up.
CREATE TABLE capacity_shares (
    listing_id TEXT NOT NULL REFERENCES listings (id),
    starts_on DATE NOT NULL,
    share INTEGER NOT NULL CHECK (share >= 0),
    places INTEGER NOT NULL CHECK (places >= 0),
    places_taken INTEGER NOT NULL DEFAULT 0 CHECK (places_taken >= 0 AND places_taken <= places),
    PRIMARY KEY (listing_id, starts_on, share)
);

-- Each date's places split as evenly as they go (the first shares one more), the places
-- taken filling the shares in order: as crates/store/src/capacity.rs splits them.
WITH k (i) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7)),
split AS (
    SELECT listing_id, starts_on, places, places_taken,
           CASE WHEN places = 0 THEN 1 WHEN places < 8 THEN places ELSE 8 END AS n
    FROM capacity_slots
)
INSERT INTO capacity_shares (listing_id, starts_on, share, places, places_taken)
SELECT listing_id, starts_on, k.i,
       places / n + CASE WHEN k.i < places % n THEN 1 ELSE 0 END,
       max(0, min(places / n + CASE WHEN k.i < places % n THEN 1 ELSE 0 END,
                         places_taken - (k.i * (places / n) + min(k.i, places % n))))
FROM split JOIN k ON k.i < split.n;

DROP TABLE capacity_slots;

CREATE VIEW capacity_slots AS
SELECT listing_id, starts_on,
       CAST(sum(places) AS INTEGER) AS places,
       CAST(sum(places_taken) AS INTEGER) AS places_taken
FROM capacity_shares
GROUP BY listing_id, starts_on;
