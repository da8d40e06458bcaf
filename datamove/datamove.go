// Package datamove copies the service's data from one database to another
// (SQLite to PostgreSQL, or back): the store's schema applied to the target,
// then users, chats and messages with their ids, times and password hashes
// unchanged, in batches of one transaction each, the target's id sequences
// moved past the copied ids, and both sides compared by count and checksum.
// Sessions are not copied: users sign in again.
package datamove

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/amanda-platform/amanda-backend/store"
)

// Options is one migrate-data run.
type Options struct {
	// From and To are DATABASE_URLs. From is only read, in one snapshot,
	// and may be the old service's database.
	From, To string
	// Resume continues a copy into a target that already holds rows, after
	// the highest id of each table there.
	Resume bool
	// DryRun reports what would be copied and writes nothing.
	DryRun bool
	// VerifyOnly compares source and target, copying nothing.
	VerifyOnly bool
	// Force writes even while an instance of the service uses the target.
	Force bool
	// BatchSize is how many rows one transaction copies.
	BatchSize int
	// Out gets the plan, the progress bar and the summary table.
	Out io.Writer
	// Bar shows a progress bar on Out (a terminal) instead of log lines.
	Bar    bool
	Logger *slog.Logger
}

// DefaultBatchSize is Options.BatchSize's default.
const DefaultBatchSize = 5000

var (
	// ErrTargetNotEmpty: the target holds rows and Resume is off.
	ErrTargetNotEmpty = errors.New("the target already holds rows: pass --resume to continue a copy into it")
	// ErrTargetInUse: an instance of the service uses the target and Force is off.
	ErrTargetInUse = errors.New("an instance of the service uses the target: stop it, or pass --force")
	// ErrMismatch: verification found a difference.
	ErrMismatch = errors.New("the target differs from the source")
)

// Run does what opts asks: copy and verify, or only plan, or only verify.
func Run(ctx context.Context, opts Options) error {
	if opts.BatchSize < 1 {
		return fmt.Errorf("batch size %d: must be at least 1", opts.BatchSize)
	}
	from, err := store.ParseDatabaseURL(opts.From, opts.Logger)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	to, err := store.ParseDatabaseURL(opts.To, opts.Logger)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	if sameDatabase(from, to) {
		return errors.New("--from and --to name the same database")
	}
	source, err := openSource(ctx, from)
	if err != nil {
		return err
	}
	defer source.close()

	// Verifying writes nothing, so it may look at a served target.
	if !opts.VerifyOnly && !opts.Force {
		if err := refuseServedTarget(ctx, to); err != nil {
			return err
		}
	}
	before, err := inspectTarget(ctx, to)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	plan, err := planCopy(ctx, source, before, opts.Resume)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if opts.DryRun || !opts.VerifyOnly {
		plan.print(opts.Out)
	}
	if before.holdsRows() && !opts.Resume && !opts.VerifyOnly {
		return fmt.Errorf("%w (%s)", ErrTargetNotEmpty, before)
	}
	if opts.DryRun {
		fmt.Fprintln(opts.Out, "dry run: nothing written")
		return nil
	}
	if opts.VerifyOnly {
		return verifyInto(ctx, source, to, opts)
	}
	return copyInto(ctx, source, to, plan, opts)
}

func refuseServedTarget(ctx context.Context, to store.Database) error {
	serving, err := servedFrom(ctx, to)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if serving != "" {
		return fmt.Errorf("%w (%s)", ErrTargetInUse, serving)
	}
	return nil
}

func sameDatabase(a, b store.Database) bool {
	if a.SQLitePath != "" || b.SQLitePath != "" {
		pathA, errA := filepath.Abs(a.SQLitePath)
		pathB, errB := filepath.Abs(b.SQLitePath)
		return a.SQLitePath != "" && b.SQLitePath != "" && errA == nil && errB == nil && pathA == pathB
	}
	return a.PostgresURL == b.PostgresURL
}

// copyInto migrates the target's schema, copies the planned rows, moves the
// sequences and verifies.
func copyInto(ctx context.Context, source database, to store.Database, plan copyPlan, opts Options) error {
	migrated, err := store.Open(ctx, opts.To, opts.Logger)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if err := migrated.Close(); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	target, err := openTargetWriter(ctx, to, opts.Force)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer target.close()

	bar := newProgress(plan.toCopy(), opts.Bar, opts.Out, opts.Logger)
	for _, t := range tables {
		if err := copyTable(ctx, source, target, t, opts.BatchSize, bar); err != nil {
			return err
		}
	}
	bar.done()
	for _, t := range tables {
		if err := moveSequence(ctx, source, target, t); err != nil {
			return err
		}
	}
	fmt.Fprintln(opts.Out, "sessions are not copied: users sign in again on the new database")
	return verify(ctx, source, target, opts)
}

// copyTable copies t's rows above the target's highest id, a batch per
// transaction; a copy stopped at any point resumes after the last batch
// committed, losing and repeating nothing.
func copyTable(ctx context.Context, source, target database, t table, batchSize int, bar progress) error {
	bar.table(t.name)
	after, err := queryInt(ctx, target, t.maxID)
	if err != nil {
		return fmt.Errorf("target: %s: %w", t.name, err)
	}
	for {
		batch, err := readBatch(ctx, source, t, after, batchSize)
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		if err := target.write(ctx, t, batch); err != nil {
			return fmt.Errorf("target: %w", err)
		}
		after = batch[len(batch)-1].id()
		bar.add(len(batch))
	}
}

// moveSequence makes the target's next id of t greater than every id the
// target holds and every id the source ever handed out, so new rows collide
// with nothing copied and never reuse an id deleted in the source.
func moveSequence(ctx context.Context, source, target database, t table) error {
	issued, err := source.issuedIDs(ctx, t)
	if err != nil {
		return fmt.Errorf("source: %s's id sequence: %w", t.name, err)
	}
	highest, err := queryInt(ctx, target, t.maxID)
	if err != nil {
		return fmt.Errorf("target: %s: %w", t.name, err)
	}
	if past := max(issued, highest); past > 0 {
		return target.moveSequence(ctx, t, past)
	}
	return nil
}
