package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Open connects to the database named by DATABASE_URL (see
// ParseDatabaseURL) and brings its schema up to date.
func Open(ctx context.Context, databaseURL string, logger *slog.Logger) (Store, error) {
	if logger == nil {
		logger = slog.Default()
	}
	db, err := ParseDatabaseURL(databaseURL, logger)
	if err != nil {
		return nil, err
	}
	if db.SQLitePath != "" {
		return openSQLite(ctx, db.SQLitePath, logger)
	}
	return openPostgres(ctx, db.PostgresURL, logger)
}

// Database is where a DATABASE_URL points: exactly one field is set.
type Database struct {
	// PostgresURL is a postgresql:// or postgres:// URL pgx accepts.
	PostgresURL string
	// SQLitePath is the SQLite file's path.
	SQLitePath string
}

// ParseDatabaseURL reads a DATABASE_URL. postgresql:// and postgres://
// select PostgreSQL; sqlite:///file.db (relative to the working directory)
// and sqlite:////absolute/file.db select an embedded SQLite file. A
// SQLAlchemy driver suffix such as postgresql+psycopg2:// is accepted, so
// an old service's .env works unchanged.
func ParseDatabaseURL(databaseURL string, logger *slog.Logger) (Database, error) {
	scheme, rest, ok := strings.Cut(databaseURL, "://")
	if !ok {
		// The value is not echoed: a malformed URL may still hold a password.
		return Database{}, errors.New("store: DATABASE_URL must be a URL such as postgresql://user@host/db or sqlite:///amanda.db")
	}
	dialect, _, _ := strings.Cut(scheme, "+")
	switch dialect {
	case "postgres", "postgresql":
		return Database{PostgresURL: dialect + "://" + rest}, nil
	case "sqlite":
		path, err := sqlitePath(rest)
		if err != nil {
			return Database{}, err
		}
		return Database{SQLitePath: flaskInstanceFallback(path, logger)}, nil
	default:
		return Database{}, fmt.Errorf("store: unsupported DATABASE_URL scheme %q: use postgresql://, postgres:// or sqlite:///", scheme)
	}
}

// sqlitePath extracts the file path from what follows "sqlite://". As in
// SQLAlchemy, one more slash starts the path, so "/amanda.db" is relative and
// "//var/lib/amanda.db" is absolute. Query options (SQLAlchemy's
// check_same_thread and the like) have no meaning here and are dropped.
func sqlitePath(rest string) (string, error) {
	rest, _, _ = strings.Cut(rest, "?")
	path, ok := strings.CutPrefix(rest, "/")
	if !ok || path == "" || path == ":memory:" {
		return "", errors.New("store: DATABASE_URL names no SQLite file (in-memory databases are not supported): use sqlite:///amanda.db or sqlite:////absolute/path.db")
	}
	return path, nil
}

// flaskInstanceFallback returns instance/<path> when path is relative and
// missing but that file exists: Flask-SQLAlchemy 3 kept relative SQLite files
// in the app's instance folder, so that is where an old database lives.
func flaskInstanceFallback(path string, logger *slog.Logger) string {
	if filepath.IsAbs(path) {
		return path
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return path
	}
	instancePath := filepath.Join("instance", path)
	if _, err := os.Stat(instancePath); err != nil {
		return path
	}
	logger.Info("using the SQLite database Flask-SQLAlchemy kept in the instance folder", "path", instancePath)
	return instancePath
}
