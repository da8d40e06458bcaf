package chat_test

import (
	"testing"

	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/chat/turnlogtest"
)

func TestMemoryTurnLog(t *testing.T) {
	turnlogtest.Run(t, func(*testing.T) chat.TurnLog { return chat.NewMemoryTurnLog() })
}
