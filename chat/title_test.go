package chat

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/amanda-platform/amanda-backend/apperr"
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
		got := Title(tc.in)
		if got != tc.want {
			t.Errorf("Title(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if n := utf8.RuneCountInString(strings.TrimSuffix(got, "...")); n > maxTitleRunes {
			t.Errorf("Title(%q) has %d characters before the ellipsis", tc.in, n)
		}
	}
}

func TestMessageText(t *testing.T) {
	if got, err := MessageText("  hi  "); err != nil || got != "hi" {
		t.Errorf("MessageText trims: %q %v", got, err)
	}
	if _, err := MessageText(" \n\t "); !apperr.Is(err, apperr.KindEmptyMessage) {
		t.Errorf("blank: %v", err)
	}
	if _, err := MessageText(strings.Repeat("a", MaxMessageBytes+1)); !apperr.Is(err, apperr.KindMessageTooLong) {
		t.Errorf("too long: %v", err)
	}
	if _, err := MessageText(strings.Repeat("a", MaxMessageBytes)); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}
