package datamove

import (
	"context"
	"fmt"
)

// database is one connection to either kind of database, for one side of
// the move. Reads go through the snapshot while one is open.
type database interface {
	// query runs a read.
	query(ctx context.Context, sql string, args ...any) (rows, error)
	// hasTable reports whether the table exists.
	hasTable(ctx context.Context, name string) (bool, error)
	// beginSnapshot makes every later read see the database as it is now.
	beginSnapshot(ctx context.Context) error
	// endSnapshot ends it; reads then see the latest commits again.
	endSnapshot(ctx context.Context) error
	// issuedIDs is the highest id the table's sequence ever handed out
	// (above MAX(id) when the newest rows were deleted), 0 when unknown.
	issuedIDs(ctx context.Context, t table) (int64, error)
	// write inserts rows in one transaction.
	write(ctx context.Context, t table, batch []row) error
	// moveSequence makes the table's next new id greater than past.
	moveSequence(ctx context.Context, t table, past int64) error
	close() error
}

// rows is what both drivers' result sets have in common.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// queryInt runs a query answering one integer.
func queryInt(ctx context.Context, db database, sql string, args ...any) (int64, error) {
	r, err := db.query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	defer closeRows(r)
	if !r.Next() {
		if err := r.Err(); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("datamove: no row from %q", sql)
	}
	var n int64
	if err := r.Scan(&n); err != nil {
		return 0, err
	}
	return n, r.Err()
}

// readBatch reads up to limit rows of t with ids above after, by id.
func readBatch(ctx context.Context, db database, t table, after int64, limit int) ([]row, error) {
	r, err := db.query(ctx, t.batch, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	defer closeRows(r)
	batch := make([]row, 0, limit)
	for r.Next() {
		next := newRow(t)
		if err := r.Scan(next.scanTargets()...); err != nil {
			return nil, fmt.Errorf("read %s: %w", t.name, err)
		}
		batch = append(batch, next)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	return batch, nil
}

// closeRows closes either driver's result set (database/sql's returns an
// error that Err already reported; pgx's returns nothing).
func closeRows(r rows) {
	switch c := r.(type) {
	case interface{ Close() error }:
		c.Close()
	case interface{ Close() }:
		c.Close()
	}
}
