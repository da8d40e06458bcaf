package speech

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// maxTranscriptBytes bounds the JSON answer; a transcript of 25 MB of audio
// is a few hundred kilobytes at most.
const maxTranscriptBytes = 4 << 20

// Transcribe sends audio, recorded in format (one of AudioFormats), to
// {BaseURL}/audio/transcriptions and returns the trimmed transcript, which
// may be empty for silence.
func (c *Client) Transcribe(ctx context.Context, audio []byte, format string) (string, error) {
	if err := checkAudio(audio, format); err != nil {
		return "", fmt.Errorf("speech: transcription failed: %w", err)
	}
	text, err := c.transcribe(ctx, audio, format)
	if err != nil {
		return "", fmt.Errorf("speech: transcription failed: %w", err)
	}
	return text, nil
}

func checkAudio(audio []byte, format string) error {
	switch {
	case !ValidFormat(format):
		return fmt.Errorf("%w: unknown audio format %q", ErrInvalidInput, format)
	case len(audio) == 0:
		return fmt.Errorf("%w: empty audio", ErrInvalidInput)
	case len(audio) > MaxAudioBytes:
		return fmt.Errorf("%w: audio is %d bytes, over the %d byte limit", ErrInvalidInput, len(audio), MaxAudioBytes)
	}
	return nil
}

func (c *Client) transcribe(ctx context.Context, audio []byte, format string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.transcribeTimeout)
	defer cancel()

	f, err := newUpload(c.asrModel, audio, format)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/audio/transcriptions", f.body())
	if err != nil {
		return "", err
	}
	// Known length: a Content-Length rather than chunked encoding, which
	// some OpenAI-compatible servers reject; GetBody allows redirects.
	req.ContentLength = f.size()
	req.GetBody = func() (io.ReadCloser, error) { return f.body(), nil }
	req.Header.Set("Content-Type", f.contentType)
	req.Header.Set("Accept", "application/json")
	c.authorize(req)

	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrProvider, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", c.statusError(resp)
	}
	var out struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTranscriptBytes)).Decode(&out); err != nil {
		return "", fmt.Errorf("%w: decoding transcript: %w", ErrProvider, err)
	}
	return strings.TrimSpace(out.Text), nil
}

// upload is the multipart form the API expects, framed around the audio
// without copying it: only the small head (fields and file part header) and
// tail (closing boundary) are rendered, and the audio is read in place.
type upload struct {
	head, audio, tail []byte
	contentType       string
}

func newUpload(model string, audio []byte, format string) (*upload, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("model", model); err != nil {
		return nil, err
	}
	if err := w.WriteField("response_format", "json"); err != nil {
		return nil, err
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="audio.%s"`, format))
	h.Set("Content-Type", audioContentTypes[format])
	if _, err := w.CreatePart(h); err != nil {
		return nil, err
	}
	head := bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &upload{head: head, audio: audio, tail: buf.Bytes(), contentType: w.FormDataContentType()}, nil
}

func (u *upload) body() io.ReadCloser {
	return io.NopCloser(io.MultiReader(bytes.NewReader(u.head), bytes.NewReader(u.audio), bytes.NewReader(u.tail)))
}

func (u *upload) size() int64 { return int64(len(u.head) + len(u.audio) + len(u.tail)) }
