package store_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func TestReopeningAppliesNoMigrationTwice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		const countMigrations = "SELECT COUNT(*) FROM schema_migrations"
		applied := storetest.Scalar[int64](t, databaseURL, countMigrations)
		if applied == 0 {
			t.Fatal("no migration recorded in schema_migrations")
		}
		user := mustUser(t, s, "ada@example.com")

		reopened := storetest.Open(t, databaseURL)

		if again := storetest.Scalar[int64](t, databaseURL, countMigrations); again != applied {
			t.Errorf("schema_migrations has %d rows after reopening, want %d", again, applied)
		}
		if got, err := reopened.UserByID(context.Background(), user.ID); err != nil || got != user {
			t.Errorf("after reopening UserByID = %+v, %v; want %+v", got, err, user)
		}
	})
}

// Instances starting together on a new database must not trip over each
// other's migrations.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, databaseURL string) {
		const instances = 4
		stores := make([]store.Store, instances)
		errs := make([]error, instances)
		var wg sync.WaitGroup
		for i := range instances {
			wg.Go(func() {
				stores[i], errs[i] = store.Open(context.Background(), databaseURL, slog.New(slog.DiscardHandler))
			})
		}
		wg.Wait()
		for i := range instances {
			if errs[i] != nil {
				t.Errorf("Open #%d: %v", i, errs[i])
				continue
			}
			stores[i].Close()
		}
		if t.Failed() {
			return
		}
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM schema_migrations"); n != storetest.Scalar[int64](t, databaseURL, "SELECT MAX(version) FROM schema_migrations") {
			t.Errorf("schema_migrations has %d rows, want one per version", n)
		}
	})
}
