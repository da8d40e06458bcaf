package socketio

// What a password change and an account deletion do to the user's sockets,
// on every instance: rooms reach the fleet through the Redis adapter, and
// the move of the caller's sockets to their fresh session goes as a
// server-side event, since only the instance holding a socket can change
// what the socket carries.

// evMoveSession is the server-side event that moves the sockets of one
// session to another, wherever they are.
const evMoveSession = "amanda:move_session"

// KeepOnlySession ends every socket of the user except those of the
// session oldSessionID, which a password change replaced by
// newSessionID: those are moved to the new session and go on. The moves
// are made before the disconnection is sent, and the disconnection spares
// both sessions' rooms, so a caller's socket survives on an instance that
// sees the two in either order.
func (s *Server) KeepOnlySession(userID int64, oldSessionID, newSessionID string) {
	s.moveSession(oldSessionID, newSessionID)
	if s.MessageQueue != nil {
		if err := s.io.ServerSideEmit(evMoveSession, oldSessionID, newSessionID); err != nil {
			s.Logger.Warn("asking the other instances to move a session's sockets failed", "user_id", userID, "error", err)
		}
	}
	s.io.In(userRoom(userID)).Except(sessionRoom(oldSessionID), sessionRoom(newSessionID)).DisconnectSockets(true)
}

// DisconnectUser closes every socket of the user, on every instance.
func (s *Server) DisconnectUser(userID int64) {
	s.io.In(userRoom(userID)).DisconnectSockets(true)
}

// moveSession moves this instance's sockets of session oldID to newID: the
// session they are re-checked against, and their session room.
func (s *Server) moveSession(oldID, newID string) {
	nsp := s.io.Sockets()
	ids, ok := nsp.Adapter().Rooms().Load(sessionRoom(oldID))
	if !ok {
		return
	}
	for _, id := range ids.Keys() {
		sock, ok := nsp.Sockets().Load(id)
		if !ok {
			continue
		}
		user, ok := sock.Data().(*socketUser)
		if !ok {
			continue
		}
		user.setSessionID(newID)
		sock.Join(sessionRoom(newID))
		sock.Leave(sessionRoom(oldID))
	}
}

// onMoveSession is another instance's KeepOnlySession arriving here.
func (s *Server) onMoveSession(args ...any) {
	if len(args) < 2 {
		return
	}
	oldID, ok1 := args[0].(string)
	newID, ok2 := args[1].(string)
	if ok1 && ok2 && oldID != "" && newID != "" {
		s.moveSession(oldID, newID)
	}
}
