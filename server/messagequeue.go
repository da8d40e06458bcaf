package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/lease"
	"github.com/amanda-platform/amanda-backend/turnlog"
)

// Chat leases: a holder renews every chatLeaseTTL/3, a crashed one's lease
// lapses after chatLeaseTTL, and a turn waiting for one asks every
// chatLeasePoll.
const (
	chatLeaseTTL  = 15 * time.Second
	chatLeasePoll = 50 * time.Millisecond
)

// turnFollowers bounds the connections that follow watched chats' turn
// logs, one per chat watched on this instance while it waits for events.
const turnFollowers = 4096

// fleet is what the instances of a fleet share through their Redis.
type fleet struct {
	queue  redis.UniversalClient // nil for an instance alone
	locker chat.Locker           // nil for an instance alone
	turns  chat.TurnLog
	close  []func() error
}

// newFleet is the Redis the fleet shares (SOCKETIO_MESSAGE_QUEUE), the chat
// locker and the turn log on it; for an instance that runs alone, the turn
// log in memory and nothing else. It does not connect yet: an instance
// starts while Redis is down and the client connects when it is back.
func newFleet(cfg Config, logger *slog.Logger) fleet {
	if !cfg.SocketIOMessageQueue.Set() {
		return fleet{turns: chat.NewMemoryTurnLog()}
	}
	opts := cfg.SocketIOMessageQueue.Options()
	opts.ContextTimeoutEnabled = true
	throttleDials(opts)
	client := redis.NewClient(opts)
	// Waiting reads hold their connection: a pool of their own, so that
	// they never starve the leases and the adapter.
	blockingOpts := *opts
	blockingOpts.PoolSize = turnFollowers
	blocking := redis.NewClient(&blockingOpts)
	return fleet{
		queue:  client,
		locker: lease.New(client, "amanda:chat-lease:", chatLeaseTTL, chatLeasePoll, logger),
		turns:  turnlog.New(client, blocking, "amanda:"),
		close:  []func() error{blocking.Close, client.Close},
	}
}

// orphanSweepInterval is how often an instance of a fleet looks for turns
// whose instance died (chat.Service.SweepOrphans): a third of the lease,
// so that such a turn is stored soon after its lease lapses.
const orphanSweepInterval = chatLeaseTTL / 3

// sweepOrphans runs chat.Service.SweepOrphans every orphanSweepInterval
// until ctx ends.
func sweepOrphans(ctx context.Context, service *chat.Service) {
	ticker := time.NewTicker(orphanSweepInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			service.SweepOrphans(ctx)
		}
	}
}
