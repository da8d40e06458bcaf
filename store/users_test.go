package store_test

import (
	"context"
	"testing"

	"github.com/amanda-platform/amanda-backend/store"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s store.Store, _ string) {
		ctx := context.Background()
		const hash = "scrypt:32768:8:1$salt$0123abcd"
		user, err := s.CreateUser(ctx, "ada@example.com", hash)
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if user.ID <= 0 || user.Email != "ada@example.com" || user.PasswordHash != hash {
			t.Errorf("CreateUser = %+v", user)
		}
		wantRecentUTC(t, "CreatedAt", user.CreatedAt)

		byEmail, err := s.UserByEmail(ctx, "ada@example.com")
		if err != nil || byEmail != user {
			t.Errorf("UserByEmail = %+v, %v; want %+v", byEmail, err, user)
		}
		byID, err := s.UserByID(ctx, user.ID)
		if err != nil || byID != user {
			t.Errorf("UserByID = %+v, %v; want %+v", byID, err, user)
		}

		_, err = s.CreateUser(ctx, "ada@example.com", "other")
		wantErr(t, "CreateUser with a taken email", err, store.ErrEmailTaken)
		_, err = s.UserByEmail(ctx, "nobody@example.com")
		wantErr(t, "UserByEmail unknown", err, store.ErrNotFound)
		_, err = s.UserByID(ctx, user.ID+1000)
		wantErr(t, "UserByID unknown", err, store.ErrNotFound)

		other := mustUser(t, s, "grace@example.com")
		if other.ID == user.ID {
			t.Errorf("two users share id %d", user.ID)
		}
	})
}
