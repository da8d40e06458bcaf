package server_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/server/servertest"
	"github.com/amanda-platform/amanda-backend/speech/speechtest"
)

const testSpeechKey = "sk-test-voice"

// startVoiceServer runs the service with a fake model and a fake speech API.
func startVoiceServer(t *testing.T, opts speechtest.Options) (*servertest.Server, *speechtest.Server) {
	opts.APIKey = testSpeechKey
	api := speechtest.New(t, opts)
	srv := startChatServer(t, fakeai.Options{Tokens: fakeTokens}, func(c *server.Config) {
		c.OpenAIAPIKey, c.OpenAIBaseURL = testSpeechKey, api.URL
	})
	return srv, api
}

// recording is a real audio file: "hello" spoken by espeak-ng.
func recording(t *testing.T) []byte {
	audio, err := os.ReadFile("../testdata/audio/hello.wav")
	if err != nil {
		t.Fatal(err)
	}
	return audio
}

// names lists the event names in order.
func names(events []sioEvent) string {
	var out []string
	for _, e := range events {
		if e.Event != "message_token" || (len(out) > 0 && out[len(out)-1] != "message_token") {
			out = append(out, e.Event)
		}
	}
	return strings.Join(out, " ")
}

func TestVoiceMessageRoundTrip(t *testing.T) {
	const transcript = "I feel unheard when we talk"
	srv, api := startVoiceServer(t, speechtest.Options{Transcript: "  " + transcript + " "})
	for name, tr := range transports {
		t.Run(name, func(t *testing.T) {
			u := newChatUser(t, srv, "voice-"+name+"@example.com")
			c := newSIOClient(t)
			c.mustConnect(srv, u.cookie, tr...)
			audio := recording(t)
			c.emit("send_voice_message", map[string]any{"chat_id": u.chatID, "audio": base64.StdEncoding.EncodeToString(audio), "format": "wav"})
			events := c.until("voice_response")

			want := "voice_processing voice_transcribed voice_processing message_token message_complete voice_processing voice_response"
			if got := names(events); got != want {
				t.Fatalf("events %q\nwant   %q", got, want)
			}
			statuses := []string{}
			for _, e := range events {
				if e.Event == "voice_processing" {
					statuses = append(statuses, e.field(t, "status").(string))
				}
			}
			if strings.Join(statuses, ",") != "transcribing,thinking,synthesizing" {
				t.Fatalf("statuses %v", statuses)
			}
			if got := events[1].field(t, "text"); got != transcript {
				t.Fatalf("voice_transcribed %q", got)
			}
			reply := fakeai.Reply(transcript, fakeTokens)
			if got := strings.Join(tokensOf(t, events), ""); got != reply {
				t.Fatalf("reply %q", got)
			}
			last := events[len(events)-1]
			spoken, err := base64.StdEncoding.DecodeString(last.field(t, "audio").(string))
			if err != nil || !bytes.Equal(spoken, speechtest.DefaultAudio) || last.field(t, "format") != "mp3" {
				t.Fatalf("voice_response: %v %v", err, last.field(t, "format"))
			}

			stored := u.storedMessages(t)
			if len(stored) != 2 || stored[0]["content"] != transcript || stored[1]["content"] != reply {
				t.Fatalf("stored %v", stored)
			}
			// The provider got the recording byte for byte, and the reply as speech.
			reqs := api.Requests()
			asr, tts := reqs[len(reqs)-2], reqs[len(reqs)-1]
			if !bytes.Equal(asr.Audio, audio) || asr.Filename != "audio.wav" || asr.Model != "whisper-1" {
				t.Fatalf("transcription request: %s %q %d bytes", asr.Model, asr.Filename, asr.AudioBytes)
			}
			if tts.JSON["input"] != reply || tts.JSON["voice"] != "nova" || tts.JSON["model"] != "tts-1" {
				t.Fatalf("speech request: %v", tts.JSON)
			}
		})
	}
}

func TestVoiceErrors(t *testing.T) {
	srv, api := startVoiceServer(t, speechtest.Options{Transcript: "hello"})
	u := newChatUser(t, srv, "voice-errors@example.com")
	other := newChatUser(t, srv, "voice-other@example.com")
	c := u.socket(t)
	audio := base64.StdEncoding.EncodeToString(recording(t))

	cases := []struct {
		name string
		data any
		msg  string
	}{
		{"not an object", "audio", "Invalid message data"},
		{"missing audio", map[string]any{"chat_id": u.chatID, "format": "wav"}, "Invalid message data"},
		{"missing format", map[string]any{"chat_id": u.chatID, "audio": audio}, "Invalid message data"},
		{"unknown format", map[string]any{"chat_id": u.chatID, "audio": audio, "format": "flac"}, "Unsupported audio format. Use webm, mp3, wav or ogg."},
		{"invalid base64", map[string]any{"chat_id": u.chatID, "audio": "not base64 at all!", "format": "wav"}, "Invalid audio data"},
		{"empty audio", map[string]any{"chat_id": u.chatID, "audio": "", "format": "wav"}, "Invalid audio data"},
		{"over 25 MB", map[string]any{"chat_id": u.chatID, "audio": strings.Repeat("AAAA", (25<<20)/3+8), "format": "webm"}, "Audio is too large (25 MB at most)"},
		{"unknown chat", map[string]any{"chat_id": 999999, "audio": audio, "format": "wav"}, "Chat not found"},
		{"another user's chat", map[string]any{"chat_id": other.chatID, "audio": audio, "format": "wav"}, "Access denied"},
		{"tts without text", map[string]any{"voice": "nova"}, "No text provided"},
		{"tts blank text", map[string]any{"text": "   "}, "No text provided"},
		{"tts text too long", map[string]any{"text": strings.Repeat("é", 4097)}, "Text is too long for speech (4096 characters at most)"},
		{"tts unknown voice", map[string]any{"text": "hi", "voice": "bob"}, "Unknown voice. Use alloy, echo, fable, onyx, nova or shimmer."},
		{"tts speed too high", map[string]any{"text": "hi", "speed": 4.5}, "Speed must be between 0.25 and 4.0"},
		{"tts speed not a number", map[string]any{"text": "hi", "speed": "fast"}, "Speed must be between 0.25 and 4.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			event := "send_voice_message"
			if strings.HasPrefix(tc.name, "tts") {
				event = "text_to_speech"
			}
			c.emit(event, tc.data)
			e := c.next()
			if e.Event != "error" || e.field(t, "message") != tc.msg {
				t.Fatalf("got %s %s, want error %q", e.Event, e.Data, tc.msg)
			}
		})
	}
	if n := len(api.Requests()); n != 0 {
		t.Fatalf("invalid input reached the speech API %d times", n)
	}
	if n := len(u.storedMessages(t)); n != 0 {
		t.Fatalf("rejected voice messages stored %d messages", n)
	}

	// The connection survived the 33 MB message, and speech works.
	c.emit("text_to_speech", map[string]any{"text": "Take a breath.", "voice": "alloy", "speed": 1.25})
	e := c.next()
	if e.Event != "voice_response" || e.field(t, "format") != "mp3" {
		t.Fatalf("text_to_speech: %s %s", e.Event, e.Data)
	}
	if req := api.Requests()[0]; req.JSON["input"] != "Take a breath." || req.JSON["voice"] != "alloy" || req.JSON["speed"] != 1.25 {
		t.Fatalf("speech request %v", req.JSON)
	}
}

func TestVoiceProviderFailures(t *testing.T) {
	t.Run("empty transcription", func(t *testing.T) {
		srv, _ := startVoiceServer(t, speechtest.Options{Transcript: ""})
		expectVoiceError(t, srv, "Could not transcribe audio. Please try again.", 0)
	})
	t.Run("transcription fails", func(t *testing.T) {
		srv, _ := startVoiceServer(t, speechtest.Options{FailTranscribe: 500})
		expectVoiceError(t, srv, "Transcription failed. Please try again.", 0)
	})
	t.Run("synthesis fails after the reply", func(t *testing.T) {
		srv, _ := startVoiceServer(t, speechtest.Options{Transcript: "are we okay?", FailSynthesize: 503})
		expectVoiceError(t, srv, "Text-to-speech failed. Response text is available.", 2)
	})
}

// expectVoiceError sends a recording and expects the error after any
// reply, with stored messages in the chat afterwards.
func expectVoiceError(t *testing.T, srv *servertest.Server, msg string, stored int) {
	t.Helper()
	u := newChatUser(t, srv, "voice-fail@example.com")
	c := u.socket(t)
	c.emit("send_voice_message", map[string]any{"chat_id": u.chatID, "audio": base64.StdEncoding.EncodeToString(recording(t)), "format": "wav"})
	events := c.until("error")
	if got := events[len(events)-1].field(t, "message"); got != msg {
		t.Fatalf("error %q, want %q (events: %s)", got, msg, names(events))
	}
	if stored > 0 && !strings.Contains(names(events), "message_complete") {
		t.Fatalf("the text reply was not delivered before the speech error: %s", names(events))
	}
	if n := len(u.storedMessages(t)); n != stored {
		t.Fatalf("stored %d messages, want %d", n, stored)
	}
}

func TestVoiceDisabled(t *testing.T) {
	u, c := chatSocket(t, "novoice@example.com", fakeai.Options{Tokens: fakeTokens})
	for _, event := range []string{"send_voice_message", "text_to_speech"} {
		c.emit(event, map[string]any{"chat_id": u.chatID, "audio": "AAAA", "format": "wav", "text": "hi"})
		if e := c.next(); e.Event != "error" || e.field(t, "message") != "Voice features are not enabled" {
			t.Fatalf("%s: %s %s", event, e.Event, e.Data)
		}
	}
}
