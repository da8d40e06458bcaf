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
	chatID, audio, format, err := s.parseVoiceMessage(args)
	if err == nil {
		err = s.Chat.CheckChat(user.ctx, user.UserID, chatID)
	}
	if err == nil {
		err = s.Chat.Submit(chat.Turn{
			UserID: user.UserID, ChatID: chatID, Sink: sink{sock},
			Text: func(ctx context.Context) (string, error) {
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
		s.refuse(sock, chatID, err)
	}
}

// parseVoiceMessage reads {chat_id, audio, format} and decodes the audio.
func (s *Server) parseVoiceMessage(args []any) (chatID int64, audio []byte, format string, err error) {
	if s.Speech == nil {
		return 0, nil, "", apperr.New(apperr.KindVoiceDisabled)
	}
	data, ok := eventObject(args)
	if !ok {
		return 0, nil, "", invalidMessage
	}
	chatID, okID := parseChatID(data["chat_id"])
	encoded, okAudio := data["audio"].(string)
	format, okFormat := data["format"].(string)
	if !okID || !okAudio || !okFormat {
		return 0, nil, "", invalidMessage
	}
	if !speech.ValidFormat(format) {
		return 0, nil, "", apperr.New(apperr.KindAudioFormat)
	}
	audio, err = decodeAudio(encoded)
	return chatID, audio, format, err
}

// decodeAudio decodes padded base64 audio (a data: URL prefix is
// tolerated) into one buffer of the exact size, without copying the
// multi-megabyte string first. Unusable audio is KindInvalidAudio;
// truncated or trailing-garbage base64 is, rather than silently losing its
// last bytes.
func decodeAudio(encoded string) ([]byte, error) {
	if i := strings.Index(encoded, ";base64,"); i >= 0 && strings.HasPrefix(encoded, "data:") {
		encoded = encoded[i+len(";base64,"):]
	}
	if len(encoded) == 0 || len(encoded)%4 != 0 {
		return nil, apperr.New(apperr.KindInvalidAudio)
	}
	tail := encoded[len(encoded)-2:]
	size := len(encoded)/4*3 - (len(tail) - len(strings.TrimRight(tail, "=")))
	if size > speech.MaxAudioBytes {
		return nil, apperr.New(apperr.KindAudioTooLarge)
	}
	audio := make([]byte, size)
	decoder := base64.NewDecoder(base64.StdEncoding, strings.NewReader(encoded))
	if _, err := io.ReadFull(decoder, audio); err != nil || size == 0 {
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
