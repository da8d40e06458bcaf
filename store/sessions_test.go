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
			if err := sessions.SaveSession(ctx, id, 1, []byte(data), expiry); err != nil {
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

func TestUserSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, databaseURL string) {
		ctx := context.Background()
		sessions := s.Sessions()
		inAnHour := time.Now().Add(time.Hour)
		for id, userID := range map[string]int64{"laptop": 7, "phone": 7, "other": 8, "nobody": 0} {
			if err := sessions.SaveSession(ctx, id, userID, []byte("{}"), inAnHour); err != nil {
				t.Fatalf("SaveSession(%q): %v", id, err)
			}
		}
		// A session of no user is NULL, like the rows from before.
		if n := storetest.Scalar[int64](t, databaseURL, "SELECT COUNT(*) FROM sessions WHERE session_id = 'nobody' AND user_id IS NULL"); n != 1 {
			t.Errorf("a session of no user has a user_id")
		}
		if err := sessions.DeleteUserSessions(ctx, 7); err != nil {
			t.Fatalf("DeleteUserSessions: %v", err)
		}
		for _, id := range []string{"laptop", "phone"} {
			_, err := sessions.LoadSession(ctx, id)
			wantErr(t, "LoadSession("+id+") after DeleteUserSessions", err, store.ErrNotFound)
		}
		for _, id := range []string{"other", "nobody"} {
			if _, err := sessions.LoadSession(ctx, id); err != nil {
				t.Errorf("LoadSession(%q) of another user after DeleteUserSessions: %v", id, err)
			}
		}
		// Saving again under an id moves it to its new user.
		if err := sessions.SaveSession(ctx, "other", 7, []byte("{}"), inAnHour); err != nil {
			t.Fatal(err)
		}
		if err := sessions.DeleteUserSessions(ctx, 7); err != nil {
			t.Fatal(err)
		}
		_, err := sessions.LoadSession(ctx, "other")
		wantErr(t, "LoadSession of a session saved again for user 7", err, store.ErrNotFound)
	})
}
