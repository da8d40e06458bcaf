package speech

import (
	"strings"
	"testing"
	"time"
)

func TestNewDefaults(t *testing.T) {
	c, err := New(Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Client{
		baseURL: "https://api.openai.com/v1", asrModel: "whisper-1", ttsModel: "tts-1",
		ttsVoice: "nova", ttsFormat: "mp3", transcribeTimeout: time.Minute, synthesizeTimeout: time.Minute,
	}
	got := *c
	got.http = nil
	if got != want {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
	if c.http == nil || c.Format() != "mp3" {
		t.Errorf("http client %v, Format %q", c.http, c.Format())
	}
}

func TestNewTrimsTrailingSlash(t *testing.T) {
	c, err := New(Options{BaseURL: "http://localhost:8080/v1//", TTSFormat: "wav"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.baseURL != "http://localhost:8080/v1" || c.Format() != "wav" {
		t.Errorf("baseURL %q, Format %q", c.baseURL, c.Format())
	}
}

func TestNewRejects(t *testing.T) {
	for name, opts := range map[string]Options{
		"ftp base URL":     {BaseURL: "ftp://example.com/v1"},
		"relative URL":     {BaseURL: "api.openai.com/v1"},
		"no host":          {BaseURL: "http:///v1"},
		"unparseable URL":  {BaseURL: "http://[::1/v1"},
		"query in URL":     {BaseURL: "https://example.com/v1?x=1"},
		"unknown voice":    {TTSVoice: "robot"},
		"unknown format":   {TTSFormat: "ogg"},
		"negative timeout": {TranscribeTimeout: -time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(opts, nil)
			if err == nil || !strings.HasPrefix(err.Error(), "speech: invalid options: ") {
				t.Fatalf("New(%+v) = %v, want an invalid options error", opts, err)
			}
		})
	}
}

func TestValidators(t *testing.T) {
	for _, v := range Voices {
		if !ValidVoice(v) {
			t.Errorf("ValidVoice(%q) = false", v)
		}
	}
	for _, f := range AudioFormats {
		if !ValidFormat(f) {
			t.Errorf("ValidFormat(%q) = false", f)
		}
	}
	for _, s := range []string{"", "Nova", "m4a", "WEBM"} {
		if ValidVoice(s) || ValidFormat(s) {
			t.Errorf("%q accepted", s)
		}
	}
}
