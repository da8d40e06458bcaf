package turnlog_test

import (
	"testing"

	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/chat/turnlogtest"
	"github.com/amanda-platform/amanda-backend/redistest"
	"github.com/amanda-platform/amanda-backend/turnlog"
)

func TestRedisTurnLog(t *testing.T) {
	turnlogtest.Run(t, func(t *testing.T) chat.TurnLog {
		client := redistest.Client(t)
		return turnlog.New(client, client, redistest.Prefix(t, client))
	})
}
