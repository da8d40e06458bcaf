package chat

import (
	"strings"
	"unicode"
)

// maxTitleRunes is the longest title cut from a first message.
const maxTitleRunes = 40

// Title cuts a first message to a chat title: at most 40 characters, at a
// word boundary where there is one, then "...".
func Title(message string) string {
	runes := []rune(strings.Join(strings.Fields(message), " "))
	if len(runes) <= maxTitleRunes {
		return string(runes)
	}
	cut := runes[:maxTitleRunes]
	if i := lastSpace(cut); i > 0 && !unicode.IsSpace(runes[maxTitleRunes]) {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(string(cut), unicode.IsSpace) + "..."
}

func lastSpace(runes []rune) int {
	for i := len(runes) - 1; i >= 0; i-- {
		if unicode.IsSpace(runes[i]) {
			return i
		}
	}
	return -1
}
