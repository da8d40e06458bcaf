package speechtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const key = "sk-fake"

// post sends body to srv.URL+path with the right key unless auth is given.
func post(t *testing.T, srv *Server, path, contentType string, body []byte, auth ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+key)
	if len(auth) > 0 {
		req.Header.Set("Authorization", auth[0])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// form builds a multipart body; a file part is added when filename is not "-".
func form(t *testing.T, filename string, audio []byte, fields ...string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	if filename != "-" {
		fw, _ := w.CreateFormFile("file", filename)
		fw.Write(audio)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func speechJSON(t *testing.T, edit func(map[string]any)) []byte {
	t.Helper()
	m := map[string]any{"model": "tts-1", "input": "hi", "voice": "nova", "speed": 1, "response_format": "mp3"}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return b
}

func TestTranscriptionChecks(t *testing.T) {
	srv := New(t, Options{APIKey: key, Transcript: "hello"})
	for _, c := range []struct {
		name     string
		filename string
		audio    []byte
		fields   []string
		want     int
	}{
		{"ok", "a.webm", []byte("x"), []string{"model", "whisper-1"}, 200},
		{"upper-case extension", "a.M4A", []byte("x"), []string{"model", "whisper-1"}, 200},
		{"no file", "-", nil, []string{"model", "whisper-1"}, 400},
		{"bad extension", "a.txt", []byte("x"), []string{"model", "whisper-1"}, 400},
		{"no extension", "audio", []byte("x"), []string{"model", "whisper-1"}, 400},
		{"empty file", "a.wav", nil, []string{"model", "whisper-1"}, 400},
		{"no model", "a.wav", []byte("x"), nil, 400},
		{"empty model", "a.wav", []byte("x"), []string{"model", ""}, 400},
		{"bad response_format", "a.wav", []byte("x"), []string{"model", "m", "response_format", "xml"}, 400},
	} {
		body, ct := form(t, c.filename, c.audio, c.fields...)
		if got, b := post(t, srv, "/audio/transcriptions", ct, body); got != c.want {
			t.Errorf("%s: status %d (%s), want %d", c.name, got, b, c.want)
		}
	}
	if got, _ := post(t, srv, "/audio/transcriptions", "application/json", []byte(`{}`)); got != 400 {
		t.Errorf("JSON body: status %d, want 400", got)
	}
	body, ct := form(t, "a.ogg", []byte("x"), "model", "m", "response_format", "text")
	if got, b := post(t, srv, "/audio/transcriptions", ct, body); got != 200 || string(b) != "hello" {
		t.Errorf("text format: %d %q", got, b)
	}
}

// Served in process with only a declared size: sending over 25 MB, even
// over loopback, is slow.
func TestTranscriptionTooLarge(t *testing.T) {
	srv := New(t, Options{APIKey: key})
	body, ct := form(t, "a.wav", []byte("x"), "model", "m")
	req := httptest.NewRequest(http.MethodPost, "/v1/audio/transcriptions", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+key)
	req.ContentLength = maxFormBytes + 1
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.Code)
	}
}

func TestTranscriptionRecorded(t *testing.T) {
	srv := New(t, Options{APIKey: key})
	body, ct := form(t, "clip.mp3", []byte("abc"), "model", "whisper-1", "language", "pt")
	if got, b := post(t, srv, "/audio/transcriptions", ct, body); got != 200 || string(b) != `{"text":""}` {
		t.Fatalf("status %d, body %s", got, b)
	}
	r := srv.Requests()[0]
	if r.Method != "POST" || r.Path != "/v1/audio/transcriptions" || r.Status != 200 || r.Model != "whisper-1" ||
		r.Filename != "clip.mp3" || r.ContentType != "application/octet-stream" || r.AudioBytes != 3 || r.Fields["language"] != "pt" {
		t.Errorf("recorded %+v", r)
	}
}

func TestSpeechChecks(t *testing.T) {
	srv := New(t, Options{APIKey: key, Audio: []byte("flac!")})
	for _, c := range []struct {
		name string
		edit func(map[string]any)
		want int
	}{
		{"ok", nil, 200},
		{"optional fields absent", func(m map[string]any) { delete(m, "speed"); delete(m, "response_format") }, 200},
		{"4096 characters", func(m map[string]any) { m["input"] = strings.Repeat("ü", 4096) }, 200},
		{"4097 characters", func(m map[string]any) { m["input"] = strings.Repeat("a", 4097) }, 400},
		{"empty input", func(m map[string]any) { m["input"] = "" }, 400},
		{"numeric input", func(m map[string]any) { m["input"] = 5 }, 400},
		{"no model", func(m map[string]any) { delete(m, "model") }, 400},
		{"unknown voice", func(m map[string]any) { m["voice"] = "robot" }, 400},
		{"no voice", func(m map[string]any) { delete(m, "voice") }, 400},
		{"slow", func(m map[string]any) { m["speed"] = 0.2 }, 400},
		{"fast", func(m map[string]any) { m["speed"] = 4.5 }, 400},
		{"string speed", func(m map[string]any) { m["speed"] = "1" }, 400},
		{"unknown format", func(m map[string]any) { m["response_format"] = "ogg" }, 400},
	} {
		if got, b := post(t, srv, "/audio/speech", "application/json", speechJSON(t, c.edit)); got != c.want {
			t.Errorf("%s: status %d (%s), want %d", c.name, got, b, c.want)
		}
	}
	if got, _ := post(t, srv, "/audio/speech", "application/json", []byte("{")); got != 400 {
		t.Errorf("broken JSON: status %d, want 400", got)
	}
	if got, _ := post(t, srv, "/audio/speech", "text/plain", speechJSON(t, nil)); got != 400 {
		t.Errorf("text/plain: status %d, want 400", got)
	}
	got, b := post(t, srv, "/audio/speech", "application/json", speechJSON(t, func(m map[string]any) { m["response_format"] = "flac" }))
	if got != 200 || string(b) != "flac!" {
		t.Errorf("audio answer %d %q", got, b)
	}
}

func TestRoutingAndAuth(t *testing.T) {
	srv := New(t, Options{APIKey: key})
	body := speechJSON(t, nil)
	if got, _ := post(t, srv, "/audio/translations", "application/json", body); got != 404 {
		t.Errorf("unknown path: status %d, want 404", got)
	}
	resp, err := http.Get(srv.URL + "/audio/speech")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
	for _, auth := range []string{"", "Bearer", "Bearer sk-other", "sk-fake", "Basic c2stZmFrZQ=="} {
		got, b := post(t, srv, "/audio/speech", "application/json", body, auth)
		var e struct {
			Error struct{ Message, Type string }
		}
		if got != 401 || json.Unmarshal(b, &e) != nil || e.Error.Type != "invalid_request_error" || e.Error.Message == "" {
			t.Errorf("Authorization %q: status %d, body %s", auth, got, b)
		}
	}
}

func TestNoKeyExpected(t *testing.T) {
	srv := New(t, Options{})
	if got, _ := post(t, srv, "/audio/speech", "application/json", speechJSON(t, nil), ""); got != 200 {
		t.Errorf("no Authorization: status %d, want 200", got)
	}
	if got, _ := post(t, srv, "/audio/speech", "application/json", speechJSON(t, nil), "Bearer x"); got != 401 {
		t.Errorf("unexpected Authorization: status %d, want 401", got)
	}
}

func TestForcedFailures(t *testing.T) {
	srv := New(t, Options{APIKey: key, FailTranscribe: 500, FailSynthesize: 429})
	body, ct := form(t, "a.wav", []byte("x"), "model", "m")
	if got, b := post(t, srv, "/audio/transcriptions", ct, body); got != 500 || !strings.Contains(string(b), "server_error") {
		t.Errorf("transcription: %d %s", got, b)
	}
	if got, _ := post(t, srv, "/audio/speech", "application/json", speechJSON(t, nil)); got != 429 {
		t.Errorf("speech: status %d, want 429", got)
	}
}

func TestDelayEndsWithClient(t *testing.T) {
	srv := New(t, Options{APIKey: key, Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/audio/speech", bytes.NewReader(speechJSON(t, nil)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("answer despite a one minute delay")
	}
	// Recorded before the delay, so a client that gave up still finds it.
	if r := srv.Requests(); len(r) != 1 || r[0].Status != 200 {
		t.Errorf("requests %+v", r)
	}
}
