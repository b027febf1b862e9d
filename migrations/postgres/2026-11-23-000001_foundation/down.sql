DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE specifications;
DROP TABLE areas;
