package handlers

import (
	"encoding/json"
	"fmt"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// emit sends the event name with one JSON payload to s. The frame holds the
// bytes the Socket.IO library's own Emit would produce (emit_test.go holds
// them equal), built directly: Emit's generic path (broadcast flags, the
// argument slice, a packet, the encoder's copy of the data) cost a fifth of
// the service's CPU per streamed token, mostly in allocations. None of what
// it skips is in use here: acknowledgements, binary attachments, volatile
// or compression flags, connection state recovery, outgoing listeners.
func emit(s *socket.Socket, name string, payload any) error {
	// As the library's Emit does, a connection that is not open gets nothing.
	if s.Conn().ReadyState() != "open" {
		return nil
	}
	frame, err := encodeEvent(string(s.Nsp().Name()), name, payload)
	if err != nil {
		return err
	}
	s.Client().WriteToEngine([]types.BufferInterface{types.NewStringBuffer(frame)}, &socket.WriteOptions{})
	return nil
}

// encodeEvent is Socket.IO's text encoding of an EVENT packet: "2", the
// namespace and a comma unless it is the main one, then ["name",payload].
func encodeEvent(nsp, name string, payload any) ([]byte, error) {
	quoted, err := json.Marshal(name)
	if err != nil {
		return nil, fmt.Errorf("handlers: encode event name: %w", err)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("handlers: encode %s payload: %w", name, err)
	}
	frame := make([]byte, 0, 1+len(nsp)+1+1+len(quoted)+1+len(body)+1)
	frame = append(frame, '2')
	if nsp != "" && nsp != "/" {
		frame = append(frame, nsp...)
		frame = append(frame, ',')
	}
	frame = append(frame, '[')
	frame = append(frame, quoted...)
	frame = append(frame, ',')
	frame = append(frame, body...)
	frame = append(frame, ']')
	return frame, nil
}
