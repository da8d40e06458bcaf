package server

import (
	"fmt"
	"log/slog"

	"github.com/amanda-platform/amanda-backend/socketio"
	"github.com/amanda-platform/amanda-backend/speech"
)

// newSpeech is the speech provider, or nil when voice is off (the voice
// events then answer "Voice features are not enabled").
func newSpeech(cfg Config, logger *slog.Logger) (socketio.Speech, error) {
	if !cfg.Voice() {
		return nil, nil
	}
	client, err := speech.New(speech.Options{
		APIKey:            cfg.OpenAIAPIKey,
		BaseURL:           cfg.OpenAIBaseURL,
		ASRModel:          cfg.ASRModel,
		TTSModel:          cfg.TTSModel,
		TTSVoice:          cfg.TTSVoice,
		TTSFormat:         cfg.TTSFormat,
		TranscribeTimeout: cfg.SpeechTimeout.Duration,
		SynthesizeTimeout: cfg.SpeechTimeout.Duration,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("config: voice (OPENAI_BASE_URL, TTS_VOICE, TTS_FORMAT): %w", err)
	}
	logger.Info("voice enabled", "speech_api", redactURL(cfg.OpenAIBaseURL), "asr_model", cfg.ASRModel, "tts_model", cfg.TTSModel)
	return client, nil
}
