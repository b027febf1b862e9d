-- A stored answer belongs to the caller's whole identity: the token's subject, its role
-- and the area or provider it acts for. Keyed by the subject alone, one subject shared by
-- several scopes could be replayed another scope's answer. Answers stored under the old
-- key cannot be told apart by scope, so they are not carried over.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    actor_sub TEXT NOT NULL,
    actor_scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    route TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor_sub, actor_scope, idempotency_key)
);
