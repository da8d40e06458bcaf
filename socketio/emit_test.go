package socketio

import (
	"testing"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
)

// The frames emit builds must be exactly those of the library's encoder,
// which the Socket.IO clients are tested against.
func TestEncodeEventMatchesLibraryEncoder(t *testing.T) {
	cases := []struct {
		name    string
		payload any
	}{
		{evMessageToken, tokenEvent{Text: "Hello"}},
		{evMessageToken, tokenEvent{Text: ""}},
		{evMessageToken, tokenEvent{Text: "quotes \" and \\ and \n newlines, <html> & \u2028 ✓ 密码 \x00"}},
		{evMessageToken, tokenEvent{Text: "invalid UTF-8 \xff\xfe"}},
		{evMessageToken, tokenEvent{Text: "Hi", ChatID: 7, Seq: 3}},
		{evMessageComplete, completeEvent{MessageID: 9007199254740993, FullText: "whole reply", ChatID: 7}},
		{evMessageComplete, stoppedEvent{FullText: "", ChatID: 7, Stopped: true}},
		{evError, errorEvent{Message: "No reply in progress", ChatID: 7}},
		{evError, errorEvent{Message: "AI service unavailable. Please try again later."}},
		{evVoiceProcessing, statusEvent{Status: "thinking"}},
		{evVoiceTranscribed, transcribedEvent{Text: "hi"}},
		{evVoiceResponse, audioEvent{Audio: "UklGRg==", Format: "wav"}},
		{"event with \"quotes\" <and> é", map[string]any{"nested": []any{1, "two", nil, true}}},
	}
	enc := parser.NewEncoder()
	for _, nsp := range []string{"/", "/admin"} {
		for _, c := range cases {
			want := enc.Encode(&parser.Packet{Type: parser.EVENT, Nsp: nsp, Data: []any{c.name, c.payload}})
			if len(want) != 1 {
				t.Fatalf("library encoded %q as %d buffers", c.name, len(want))
			}
			got, err := encodeEvent(nsp, c.name, c.payload)
			if err != nil {
				t.Fatalf("encodeEvent(%q): %v", c.name, err)
			}
			if string(got) != want[0].String() {
				t.Errorf("nsp %q, %q:\n got  %s\n want %s", nsp, c.name, got, want[0].String())
			}
		}
	}
}

func TestEncodeEventRefusesWhatJSONCannotHold(t *testing.T) {
	if _, err := encodeEvent("/", evMessageToken, map[string]any{"f": func() {}}); err == nil {
		t.Error("a payload JSON cannot encode gave no error")
	}
}

func BenchmarkEncodeEvent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeEvent("/", evMessageToken, tokenEvent{Text: " token"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLibraryEncoder(b *testing.B) {
	b.ReportAllocs()
	enc := parser.NewEncoder()
	for b.Loop() {
		enc.Encode(&parser.Packet{Type: parser.EVENT, Nsp: "/", Data: []any{evMessageToken, tokenEvent{Text: " token"}}})
	}
}
