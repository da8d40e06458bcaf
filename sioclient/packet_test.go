package sioclient

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseEIOPacket(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Packet
	}{
		{`0{"sid":"abc","pingInterval":25000}`, Packet{'0', `{"sid":"abc","pingInterval":25000}`}},
		{"2", Packet{'2', ""}},
		{"3probe", Packet{'3', "probe"}},
		{`42["message_token",{"text":"hi"}]`, Packet{'4', `2["message_token",{"text":"hi"}]`}},
		{"6", Packet{'6', ""}},
		{"bAQID", Packet{'b', "AQID"}},
	} {
		got, err := parseEIOPacket(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseEIOPacket(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if enc := got.String(); enc != tc.in {
			t.Errorf("Packet.String round trip %q -> %q", tc.in, enc)
		}
	}
	for _, bad := range []string{"", "9", "x"} {
		if _, err := parseEIOPacket(bad); err == nil {
			t.Errorf("parseEIOPacket(%q) accepted", bad)
		}
	}
}

func TestPollingPayload(t *testing.T) {
	body := "2\x1e" + `40{"sid":"s1"}` + "\x1e" + `42["message_token",{"text":"a\u001eb"}]` + "\x1e6"
	// \u001e inside JSON is an escape (6 characters), not a separator.
	got, err := splitPollingPayload(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	want := []Packet{
		{'2', ""},
		{'4', `0{"sid":"s1"}`},
		{'4', `2["message_token",{"text":"a\u001eb"}]`},
		{'6', ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("split = %q, want %q", got, want)
	}
	if got, _ := splitPollingPayload(nil, ""); len(got) != 0 {
		t.Errorf("empty payload gave %v", got)
	}
	one, err := splitPollingPayload(nil, `0{"sid":"x"}`)
	if err != nil || len(one) != 1 || one[0].Type != '0' {
		t.Errorf("single packet: %v %v", one, err)
	}
	if _, err := splitPollingPayload(nil, "2\x1e\x1e3"); err == nil {
		t.Error("an empty packet between separators was accepted")
	}
	if j := joinPollingPayload("3", `42["send_message",{}]`); j != "3\x1e42[\"send_message\",{}]" {
		t.Errorf("join = %q", j)
	}
	if j := joinPollingPayload("40"); j != "40" {
		t.Errorf("join one = %q", j)
	}
}

func TestParseSIOPacket(t *testing.T) {
	for _, tc := range []struct {
		in      string
		typ     byte
		ns      string
		ack     int
		attach  int
		data    string
		wantErr bool
	}{
		{in: `0{"sid":"abc"}`, typ: '0', ns: "/", ack: -1, data: `{"sid":"abc"}`},
		{in: `0`, typ: '0', ns: "/", ack: -1},
		{in: `4{"message":"Connection rejected by server"}`, typ: '4', ns: "/", ack: -1, data: `{"message":"Connection rejected by server"}`},
		{in: `2["message_complete",{"message_id":7,"full_text":"x"}]`, typ: '2', ns: "/", ack: -1, data: `["message_complete",{"message_id":7,"full_text":"x"}]`},
		{in: `212["ev",1]`, typ: '2', ns: "/", ack: 12, data: `["ev",1]`},
		{in: `2/admin,["ev"]`, typ: '2', ns: "/admin", ack: -1, data: `["ev"]`},
		{in: `2/admin,5["ev"]`, typ: '2', ns: "/admin", ack: 5, data: `["ev"]`},
		{in: `1/admin`, typ: '1', ns: "/admin", ack: -1},
		{in: `1`, typ: '1', ns: "/", ack: -1},
		{in: `51-["ev",{"_placeholder":true,"num":0}]`, typ: '5', ns: "/", ack: -1, attach: 1, data: `["ev",{"_placeholder":true,"num":0}]`},
		{in: `3/x,9[1]`, typ: '3', ns: "/x", ack: 9, data: `[1]`},
		{in: ``, wantErr: true},
		{in: `9[]`, wantErr: true},
		{in: `2["unterminated"`, wantErr: true},
		{in: `5["no attachments"]`, wantErr: true},
	} {
		p, err := parseSIOPacket(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("parseSIOPacket(%q) accepted: %+v", tc.in, p)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseSIOPacket(%q): %v", tc.in, err)
			continue
		}
		if p.Type != tc.typ || p.Namespace != tc.ns || p.AckID != tc.ack || p.Attachments != tc.attach || string(p.Data) != tc.data {
			t.Errorf("parseSIOPacket(%q) = %+v (data %s)", tc.in, p, p.Data)
		}
	}
}

func TestEncodeAndDecodeEvent(t *testing.T) {
	s, err := encodeSIOEvent("send_message", map[string]any{"chat_id": 3, "message": "hi \"there\""})
	if err != nil {
		t.Fatal(err)
	}
	if want := `42["send_message",{"chat_id":3,"message":"hi \"there\""}]`; s != want {
		t.Fatalf("encode = %s, want %s", s, want)
	}
	ep, err := parseEIOPacket(s)
	if err != nil || ep.Type != PacketMessage {
		t.Fatal(ep, err)
	}
	sp, err := parseSIOPacket(ep.Data)
	if err != nil || sp.Type != sioEvent {
		t.Fatal(sp, err)
	}
	name, payload, err := decodeEvent(sp.Data)
	if err != nil || name != "send_message" {
		t.Fatal(name, err)
	}
	var m struct {
		ChatID  int    `json:"chat_id"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(payload, &m); err != nil || m.ChatID != 3 || m.Message != `hi "there"` {
		t.Fatalf("payload %s: %+v %v", payload, m, err)
	}
	if _, _, err := decodeEvent(json.RawMessage(`[]`)); err == nil {
		t.Error("empty event accepted")
	}
	if _, _, err := decodeEvent(json.RawMessage(`[1]`)); err == nil {
		t.Error("numeric event name accepted")
	}
	if n, p, err := decodeEvent(json.RawMessage(`["bare"]`)); err != nil || n != "bare" || p != nil {
		t.Errorf("event without payload: %q %s %v", n, p, err)
	}
}

// The fast paths must read exactly what encoding/json reads, and leave
// every malformed input to it.
func TestFastPathsAgreeWithEncodingJSON(t *testing.T) {
	texts := []string{"", "plain", " token", "é ✓ 密码", `quote " inside`, `back\slash`, "new\nline",
		"tab\t", "\x00", "<html> & \u2028", "bad \xff utf-8"}
	for _, text := range texts {
		payload, _ := json.Marshal(map[string]string{"text": text})
		got, ok := TokenText(payload)
		if !ok || got != strings.ToValidUTF8(text, "\uFFFD") {
			t.Errorf("TokenText(%s) = %q, %v; want %q", payload, got, ok, text)
		}
		event, _ := json.Marshal([]any{"message_token", json.RawMessage(payload)})
		name, p, err := decodeEvent(event)
		if err != nil || name != "message_token" || string(p) != string(payload) {
			t.Errorf("decodeEvent(%s) = %q, %s, %v", event, name, p, err)
		}
	}
	for _, payload := range []string{`{"text":"a","chat_id":7,"seq":3}`, `{"text":"x y","seq":1}`} {
		var tok struct{ Text string }
		_ = json.Unmarshal([]byte(payload), &tok)
		if got, ok := TokenText([]byte(payload)); !ok || got != tok.Text {
			t.Errorf("TokenText(%s) = %q, %v; want %q", payload, got, ok, tok.Text)
		}
	}
	for _, bad := range []string{`{"text":1}`, `{"text":"a"`, `{"text":"a"}x`, `{"other":"a"}`, `{"text":"a"},{"text":"b"}`, `[]`, ``,
		`{"text":"a","seq":}`, `{"text":"a",}`, `{"text":"a","seq":1}}`} {
		if got, ok := TokenText([]byte(bad)); ok {
			t.Errorf("TokenText(%s) accepted: %q", bad, got)
		}
	}
	for _, in := range []string{`["a\"b",1]`, `["é",{}]`, `["x"]`, `["x",1,2]`, `["x",]`, `["x" ,1]`} {
		fastName, fastPayload, ok := splitEvent([]byte(in))
		var args []json.RawMessage
		slowErr := json.Unmarshal([]byte(in), &args)
		if !ok {
			continue // decodeEvent falls back to encoding/json
		}
		if slowErr != nil || len(args) == 0 {
			t.Errorf("splitEvent(%s) accepted what encoding/json rejects", in)
			continue
		}
		var slowName string
		_ = json.Unmarshal(args[0], &slowName)
		if fastName != slowName {
			t.Errorf("splitEvent(%s) name %q, encoding/json %q", in, fastName, slowName)
		}
		if len(args) == 2 && string(fastPayload) != string(args[1]) {
			t.Errorf("splitEvent(%s) payload %s, encoding/json %s", in, fastPayload, args[1])
		}
	}
}
