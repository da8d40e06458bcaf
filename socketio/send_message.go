package socketio

import (
	"math"
	"strconv"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/chat"
)

func (s *Server) onSendMessage(sock *socket.Socket, user *socketUser, args []any) {
	chatID, text, err := parseSendMessage(args)
	if err == nil {
		text, err = chat.MessageText(text)
	}
	if err == nil {
		err = s.Chat.CheckChat(user.ctx, user.UserID, chatID)
	}
	if err == nil {
		err = s.Chat.Submit(chat.Turn{UserID: user.UserID, ChatID: chatID, Text: chat.Typed(text), Sink: newSink(sock, chatID), Origin: string(sock.Id())})
	}
	if err != nil {
		s.refuse(sock, chatID, err)
	}
}

// refuse tells the client why its event about chatID (0 before it was
// read) was not taken; a failure of the service itself is logged with its
// cause.
func (s *Server) refuse(sock *socket.Socket, chatID int64, err error) {
	if apperr.KindOf(err) == apperr.KindInternal {
		s.Logger.Error("chat lookup failed", "chat_id", chatID, "error", err)
	}
	emitChatError(sock, chatID, err)
}

// sink emits a chat turn's results to the socket that sent the message.
type sink struct {
	sock   *socket.Socket
	chatID int64
}

func newSink(sock *socket.Socket, chatID int64) *sink { return &sink{sock: sock, chatID: chatID} }

func (k *sink) Token(seq int, text string) error {
	return emit(k.sock, evMessageToken, tokenEvent{Text: text, ChatID: k.chatID, Seq: seq})
}

func (k *sink) Complete(messageID int64, fullText string) {
	_ = emit(k.sock, evMessageComplete, completeEvent{MessageID: messageID, FullText: fullText, ChatID: k.chatID})
}

func (k *sink) Stopped(messageID int64, fullText string) {
	_ = emit(k.sock, evMessageComplete, newStoppedEvent(k.chatID, messageID, fullText))
}

func (k *sink) Error(err error) { emitChatError(k.sock, k.chatID, err) }

// onStopGeneration stops the chat's running reply, on whichever instance
// runs it; the socket that sent the message hears of it through its sink.
func (s *Server) onStopGeneration(sock *socket.Socket, user *socketUser, args []any) {
	data, ok := eventObject(args)
	chatID, okID := parseChatID(data["chat_id"])
	if !ok || !okID {
		emitError(sock, invalidMessage)
		return
	}
	err := s.Chat.CheckChat(user.ctx, user.UserID, chatID)
	if err == nil {
		var streaming bool
		if streaming, err = s.Chat.Streaming(user.ctx, chatID); err == nil && !streaming {
			err = apperr.New(apperr.KindNothingToStop)
		}
	}
	if err != nil {
		s.refuse(sock, chatID, err)
		return
	}
	s.StopTurn(chatID)
}

// invalidMessage is a payload that is not {chat_id, message}.
var invalidMessage = apperr.New(apperr.KindInvalidMessage)

// parseSendMessage reads {chat_id, message}.
func parseSendMessage(args []any) (chatID int64, text string, err error) {
	data, ok := eventObject(args)
	if !ok {
		return 0, "", invalidMessage
	}
	text, ok = data["message"].(string)
	if !ok {
		return 0, "", invalidMessage
	}
	chatID, ok = parseChatID(data["chat_id"])
	if !ok {
		return 0, "", invalidMessage
	}
	return chatID, text, nil
}

// eventObject is an event's first argument as a JSON object.
func eventObject(args []any) (map[string]any, bool) {
	if len(args) == 0 {
		return nil, false
	}
	data, ok := args[0].(map[string]any)
	return data, ok
}

// parseChatID accepts a positive integer as a JSON number or a decimal string.
func parseChatID(v any) (int64, bool) {
	switch id := v.(type) {
	case float64:
		if id != math.Trunc(id) || id < 1 || id > 1<<53 {
			return 0, false
		}
		return int64(id), true
	case string:
		n, err := strconv.ParseInt(id, 10, 64)
		return n, err == nil && n > 0
	}
	return 0, false
}
