package datamove

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteDB is one connection to an SQLite file.
type sqliteDB struct {
	db *sql.DB
	tx *sql.Tx // the snapshot, while open
}

// How a file is opened.
const (
	// sqliteReadOnly: the source, and a target looked at before the copy.
	// The file is opened read-only and the connection refuses writes.
	sqliteReadOnly = "mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(5000)"
	// sqliteExclusive: the target while copying. locking_mode EXCLUSIVE on
	// a WAL file takes the file's exclusive lock at the first read and keeps
	// it until the connection closes, so no instance can open the file
	// meanwhile, and an instance that has it open makes the first read fail
	// at once with SQLITE_BUSY (busy_timeout 0).
	sqliteExclusive = "_pragma=locking_mode(EXCLUSIVE)&_pragma=busy_timeout(0)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	// sqliteShared: the target under --force, beside whoever else has it.
	sqliteShared = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
)

// errSQLiteInUse is the exclusive open failing because another connection
// has the file open.
var errSQLiteInUse = errors.New("another process has the SQLite file open")

func openSQLite(ctx context.Context, path, mode string) (*sqliteDB, error) {
	// A file: URI, so mode=ro reaches SQLite; the path is escaped as a URI's.
	db, err := sql.Open("sqlite", "file:"+uriPathEscaper.Replace(path)+"?"+mode)
	if err != nil {
		return nil, fmt.Errorf("open SQLite file %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &sqliteDB{db: db}
	// The first read opens the file (and, in exclusive mode, takes its lock).
	if _, err := queryInt(ctx, s, "SELECT COUNT(*) FROM sqlite_master"); err != nil {
		db.Close()
		if isSQLiteBusy(err) && mode == sqliteExclusive {
			return nil, fmt.Errorf("open SQLite file %s: %w", path, errSQLiteInUse)
		}
		return nil, fmt.Errorf("open SQLite file %s: %w", path, err)
	}
	return s, nil
}

var uriPathEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// sqliteInUse reports whether another connection has the file open, by
// trying its exclusive lock. A file the service opened is in WAL mode, where
// every open connection holds a shared lock for as long as it is open, so
// this sees a serving instance even when it is idle. (A file in rollback
// journal mode, as the old Flask service left it, is locked only during a
// transaction: an idle old service goes unseen.)
func sqliteInUse(ctx context.Context, path string) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	probe, err := openSQLite(ctx, path, sqliteExclusive)
	if errors.Is(err, errSQLiteInUse) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, probe.close()
}

func isSQLiteBusy(err error) bool {
	var sqliteErr *sqlite.Error
	return errors.As(err, &sqliteErr) && sqliteErr.Code()&0xff == sqlite3.SQLITE_BUSY
}

func (s *sqliteDB) query(ctx context.Context, query string, args ...any) (rows, error) {
	if s.tx != nil {
		return s.tx.QueryContext(ctx, query, args...)
	}
	return s.db.QueryContext(ctx, query, args...)
}

const sqliteHasTable = `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`

func (s *sqliteDB) hasTable(ctx context.Context, name string) (bool, error) {
	n, err := queryInt(ctx, s, sqliteHasTable, name)
	return n > 0, err
}

// beginSnapshot opens a read transaction and reads in it at once: SQLite
// takes the snapshot at a transaction's first read, not at BEGIN.
func (s *sqliteDB) beginSnapshot(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin SQLite read transaction: %w", err)
	}
	s.tx = tx
	if _, err := queryInt(ctx, s, "SELECT COUNT(*) FROM sqlite_master"); err != nil {
		s.endSnapshot(ctx)
		return fmt.Errorf("begin SQLite read transaction: %w", err)
	}
	return nil
}

func (s *sqliteDB) endSnapshot(context.Context) error {
	if s.tx == nil {
		return nil
	}
	err := s.tx.Rollback()
	s.tx = nil
	return err
}

// sqliteIssuedIDs reads AUTOINCREMENT's record of the highest id handed
// out; the old service's tables have none (they reuse the highest id after
// a delete), which reads as 0.
const sqliteIssuedIDs = `SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = $1`

func (s *sqliteDB) issuedIDs(ctx context.Context, t table) (int64, error) {
	if ok, err := s.hasTable(ctx, "sqlite_sequence"); err != nil || !ok {
		return 0, err
	}
	return queryInt(ctx, s, sqliteIssuedIDs, t.name)
}

func (s *sqliteDB) write(ctx context.Context, t table, batch []row) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	defer tx.Rollback()
	insert, err := tx.PrepareContext(ctx, t.insert)
	if err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	defer insert.Close()
	for _, r := range batch {
		if _, err := insert.ExecContext(ctx, r.sqliteArgs()...); err != nil {
			return fmt.Errorf("write %s row %d: %w", t.name, r.id(), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	return nil
}

// sqlite_sequence has no key on name: one row per table, made by the first
// AUTOINCREMENT insert, hence an update and an insert when it is missing.
const (
	sqliteRaiseSequence = `UPDATE sqlite_sequence SET seq = $2 WHERE name = $1 AND seq < $2`
	sqliteAddSequence   = `
		INSERT INTO sqlite_sequence (name, seq)
		SELECT $1, $2
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = $1)`
)

func (s *sqliteDB) moveSequence(ctx context.Context, t table, past int64) error {
	for _, statement := range []string{sqliteRaiseSequence, sqliteAddSequence} {
		if _, err := s.db.ExecContext(ctx, statement, t.name, past); err != nil {
			return fmt.Errorf("move %s's id sequence past %d: %w", t.name, past, err)
		}
	}
	return nil
}

func (s *sqliteDB) close() error {
	return errors.Join(s.endSnapshot(context.Background()), s.db.Close())
}
