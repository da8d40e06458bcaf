package server

import (
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/lease"
)

// Chat leases: a holder renews every chatLeaseTTL/3, a crashed one's lease
// lapses after chatLeaseTTL, and a turn waiting for one asks every
// chatLeasePoll.
const (
	chatLeaseTTL  = 15 * time.Second
	chatLeasePoll = 50 * time.Millisecond
)

// newMessageQueue is the Redis the fleet shares (SOCKETIO_MESSAGE_QUEUE)
// and the chat locker on it; nil and nil (untyped, so that a check for nil
// holds) for an instance that runs alone. It does not connect yet: an
// instance starts while Redis is down and the client connects when it is
// back.
func newMessageQueue(cfg Config, logger *slog.Logger) (redis.UniversalClient, chat.Locker) {
	if !cfg.SocketIOMessageQueue.Set() {
		return nil, nil
	}
	opts := cfg.SocketIOMessageQueue.Options()
	opts.ContextTimeoutEnabled = true
	throttleDials(opts)
	client := redis.NewClient(opts)
	return client, lease.New(client, "amanda:chat-lease:", chatLeaseTTL, chatLeasePoll, logger)
}
