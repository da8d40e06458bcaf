package store

import (
	"fmt"
	"strings"
	"time"
)

// SQLiteTimeLayout is how SQLAlchemy wrote a DATETIME into SQLite: naive UTC
// text with six fractional digits. Writing the same form keeps the old
// service able to read new rows, and keeps text comparison (ORDER BY, MAX,
// session expiry) in time order.
const SQLiteTimeLayout = "2006-01-02 15:04:05.000000"

// now is the time stamped on new rows: UTC, cut to the microsecond both
// databases keep, so a method returns exactly what a later read returns.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

// sqliteTime formats t for a SQLite DATETIME column.
func sqliteTime(t time.Time) string {
	return t.UTC().Format(SQLiteTimeLayout)
}

// ParseStoredTime reads a timestamp stored as text: naive UTC with or without
// fractional seconds, with a space or a 'T' before the time. A trailing zone
// (Z or an offset) is honoured in case some other writer added one.
func ParseStoredTime(text string) (time.Time, error) {
	text = strings.Replace(strings.TrimSpace(text), "T", " ", 1)
	// Parsing accepts fractional seconds even though the layouts omit them.
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, text); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("store: unrecognised timestamp %q", text)
}

// dbTime scans a timestamp column of either database: a time.Time (pgx, and
// modernc for columns declared DATETIME), text (SQLite expressions such as
// MAX(timestamp)), or NULL, which old rows may hold and which reads as the
// zero time.
type dbTime struct{ time.Time }

func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = v.UTC()
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("store: cannot read %T as a timestamp", src)
	}
	return nil
}

func (t *dbTime) parse(text string) error {
	parsed, err := ParseStoredTime(text)
	t.Time = parsed
	return err
}
