package handlers

import (
	"context"
	"encoding/base64"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/speech"
)

// Voice event names and messages (CONTRACT.md, Socket.IO).
const (
	evSendVoiceMessage = "send_voice_message"
	evTextToSpeech     = "text_to_speech"
	evVoiceProcessing  = "voice_processing"
	evVoiceTranscribed = "voice_transcribed"
	evVoiceResponse    = "voice_response"

	msgVoiceDisabled      = "Voice features are not enabled"
	msgInvalidAudio       = "Invalid audio data"
	msgAudioFormat        = "Unsupported audio format. Use webm, mp3, wav or ogg."
	msgAudioTooLarge      = "Audio is too large (25 MB at most)"
	msgTranscribeFailed   = "Transcription failed. Please try again."
	msgTranscriptionEmpty = "Could not transcribe audio. Please try again."
	msgSpeechAfterReply   = "Text-to-speech failed. Response text is available."
	msgSpeechFailed       = "Text-to-speech failed. Please try again."
	msgNoSpeechText       = "No text provided"
	msgSpeechTextTooLong  = "Text is too long for speech (4096 characters at most)"
	msgUnknownVoice       = "Unknown voice. Use alloy, echo, fable, onyx, nova or shimmer."
	msgSpeedOutOfRange    = "Speed must be between 0.25 and 4.0"
)

// Speech is the speech provider as the voice events need it.
type Speech interface {
	Transcribe(ctx context.Context, audio []byte, format string) (string, error)
	Synthesize(ctx context.Context, text, voice string, speed float64) ([]byte, error)
	Format() string
}

type statusEvent struct {
	Status string `json:"status"`
}

type transcribedEvent struct {
	Text string `json:"text"`
}

type audioEvent struct {
	Audio  string `json:"audio"`
	Format string `json:"format"`
}

// onSendVoiceMessage: transcribe, then the same chat turn as a typed
// message, then the reply as speech.
func (a *API) onSendVoiceMessage(s *socket.Socket, user *socketUser, args []any) {
	if a.Speech == nil {
		emitError(s, msgVoiceDisabled)
		return
	}
	data, ok := eventObject(args)
	if !ok {
		emitError(s, msgInvalidMessage)
		return
	}
	chatID, okID := parseChatID(data["chat_id"])
	encoded, okAudio := data["audio"].(string)
	format, okFormat := data["format"].(string)
	if !okID || !okAudio || !okFormat {
		emitError(s, msgInvalidMessage)
		return
	}
	if !speech.ValidFormat(format) {
		emitError(s, msgAudioFormat)
		return
	}
	audio, message := decodeAudio(encoded)
	if message != "" {
		emitError(s, message)
		return
	}
	if !a.checkChat(s, user, chatID) {
		return
	}
	a.submitTurn(s, user, chatID, chatTurn{
		text: func(ctx context.Context) (string, bool) {
			return a.transcribe(ctx, s, user, audio, format)
		},
		afterReply: func(ctx context.Context, reply string) {
			_ = emit(s, evVoiceProcessing, statusEvent{Status: "synthesizing"})
			if !a.speak(s, user, reply, "", 0) {
				emitError(s, msgSpeechAfterReply)
			}
		},
	})
}

// decodeAudio decodes padded base64 audio (a data: URL prefix is
// tolerated) into one buffer of the exact size, without copying the
// multi-megabyte string first. It returns the contract's message when the
// audio is unusable; truncated or trailing-garbage base64 is, rather than
// silently losing its last bytes.
func decodeAudio(encoded string) ([]byte, string) {
	if i := strings.Index(encoded, ";base64,"); i >= 0 && strings.HasPrefix(encoded, "data:") {
		encoded = encoded[i+len(";base64,"):]
	}
	if len(encoded) == 0 || len(encoded)%4 != 0 {
		return nil, msgInvalidAudio
	}
	tail := encoded[len(encoded)-2:]
	size := len(encoded)/4*3 - (len(tail) - len(strings.TrimRight(tail, "=")))
	if size > speech.MaxAudioBytes {
		return nil, msgAudioTooLarge
	}
	audio := make([]byte, size)
	decoder := base64.NewDecoder(base64.StdEncoding, strings.NewReader(encoded))
	if _, err := io.ReadFull(decoder, audio); err != nil || size == 0 {
		return nil, msgInvalidAudio
	}
	if n, err := decoder.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return nil, msgInvalidAudio
	}
	return audio, ""
}

// transcribe runs in the chat's turn; the client leaving cancels it.
func (a *API) transcribe(ctx context.Context, s *socket.Socket, user *socketUser, audio []byte, format string) (string, bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(user.ctx, cancel)
	defer stop()

	_ = emit(s, evVoiceProcessing, statusEvent{Status: "transcribing"})
	text, err := a.Speech.Transcribe(ctx, audio, format)
	if err != nil {
		a.Logger.Warn("transcription failed", "user_id", user.UserID, "audio_bytes", len(audio), "error", err)
		emitError(s, msgTranscribeFailed)
		return "", false
	}
	text = strings.TrimSpace(text)
	if text == "" {
		emitError(s, msgTranscriptionEmpty)
		return "", false
	}
	_ = emit(s, evVoiceTranscribed, transcribedEvent{Text: text})
	_ = emit(s, evVoiceProcessing, statusEvent{Status: "thinking"})
	return text, true
}

// onTextToSpeech answers {text, voice?, speed?} with voice_response.
func (a *API) onTextToSpeech(s *socket.Socket, user *socketUser, args []any) {
	if a.Speech == nil {
		emitError(s, msgVoiceDisabled)
		return
	}
	text, voice, speed, message := parseTextToSpeech(args)
	if message != "" {
		emitError(s, message)
		return
	}
	// Off the socket's event loop: speech can take seconds.
	go func() {
		if !a.speak(s, user, text, voice, speed) {
			emitError(s, msgSpeechFailed)
		}
	}()
}

// parseTextToSpeech validates the payload; message is the contract's error.
func parseTextToSpeech(args []any) (text, voice string, speed float64, message string) {
	data, ok := eventObject(args)
	if !ok {
		return "", "", 0, msgNoSpeechText
	}
	text, _ = data["text"].(string)
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return "", "", 0, msgNoSpeechText
	case utf8.RuneCountInString(text) > speech.MaxSpeechChars:
		return "", "", 0, msgSpeechTextTooLong
	}
	if v, present := data["voice"]; present && v != nil {
		voice, ok = v.(string)
		if !ok || !speech.ValidVoice(voice) {
			return "", "", 0, msgUnknownVoice
		}
	}
	if v, present := data["speed"]; present && v != nil {
		speed, ok = v.(float64)
		if !ok || math.IsNaN(speed) || speed < speech.MinSpeed || speed > speech.MaxSpeed {
			return "", "", 0, msgSpeedOutOfRange
		}
	}
	return text, voice, speed, ""
}

// speak synthesizes text and emits it as voice_response; the client leaving
// cancels it. It reports whether the audio was sent.
func (a *API) speak(s *socket.Socket, user *socketUser, text, voice string, speed float64) bool {
	audio, err := a.Speech.Synthesize(user.ctx, text, voice, speed)
	if err != nil {
		if user.ctx.Err() == nil {
			a.Logger.Warn("speech synthesis failed", "user_id", user.UserID, "text_chars", utf8.RuneCountInString(text), "error", err)
		}
		return false
	}
	_ = emit(s, evVoiceResponse, audioEvent{Audio: base64.StdEncoding.EncodeToString(audio), Format: a.Speech.Format()})
	return true
}
