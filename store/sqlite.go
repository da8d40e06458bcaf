package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"slices"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteStore keeps the data in an SQLite file through the pure-Go modernc
// driver. SQLite admits one writer at a time, so writes and reads use
// separate pools:
//
//   - writer has a single connection, so concurrent writes wait their turn
//     in Go's pool rather than in SQLite's busy handler, which polls with
//     sleeps and gives up after busy_timeout. Its transactions BEGIN
//     IMMEDIATE, taking the write lock up front: a transaction that would
//     upgrade from a read lock mid-way fails with SQLITE_BUSY at once,
//     busy_timeout or not. busy_timeout covers other processes writing the
//     same file, such as a second instance.
//   - reader has several read-only connections, which WAL lets run beside
//     the writer.
type sqliteStore struct {
	writer  *sql.DB
	reader  *sql.DB
	writes  *stmtCache // prepared on writer
	reads   *stmtCache // prepared on reader
	commits *groupCommitter
}

var _ Store = (*sqliteStore)(nil)

// sqliteBusyTimeout is how long a statement waits for another process's lock.
const sqliteBusyTimeout = 5 * time.Second

// sqliteConnectionPragmas are per connection, so they go in the DSN, which
// modernc applies to every connection it opens.
var sqliteConnectionPragmas = []string{
	fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()),
	"foreign_keys(1)",
	// In WAL mode NORMAL loses at most the last commits on power loss, never
	// consistency, and saves an fsync per commit.
	"synchronous(NORMAL)",
}

// sqliteDSN is the modernc DSN of path: the pragmas every connection needs
// plus the extra DSN parameters.
func sqliteDSN(path string, extra url.Values) string {
	query := url.Values{"_pragma": slices.Clone(sqliteConnectionPragmas)}
	for name, values := range extra {
		query[name] = append(query[name], values...)
	}
	return path + "?" + query.Encode()
}

func openSQLite(ctx context.Context, path string, logger *slog.Logger) (Store, error) {
	writer, err := sql.Open("sqlite", sqliteDSN(path, url.Values{"_txlock": {"immediate"}}))
	if err != nil {
		return nil, fmt.Errorf("store: unable to open SQLite database %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	if err := enableWAL(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: unable to open SQLite database %s: %w", path, err)
	}
	if err := migrateSQLite(ctx, writer, logger); err != nil {
		writer.Close()
		return nil, err
	}

	reader, err := sql.Open("sqlite", sqliteDSN(path, url.Values{"_pragma": {"query_only(1)"}}))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("store: unable to open SQLite database %s: %w", path, err)
	}
	readers := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(readers)
	// Kept open: a new connection re-reads the schema and reruns the pragmas.
	reader.SetMaxIdleConns(readers)
	logger.Info("opened SQLite database", "path", path)
	writes := newStmtCache(writer)
	if err := writes.prepare(ctx, sqliteFindChat, sqliteSetTitleIfNoMessages, sqliteInsertMessage); err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("store: unable to prepare SQLite statements: %w", err)
	}
	return &sqliteStore{
		writer: writer, reader: reader,
		writes: writes, reads: newStmtCache(reader),
		commits: newGroupCommitter(writer),
	}, nil
}

func (s *sqliteStore) Sessions() SessionTable { return s }

func (s *sqliteStore) Ping(ctx context.Context) error {
	if err := errors.Join(s.writer.PingContext(ctx), s.reader.PingContext(ctx)); err != nil {
		return fmt.Errorf("store: unable to reach SQLite database: %w", err)
	}
	return nil
}

func (s *sqliteStore) Close() error {
	s.commits.close()
	s.reads.close()
	s.writes.close()
	if err := errors.Join(s.reader.Close(), s.writer.Close()); err != nil {
		return fmt.Errorf("store: unable to close SQLite database: %w", err)
	}
	return nil
}

// enableWAL switches the file to write-ahead logging, which lets readers run
// during a write. WAL is a property of the file, so this is done once here
// rather than on every connection. The switch needs the file to itself, and
// SQLite refuses it with SQLITE_BUSY at once, without waiting, while another
// process uses the file (as when two instances start together on an old
// file), hence the retries for as long as busy_timeout would wait.
func enableWAL(ctx context.Context, writer *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		var mode string
		err := writer.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil && mode != "wal" {
			err = fmt.Errorf("journal_mode is %s, not wal", mode)
		}
		if !isSQLiteError(err, sqlite3.SQLITE_BUSY) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// inWriteTx runs fn in a write transaction, committing when fn succeeds;
// concurrent writes share commits (sqlite_writer.go).
func (s *sqliteStore) inWriteTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.commits.do(ctx, fn)
}

// isSQLiteError reports whether err is an SQLite error with code, either an
// extended result code (modernc turns them on) or a primary one, which
// matches all its extended codes.
func isSQLiteError(err error, code int) bool {
	var sqliteErr *sqlite.Error
	if !errors.As(err, &sqliteErr) {
		return false
	}
	return sqliteErr.Code() == code || sqliteErr.Code()&0xff == code
}

const (
	sqliteCreateSchemaMigrations = `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER NOT NULL PRIMARY KEY
		)`

	sqliteMigrationApplied = `
		SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?)`

	sqliteRecordMigration = `
		INSERT INTO schema_migrations (version) VALUES (?)`
)

// migrateSQLite applies the pending migrations in one transaction, with
// foreign_keys off as SQLite prescribes for rebuilding tables; the pragma is
// a no-op inside a transaction, hence one dedicated connection.
// foreign_key_check runs once before the commit, after the rebuild has
// dropped the orphans an old file may hold.
func migrateSQLite(ctx context.Context, writer *sql.DB, logger *slog.Logger) (err error) {
	conn, err := writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to migrate SQLite database: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return fmt.Errorf("store: unable to migrate SQLite database: %w", err)
	}
	defer func() {
		// The connection returns to the pool, which must never hand it out
		// with foreign keys off; Open fails instead.
		if _, restoreErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); restoreErr != nil {
			err = errors.Join(err, fmt.Errorf("store: unable to turn SQLite foreign keys back on: %w", restoreErr))
		}
	}()

	// BEGIN IMMEDIATE (the writer's _txlock) holds off other instances until
	// the commit, so each migration is checked and applied by one of them.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: unable to migrate SQLite database: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqliteCreateSchemaMigrations); err != nil {
		return fmt.Errorf("store: unable to migrate SQLite database: create schema_migrations: %w", err)
	}
	applied, err := applyPending(ctx, "migrations/sqlite", func(ctx context.Context, m migration) (bool, error) {
		var done bool
		if err := tx.QueryRowContext(ctx, sqliteMigrationApplied, m.version).Scan(&done); err != nil || done {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return false, err
		}
		_, err := tx.ExecContext(ctx, sqliteRecordMigration, m.version)
		return err == nil, err
	})
	if err != nil {
		return fmt.Errorf("store: unable to migrate SQLite database: %w", err)
	}
	if err := sqliteForeignKeyCheck(ctx, tx); err != nil {
		return fmt.Errorf("store: unable to migrate SQLite database: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: unable to migrate SQLite database: %w", err)
	}
	logMigrations(logger, applied)
	return nil
}

// sqliteForeignKeyCheck fails when any row refers to a missing parent.
func sqliteForeignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowID sql.NullInt64
		var parent string
		var fkIndex int
		if err := rows.Scan(&table, &rowID, &parent, &fkIndex); err != nil {
			return err
		}
		return fmt.Errorf("row %d of %s refers to a missing row of %s", rowID.Int64, table, parent)
	}
	return rows.Err()
}

func (s *sqliteStore) Stats() PoolStats {
	w, r := s.writer.Stats(), s.reader.Stats()
	return PoolStats{InUse: w.InUse + r.InUse, Idle: w.Idle + r.Idle, MaxOpen: w.MaxOpenConnections + r.MaxOpenConnections}
}
