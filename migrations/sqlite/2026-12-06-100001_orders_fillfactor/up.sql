-- PostgreSQL only (orders keep room on each page for updates); SQLite has no fill factor.
SELECT 1;
