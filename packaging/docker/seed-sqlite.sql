-- The example table memgate-sqlite serves (memgate-sqlite-backend --table
-- users --key-column name --value-column bio). Idempotent: re-running keeps
-- rows written since.
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, bio TEXT);
INSERT OR IGNORE INTO users (name, bio) VALUES ('alice', 'likes caches');
INSERT OR IGNORE INTO users (name, bio) VALUES ('carol', 'reads the logs');
