package datamove

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/amanda-platform/amanda-backend/store"
)

// verifyInto opens the target read-only and verifies it (--verify-only).
func verifyInto(ctx context.Context, source database, to store.Database, opts Options) error {
	target, err := openTargetReadOnly(ctx, to)
	if err == nil && target == nil {
		err = fmt.Errorf("no SQLite file %s", to.SQLitePath)
	}
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer target.close()
	return verify(ctx, source, target, opts)
}

// tableCheck is one table's verification.
type tableCheck struct {
	name                   string
	sourceRows, targetRows int64
	sourceSum, targetSum   string
}

func (c tableCheck) matches() bool {
	return c.sourceRows == c.targetRows && c.sourceSum == c.targetSum
}

// verify compares every table's rows on both sides, in the source's
// snapshot and one of the target, prints the summary table and returns
// ErrMismatch on any difference.
func verify(ctx context.Context, source, target database, opts Options) error {
	if err := target.beginSnapshot(ctx); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer target.endSnapshot(ctx)
	var checks []tableCheck
	for _, t := range tables {
		check, err := checkTable(ctx, source, target, t, opts.BatchSize)
		if err != nil {
			return err
		}
		checks = append(checks, check)
	}
	printChecks(opts.Out, checks)
	for _, c := range checks {
		if !c.matches() {
			return fmt.Errorf("%w: %s", ErrMismatch, c.name)
		}
	}
	return nil
}

// checkTable digests t on both sides at once (two connections).
func checkTable(ctx context.Context, source, target database, t table, batchSize int) (tableCheck, error) {
	type result struct {
		d   *digest
		err error
	}
	fromTarget := make(chan result, 1)
	go func() {
		d, err := digestTable(ctx, target, t, batchSize)
		fromTarget <- result{d, err}
	}()
	sourceDigest, sourceErr := digestTable(ctx, source, t, batchSize)
	targetResult := <-fromTarget
	if err := errors.Join(wrap("source", sourceErr), wrap("target", targetResult.err)); err != nil {
		return tableCheck{}, err
	}
	return tableCheck{
		name:       t.name,
		sourceRows: sourceDigest.rows, targetRows: targetResult.d.rows,
		sourceSum: sourceDigest.sum(), targetSum: targetResult.d.sum(),
	}, nil
}

func wrap(side string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", side, err)
}

// digestTable reads all of t by id, a batch at a time, into a digest.
func digestTable(ctx context.Context, db database, t table, batchSize int) (*digest, error) {
	d := newDigest()
	var after int64
	for {
		batch, err := readBatch(ctx, db, t, after, batchSize)
		if err != nil || len(batch) == 0 {
			return d, err
		}
		for _, r := range batch {
			d.add(r)
		}
		after = batch[len(batch)-1].id()
	}
}

func printChecks(out io.Writer, checks []tableCheck) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "table\tsource rows\ttarget rows\tchecksum\tsha-256 (source)")
	for _, c := range checks {
		verdict := "match"
		if !c.matches() {
			verdict = "DIFFERENT"
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\n", c.name, c.sourceRows, c.targetRows, verdict, c.sourceSum)
	}
	w.Flush()
}
