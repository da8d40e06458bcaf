package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestEveryKindHasAText(t *testing.T) {
	seen := map[string]Kind{}
	for k := range kindCount {
		tx := texts[k]
		if tx.status == 0 || tx.message == "" {
			t.Errorf("kind %d has no status or message", k)
		}
		if other, dup := seen[tx.message]; dup {
			t.Errorf("kinds %d and %d share the text %q", other, k, tx.message)
		}
		seen[tx.message] = k
	}
}

func TestMappings(t *testing.T) {
	cause := errors.New("disk on fire")
	wrapped := fmt.Errorf("store: %w", Wrap(KindChatNotFound, cause))
	if status, message := HTTP(wrapped); status != http.StatusNotFound || message != "Chat not found" {
		t.Errorf("HTTP(chat not found) = %d %q", status, message)
	}
	if !errors.Is(wrapped, cause) || !Is(wrapped, KindChatNotFound) {
		t.Error("the cause or the kind is lost through wrapping")
	}
	// A bare error is internal: REST says so, the socket says unavailable.
	if status, message := HTTP(cause); status != 500 || message != "Internal server error" {
		t.Errorf("HTTP(bare) = %d %q", status, message)
	}
	if got := Socket(cause); got != "Service temporarily unavailable. Please try again later." {
		t.Errorf("Socket(bare) = %q", got)
	}
	if got := Socket(New(KindAIUnavailable)); got != "AI service unavailable. Please try again later." {
		t.Errorf("Socket(AI) = %q", got)
	}
	if got := Socket(New(Kind(-1))); got != Socket(nil) {
		t.Errorf("an unknown kind reads as internal, got %q", got)
	}
	if KindOfStatus(http.StatusRequestEntityTooLarge) != KindBodyTooLarge || KindOfStatus(http.StatusTeapot) != KindBadRequest {
		t.Error("router statuses map wrongly")
	}
}
