package speechtest

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"unicode/utf8"
)

var (
	voices        = []string{"alloy", "echo", "fable", "onyx", "nova", "shimmer"}
	speechFormats = map[string]string{
		"mp3":  "audio/mpeg",
		"opus": "audio/opus",
		"aac":  "audio/aac",
		"flac": "audio/flac",
		"wav":  "audio/wav",
		"pcm":  "audio/pcm",
	}
)

func (s *Server) speech(w http.ResponseWriter, r *http.Request, rec *Request) answer {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return invalid("Content-Type must be application/json")
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&rec.JSON); err != nil || rec.JSON == nil {
		return invalid("We could not parse the JSON body of your request.")
	}
	model, isString := rec.JSON["model"].(string)
	rec.Model = model
	if !isString || model == "" {
		return invalid("Missing required parameter: 'model'.")
	}
	input, isString := rec.JSON["input"].(string)
	if !isString || input == "" {
		return invalid("Missing required parameter: 'input'.")
	}
	if utf8.RuneCountInString(input) > 4096 {
		return invalid("'input' is too long: at most 4096 characters.")
	}
	if voice, isString := rec.JSON["voice"].(string); !isString || !slices.Contains(voices, voice) {
		return invalid("Invalid value for 'voice'.")
	}
	// speed and response_format are optional, as in the real API.
	if v, present := rec.JSON["speed"]; present {
		if speed, isNumber := v.(float64); !isNumber || speed < 0.25 || speed > 4 {
			return invalid("Invalid value for 'speed': must be a number between 0.25 and 4.0.")
		}
	}
	format := "mp3"
	if v, present := rec.JSON["response_format"]; present {
		format, _ = v.(string)
	}
	contentType, known := speechFormats[format]
	if !known {
		return invalid("Invalid value for 'response_format'.")
	}
	if s.opts.FailSynthesize != 0 {
		return forced(s.opts.FailSynthesize)
	}
	return ok(contentType, s.opts.Audio)
}
