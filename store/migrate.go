package store

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
)

// migrationFiles holds one directory of numbered SQL files per database:
// NNNN_description.sql, applied in version order, each exactly once.
//
//go:embed migrations
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the migrations in dir, oldest first.
func loadMigrations(dir string) ([]migration, error) {
	entries, err := migrationFiles.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migrations []migration
	for _, entry := range entries {
		prefix, _, ok := strings.Cut(entry.Name(), "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || !strings.HasSuffix(entry.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %s is not named NNNN_description.sql", entry.Name())
		}
		body, err := migrationFiles.ReadFile(path.Join(dir, entry.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", entry.Name(), err)
		}
		migrations = append(migrations, migration{version: version, name: entry.Name(), sql: string(body)})
	}
	slices.SortFunc(migrations, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(migrations); i++ {
		if migrations[i].version == migrations[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", migrations[i-1].name, migrations[i].name)
		}
	}
	return migrations, nil
}

// applyPending hands each migration of dir, in order, to applyOnce, which
// applies it unless schema_migrations already records it, and returns the
// names of those it applied. The caller runs it inside one transaction, so
// a failure leaves the database as it was.
func applyPending(ctx context.Context, dir string, applyOnce func(context.Context, migration) (applied bool, err error)) ([]string, error) {
	migrations, err := loadMigrations(dir)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range migrations {
		ok, err := applyOnce(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", m.name, err)
		}
		if ok {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

func logMigrations(logger *slog.Logger, applied []string) {
	if len(applied) > 0 {
		logger.Info("applied schema migrations", "migrations", applied)
	}
}
