package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SQLSTATE codes the store turns into its own errors.
const (
	postgresUniqueViolation     = "23505"
	postgresForeignKeyViolation = "23503"
)

// postgresStore keeps the data in PostgreSQL through a pgx connection pool.
type postgresStore struct {
	pool *pgxpool.Pool
}

var _ Store = (*postgresStore)(nil)

// connectTimeout bounds the first connection to PostgreSQL.
const connectTimeout = 10 * time.Second

// ApplicationName is the application_name of the service's PostgreSQL
// connections, unless DATABASE_URL sets one: pg_stat_activity shows which
// connections are the service's (migrate-data refuses to write under them).
const ApplicationName = "amanda-backend"

func openPostgres(ctx context.Context, databaseURL string, logger *slog.Logger) (Store, error) {
	config, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: unable to use the PostgreSQL DATABASE_URL: %w", err)
	}
	if _, set := config.ConnConfig.RuntimeParams["application_name"]; !set {
		config.ConnConfig.RuntimeParams["application_name"] = ApplicationName
	}
	pool, err := pgxpool.NewWithConfig(ctx, config)
	if err != nil {
		return nil, fmt.Errorf("store: unable to use the PostgreSQL DATABASE_URL: %w", err)
	}
	// The pool connects lazily; connecting now makes a wrong URL fail at
	// start, and a host that does not answer fails within connectTimeout.
	pingCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: unable to connect to PostgreSQL: %w: %w", ErrUnreachable, err)
	}
	if err := migratePostgres(ctx, pool, logger); err != nil {
		pool.Close()
		return nil, err
	}
	logger.Info("opened PostgreSQL database", "host", config.ConnConfig.Host, "database", config.ConnConfig.Database)
	return &postgresStore{pool: pool}, nil
}

func (s *postgresStore) Sessions() SessionTable { return s }

func (s *postgresStore) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: unable to reach PostgreSQL: %w", err)
	}
	return nil
}

func (s *postgresStore) Close() error {
	s.pool.Close()
	return nil
}

// isPostgresError reports whether err is a PostgreSQL error with SQLSTATE code.
func isPostgresError(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

const (
	// postgresMigrationLock makes instances that start together migrate one
	// after the other. Any constant no other code uses as an advisory lock
	// key will do.
	postgresMigrationLock = `SELECT pg_advisory_xact_lock(4263951207)`

	postgresCreateSchemaMigrations = `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER NOT NULL PRIMARY KEY
		)`

	postgresMigrationApplied = `
		SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`

	postgresRecordMigration = `
		INSERT INTO schema_migrations (version) VALUES ($1)`
)

// migratePostgres applies the pending migrations in one transaction;
// PostgreSQL's DDL is transactional, so a failure leaves nothing behind.
func migratePostgres(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	var applied []string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, postgresMigrationLock); err != nil {
			return fmt.Errorf("lock schema_migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, postgresCreateSchemaMigrations); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var err error
		applied, err = applyPending(ctx, "migrations/postgres", func(ctx context.Context, m migration) (bool, error) {
			var done bool
			if err := tx.QueryRow(ctx, postgresMigrationApplied, m.version).Scan(&done); err != nil || done {
				return false, err
			}
			// Without arguments pgx uses the simple protocol, which runs several statements.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return false, err
			}
			_, err := tx.Exec(ctx, postgresRecordMigration, m.version)
			return err == nil, err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("store: unable to migrate PostgreSQL database: %w", err)
	}
	logMigrations(logger, applied)
	return nil
}

func (s *postgresStore) Stats() PoolStats {
	st := s.pool.Stat()
	return PoolStats{InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()), MaxOpen: int(st.MaxConns())}
}
