package socketio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/amanda-platform/amanda-backend/apperr"
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
	s.Client().WriteToEngine([]types.BufferInterface{types.NewStringBuffer(frame)}, defaultWriteOptions)
	return nil
}

// defaultWriteOptions are read, never written, by WriteToEngine.
var defaultWriteOptions = &socket.WriteOptions{}

// eventEncoder is a reusable buffer with a JSON encoder writing into it.
type eventEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var eventEncoders = sync.Pool{New: func() any {
	e := &eventEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// maxPooledFrame keeps the buffer of a large event (synthesized speech) out
// of the pool.
const maxPooledFrame = 64 << 10

// encodeEvent is Socket.IO's text encoding of an EVENT packet: "2", the
// namespace and a comma unless it is the main one, then ["name",payload],
// encoded as encoding/json.Marshal does.
func encodeEvent(nsp, name string, payload any) ([]byte, error) {
	e := eventEncoders.Get().(*eventEncoder)
	defer func() {
		if e.buf.Cap() <= maxPooledFrame {
			eventEncoders.Put(e)
		}
	}()
	e.buf.Reset()
	e.buf.WriteByte('2')
	if nsp != "" && nsp != "/" {
		e.buf.WriteString(nsp)
		e.buf.WriteByte(',')
	}
	e.buf.WriteByte('[')
	if err := e.value(name); err != nil {
		return nil, fmt.Errorf("socketio: encode event name: %w", err)
	}
	e.buf.WriteByte(',')
	if err := e.value(payload); err != nil {
		return nil, fmt.Errorf("socketio: encode %s payload: %w", name, err)
	}
	e.buf.WriteByte(']')
	return bytes.Clone(e.buf.Bytes()), nil
}

// value appends v's JSON without the newline json.Encoder ends it with.
func (e *eventEncoder) value(v any) error {
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	e.buf.Truncate(e.buf.Len() - 1)
	return nil
}

// emitError sends the error event with err's text for the socket.
func emitError(s *socket.Socket, err error) { emitChatError(s, 0, err) }

// emitChatError is emitError about one chat (0: none).
func emitChatError(s *socket.Socket, chatID int64, err error) {
	_ = emit(s, evError, errorEvent{Message: apperr.Socket(err), ChatID: chatID})
}
