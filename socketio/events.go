package socketio

import "github.com/zishang520/socket.io/servers/socket/v3"

// Event names (CONTRACT.md, Socket.IO).
const (
	evSendMessage      = "send_message"
	evSendVoiceMessage = "send_voice_message"
	evTextToSpeech     = "text_to_speech"
	evStopGeneration   = "stop_generation"
	evWatchChat        = "watch_chat"
	evUnwatchChat      = "unwatch_chat"

	evMessageToken     = "message_token"
	evMessageComplete  = "message_complete"
	evError            = "error"
	evVoiceProcessing  = "voice_processing"
	evVoiceTranscribed = "voice_transcribed"
	evVoiceResponse    = "voice_response"
	evChatState        = "chat_state"
	evUserMessage      = "user_message"
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
		{evStopGeneration, s.onStopGeneration, false},
		{evWatchChat, s.onWatchChat, false},
		{evUnwatchChat, s.onUnwatchChat, false},
	}
}

// Payloads the server emits.
type (
	// tokenEvent's text comes first: clients may read it without decoding
	// the rest (sioclient.TokenText).
	tokenEvent struct {
		Text   string `json:"text"`
		ChatID int64  `json:"chat_id"`
		Seq    int    `json:"seq"`
	}
	completeEvent struct {
		MessageID int64  `json:"message_id"`
		FullText  string `json:"full_text"`
		ChatID    int64  `json:"chat_id"`
	}
	// stoppedEvent is message_complete of a stopped reply; MessageID is
	// null when nothing was stored.
	stoppedEvent struct {
		MessageID *int64 `json:"message_id"`
		FullText  string `json:"full_text"`
		ChatID    int64  `json:"chat_id"`
		Stopped   bool   `json:"stopped"`
	}
	chatStateEvent struct {
		ChatID    int64 `json:"chat_id"`
		Streaming bool  `json:"streaming"`
		Seq       int   `json:"seq"`
	}
	// userMessageEvent is another socket's message, to a chat's watchers.
	userMessageEvent struct {
		ChatID    int64  `json:"chat_id"`
		MessageID int64  `json:"message_id"`
		Content   string `json:"content"`
		Timestamp string `json:"timestamp"`
	}
	// errorEvent names the chat when the error is about one.
	errorEvent struct {
		Message string `json:"message"`
		ChatID  int64  `json:"chat_id,omitempty"`
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

// newStoppedEvent is message_complete of a stopped reply; messageID 0 is
// nothing stored.
func newStoppedEvent(chatID, messageID int64, fullText string) stoppedEvent {
	event := stoppedEvent{FullText: fullText, ChatID: chatID, Stopped: true}
	if messageID != 0 {
		event.MessageID = &messageID
	}
	return event
}
