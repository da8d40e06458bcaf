package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/store"
)

// failingExport is a store whose export fails after visiting messages
// messages of one chat.
type failingExport struct {
	store.Store
	messages int
}

func (f failingExport) UserByID(_ context.Context, id int64) (store.User, error) {
	return store.User{ID: id, Email: "ada@example.com", CreatedAt: time.Now().UTC()}, nil
}

func (f failingExport) ExportUser(_ context.Context, userID int64, visit func(store.Chat, *store.Message) error) error {
	chat := store.Chat{ID: 1, UserID: userID, Title: "t", CreatedAt: time.Now().UTC()}
	if err := visit(chat, nil); err != nil {
		return err
	}
	for i := range f.messages {
		m := store.Message{ID: int64(i + 1), ChatID: 1, Role: store.RoleUser, Content: strings.Repeat("x", 1024)}
		if err := visit(chat, &m); err != nil {
			return err
		}
	}
	return errors.New("disk on fire")
}

// exportServer serves handleExport for user 7, without sessions.
func exportServer(t *testing.T, s store.Store, logs io.Writer) *httptest.Server {
	logger := slog.New(slog.NewTextHandler(logs, nil))
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(logger)
	a := &API{Store: s, Logger: logger}
	e.GET("/export", a.handleExport(), func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { c.Set(userIDKey, int64(7)); return next(c) }
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func TestExportFailingMidwayAbortsTheDownload(t *testing.T) {
	var logs bytes.Buffer
	srv := exportServer(t, failingExport{messages: 5000}, &logs)
	resp, err := http.Get(srv.URL + "/export")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || err == nil {
		t.Fatalf("status %d, read error %v after %d bytes; want 200 and a broken body", resp.StatusCode, err, len(raw))
	}
	if len(raw) < exportBufferSize || json.Valid(raw) {
		t.Errorf("got %d bytes (valid JSON: %v) before the abort", len(raw), json.Valid(raw))
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("the cause is not logged: %s", logs.String())
	}
}

func TestExportFailingBeforeAnyByteIsAnError(t *testing.T) {
	var logs bytes.Buffer
	srv := exportServer(t, failingExport{messages: 3}, &logs)
	resp, err := http.Get(srv.URL + "/export")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Content-Disposition") != "" ||
		!strings.Contains(string(raw), `"success":false`) {
		t.Fatalf("status %d, Content-Disposition %q, body %s, error %v; want a plain 500",
			resp.StatusCode, resp.Header.Get("Content-Disposition"), raw, err)
	}
}
