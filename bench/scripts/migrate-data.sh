#!/usr/bin/env bash
# Measures migrate-data on an old-service SQLite file of MESSAGES messages
# (default 1,000,000; 1,000 users with the old service's pbkdf2 hash, 10
# chats each, messages of about 200 bytes) into a fresh PostgreSQL
# database: wall time, rows/s and peak RSS (/usr/bin/time -v). With
# PGLOADER=1 it also loads the same file with Debian's pgloader into another
# fresh database and runs migrate-data --verify-only against pgloader's
# result.
#
#   bench/scripts/migrate-data.sh BINARY [PG_ADMIN_URL]
#
# PG_ADMIN_URL is a server where the databases bench_migrate_data and
# bench_pgloader may be dropped and created (default
# postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
# Build the binary with `go build -o /tmp/amanda .`.
set -euo pipefail
binary=$(realpath "$1")
admin=${2:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
messages=${MESSAGES:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db_url() { echo "${admin/\/postgres\?//$1?}"; }
fresh_db() {
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}

# The old service's DDL (store/storetest's legacy schema) and its data.
source="$work/old.db"
sqlite3 "$source" <<SQL
CREATE TABLE users (id INTEGER NOT NULL, email VARCHAR(120) NOT NULL, password_hash VARCHAR(255) NOT NULL, created_at DATETIME, PRIMARY KEY (id), UNIQUE (email));
CREATE TABLE chats (id INTEGER NOT NULL, user_id INTEGER NOT NULL, title VARCHAR(200), created_at DATETIME, PRIMARY KEY (id), FOREIGN KEY(user_id) REFERENCES users (id));
CREATE TABLE messages (id INTEGER NOT NULL, chat_id INTEGER NOT NULL, role VARCHAR(20) NOT NULL, content TEXT NOT NULL, timestamp DATETIME, PRIMARY KEY (id), FOREIGN KEY(chat_id) REFERENCES chats (id));
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO users SELECT i, 'user' || i || '@example.com',
  'pbkdf2:sha256:600000\$AbCdEfGh12345678\$78d01e02d1a7ca44ccade9fe2776a954eced2245fcea8b2f75c38c4dea4af427',
  strftime('%Y-%m-%d %H:%M:%f', '2025-01-01', '+' || i || ' minutes') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO chats SELECT i, 1 + (i - 1) / 10, 'Chat number ' || i,
  strftime('%Y-%m-%d %H:%M:%f', '2025-02-01', '+' || i || ' minutes') FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $messages)
INSERT INTO messages SELECT i, 1 + (i - 1) % 10000, CASE i % 2 WHEN 1 THEN 'user' ELSE 'assistant' END,
  'Message ' || i || ': we talked about the week, the plans for the weekend and how to listen better when the other one is tired, ' || hex(randomblob(16)),
  strftime('%Y-%m-%d %H:%M:%f', '2025-03-01', '+' || i || ' seconds') FROM n;
SQL
echo "source: $(du -h "$source" | cut -f1), $messages messages"

fresh_db bench_migrate_data
/usr/bin/time -v "$binary" migrate-data --from "sqlite:///$source" --to "$(db_url bench_migrate_data)" \
  >"$work/migrate.out" 2>"$work/migrate.time"
grep -E 'msg=copied|match|DIFFERENT' "$work/migrate.out"
grep -E 'Elapsed|Maximum resident' "$work/migrate.time"

if [ "${PGLOADER:-0}" = 1 ]; then
  fresh_db bench_pgloader
  /usr/bin/time -v pgloader --quiet "sqlite:///$source" "$(db_url bench_pgloader)" \
    >"$work/pgloader.out" 2>"$work/pgloader.time" || { cat "$work/pgloader.out" "$work/pgloader.time"; exit 1; }
  tail -n 5 "$work/pgloader.out"
  grep -E 'Elapsed|Maximum resident' "$work/pgloader.time"
  echo "migrate-data --verify-only against pgloader's result:"
  "$binary" migrate-data --from "sqlite:///$source" --to "$(db_url bench_pgloader)" --verify-only || true
fi
