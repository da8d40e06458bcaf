package handlers

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/amanda-platform/amanda-backend/aiclient"
)

// maxMessageBytes bounds one chat message.
const maxMessageBytes = 32 << 10

// maxTitleRunes is the longest title cut from a first message.
const maxTitleRunes = 40

// storeTimeout bounds the writes that save a reply, which must happen even
// after the reply's own context was cancelled.
const storeTimeout = 10 * time.Second

// ReplyStreamer is the AI backend as the chat needs it.
type ReplyStreamer interface {
	// StreamReply calls onChunk for every non-empty chunk in order and
	// returns the text received, also when it fails midway.
	StreamReply(ctx context.Context, userID, chatID int64, message string, onChunk func(text string) error) (string, error)
}

type tokenEvent struct {
	Text string `json:"text"`
}

type completeEvent struct {
	MessageID int64  `json:"message_id"`
	FullText  string `json:"full_text"`
}

// errInvalidMessage marks a payload that is not {chat_id, message}.
var errInvalidMessage = errors.New(msgInvalidMessage)

// parseSendMessage reads {chat_id, message}.
func parseSendMessage(args []any) (chatID int64, text string, err error) {
	data, ok := eventObject(args)
	if !ok {
		return 0, "", errInvalidMessage
	}
	text, ok = data["message"].(string)
	if !ok {
		return 0, "", errInvalidMessage
	}
	chatID, ok = parseChatID(data["chat_id"])
	if !ok {
		return 0, "", errInvalidMessage
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

// chatTitle cuts a first message to a title: at most 40 characters, at a
// word boundary where there is one, then "...".
func chatTitle(message string) string {
	runes := []rune(strings.Join(strings.Fields(message), " "))
	if len(runes) <= maxTitleRunes {
		return string(runes)
	}
	cut := runes[:maxTitleRunes]
	if i := lastSpace(cut); i > 0 && !unicode.IsSpace(runes[maxTitleRunes]) {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(string(cut), unicode.IsSpace) + "..."
}

func lastSpace(runes []rune) int {
	for i := len(runes) - 1; i >= 0; i-- {
		if unicode.IsSpace(runes[i]) {
			return i
		}
	}
	return -1
}

func (a *API) onSendMessage(s *socket.Socket, user *socketUser, args []any) {
	chatID, text, err := parseSendMessage(args)
	if err != nil {
		emitError(s, msgInvalidMessage)
		return
	}
	if len(text) > maxMessageBytes {
		emitError(s, msgMessageTooLong)
		return
	}
	text = strings.TrimSpace(text)
	if text == "" {
		emitError(s, msgEmptyMessage)
		return
	}
	if !a.checkChat(s, user, chatID) {
		return
	}
	a.submitTurn(s, user, chatID, chatTurn{text: fixedText(text)})
}

// checkChat emits the contract's error unless the chat is the user's.
func (a *API) checkChat(s *socket.Socket, user *socketUser, chatID int64) bool {
	_, err := a.ownedChat(context.Background(), user.UserID, chatID)
	if err == nil {
		return true
	}
	var appErr *Error
	if errors.As(err, &appErr) && appErr.Status != http.StatusInternalServerError {
		emitError(s, appErr.Message)
		return false
	}
	a.Logger.Error("chat lookup failed", "chat_id", chatID, "error", err)
	emitError(s, msgUnavailable)
	return false
}

// chatTurn is one turn of a chat as the queue runs it.
type chatTurn struct {
	// text yields the user's message; false ends the turn (it reported why).
	text func(ctx context.Context) (string, bool)
	// afterReply, when set, runs with the stored reply (voice answers with speech).
	afterReply func(ctx context.Context, reply string)
}

// fixedText is the turn text of a typed message.
func fixedText(text string) func(context.Context) (string, bool) {
	return func(context.Context) (string, bool) { return text, true }
}

// submitTurn queues the turn behind the chat's earlier ones: get the text,
// store it, stream the AI's reply to the socket, store that. Text and voice
// share this one path.
func (a *API) submitTurn(s *socket.Socket, user *socketUser, chatID int64, turn chatTurn) {
	err := a.Replies.Submit(chatID, func(ctx context.Context) {
		text, ok := turn.text(ctx)
		if !ok {
			return
		}
		if reply, ok := a.reply(ctx, s, user, chatID, text); ok && turn.afterReply != nil {
			turn.afterReply(ctx, reply)
		}
	})
	switch {
	case errors.Is(err, ErrChatBusy):
		emitError(s, msgChatBusy)
	case err != nil:
		emitError(s, msgShuttingDown)
	}
}

// reply is one chat turn; it reports the reply and whether it completed.
func (a *API) reply(ctx context.Context, s *socket.Socket, user *socketUser, chatID int64, text string) (string, bool) {
	log := a.Logger.With("chat_id", chatID, "user_id", user.UserID)
	// Saved before the AI is called, and with a context of its own, so the
	// user's message is never lost.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	_, err := a.Store.AddUserMessage(saveCtx, chatID, text, chatTitle(text))
	cancel()
	if err != nil {
		log.Error("unable to store user message", "error", err)
		emitError(s, msgSaveFailed)
		return "", false
	}

	done := a.Metrics.ReplyStarted()
	defer done()
	start, streamed := time.Now(), false
	full, streamErr := a.AI.StreamReply(ctx, user.UserID, chatID, text, func(chunk string) error {
		if !streamed {
			streamed = true
			a.Metrics.FirstToken(time.Since(start))
		}
		a.Metrics.TokensStreamed(1)
		return emit(s, evMessageToken, tokenEvent{Text: chunk})
	})
	if streamErr == nil && full == "" {
		streamErr = errors.New("the AI backend sent an empty reply")
	}
	if streamErr != nil {
		a.Metrics.AIError(aiErrorKind(streamErr))
	}
	if full == "" {
		log.Warn("AI reply failed", "error", streamErr)
		emitError(s, msgAIUnavailable)
		return "", false
	}

	// What arrived is stored, whole or partial, before anything is reported.
	saveCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	stored, err := a.Store.AddAssistantMessage(saveCtx, chatID, full)
	cancel()
	if err != nil {
		log.Error("unable to store assistant message", "error", err, "reply_bytes", len(full))
		emitError(s, msgReplySaveFailed)
		return "", false
	}
	if streamErr != nil {
		log.Warn("AI reply cut off; partial reply stored", "error", streamErr, "message_id", stored.ID)
		emitError(s, msgAIUnavailable)
		return "", false
	}
	_ = emit(s, evMessageComplete, completeEvent{MessageID: stored.ID, FullText: full})
	return full, true
}

// aiErrorKind names an AI failure for metrics.
func aiErrorKind(err error) string {
	switch {
	case errors.Is(err, aiclient.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, aiclient.ErrFirstTokenTimeout):
		return "first_token_timeout"
	case errors.Is(err, aiclient.ErrTimeout):
		return "timeout"
	case errors.Is(err, aiclient.ErrStream):
		return "stream"
	}
	return "other"
}
