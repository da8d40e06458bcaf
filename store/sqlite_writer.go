package store

import (
	"context"
	"database/sql"
	"errors"
)

// maxWriteBatch bounds how many writes share one SQLite commit.
const maxWriteBatch = 64

// errStoreClosed answers writes that arrive after Close.
var errStoreClosed = errors.New("store: closed")

// groupCommitter runs write transactions on SQLite's single writer and
// lets those that queue up meanwhile share one commit. Under load a
// commit (WAL frames for every touched page, now and then a checkpoint)
// costs more than the statements of a chat message, and replies that
// start together would otherwise wait in line for each other's commits.
// A write that fails leaves the rest of its batch intact (commit). A lone
// write is never delayed to wait for company.
type groupCommitter struct {
	db   *sql.DB
	ops  chan *writeOp
	quit chan struct{}
	done chan struct{}
}

type writeOp struct {
	ctx    context.Context
	fn     func(*sql.Tx) error
	result chan error
}

func newGroupCommitter(db *sql.DB) *groupCommitter {
	g := &groupCommitter{db: db, ops: make(chan *writeOp), quit: make(chan struct{}), done: make(chan struct{})}
	go g.run()
	return g
}

// do runs fn in a write transaction, committed before do returns nil.
func (g *groupCommitter) do(ctx context.Context, fn func(*sql.Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, result: make(chan error, 1)}
	select {
	case g.ops <- op:
		return <-op.result
	case <-ctx.Done():
		return ctx.Err()
	case <-g.quit:
		return errStoreClosed
	}
}

// close stops taking writes once the current batch is committed.
func (g *groupCommitter) close() {
	close(g.quit)
	<-g.done
}

func (g *groupCommitter) run() {
	defer close(g.done)
	batch := make([]*writeOp, 0, maxWriteBatch)
	for {
		select {
		case op := <-g.ops:
			batch = append(batch[:0], op)
		case <-g.quit:
			return
		}
	fill:
		for len(batch) < maxWriteBatch {
			select {
			case op := <-g.ops:
				batch = append(batch, op)
			default:
				break fill
			}
		}
		g.commit(batch)
	}
}

// commit runs the batch in one transaction and answers every write. If
// any write fails, the transaction is rolled back and each write is run
// again in a transaction of its own, so one bad write cannot take the others
// down with it. Failures are rare (a chat deleted meanwhile, a cancelled
// request): this costs less than a savepoint around every write.
func (g *groupCommitter) commit(batch []*writeOp) {
	if err := g.runTx(batch); err == nil || len(batch) == 1 {
		for _, op := range batch {
			op.result <- err
		}
		return
	}
	for _, op := range batch {
		op.result <- g.runTx([]*writeOp{op})
	}
}

// runTx runs the writes in one transaction, committed only if all succeed.
func (g *groupCommitter) runTx(ops []*writeOp) error {
	tx, err := g.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if err := op.ctx.Err(); err != nil {
			return errors.Join(err, tx.Rollback())
		}
		if err := op.fn(tx); err != nil {
			return errors.Join(err, tx.Rollback())
		}
	}
	return tx.Commit()
}
