package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// A batch with a failing write commits the others, and the failing one
// leaves nothing behind.
func TestGroupCommitIsolatesAFailingWrite(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "writer.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	g := newGroupCommitter(db)
	t.Cleanup(g.close)

	insert := func(body string) func(*sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO notes (body) VALUES (?)`, body)
			return err
		}
	}
	errBoom := errors.New("boom")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ops := []*writeOp{
		{ctx: context.Background(), fn: insert("first")},
		{ctx: context.Background(), fn: func(tx *sql.Tx) error {
			if err := insert("half-done")(tx); err != nil {
				return err
			}
			return errBoom
		}},
		{ctx: context.Background(), fn: insert("first")}, // UNIQUE violation
		{ctx: cancelled, fn: insert("cancelled")},
		{ctx: context.Background(), fn: insert("last")},
	}
	for _, op := range ops {
		op.result = make(chan error, 1)
	}
	g.commit(ops)

	results := make([]error, len(ops))
	for i, op := range ops {
		results[i] = <-op.result
	}
	if results[0] != nil || results[4] != nil {
		t.Errorf("good writes failed: %v, %v", results[0], results[4])
	}
	if !errors.Is(results[1], errBoom) {
		t.Errorf("failing write: %v, want errBoom", results[1])
	}
	if results[2] == nil {
		t.Error("duplicate write succeeded")
	}
	if !errors.Is(results[3], context.Canceled) {
		t.Errorf("cancelled write: %v, want context.Canceled", results[3])
	}
	var bodies []string
	rows, err := db.Query(`SELECT body FROM notes ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	if len(bodies) != 2 || bodies[0] != "first" || bodies[1] != "last" {
		t.Errorf("stored %q, want [first last]", bodies)
	}
}
