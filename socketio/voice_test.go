package socketio

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/speech"
)

func TestDecodeAudio(t *testing.T) {
	audio := []byte("RIFF\\x00\\x01 some audio bytes!")
	for _, encoded := range []string{
		base64.StdEncoding.EncodeToString(audio),
		"data:audio/webm;base64," + base64.StdEncoding.EncodeToString(audio),
	} {
		got, err := decodeAudio(encoded)
		if err != nil || !bytes.Equal(got, audio) {
			t.Fatalf("decodeAudio(%q) = %q, %v", encoded, got, err)
		}
		if cap(got) != len(audio) {
			t.Fatalf("buffer of %d bytes for %d of audio", cap(got), len(audio))
		}
	}
	valid := base64.StdEncoding.EncodeToString(audio)
	for name, encoded := range map[string]string{
		"empty":          "",
		"truncated":      valid[:len(valid)-2],
		"unpadded":       base64.RawStdEncoding.EncodeToString([]byte("ab")),
		"not base64":     "not base64 at all!!!",
		"padding midway": "AA==AAAA",
		"only padding":   "====",
	} {
		if _, err := decodeAudio(encoded); !apperr.Is(err, apperr.KindInvalidAudio) {
			t.Errorf("%s: %q gave %v", name, encoded, err)
		}
	}
	tooLarge := strings.Repeat("A", (speech.MaxAudioBytes/3+1)*4)
	if _, err := decodeAudio(tooLarge); !apperr.Is(err, apperr.KindAudioTooLarge) {
		t.Errorf("over 25 MB gave %v", err)
	}
}
