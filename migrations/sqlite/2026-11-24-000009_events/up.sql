-- Events about orders and offers, written in the transaction of the change they report.
-- `seq` orders them: SQLite writes one transaction at a time, so sequence values
-- are handed out in commit order and a reader polling `after=<seq>` never skips one.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    offer_id TEXT,
    area_code TEXT NOT NULL REFERENCES areas (code),
    -- The provider the event concerns (its offer, or the order placed with it), if any.
    provider_id TEXT REFERENCES providers (id),
    occurred_at TIMESTAMP NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX events_provider ON events (provider_id, seq);
CREATE INDEX events_area ON events (area_code, seq);
CREATE INDEX events_order ON events (order_id, seq);

-- A provider's webhook: where its events are POSTed, and the secret they are signed with.
CREATE TABLE webhooks (
    provider_id TEXT PRIMARY KEY REFERENCES providers (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- The outbox: one row per event to push to a provider's webhook, written with the event.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    event_seq BIGINT NOT NULL UNIQUE REFERENCES events (seq),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    leased_until TIMESTAMP,
    lease_owner TEXT,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (provider_id, order_id, event_seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_provider ON webhook_deliveries (provider_id, status, id);
