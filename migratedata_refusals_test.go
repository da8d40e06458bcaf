package main

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/datamove"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// --dry-run counts what would be copied and leaves both sides as they were:
// no schema on a PostgreSQL target, no file for an SQLite one.
func TestMigrateDataDryRunWritesNothing(t *testing.T) {
	source := oldServiceSQLite(t, 5)
	before := fileSum(t, source)
	postgresTarget := postgresDatabase(t)
	sqliteTarget := storetest.EmptySQLite(t)
	for _, target := range []string{postgresTarget, sqliteTarget} {
		out, err := migrate(t, "--from", source, "--to", target, "--dry-run")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "messages  8            0          8        2") || !strings.Contains(out, "dry run: nothing written") {
			t.Errorf("dry run into %s: the plan is not in the output", target)
		}
	}
	if n := storetest.Scalar[int64](t, postgresTarget, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'"); n != 0 {
		t.Errorf("the dry run created %d tables in PostgreSQL", n)
	}
	if _, err := os.Stat(strings.TrimPrefix(sqliteTarget, "sqlite:///")); !os.IsNotExist(err) {
		t.Errorf("the dry run made the SQLite file (%v)", err)
	}
	if fileSum(t, source) != before {
		t.Error("the source file changed")
	}
}

// A target another instance serves from is refused, PostgreSQL or SQLite,
// unless --force; --verify-only may read it.
func TestMigrateDataRefusesATargetInUse(t *testing.T) {
	source := oldServiceSQLite(t, 5)
	for name, target := range map[string]string{"postgres": postgresDatabase(t), "sqlite": storetest.EmptySQLite(t)} {
		t.Run(name, func(t *testing.T) {
			servertest.Start(t, target)
			if _, err := migrate(t, "--from", source, "--to", target); !errors.Is(err, datamove.ErrTargetInUse) {
				t.Fatalf("copy into a served database: %v; want it refused", err)
			}
			if n := storetest.Scalar[int64](t, target, "SELECT COUNT(*) FROM users"); n != 0 {
				t.Fatalf("the refused copy wrote %d users", n)
			}
			if _, err := migrate(t, "--from", source, "--to", target, "--force"); err != nil {
				t.Fatalf("--force: %v", err)
			}
			// Verifying writes nothing: allowed beside the instance.
			if _, err := migrate(t, "--from", source, "--to", target, "--verify-only"); err != nil {
				t.Errorf("verification beside the instance: %v", err)
			}
		})
	}
}

// Missing flags and a copy onto its own source are refused before anything.
func TestMigrateDataRefusesBadArguments(t *testing.T) {
	source := oldServiceSQLite(t, 0)
	for _, args := range [][]string{
		{"--from", source},
		{"--from", source, "--to", source},
		{"--from", source, "--to", "mysql://x@y/z"},
		{"--from", source, "--to", storetest.EmptySQLite(t), "--batch-size", "0"},
	} {
		if _, err := migrate(t, args...); err == nil {
			t.Errorf("migrate-data %v succeeded", args)
		}
	}
}
