package datamove

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// postgresDB is one connection to a PostgreSQL database.
type postgresDB struct {
	conn *pgx.Conn
	tx   pgx.Tx // the snapshot, while open
}

// applicationName names migrate-data's connections in pg_stat_activity,
// apart from the service's.
const applicationName = "amanda-backend migrate-data"

// connectPostgres connects; a source's connection also refuses writes
// whatever the transaction says.
func connectPostgres(ctx context.Context, databaseURL string, readOnly bool) (*postgresDB, error) {
	config, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL: %w", err)
	}
	config.RuntimeParams["application_name"] = applicationName
	if readOnly {
		config.RuntimeParams["default_transaction_read_only"] = "on"
	}
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL database %s: %w", config.Database, err)
	}
	return &postgresDB{conn: conn}, nil
}

func (p *postgresDB) query(ctx context.Context, query string, args ...any) (rows, error) {
	if p.tx != nil {
		return p.tx.Query(ctx, query, args...)
	}
	return p.conn.Query(ctx, query, args...)
}

const postgresHasTable = `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1`

func (p *postgresDB) hasTable(ctx context.Context, name string) (bool, error) {
	n, err := queryInt(ctx, p, postgresHasTable, name)
	return n > 0, err
}

func (p *postgresDB) beginSnapshot(ctx context.Context) error {
	tx, err := p.conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin PostgreSQL snapshot: %w", err)
	}
	p.tx = tx
	return nil
}

func (p *postgresDB) endSnapshot(ctx context.Context) error {
	if p.tx == nil {
		return nil
	}
	err := p.tx.Rollback(ctx)
	p.tx = nil
	return err
}

// postgresIssuedIDs is the last value the id column's sequence handed out
// (NULL before the first, or when the column has no sequence: 0).
const postgresIssuedIDs = `
	SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence($1, 'id')::regclass), 0)`

func (p *postgresDB) issuedIDs(ctx context.Context, t table) (int64, error) {
	return queryInt(ctx, p, postgresIssuedIDs, t.name)
}

// write copies the batch with COPY in one transaction; content_tsv, a
// generated column, is computed by PostgreSQL as the rows go in.
func (p *postgresDB) write(ctx context.Context, t table, batch []row) error {
	err := pgx.BeginFunc(ctx, p.conn, func(tx pgx.Tx) error {
		source := pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) { return batch[i].postgresArgs(), nil })
		_, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columnNames(), source)
		return err
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	return nil
}

// setval(seq, n) makes nextval return n+1.
const postgresMoveSequence = `SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`

func (p *postgresDB) moveSequence(ctx context.Context, t table, past int64) error {
	if _, err := p.conn.Exec(ctx, postgresMoveSequence, t.name, past); err != nil {
		return fmt.Errorf("move %s's id sequence past %d: %w", t.name, past, err)
	}
	return nil
}

func (p *postgresDB) close() error {
	ctx := context.Background()
	return errors.Join(p.endSnapshot(ctx), p.conn.Close(ctx))
}

// postgresServing counts the connections of running instances of the
// service to this database (store.ApplicationName; migrate-data's own are
// named otherwise).
const postgresServing = `
	SELECT COUNT(*)
	FROM pg_stat_activity
	WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`

func (p *postgresDB) servingConnections(ctx context.Context, serviceName string) (int64, error) {
	return queryInt(ctx, p, postgresServing, serviceName)
}

const (
	// postgresCopyLock keeps two copies into one database apart: a
	// session-level advisory lock, released when the connection ends (a
	// killed copy's too). The key is any constant no other code uses.
	postgresCopyLock = `SELECT pg_advisory_lock(4263951208)`
	// A second copy waits this long for the first (or a killed one's
	// connection, which the server notices shortly) before giving up.
	postgresCopyLockTimeout = `SET lock_timeout = '10s'`
)

func (p *postgresDB) lockAgainstOtherCopies(ctx context.Context) error {
	for _, statement := range []string{postgresCopyLockTimeout, postgresCopyLock} {
		if _, err := p.conn.Exec(ctx, statement); err != nil {
			return fmt.Errorf("another migrate-data is writing this PostgreSQL database: %w", err)
		}
	}
	return nil
}
