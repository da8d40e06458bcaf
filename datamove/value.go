package datamove

import (
	"fmt"
	"time"

	"github.com/amanda-platform/amanda-backend/store"
)

// kind is what a column holds; every kind may be NULL.
type kind int

const (
	integer kind = iota
	text
	timestamp
)

// value is one column of one row, read from either database. It is a
// sql.Scanner, which database/sql (modernc) and pgx both fill.
type value struct {
	kind kind
	null bool
	n    int64
	s    string
	// t is UTC, cut to the microsecond both databases keep.
	t time.Time
}

// row is a table's columns, the id first.
type row []value

func newRow(t table) row {
	r := make(row, len(t.columns))
	for i, c := range t.columns {
		r[i].kind = c.kind
	}
	return r
}

func (r row) id() int64 { return r[0].n }

// scanTargets are the row's values as Scan destinations.
func (r row) scanTargets() []any {
	targets := make([]any, len(r))
	for i := range r {
		targets[i] = &r[i]
	}
	return targets
}

func (v *value) Scan(src any) error {
	v.null = src == nil
	if v.null {
		return nil
	}
	switch v.kind {
	case integer:
		n, ok := src.(int64)
		if !ok {
			return fmt.Errorf("datamove: %T where an integer belongs", src)
		}
		v.n = n
	case text:
		switch s := src.(type) {
		case string:
			v.s = s
		case []byte:
			v.s = string(s)
		default:
			return fmt.Errorf("datamove: %T where text belongs", src)
		}
	case timestamp:
		t, err := scanTime(src)
		if err != nil {
			return err
		}
		v.t = t.UTC().Truncate(time.Microsecond)
	}
	return nil
}

// scanTime reads a timestamp as either driver returns it: pgx and modernc
// (for a column declared DATETIME) give a time.Time, and SQLite text that
// modernc does not recognise comes as text in one of the old service's forms.
func scanTime(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v, nil
	case string:
		return store.ParseStoredTime(v)
	case []byte:
		return store.ParseStoredTime(string(v))
	default:
		return time.Time{}, fmt.Errorf("datamove: %T where a timestamp belongs", src)
	}
}

// postgresArgs are the row's values as pgx parameters: UTC times, which
// pgx writes to a timestamp column as that wall clock.
func (r row) postgresArgs() []any {
	args := make([]any, len(r))
	for i, v := range r {
		switch {
		case v.null:
			args[i] = nil
		case v.kind == integer:
			args[i] = v.n
		case v.kind == text:
			args[i] = v.s
		default:
			args[i] = v.t
		}
	}
	return args
}

// sqliteArgs are the row's values as modernc parameters: times as the text
// SQLAlchemy wrote, as the store writes them.
func (r row) sqliteArgs() []any {
	args := r.postgresArgs()
	for i, v := range r {
		if v.kind == timestamp && !v.null {
			args[i] = v.t.Format(store.SQLiteTimeLayout)
		}
	}
	return args
}
