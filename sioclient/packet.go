// Package sioclient is a Socket.IO v5 client over Engine.IO v4, WebSocket or
// polling, for the load tool and the tests. It is written for load: one
// reader goroutine per connection and small buffers, so ten thousand
// connections fit in a modest client process.
package sioclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Engine.IO v4 packet types (the first character of a packet).
const (
	PacketOpen    = '0'
	PacketClose   = '1'
	PacketPing    = '2'
	PacketPong    = '3'
	PacketMessage = '4' // its data is a Socket.IO packet
	PacketUpgrade = '5'
	PacketNoop    = '6'
	PacketBinary  = 'b' // base64 binary data, over polling
)

// Socket.IO v5 packet types (the first character of an Engine.IO message).
const (
	sioConnect      = '0'
	sioDisconnect   = '1'
	sioEvent        = '2'
	sioAck          = '3'
	sioConnectError = '4'
	sioBinaryEvent  = '5'
	sioBinaryAck    = '6'
)

// recordSeparator separates packets in a polling payload (Engine.IO v4).
const recordSeparator = "\x1e"

// Packet is one Engine.IO packet: its type (Packet*) and its data. The
// text form of a Socket.IO event is a PacketMessage whose Data starts
// with '2', e.g. `2["message_token",{"text":"hi"}]`.
type Packet struct {
	Type byte
	Data string
}

// String is the packet's text form, as it goes over the wire.
func (p Packet) String() string { return string(p.Type) + p.Data }

// parseEIOPacket reads one Engine.IO packet from its text form.
func parseEIOPacket(s string) (Packet, error) {
	if s == "" {
		return Packet{}, errors.New("empty engine.io packet")
	}
	t := s[0]
	switch t {
	case PacketOpen, PacketClose, PacketPing, PacketPong, PacketMessage, PacketUpgrade, PacketNoop, PacketBinary:
		return Packet{Type: t, Data: s[1:]}, nil
	}
	return Packet{}, fmt.Errorf("unknown engine.io packet type %q", t)
}

// splitPollingPayload appends the packets in the body of a polling
// response to into.
func splitPollingPayload(into []Packet, body string) ([]Packet, error) {
	if body == "" {
		return into, nil
	}
	for p := range strings.SplitSeq(body, recordSeparator) {
		pk, err := parseEIOPacket(p)
		if err != nil {
			return into, err
		}
		into = append(into, pk)
	}
	return into, nil
}

// joinPollingPayload is the body of a polling request carrying packets.
func joinPollingPayload(packets ...string) string {
	return strings.Join(packets, recordSeparator)
}

// eioOpenData is the payload of the Engine.IO open packet.
type eioOpenData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// sioPacket is one Socket.IO packet (carried in an Engine.IO message).
type sioPacket struct {
	Type        byte
	Attachments int
	Namespace   string // "/" when absent
	AckID       int    // -1 when absent
	Data        json.RawMessage
}

// parseSIOPacket reads a Socket.IO v5 packet:
// <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>].
func parseSIOPacket(s string) (sioPacket, error) {
	p := sioPacket{Namespace: "/", AckID: -1}
	if s == "" {
		return p, errors.New("empty socket.io packet")
	}
	p.Type = s[0]
	if p.Type < sioConnect || p.Type > sioBinaryAck {
		return p, fmt.Errorf("unknown socket.io packet type %q", p.Type)
	}
	i := 1
	if p.Type == sioBinaryEvent || p.Type == sioBinaryAck {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == len(s) || s[j] != '-' || j == i {
			return p, errors.New("binary socket.io packet without attachment count")
		}
		p.Attachments, _ = strconv.Atoi(s[i:j])
		i = j + 1
	}
	if i < len(s) && s[i] == '/' {
		j := strings.IndexByte(s[i:], ',')
		if j < 0 {
			p.Namespace = s[i:]
			return p, nil
		}
		p.Namespace = s[i : i+j]
		i += j + 1
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j > i {
		id, err := strconv.Atoi(s[i:j])
		if err != nil {
			return p, fmt.Errorf("bad ack id: %w", err)
		}
		p.AckID = id
		i = j
	}
	if i < len(s) {
		data := s[i:]
		if !json.Valid([]byte(data)) {
			return p, errors.New("socket.io packet data is not JSON")
		}
		p.Data = json.RawMessage(data)
	}
	return p, nil
}

// encodeSIOEvent is the Engine.IO message text of an event on namespace "/":
// 42["name",payload].
func encodeSIOEvent(name string, payload any) (string, error) {
	b, err := json.Marshal([]any{name, payload})
	if err != nil {
		return "", err
	}
	return string([]byte{PacketMessage, sioEvent}) + string(b), nil
}

// decodeEvent splits the data of an EVENT packet into its name and first argument.
func decodeEvent(data json.RawMessage) (string, json.RawMessage, error) {
	if name, payload, ok := splitEvent(data); ok {
		return name, payload, nil
	}
	var args []json.RawMessage
	if err := json.Unmarshal(data, &args); err != nil {
		return "", nil, fmt.Errorf("event data is not an array: %w", err)
	}
	if len(args) == 0 {
		return "", nil, errors.New("event without a name")
	}
	var name string
	if err := json.Unmarshal(args[0], &name); err != nil {
		return "", nil, fmt.Errorf("event name is not a string: %w", err)
	}
	var payload json.RawMessage
	if len(args) > 1 {
		payload = args[1]
	}
	return name, payload, nil
}

// splitEvent is decodeEvent's fast path, without a JSON decoder, for what
// the service sends: ["name"] or ["name",payload] with a name free of
// escapes. It does not validate the payload: whoever reads it decodes it
// and so rejects a malformed one (or a second argument glued to it).
func splitEvent(data []byte) (string, json.RawMessage, bool) {
	if len(data) < 4 || data[0] != '[' || data[1] != '"' {
		return "", nil, false
	}
	end := bytes.IndexByte(data[2:], '"')
	if end < 0 || !plainJSONString(data[2:2+end]) {
		return "", nil, false
	}
	name, rest := string(data[2:2+end]), data[2+end+1:]
	switch {
	case len(rest) == 1 && rest[0] == ']':
		return name, nil, true
	case len(rest) >= 3 && rest[0] == ',' && rest[len(rest)-1] == ']':
		return name, json.RawMessage(rest[1 : len(rest)-1]), true
	}
	return "", nil, false
}

// plainJSONString reports whether s, the inside of a JSON string, decodes
// to itself: valid UTF-8 with no escapes, quotes or control characters.
func plainJSONString(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(s)
}

// TokenText reads the text of the service's message_token payload,
// {"text":"..."}: without a decoder in the plain case, with encoding/json
// otherwise. ok is false when the payload is not an object with a string
// "text".
func TokenText(payload []byte) (string, bool) {
	// The text comes first; fields after it (chat_id, seq) are skipped,
	// once json.Valid (which allocates nothing) has vouched for them.
	if rest, ok := bytes.CutPrefix(payload, []byte(`{"text":"`)); ok {
		if end := bytes.IndexByte(rest, '"'); end >= 0 && plainJSONString(rest[:end]) {
			after := rest[end+1:]
			if string(after) == "}" || (len(after) > 0 && after[0] == ',' && json.Valid(payload)) {
				return string(rest[:end]), true
			}
		}
	}
	var tok struct {
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(payload, &tok); err != nil || tok.Text == nil {
		return "", false
	}
	return *tok.Text, true
}
