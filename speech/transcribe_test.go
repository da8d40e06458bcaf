package speech

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/speech/speechtest"
)

func TestTranscribeSineWAV(t *testing.T) {
	srv := newFake(t, speechtest.Options{Transcript: "  a steady tone \n"})
	c := newClient(t, srv, func(o *Options) { o.ASRModel = "whisper-large" })
	wav := sineWAV(0.5, 440, 16000)

	text, err := c.Transcribe(context.Background(), wav, "wav")
	if err != nil {
		t.Fatal(err)
	}
	if text != "a steady tone" {
		t.Errorf("text %q, want it trimmed", text)
	}
	req := oneRequest(t, srv)
	if req.Status != 200 || req.Path != "/v1/audio/transcriptions" || req.Model != "whisper-large" ||
		req.Filename != "audio.wav" || req.ContentType != "audio/wav" || req.Fields["response_format"] != "json" {
		t.Errorf("request %+v", req)
	}
	if req.AudioBytes != len(wav) || !bytes.Equal(req.Audio, wav) {
		t.Errorf("server got %d bytes, want exactly the %d bytes of the WAV", req.AudioBytes, len(wav))
	}
}

// hello.wav was made with Debian's espeak-ng: espeak-ng -w hello.wav "hello".
func TestTranscribeSpokenFixture(t *testing.T) {
	wav, err := os.ReadFile("../testdata/audio/hello.wav")
	if err != nil {
		t.Fatal(err)
	}
	if info := checkWAV(t, wav); info.format != 1 || info.channels != 1 || info.bits != 16 {
		t.Fatalf("fixture is not 16-bit PCM mono: %+v", info)
	}
	srv := newFake(t, speechtest.Options{Transcript: "Hello."})
	text, err := newClient(t, srv, nil).Transcribe(context.Background(), wav, "wav")
	if err != nil || text != "Hello." {
		t.Fatalf("Transcribe = %q, %v", text, err)
	}
	if req := oneRequest(t, srv); req.Model != "whisper-1" || !bytes.Equal(req.Audio, wav) {
		t.Errorf("model %q, %d bytes received of %d", req.Model, req.AudioBytes, len(wav))
	}
}

func TestTranscribeFormats(t *testing.T) {
	srv := newFake(t, speechtest.Options{Transcript: "hi"})
	c := newClient(t, srv, nil)
	want := map[string]string{"webm": "audio/webm", "mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg"}
	for _, format := range AudioFormats {
		if _, err := c.Transcribe(context.Background(), []byte("not really "+format), format); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
	}
	for i, req := range srv.Requests() {
		format := AudioFormats[i]
		if req.Filename != "audio."+format || req.ContentType != want[format] {
			t.Errorf("%s: filename %q, content type %q", format, req.Filename, req.ContentType)
		}
	}
}

func TestTranscribeEmptyTranscript(t *testing.T) {
	srv := newFake(t, speechtest.Options{})
	text, err := newClient(t, srv, nil).Transcribe(context.Background(), []byte("silence"), "webm")
	if err != nil || text != "" {
		t.Fatalf("Transcribe = %q, %v; want empty text", text, err)
	}
}

func TestNoAPIKey(t *testing.T) {
	srv := speechtest.New(t, speechtest.Options{Transcript: "local"})
	c := newClient(t, srv, func(o *Options) { o.APIKey = "" })
	if text, err := c.Transcribe(context.Background(), []byte("x"), "ogg"); err != nil || text != "local" {
		t.Fatalf("Transcribe = %q, %v; want no Authorization header sent", text, err)
	}
}

func TestTrailingSlashBaseURL(t *testing.T) {
	srv := newFake(t, speechtest.Options{Transcript: "ok"})
	c := newClient(t, srv, func(o *Options) { o.BaseURL += "/" })
	if _, err := c.Transcribe(context.Background(), []byte("x"), "mp3"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Synthesize(context.Background(), "ok", "", 0); err != nil {
		t.Fatal(err)
	}
	for _, req := range srv.Requests() {
		if req.Status != 200 || strings.Contains(req.Path, "//") {
			t.Errorf("request to %q answered %d", req.Path, req.Status)
		}
	}
}

func TestTranscribeInvalidInput(t *testing.T) {
	srv := newFake(t, speechtest.Options{})
	c := newClient(t, srv, nil)
	for name, in := range map[string]struct {
		audio  []byte
		format string
	}{
		"unknown format": {[]byte("x"), "m4a"},
		"no format":      {[]byte("x"), ""},
		"empty audio":    {nil, "webm"},
		"too large":      {make([]byte, MaxAudioBytes+1), "webm"},
	} {
		_, err := c.Transcribe(context.Background(), in.audio, in.format)
		if !errors.Is(err, ErrInvalidInput) || errors.Is(err, ErrProvider) {
			t.Errorf("%s: error %v, want ErrInvalidInput only", name, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server received %d requests for invalid input", n)
	}
}

func TestTranscribeProviderFailure(t *testing.T) {
	srv := newFake(t, speechtest.Options{FailTranscribe: 500})
	_, err := newClient(t, srv, nil).Transcribe(context.Background(), []byte("x"), "webm")
	wantErr(t, err, ErrProvider)
	if msg := err.Error(); !strings.HasPrefix(msg, "speech: transcription failed: ") || !strings.Contains(msg, "status 500") {
		t.Errorf("message %q lacks the action or the status", msg)
	}
}

func TestWrongKeyIsNotLeaked(t *testing.T) {
	const wrongKey = "sk-wrong-fedcba9876543210"
	srv := newFake(t, speechtest.Options{})
	c := newClient(t, srv, func(o *Options) { o.APIKey = wrongKey })

	_, terr := c.Transcribe(context.Background(), []byte("x"), "webm")
	_, serr := c.Synthesize(context.Background(), "hello", "", 0)
	for _, err := range []error{terr, serr} {
		wantErr(t, err, ErrProvider)
		if msg := err.Error(); strings.Contains(msg, wrongKey) || strings.Contains(msg, testKey) || !strings.Contains(msg, "status 401") {
			t.Errorf("message %q leaks a key or lacks the status", msg)
		}
	}
	// The fake echoes the key it was given, so redaction was really exercised.
	if reqs := srv.Requests(); len(reqs) != 2 || reqs[0].Status != 401 || reqs[1].Status != 401 {
		t.Fatalf("requests %+v, want two answered 401", reqs)
	}
}

func TestTimeouts(t *testing.T) {
	srv := newFake(t, speechtest.Options{Delay: 5 * time.Second})
	c := newClient(t, srv, func(o *Options) {
		o.TranscribeTimeout = 50 * time.Millisecond
		o.SynthesizeTimeout = 50 * time.Millisecond
	})
	start := time.Now()
	_, terr := c.Transcribe(context.Background(), []byte("x"), "webm")
	_, serr := c.Synthesize(context.Background(), "hi", "", 0)
	for _, err := range []error{terr, serr} {
		wantErr(t, err, ErrProvider)
		wantErr(t, err, context.DeadlineExceeded)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

func TestTranscribeCancel(t *testing.T) {
	srv := newFake(t, speechtest.Options{Delay: 5 * time.Second})
	c := newClient(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Transcribe(ctx, []byte("x"), "webm")
	wantErr(t, err, context.Canceled)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned %v after cancel", d)
	}
}

func TestConcurrentCalls(t *testing.T) {
	srv := newFake(t, speechtest.Options{Transcript: "same", Delay: 20 * time.Millisecond})
	c := newClient(t, srv, nil)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			audio := sineWAV(0.05, 200+float64(i)*50, 8000)
			if text, err := c.Transcribe(context.Background(), audio, "wav"); err != nil || text != "same" {
				errs <- errors.Join(err, errors.New("transcript "+text))
			}
		})
		wg.Go(func() {
			if audio, err := c.Synthesize(context.Background(), "hello", Voices[i%len(Voices)], 1.5); err != nil || len(audio) == 0 {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(srv.Requests()); got != 2*n {
		t.Errorf("server received %d requests, want %d", got, 2*n)
	}
}
