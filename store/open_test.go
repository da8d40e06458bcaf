package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// An operator's .env from the old service may name SQLAlchemy's driver.
func TestOpenAcceptsSQLAlchemyDriverSuffix(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		databaseURL := strings.Replace(storetest.EmptySQLite(t), "sqlite://", "sqlite+pysqlite://", 1)
		if err := storetest.Open(t, databaseURL).Ping(context.Background()); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		databaseURL := storetest.EmptyPostgres(t)
		_, rest, _ := strings.Cut(databaseURL, "://")
		if err := storetest.Open(t, "postgresql+psycopg2://"+rest).Ping(context.Background()); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}

// The service's connections are named, so pg_stat_activity tells them apart
// (migrate-data refuses to write under a serving instance); a name the URL
// gives wins.
func TestPostgresConnectionsCarryTheApplicationName(t *testing.T) {
	databaseURL := storetest.EmptyPostgres(t)
	const named = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1"
	storetest.Open(t, databaseURL)
	if n := storetest.Scalar[int64](t, databaseURL, named, store.ApplicationName); n == 0 {
		t.Errorf("no connection named %q while the store is open", store.ApplicationName)
	}
	storetest.Open(t, databaseURL+"&application_name=operator-tool")
	if n := storetest.Scalar[int64](t, databaseURL, named, "operator-tool"); n == 0 {
		t.Error("the URL's application_name was overridden")
	}
}
