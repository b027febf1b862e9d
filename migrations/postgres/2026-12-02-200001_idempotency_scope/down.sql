DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    actor_sub TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    route TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor_sub, idempotency_key)
);
