package socketio

import "github.com/zishang520/socket.io/servers/socket/v3"

// Event names (CONTRACT.md, Socket.IO).
const (
	evSendMessage      = "send_message"
	evSendVoiceMessage = "send_voice_message"
	evTextToSpeech     = "text_to_speech"

	evMessageToken     = "message_token"
	evMessageComplete  = "message_complete"
	evError            = "error"
	evVoiceProcessing  = "voice_processing"
	evVoiceTranscribed = "voice_transcribed"
	evVoiceResponse    = "voice_response"
)

// event is one client event the server handles.
type event struct {
	name    string
	handle  func(*socket.Socket, *socketUser, []any)
	limited bool // counts against RATELIMIT_MESSAGES
}

// events is the table of client events; every one re-checks the session first.
func (s *Server) events() []event {
	return []event{
		{evSendMessage, s.onSendMessage, true},
		{evSendVoiceMessage, s.onSendVoiceMessage, true},
		{evTextToSpeech, s.onTextToSpeech, false},
	}
}

// Payloads the server emits.
type (
	tokenEvent struct {
		Text string `json:"text"`
	}
	completeEvent struct {
		MessageID int64  `json:"message_id"`
		FullText  string `json:"full_text"`
	}
	errorEvent struct {
		Message string `json:"message"`
	}
	statusEvent struct {
		Status string `json:"status"`
	}
	transcribedEvent struct {
		Text string `json:"text"`
	}
	audioEvent struct {
		Audio  string `json:"audio"`
		Format string `json:"format"`
	}
)
