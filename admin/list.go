package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/amanda-platform/amanda-backend/store"
)

// userJSON is one element of `users list --json`; created_at is null for
// an old row that has no time.
type userJSON struct {
	ID        int64      `json:"id"`
	Email     string     `json:"email"`
	CreatedAt *time.Time `json:"created_at"`
	ChatCount int        `json:"chat_count"`
}

// list is `users list`: a table, or with asJSON a JSON array.
func (c *command) list(ctx context.Context, asJSON bool) error {
	listCtx, cancel := step(ctx)
	defer cancel()
	users, err := c.storage.Store.ListUsers(listCtx)
	if err != nil {
		return fmt.Errorf("users list: %w", err)
	}
	if asJSON {
		return c.listJSON(users)
	}
	table := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(table, "ID\tEMAIL\tCREATED_AT\tCHATS")
	for _, u := range users {
		created := "-"
		if !u.CreatedAt.IsZero() {
			created = u.CreatedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(table, "%d\t%s\t%s\t%d\n", u.ID, u.Email, created, u.ChatCount)
	}
	if err := table.Flush(); err != nil {
		return fmt.Errorf("users list: %w", err)
	}
	return nil
}

func (c *command) listJSON(users []store.UserSummary) error {
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = userJSON{ID: u.ID, Email: u.Email, ChatCount: u.ChatCount}
		if !u.CreatedAt.IsZero() {
			out[i].CreatedAt = &u.CreatedAt
		}
	}
	if err := json.NewEncoder(c.stdout).Encode(out); err != nil {
		return fmt.Errorf("users list: %w", err)
	}
	return nil
}
