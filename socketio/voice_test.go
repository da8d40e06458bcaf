package socketio

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/metrics"
	"github.com/amanda-platform/amanda-backend/speech"
)

// decodeAudio parses and decodes, as a voice event does.
func decodeAudio(encoded string) ([]byte, error) {
	audio, err := parseAudio(encoded)
	if err != nil {
		return nil, err
	}
	return audio.decode()
}

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

func TestAudioOverTheBudgetIsRefusedBeforeDecoding(t *testing.T) {
	audio := bytes.Repeat([]byte("a"), 300)
	encoded, err := parseAudio(base64.StdEncoding.EncodeToString(audio))
	if err != nil {
		t.Fatal(err)
	}
	held := int64(len(encoded.text) + encoded.size) // 400 + 300
	s := &Server{audio: newAudioBudget(held+100, metrics.New())}

	got, err := s.decodeWithinBudget(encoded)
	if err != nil || !bytes.Equal(got, audio) {
		t.Fatalf("within the budget: %v", err)
	}
	// The received text is given back at once, the decoded audio is held.
	if used := s.audio.used.Load(); used != int64(encoded.size) {
		t.Fatalf("%d bytes held after decoding, want %d", used, encoded.size)
	}
	if _, err := s.decodeWithinBudget(encoded); !apperr.Is(err, apperr.KindServerBusy) {
		t.Fatalf("over the budget: %v", err)
	}
	s.audio.release(int64(encoded.size))
	if used := s.audio.used.Load(); used != 0 {
		t.Fatalf("%d bytes still held", used)
	}
	bad, _ := parseAudio("AAA=AAAA")
	if _, err := s.decodeWithinBudget(bad); !apperr.Is(err, apperr.KindInvalidAudio) || s.audio.used.Load() != 0 {
		t.Fatalf("invalid audio: %v, %d bytes held", err, s.audio.used.Load())
	}
}
