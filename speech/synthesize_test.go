package speech

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/speech/speechtest"
)

func TestSynthesize(t *testing.T) {
	audio := []byte("RIFF-fake-wav-bytes")
	srv := newFake(t, speechtest.Options{Audio: audio})
	c := newClient(t, srv, func(o *Options) { o.TTSModel = "tts-1-hd"; o.TTSFormat = "wav" })

	got, err := c.Synthesize(context.Background(), "Olá, mundo", "shimmer", 1.25)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, audio) {
		t.Errorf("audio %q, want %q", got, audio)
	}
	req := oneRequest(t, srv)
	want := map[string]any{"model": "tts-1-hd", "input": "Olá, mundo", "voice": "shimmer", "speed": 1.25, "response_format": "wav"}
	if req.Status != 200 || req.Path != "/v1/audio/speech" || req.Model != "tts-1-hd" || len(req.JSON) != len(want) {
		t.Fatalf("request %+v", req)
	}
	for k, v := range want {
		if req.JSON[k] != v {
			t.Errorf("JSON %s = %v, want %v", k, req.JSON[k], v)
		}
	}
}

func TestSynthesizeDefaults(t *testing.T) {
	srv := newFake(t, speechtest.Options{})
	got, err := newClient(t, srv, nil).Synthesize(context.Background(), "hi", "", 0)
	if err != nil || !bytes.Equal(got, speechtest.DefaultAudio) {
		t.Fatalf("Synthesize = %q, %v", got, err)
	}
	req := oneRequest(t, srv)
	if req.JSON["voice"] != "nova" || req.JSON["speed"] != 1.0 || req.JSON["model"] != "tts-1" || req.JSON["response_format"] != "mp3" {
		t.Errorf("JSON %v, want the defaults", req.JSON)
	}
}

func TestSynthesizeLongestInput(t *testing.T) {
	srv := newFake(t, speechtest.Options{})
	text := strings.Repeat("é", MaxSpeechChars) // 2 bytes each: the limit counts characters
	if _, err := newClient(t, srv, nil).Synthesize(context.Background(), text, "", 0); err != nil {
		t.Fatal(err)
	}
}

func TestSynthesizeInvalidInput(t *testing.T) {
	srv := newFake(t, speechtest.Options{})
	c := newClient(t, srv, nil)
	for name, in := range map[string]struct {
		text, voice string
		speed       float64
	}{
		"empty text":      {"", "", 0},
		"blank text":      {" \n\t", "", 0},
		"too long":        {strings.Repeat("a", MaxSpeechChars+1), "", 0},
		"unknown voice":   {"hi", "robot", 0},
		"voice case":      {"hi", "Nova", 0},
		"too slow":        {"hi", "", 0.2},
		"too fast":        {"hi", "", 4.01},
		"negative speed":  {"hi", "", -1},
		"NaN speed":       {"hi", "", math.NaN()},
		"infinite speed":  {"hi", "", math.Inf(1)},
		"long and silent": {strings.Repeat(" ", MaxSpeechChars+1), "", 0},
	} {
		_, err := c.Synthesize(context.Background(), in.text, in.voice, in.speed)
		if !errors.Is(err, ErrInvalidInput) || errors.Is(err, ErrProvider) {
			t.Errorf("%s: error %v, want ErrInvalidInput only", name, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server received %d requests for invalid input", n)
	}
}

func TestSynthesizeSpeedLimits(t *testing.T) {
	srv := newFake(t, speechtest.Options{})
	c := newClient(t, srv, nil)
	for _, speed := range []float64{MinSpeed, MaxSpeed} {
		if _, err := c.Synthesize(context.Background(), "hi", "", speed); err != nil {
			t.Errorf("speed %v: %v", speed, err)
		}
	}
}

func TestSynthesizeProviderFailure(t *testing.T) {
	srv := newFake(t, speechtest.Options{FailSynthesize: 503})
	_, err := newClient(t, srv, nil).Synthesize(context.Background(), "hi", "", 0)
	wantErr(t, err, ErrProvider)
	if msg := err.Error(); !strings.HasPrefix(msg, "speech: synthesis failed: ") || !strings.Contains(msg, "status 503") {
		t.Errorf("message %q lacks the action or the status", msg)
	}
}

func TestSynthesizeEmptyAnswer(t *testing.T) {
	srv := newFake(t, speechtest.Options{Audio: []byte{}})
	_, err := newClient(t, srv, nil).Synthesize(context.Background(), "hi", "", 0)
	wantErr(t, err, ErrProvider)
}

func TestSynthesizeUnreachable(t *testing.T) {
	c, err := New(Options{BaseURL: "http://127.0.0.1:1/v1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Synthesize(context.Background(), "hi", "", 0)
	wantErr(t, err, ErrProvider)
}
