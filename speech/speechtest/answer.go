package speechtest

import (
	"encoding/json"
	"net/http"
)

// answer is a response decided on before the optional delay.
type answer struct {
	status      int
	contentType string
	body        []byte
}

func (a answer) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", a.contentType)
	w.WriteHeader(a.status)
	w.Write(a.body)
}

func ok(contentType string, body []byte) answer {
	return answer{status: http.StatusOK, contentType: contentType, body: body}
}

func jsonAnswer(v any) answer {
	body, _ := json.Marshal(v)
	return ok("application/json", body)
}

// fail answers in OpenAI's error shape.
func fail(status int, errType, message string) answer {
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message,
		"type":    errType,
		"param":   nil,
		"code":    nil,
	}})
	return answer{status: status, contentType: "application/json", body: body}
}

// invalid is the common 400.
func invalid(message string) answer {
	return fail(http.StatusBadRequest, "invalid_request_error", message)
}

// forced is the answer for a configured failure status.
func forced(status int) answer {
	if status >= 500 {
		return fail(status, "server_error", "The server had an error while processing your request. Sorry about that!")
	}
	return fail(status, "invalid_request_error", http.StatusText(status))
}
