package socketio

import (
	"context"
	"encoding/base64"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/speech"
)

// Speech is the speech provider as the voice events need it.
type Speech interface {
	Transcribe(ctx context.Context, audio []byte, format string) (string, error)
	Synthesize(ctx context.Context, text, voice string, speed float64) ([]byte, error)
	Format() string
}

// onSendVoiceMessage: transcribe, then the same chat turn as a typed
// message, then the reply as speech.
func (s *Server) onSendVoiceMessage(sock *socket.Socket, user *socketUser, args []any) {
	chatID, encoded, format, err := s.parseVoiceMessage(args)
	var audio []byte
	if err == nil {
		audio, err = s.decodeWithinBudget(encoded)
	}
	// The decoded audio stays in the budget until the turn has transcribed it.
	held := int64(len(audio))
	if err == nil {
		err = s.Chat.CheckChat(user.ctx, user.UserID, chatID)
	}
	if err == nil {
		err = s.Chat.Submit(chat.Turn{
			UserID: user.UserID, ChatID: chatID, Sink: newSink(sock, chatID), Origin: string(sock.Id()),
			Text: func(ctx context.Context) (string, error) {
				defer func() {
					audio = nil // the rest of the turn needs only the text
					s.audio.release(held)
				}()
				return s.transcribe(ctx, sock, user, audio, format)
			},
			AfterReply: func(ctx context.Context, reply string) {
				_ = emit(sock, evVoiceProcessing, statusEvent{Status: "synthesizing"})
				if !s.speak(user, sock, reply, "", 0) {
					emitError(sock, apperr.New(apperr.KindSpeechAfterReply))
				}
			},
		})
	}
	if err != nil {
		s.audio.release(held)
		s.refuse(sock, chatID, err)
	}
}

// parseVoiceMessage reads {chat_id, audio, format}.
func (s *Server) parseVoiceMessage(args []any) (chatID int64, audio encodedAudio, format string, err error) {
	if s.Speech == nil {
		return 0, audio, "", apperr.New(apperr.KindVoiceDisabled)
	}
	data, ok := eventObject(args)
	if !ok {
		return 0, audio, "", invalidMessage
	}
	chatID, okID := parseChatID(data["chat_id"])
	text, okAudio := data["audio"].(string)
	format, okFormat := data["format"].(string)
	if !okID || !okAudio || !okFormat {
		return 0, audio, "", invalidMessage
	}
	if !speech.ValidFormat(format) {
		return 0, audio, "", apperr.New(apperr.KindAudioFormat)
	}
	audio, err = parseAudio(text)
	return chatID, audio, format, err
}

// decodeWithinBudget decodes the audio if the budget holds it: the text
// received and the audio decoded from it, both in memory while it decodes.
// Over the budget it is KindServerBusy, before anything is allocated.
func (s *Server) decodeWithinBudget(encoded encodedAudio) ([]byte, error) {
	received, decoded := int64(len(encoded.text)), int64(encoded.size)
	if !s.audio.reserve(received + decoded) {
		return nil, apperr.New(apperr.KindServerBusy)
	}
	defer s.audio.release(received) // the event's text is dropped once the handler returns
	audio, err := encoded.decode()
	if err != nil {
		s.audio.release(decoded)
	}
	return audio, err
}

// encodedAudio is padded base64 audio with the size it decodes to.
type encodedAudio struct {
	text string
	size int
}

// parseAudio checks base64 audio (a data: URL prefix is tolerated) and
// sizes it without decoding: unusable audio is KindInvalidAudio, audio
// over 25 MB KindAudioTooLarge.
func parseAudio(encoded string) (encodedAudio, error) {
	if i := strings.Index(encoded, ";base64,"); i >= 0 && strings.HasPrefix(encoded, "data:") {
		encoded = encoded[i+len(";base64,"):]
	}
	if len(encoded) == 0 || len(encoded)%4 != 0 {
		return encodedAudio{}, apperr.New(apperr.KindInvalidAudio)
	}
	tail := encoded[len(encoded)-2:]
	size := len(encoded)/4*3 - (len(tail) - len(strings.TrimRight(tail, "=")))
	if size > speech.MaxAudioBytes {
		return encodedAudio{}, apperr.New(apperr.KindAudioTooLarge)
	}
	if size == 0 {
		return encodedAudio{}, apperr.New(apperr.KindInvalidAudio)
	}
	return encodedAudio{text: encoded, size: size}, nil
}

// decode decodes into one buffer of the exact size, without copying the
// multi-megabyte string first. Truncated or trailing-garbage base64 is
// KindInvalidAudio, rather than silently losing its last bytes.
func (e encodedAudio) decode() ([]byte, error) {
	audio := make([]byte, e.size)
	decoder := base64.NewDecoder(base64.StdEncoding, strings.NewReader(e.text))
	if _, err := io.ReadFull(decoder, audio); err != nil {
		return nil, apperr.New(apperr.KindInvalidAudio)
	}
	if n, err := decoder.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return nil, apperr.New(apperr.KindInvalidAudio)
	}
	return audio, nil
}

// transcribe runs in the chat's turn; the client leaving cancels it.
func (s *Server) transcribe(ctx context.Context, sock *socket.Socket, user *socketUser, audio []byte, format string) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(user.ctx, cancel)
	defer stop()

	_ = emit(sock, evVoiceProcessing, statusEvent{Status: "transcribing"})
	text, err := s.Speech.Transcribe(ctx, audio, format)
	if err != nil {
		s.Logger.Warn("transcription failed", "user_id", user.UserID, "audio_bytes", len(audio), "error", err)
		return "", apperr.Wrap(apperr.KindTranscribeFailed, err)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", apperr.New(apperr.KindTranscriptionEmpty)
	}
	_ = emit(sock, evVoiceTranscribed, transcribedEvent{Text: text})
	_ = emit(sock, evVoiceProcessing, statusEvent{Status: "thinking"})
	return text, nil
}

// onTextToSpeech answers {text, voice?, speed?} with voice_response.
func (s *Server) onTextToSpeech(sock *socket.Socket, user *socketUser, args []any) {
	if s.Speech == nil {
		emitError(sock, apperr.New(apperr.KindVoiceDisabled))
		return
	}
	text, voice, speed, err := parseTextToSpeech(args)
	if err != nil {
		emitError(sock, err)
		return
	}
	// Off the socket's event loop: speech can take seconds.
	go func() {
		if !s.speak(user, sock, text, voice, speed) {
			emitError(sock, apperr.New(apperr.KindSpeechFailed))
		}
	}()
}

// parseTextToSpeech validates the payload.
func parseTextToSpeech(args []any) (text, voice string, speed float64, err error) {
	fail := func(kind apperr.Kind) (string, string, float64, error) { return "", "", 0, apperr.New(kind) }
	data, ok := eventObject(args)
	if !ok {
		return fail(apperr.KindNoSpeechText)
	}
	text, _ = data["text"].(string)
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return fail(apperr.KindNoSpeechText)
	case utf8.RuneCountInString(text) > speech.MaxSpeechChars:
		return fail(apperr.KindSpeechTextTooLong)
	}
	if v, present := data["voice"]; present && v != nil {
		voice, ok = v.(string)
		if !ok || !speech.ValidVoice(voice) {
			return fail(apperr.KindUnknownVoice)
		}
	}
	if v, present := data["speed"]; present && v != nil {
		speed, ok = v.(float64)
		if !ok || math.IsNaN(speed) || speed < speech.MinSpeed || speed > speech.MaxSpeed {
			return fail(apperr.KindSpeedOutOfRange)
		}
	}
	return text, voice, speed, nil
}

// speak synthesizes text and emits it as voice_response; the client leaving
// cancels it. It reports whether the audio was sent.
func (s *Server) speak(user *socketUser, sock *socket.Socket, text, voice string, speed float64) bool {
	audio, err := s.Speech.Synthesize(user.ctx, text, voice, speed)
	if err != nil {
		if user.ctx.Err() == nil {
			s.Logger.Warn("speech synthesis failed", "user_id", user.UserID, "text_chars", utf8.RuneCountInString(text), "error", err)
		}
		return false
	}
	_ = emit(sock, evVoiceResponse, audioEvent{Audio: base64.StdEncoding.EncodeToString(audio), Format: s.Speech.Format()})
	return true
}
