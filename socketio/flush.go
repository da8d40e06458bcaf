package socketio

import (
	"context"
	"time"

	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// flushGrace bounds the wait for sockets to write out what was emitted
// to them (the end of a reply) before they are closed.
const flushGrace = 2 * time.Second

// waitForFlush waits, briefly, until every socket has written out its
// queued packets.
func (s *Server) waitForFlush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, flushGrace)
	defer cancel()
	for {
		flushed := true
		s.io.Sockets().Sockets().Range(func(_ socket.SocketId, sock *socket.Socket) bool {
			flushed = isFlushed(sock)
			return flushed
		})
		if flushed {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// isFlushed reports whether everything emitted to sock has been written
// out, so closing it now loses nothing.
func isFlushed(sock *socket.Socket) bool {
	user, ok := sock.Data().(*socketUser)
	if ok && user.queued.Load() > 0 {
		return false
	}
	transport := sock.Conn().Transport()
	// A polling transport is writable only while a poll waits; its packets
	// are out once counted as flushed below.
	return transport.Name() != "websocket" || transport.Writable()
}

// watchQueue counts the packets waiting for the transport and drops a
// client that lets too many pile up.
func (s *Server) watchQueue(sock *socket.Socket, user *socketUser) {
	conn := sock.Conn()
	_ = conn.On("packetCreate", func(...any) {
		if user.queued.Add(1) == int64(s.MaxQueuedPackets) {
			s.Logger.Warn("dropping a socket that stopped reading", "socket", string(sock.Id()),
				"user_id", user.UserID, "queued_packets", s.MaxQueuedPackets)
			go sock.Disconnect(true)
		}
	})
	_ = conn.On("flush", func(args ...any) {
		if len(args) > 0 {
			if flushed, ok := args[0].([]*packet.Packet); ok {
				user.queued.Add(-int64(len(flushed)))
			}
		}
	})
}
