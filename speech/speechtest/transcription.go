package speechtest

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
)

// The real API's upload limit, plus room for the form around the file.
const (
	maxFileBytes = 25 << 20
	maxFormBytes = maxFileBytes + 64<<10
)

// fileExtensions are the audio formats the real API accepts, by extension.
var fileExtensions = []string{"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"}

func (s *Server) transcription(w http.ResponseWriter, r *http.Request, rec *Request) answer {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return invalid("Content-Type must be multipart/form-data")
	}
	if a, failed := readForm(w, r, rec); failed {
		return a
	}
	switch ext := strings.TrimPrefix(strings.ToLower(path.Ext(rec.Filename)), "."); {
	case rec.Filename == "" && rec.Audio == nil:
		return invalid("Missing required parameter: 'file'.")
	case !slices.Contains(fileExtensions, ext):
		return invalid(fmt.Sprintf("Invalid file format. Supported formats: %q", fileExtensions))
	case rec.AudioBytes == 0:
		return invalid("Audio file is too short. Minimum audio length is 0.1 seconds.")
	case rec.Model == "":
		return invalid("Missing required parameter: 'model'.")
	}
	format := rec.Fields["response_format"]
	switch format {
	case "", "json", "verbose_json", "text":
	case "srt", "vtt":
		return invalid("response_format " + format + " is not supported by speechtest")
	default:
		return invalid("Invalid value for 'response_format': " + format)
	}
	if s.opts.FailTranscribe != 0 {
		return forced(s.opts.FailTranscribe)
	}
	if format == "text" {
		return ok("text/plain; charset=utf-8", []byte(s.opts.Transcript))
	}
	return jsonAnswer(map[string]string{"text": s.opts.Transcript})
}

// readForm streams the multipart body into rec; failed is true when a is
// the error to answer with.
func readForm(w http.ResponseWriter, r *http.Request, rec *Request) (a answer, failed bool) {
	// A declared size is refused up front, a chunked body once it overflows.
	if r.ContentLength > maxFormBytes {
		return tooLarge(), true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return invalid("Could not parse multipart form: " + err.Error()), true
	}
	rec.Fields = map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return answer{}, false
		}
		if err != nil {
			return formError(err), true
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return formError(err), true
		}
		switch part.FormName() {
		case "file":
			rec.Filename = part.FileName()
			rec.ContentType = part.Header.Get("Content-Type")
			rec.Audio = data
			rec.AudioBytes = len(data)
		case "model":
			rec.Model = string(data)
		default:
			rec.Fields[part.FormName()] = string(data)
		}
	}
}

func formError(err error) answer {
	if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		return tooLarge()
	}
	return invalid("Could not parse multipart form: " + err.Error())
}

func tooLarge() answer {
	return fail(http.StatusRequestEntityTooLarge, "invalid_request_error",
		fmt.Sprintf("Maximum content size limit (%d) exceeded.", maxFileBytes))
}
