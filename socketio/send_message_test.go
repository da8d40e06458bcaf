package socketio

import "testing"

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
