package apperr

import "net/http"

// Kind is what went wrong, as a client is told: one status and one text
// for REST, one text for the socket error event. The texts are the
// contract's (../shared/CONTRACT.md), every one of them in this file.
type Kind int

// The kinds. KindInternal, the zero value, is an unexpected failure.
const (
	KindInternal Kind = iota
	KindBadRequest
	KindRouteNotFound
	KindMethodNotAllowed
	KindBodyTooLarge
	KindRateLimited

	// Accounts and sessions.
	KindAuthRequired
	KindCredentialsRequired
	KindInvalidEmail
	KindPasswordTooShort
	KindPasswordTooLong
	KindEmailTaken
	KindInvalidLogin
	KindPasswordsRequired
	KindPasswordRequired
	KindInvalidPassword
	KindUserNotFound
	KindConnectRejected
	KindTooManySockets

	// Chats and the chat turn.
	KindChatNotFound
	KindAccessDenied
	KindInvalidMessage
	KindEmptyMessage
	KindMessageTooLong
	KindAIUnavailable
	KindSaveMessageFailed
	KindSaveReplyFailed
	KindShuttingDown
	KindChatBusy
	KindServerBusy
	KindNothingToStop
	KindInvalidTitle
	KindInvalidPaging
	KindInvalidSearch

	// Voice.
	KindVoiceDisabled
	KindInvalidAudio
	KindAudioFormat
	KindAudioTooLarge
	KindTranscribeFailed
	KindTranscriptionEmpty
	KindSpeechAfterReply
	KindSpeechFailed
	KindNoSpeechText
	KindSpeechTextTooLong
	KindUnknownVoice
	KindSpeedOutOfRange

	// Branding, which answers with a shape of its own ({success, error}).
	KindBrandingUnavailable
	KindBrandingReloadFailed

	kindCount
)

// text is how one kind reaches a client.
type text struct {
	status  int
	message string
	// socket is the socket error event's text when it is not message.
	socket string
}

var texts = [kindCount]text{
	KindInternal:         {http.StatusInternalServerError, "Internal server error", "Service temporarily unavailable. Please try again later."},
	KindBadRequest:       {http.StatusBadRequest, "Bad request", ""},
	KindRouteNotFound:    {http.StatusNotFound, "Not found", ""},
	KindMethodNotAllowed: {http.StatusMethodNotAllowed, "Method not allowed", ""},
	KindBodyTooLarge:     {http.StatusRequestEntityTooLarge, "Request body too large", ""},
	KindRateLimited:      {http.StatusTooManyRequests, "Too many requests. Please try again later.", ""},

	KindAuthRequired:        {http.StatusUnauthorized, "Authentication required", ""},
	KindCredentialsRequired: {http.StatusBadRequest, "Email and password are required", ""},
	KindInvalidEmail:        {http.StatusBadRequest, "Invalid email format", ""},
	KindPasswordTooShort:    {http.StatusBadRequest, "Password must be at least 8 characters long", ""},
	KindPasswordTooLong:     {http.StatusBadRequest, "Password must be at most 1024 bytes long", ""},
	KindEmailTaken:          {http.StatusConflict, "Email already registered", ""},
	KindInvalidLogin:        {http.StatusUnauthorized, "Invalid email or password", ""},
	KindPasswordsRequired:   {http.StatusBadRequest, "Current and new password are required", ""},
	KindPasswordRequired:    {http.StatusBadRequest, "Password is required", ""},
	KindInvalidPassword:     {http.StatusUnauthorized, "Invalid password", ""},
	KindUserNotFound:        {http.StatusNotFound, "User not found", ""},
	KindConnectRejected:     {http.StatusUnauthorized, "Connection rejected by server", ""},
	KindTooManySockets:      {http.StatusTooManyRequests, "Too many connections", ""},

	KindChatNotFound:      {http.StatusNotFound, "Chat not found", ""},
	KindAccessDenied:      {http.StatusForbidden, "Access denied", ""},
	KindInvalidMessage:    {http.StatusBadRequest, "Invalid message data", ""},
	KindEmptyMessage:      {http.StatusBadRequest, "Message cannot be empty", ""},
	KindMessageTooLong:    {http.StatusRequestEntityTooLarge, "Message is too long", ""},
	KindAIUnavailable:     {http.StatusServiceUnavailable, "AI service unavailable. Please try again later.", ""},
	KindSaveMessageFailed: {http.StatusInternalServerError, "Could not save your message. Please try again.", ""},
	KindSaveReplyFailed:   {http.StatusInternalServerError, "Could not save the reply. Please try again.", ""},
	KindShuttingDown:      {http.StatusServiceUnavailable, "Server is restarting. Please try again in a moment.", ""},
	KindChatBusy:          {http.StatusTooManyRequests, "Please wait for the replies to your earlier messages.", ""},
	KindServerBusy:        {http.StatusServiceUnavailable, "Server is busy. Please try again in a moment.", ""},
	KindNothingToStop:     {http.StatusConflict, "No reply in progress", ""},
	KindInvalidTitle:      {http.StatusBadRequest, "Title must be 1 to 100 characters", ""},
	KindInvalidPaging:     {http.StatusBadRequest, "Invalid paging parameters", ""},
	KindInvalidSearch:     {http.StatusBadRequest, "Search text must be 1 to 200 characters", ""},

	KindVoiceDisabled:      {http.StatusNotImplemented, "Voice features are not enabled", ""},
	KindInvalidAudio:       {http.StatusBadRequest, "Invalid audio data", ""},
	KindAudioFormat:        {http.StatusBadRequest, "Unsupported audio format. Use webm, mp3, wav or ogg.", ""},
	KindAudioTooLarge:      {http.StatusRequestEntityTooLarge, "Audio is too large (25 MB at most)", ""},
	KindTranscribeFailed:   {http.StatusBadGateway, "Transcription failed. Please try again.", ""},
	KindTranscriptionEmpty: {http.StatusUnprocessableEntity, "Could not transcribe audio. Please try again.", ""},
	KindSpeechAfterReply:   {http.StatusBadGateway, "Text-to-speech failed. Response text is available.", ""},
	KindSpeechFailed:       {http.StatusBadGateway, "Text-to-speech failed. Please try again.", ""},
	KindNoSpeechText:       {http.StatusBadRequest, "No text provided", ""},
	KindSpeechTextTooLong:  {http.StatusBadRequest, "Text is too long for speech (4096 characters at most)", ""},
	KindUnknownVoice:       {http.StatusBadRequest, "Unknown voice. Use alloy, echo, fable, onyx, nova or shimmer.", ""},
	KindSpeedOutOfRange:    {http.StatusBadRequest, "Speed must be between 0.25 and 4.0", ""},

	KindBrandingUnavailable:  {http.StatusInternalServerError, "Branding configuration unavailable", ""},
	KindBrandingReloadFailed: {http.StatusInternalServerError, "Branding configuration could not be reloaded", ""},
}

// Texts of successful answers (CONTRACT.md, REST).
const (
	TextSignedUp         = "Account created successfully"
	TextLoggedIn         = "Login successful"
	TextLoggedOut        = "Logged out successfully"
	TextBrandingReloaded = "Branding configuration reloaded successfully"
	TextChatDeleted      = "Chat deleted"
	TextPasswordChanged  = "Password changed"
	TextAccountDeleted   = "Account deleted"
)

func (k Kind) text() text {
	if k < 0 || k >= kindCount {
		return texts[KindInternal]
	}
	return texts[k]
}

// String is the kind's REST message.
func (k Kind) String() string { return k.text().message }

// HTTP is the status and message REST answers err with.
func HTTP(err error) (status int, message string) {
	t := KindOf(err).text()
	return t.status, t.message
}

// Socket is the text of the socket error event (or connect_error) for err.
func Socket(err error) string {
	t := KindOf(err).text()
	if t.socket != "" {
		return t.socket
	}
	return t.message
}

// KindOfStatus is the kind of a status that the HTTP router raises itself
// (an unknown route, a method, a body over the limit).
func KindOfStatus(status int) Kind {
	switch status {
	case http.StatusNotFound:
		return KindRouteNotFound
	case http.StatusMethodNotAllowed:
		return KindMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return KindBodyTooLarge
	case http.StatusUnauthorized:
		return KindAuthRequired
	}
	if status >= http.StatusInternalServerError {
		return KindInternal
	}
	return KindBadRequest
}
