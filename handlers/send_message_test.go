package handlers

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestChatTitle(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Hello", "Hello"},
		{"  spaced   out\nmessage ", "spaced out message"},
		{strings.Repeat("a", 40), strings.Repeat("a", 40)},
		// Cut at the last word boundary within 40 characters.
		{"I keep arguing with my partner about chores and money lately", "I keep arguing with my partner about..."},
		// The 41st character is a space: the first 40 are whole words.
		{"abcdefghij abcdefghij abcdefghij abcdefg and more", "abcdefghij abcdefghij abcdefghij abcdefg..."},
		// No space to cut at: cut at 40 characters.
		{strings.Repeat("x", 50), strings.Repeat("x", 40) + "..."},
		// Counted in characters, not bytes.
		{strings.Repeat("é", 45), strings.Repeat("é", 40) + "..."},
		{"Ich fühle mich in unserer Beziehung oft übersehen und allein", "Ich fühle mich in unserer Beziehung oft..."},
	}
	for _, tc := range cases {
		got := chatTitle(tc.in)
		if got != tc.want {
			t.Errorf("chatTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if n := utf8.RuneCountInString(strings.TrimSuffix(got, "...")); n > maxTitleRunes {
			t.Errorf("chatTitle(%q) has %d characters before the ellipsis", tc.in, n)
		}
	}
}

func TestParseSendMessage(t *testing.T) {
	valid := []struct {
		arg  any
		chat int64
	}{
		{map[string]any{"chat_id": 7.0, "message": "hi"}, 7},
		{map[string]any{"chat_id": "42", "message": "hi"}, 42},
	}
	for _, tc := range valid {
		chatID, text, err := parseSendMessage([]any{tc.arg})
		if err != nil || chatID != tc.chat || text != "hi" {
			t.Errorf("parse(%v) = %d %q %v", tc.arg, chatID, text, err)
		}
	}
	invalid := []any{
		nil, "text", 5.0, []any{1.0},
		map[string]any{"chat_id": 7.0},
		map[string]any{"message": "hi"},
		map[string]any{"chat_id": 7.5, "message": "hi"},
		map[string]any{"chat_id": -1.0, "message": "hi"},
		map[string]any{"chat_id": 1e300, "message": "hi"},
		map[string]any{"chat_id": " 7", "message": "hi"},
		map[string]any{"chat_id": "0x10", "message": "hi"},
		map[string]any{"chat_id": true, "message": "hi"},
		map[string]any{"chat_id": 7.0, "message": nil},
	}
	for _, arg := range invalid {
		if _, _, err := parseSendMessage([]any{arg}); err == nil {
			t.Errorf("parse(%#v) accepted", arg)
		}
	}
	if _, _, err := parseSendMessage(nil); err == nil {
		t.Error("parse of no arguments accepted")
	}
}
