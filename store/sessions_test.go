package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		sessions := s.Sessions()
		now := time.Now()
		inAnHour := now.Add(time.Hour)

		wantData := func(id, want string) {
			t.Helper()
			data, err := sessions.LoadSession(ctx, id)
			if err != nil || string(data) != want {
				t.Errorf("LoadSession(%q) = %q, %v; want %q", id, data, err, want)
			}
		}
		wantGone := func(id string) {
			t.Helper()
			_, err := sessions.LoadSession(ctx, id)
			wantErr(t, "LoadSession("+id+")", err, store.ErrNotFound)
		}
		save := func(id, data string, expiry time.Time) {
			t.Helper()
			if err := sessions.SaveSession(ctx, id, []byte(data), expiry); err != nil {
				t.Fatalf("SaveSession(%q): %v", id, err)
			}
		}

		save("alive", "first", inAnHour)
		wantData("alive", "first")
		save("alive", "second", inAnHour)
		wantData("alive", "second")
		wantGone("unknown")

		// Expiry is compared as an instant, whatever zone the caller used.
		save("east", "east", now.Add(time.Minute).In(time.FixedZone("UTC+5", 5*3600)))
		wantData("east", "east")
		save("west", "west", now.Add(-time.Minute).In(time.FixedZone("UTC-5", -5*3600)))
		wantGone("west")

		if err := sessions.DeleteSession(ctx, "alive"); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		wantGone("alive")
		if err := sessions.DeleteSession(ctx, "alive"); err != nil {
			t.Errorf("DeleteSession of a deleted session: %v", err)
		}

		save("stale1", "x", now.Add(-time.Hour))
		save("stale2", "x", now.Add(-2*time.Hour))
		save("fresh", "fresh", inAnHour)
		purged, err := sessions.PurgeSessions(ctx, time.Now())
		if err != nil || purged != 3 {
			t.Errorf("PurgeSessions = %d, %v; want 3 (west, stale1, stale2)", purged, err)
		}
		wantData("fresh", "fresh")
		wantData("east", "east")
	})
}
