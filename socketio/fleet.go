package socketio

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	"github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/logging"
)

// Several instances share Socket.IO through Redis (SOCKETIO_MESSAGE_QUEUE):
// room operations (disconnecting a session's or a user's sockets, counting
// a user's sockets) and server-side events reach every instance. A reply's
// tokens never go through Redis: emit writes them to the local socket.

// evStopTurn is the server-side event that asks whichever instance runs a
// chat's turn to stop it.
const evStopTurn = "amanda:stop_turn"

// useRedisAdapter makes the server one of a fleet sharing client.
func (s *Server) useRedisAdapter(opts socket.ServerOptionsInterface, client redis.UniversalClient) {
	rc := sioredis.NewRedisClient(context.Background(), client)
	outage := logging.NewOutage(s.Logger, "Socket.IO message queue (SOCKETIO_MESSAGE_QUEUE)")
	_ = rc.On("error", func(args ...any) {
		err, _ := args[0].(error)
		outage.Failed(err)
	})
	opts.SetAdapter(&adapter.RedisAdapterBuilder{Redis: rc, Opts: &adapter.RedisAdapterOptions{}})
}

// userRoom is the room of every socket of one user, on every instance.
func userRoom(userID int64) socket.Room { return socket.Room("user:" + strconv.FormatInt(userID, 10)) }

// userSockets counts the user's open sockets: on every instance with a
// message queue, on this one without (or when the fleet does not answer in
// time).
func (s *Server) userSockets(userID int64) int {
	local := s.sockets.count(userID)
	if s.MessageQueue == nil {
		return local
	}
	counted := make(chan int, 1)
	s.io.In(userRoom(userID)).FetchSockets()(func(sockets []*socket.RemoteSocket, err error) {
		if err != nil {
			s.Logger.Warn("counting a user's sockets across instances failed; counting this instance's", "error", err)
			counted <- local
			return
		}
		counted <- len(sockets)
	})
	select {
	case n := <-counted:
		return n
	case <-time.After(lookupTimeout):
		return local
	}
}

// StopTurn stops the chat's running turn wherever it runs: here, and on
// every other instance through the message queue.
func (s *Server) StopTurn(chatID int64) {
	s.Chat.StopTurn(chatID)
	if s.MessageQueue == nil {
		return
	}
	if err := s.io.ServerSideEmit(evStopTurn, strconv.FormatInt(chatID, 10)); err != nil {
		s.Logger.Warn("asking the other instances to stop a turn failed", "chat_id", chatID, "error", err)
	}
}

// onStopTurn is another instance's StopTurn arriving here.
func (s *Server) onStopTurn(args ...any) {
	id, ok := args[0].(string)
	if !ok {
		return
	}
	if chatID, err := strconv.ParseInt(id, 10, 64); err == nil {
		s.Chat.StopTurn(chatID)
	}
}
