package speech

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Synthesize turns text into audio in the client's Format via
// {BaseURL}/audio/speech. An empty voice takes the configured default and a
// zero speed means 1.0.
func (c *Client) Synthesize(ctx context.Context, text, voice string, speed float64) ([]byte, error) {
	voice = or(voice, c.ttsVoice)
	speed = or(speed, 1.0)
	if err := checkSpeech(text, voice, speed); err != nil {
		return nil, fmt.Errorf("speech: synthesis failed: %w", err)
	}
	audio, err := c.synthesize(ctx, text, voice, speed)
	if err != nil {
		return nil, fmt.Errorf("speech: synthesis failed: %w", err)
	}
	return audio, nil
}

func checkSpeech(text, voice string, speed float64) error {
	switch {
	case strings.TrimSpace(text) == "":
		return fmt.Errorf("%w: empty text", ErrInvalidInput)
	case utf8.RuneCountInString(text) > MaxSpeechChars:
		return fmt.Errorf("%w: text is over %d characters", ErrInvalidInput, MaxSpeechChars)
	case !ValidVoice(voice):
		return fmt.Errorf("%w: unknown voice %q", ErrInvalidInput, voice)
	case math.IsNaN(speed) || speed < MinSpeed || speed > MaxSpeed:
		return fmt.Errorf("%w: speed %v outside [%v, %v]", ErrInvalidInput, speed, MinSpeed, MaxSpeed)
	}
	return nil
}

func (c *Client) synthesize(ctx context.Context, text, voice string, speed float64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.synthesizeTimeout)
	defer cancel()

	payload, err := json.Marshal(map[string]any{
		"model":           c.ttsModel,
		"input":           text,
		"voice":           voice,
		"speed":           speed,
		"response_format": c.ttsFormat,
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/audio/speech", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	c.authorize(req)

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProvider, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, c.statusError(resp)
	}
	// The deadline still applies while the audio streams in.
	audio, err := io.ReadAll(io.LimitReader(resp.Body, maxSpeechBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: reading audio: %w", ErrProvider, err)
	case len(audio) > maxSpeechBytes:
		return nil, fmt.Errorf("%w: audio answer over %d bytes", ErrProvider, maxSpeechBytes)
	case len(audio) == 0:
		return nil, fmt.Errorf("%w: empty audio answer", ErrProvider)
	}
	return audio, nil
}
