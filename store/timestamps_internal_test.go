package store

import (
	"testing"
	"time"
)

func TestParseStoredTime(t *testing.T) {
	for text, want := range map[string]time.Time{
		"2025-11-23 10:30:00.123456":       time.Date(2025, 11, 23, 10, 30, 0, 123456000, time.UTC),
		"2025-11-23 10:30:00":              time.Date(2025, 11, 23, 10, 30, 0, 0, time.UTC),
		"2025-11-23T10:30:00.5":            time.Date(2025, 11, 23, 10, 30, 0, 500000000, time.UTC),
		"2025-11-23T10:30:00Z":             time.Date(2025, 11, 23, 10, 30, 0, 0, time.UTC),
		"2025-11-23 12:30:00.000001+02:00": time.Date(2025, 11, 23, 10, 30, 0, 1000, time.UTC),
	} {
		got, err := ParseStoredTime(text)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseStoredTime(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
	if _, err := ParseStoredTime("yesterday"); err == nil {
		t.Error("ParseStoredTime(yesterday) succeeded")
	}
}

func TestSQLiteTimeWritesSQLAlchemyFormat(t *testing.T) {
	eastern := time.Date(2025, 11, 23, 15, 30, 0, 0, time.FixedZone("UTC+5", 5*3600))
	if got, want := sqliteTime(eastern), "2025-11-23 10:30:00.000000"; got != want {
		t.Errorf("sqliteTime = %q, want %q", got, want)
	}
}

func TestDBTimeScan(t *testing.T) {
	want := time.Date(2025, 11, 23, 10, 30, 0, 0, time.UTC)
	for _, src := range []any{
		want.In(time.FixedZone("UTC+5", 5*3600)),
		"2025-11-23 10:30:00",
		[]byte("2025-11-23 10:30:00.000000"),
	} {
		var got dbTime
		if err := got.Scan(src); err != nil || got.Time != want {
			t.Errorf("Scan(%#v) = %v, %v; want %v", src, got.Time, err, want)
		}
	}
	var null dbTime
	if err := null.Scan(nil); err != nil || !null.IsZero() {
		t.Errorf("Scan(nil) = %v, %v; want the zero time", null.Time, err)
	}
}
