package handlers

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/speech"
)

func TestDecodeAudio(t *testing.T) {
	audio := []byte("RIFF\\x00\\x01 some audio bytes!")
	for _, encoded := range []string{
		base64.StdEncoding.EncodeToString(audio),
		"data:audio/webm;base64," + base64.StdEncoding.EncodeToString(audio),
	} {
		got, msg := decodeAudio(encoded)
		if msg != "" || !bytes.Equal(got, audio) {
			t.Fatalf("decodeAudio(%q) = %q, %q", encoded, got, msg)
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
		if _, msg := decodeAudio(encoded); msg != msgInvalidAudio {
			t.Errorf("%s: %q gave %q", name, encoded, msg)
		}
	}
	tooLarge := strings.Repeat("A", (speech.MaxAudioBytes/3+1)*4)
	if _, msg := decodeAudio(tooLarge); msg != msgAudioTooLarge {
		t.Errorf("over 25 MB gave %q", msg)
	}
}
