package datamove

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/amanda-platform/amanda-backend/store"
)

// targetState is what the target holds before the copy, per table (all
// zero for a database without the tables, or a file not there yet).
type targetState struct {
	rows, maxID map[string]int64
}

// inspectTarget reads the target's rows without changing anything.
func inspectTarget(ctx context.Context, to store.Database) (targetState, error) {
	state := targetState{rows: map[string]int64{}, maxID: map[string]int64{}}
	target, err := openTargetReadOnly(ctx, to)
	if err != nil || target == nil {
		return state, err
	}
	defer target.close()
	for _, t := range tables {
		ok, err := target.hasTable(ctx, t.name)
		if err != nil {
			return state, err
		}
		if !ok {
			continue
		}
		if state.rows[t.name], err = queryInt(ctx, target, t.countAll); err != nil {
			return state, err
		}
		if state.maxID[t.name], err = queryInt(ctx, target, t.maxID); err != nil {
			return state, err
		}
	}
	return state, nil
}

func (s targetState) holdsRows() bool {
	for _, n := range s.rows {
		if n > 0 {
			return true
		}
	}
	return false
}

func (s targetState) String() string {
	var parts []string
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("%d %s", s.rows[t.name], t.name))
	}
	return strings.Join(parts, ", ")
}

// copyPlan is, per table, what the source holds and what the copy takes.
type copyPlan []tablePlan

type tablePlan struct {
	name string
	// source: rows the copy reads (with their parents); orphans: rows
	// left out for want of a parent.
	source, orphans int64
	// inTarget: already there (resume); toCopy: what remains.
	inTarget, toCopy int64
}

// planCopy counts, in the source's snapshot, what a copy would take: every
// row, or with resume those above the target's highest id.
func planCopy(ctx context.Context, source database, before targetState, resume bool) (copyPlan, error) {
	var plan copyPlan
	for _, t := range tables {
		p := tablePlan{name: t.name}
		var after int64
		if resume {
			after, p.inTarget = before.maxID[t.name], before.rows[t.name]
		}
		var err error
		if p.source, err = queryInt(ctx, source, t.countAfter, 0); err != nil {
			return nil, err
		}
		if p.toCopy, err = queryInt(ctx, source, t.countAfter, after); err != nil {
			return nil, err
		}
		all, err := queryInt(ctx, source, t.countAll)
		if err != nil {
			return nil, err
		}
		p.orphans = all - p.source
		plan = append(plan, p)
	}
	return plan, nil
}

func (p copyPlan) toCopy() int64 {
	var n int64
	for _, t := range p {
		n += t.toCopy
	}
	return n
}

func (p copyPlan) print(out io.Writer) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "table\tsource rows\tin target\tto copy\tleft out (no parent)")
	for _, t := range p {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\n", t.name, t.source, t.inTarget, t.toCopy, t.orphans)
	}
	w.Flush()
}
