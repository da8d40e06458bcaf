package store_test

import (
	"context"
	"strings"
	"testing"

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
