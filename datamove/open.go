package datamove

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/amanda-platform/amanda-backend/store"
)

// openSource opens the source read-only, in one snapshot held until close.
func openSource(ctx context.Context, from store.Database) (database, error) {
	var db database
	var err error
	if from.SQLitePath != "" {
		db, err = openSQLite(ctx, from.SQLitePath, sqliteReadOnly)
	} else {
		db, err = connectPostgres(ctx, from.PostgresURL, true)
	}
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if err := db.beginSnapshot(ctx); err != nil {
		db.close()
		return nil, fmt.Errorf("source: %w", err)
	}
	for _, t := range tables {
		if ok, err := db.hasTable(ctx, t.name); err != nil || !ok {
			db.close()
			return nil, fmt.Errorf("source: no %s table (%v): not a database of this service or the old one", t.name, err)
		}
	}
	return db, nil
}

// openTargetReadOnly opens the target to look at it, changing nothing; a
// SQLite file that does not exist yet opens as nil.
func openTargetReadOnly(ctx context.Context, to store.Database) (database, error) {
	if to.SQLitePath == "" {
		return connectPostgres(ctx, to.PostgresURL, true)
	}
	if _, err := os.Stat(to.SQLitePath); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return openSQLite(ctx, to.SQLitePath, sqliteReadOnly)
}

// openTargetWriter opens the migrated target for the copy, keeping the
// service and other copies out: a SQLite file's exclusive lock (unless
// force), PostgreSQL's advisory lock.
func openTargetWriter(ctx context.Context, to store.Database, force bool) (database, error) {
	if to.SQLitePath != "" {
		mode := sqliteExclusive
		if force {
			mode = sqliteShared
		}
		db, err := openSQLite(ctx, to.SQLitePath, mode)
		if errors.Is(err, errSQLiteInUse) {
			return nil, fmt.Errorf("%w: %w", ErrTargetInUse, err)
		}
		return db, err
	}
	db, err := connectPostgres(ctx, to.PostgresURL, false)
	if err != nil {
		return nil, err
	}
	if err := db.lockAgainstOtherCopies(ctx); err != nil {
		db.close()
		return nil, err
	}
	return db, nil
}

// servedFrom says whether an instance of the service uses the target:
// PostgreSQL connections named store.ApplicationName in pg_stat_activity,
// or another process holding the SQLite file open (sqliteInUse). It runs
// before the target is opened otherwise: an open SQLite connection of our
// own would count.
func servedFrom(ctx context.Context, to store.Database) (string, error) {
	if to.SQLitePath != "" {
		inUse, err := sqliteInUse(ctx, to.SQLitePath)
		if err != nil || !inUse {
			return "", err
		}
		return "another process has the SQLite file open", nil
	}
	db, err := connectPostgres(ctx, to.PostgresURL, true)
	if err != nil {
		return "", err
	}
	defer db.close()
	n, err := db.servingConnections(ctx, store.ApplicationName)
	if err != nil || n == 0 {
		return "", err
	}
	return fmt.Sprintf("%d connections named %s in pg_stat_activity", n, store.ApplicationName), nil
}
