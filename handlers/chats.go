package handlers

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/chat"
	"github.com/amanda-platform/amanda-backend/store"
)

// maxTitleLength bounds a chat's title, in characters.
const maxTitleLength = 100

// Page sizes of the chat list and of a chat's messages (CONTRACT.md).
const (
	maxPageSize            = 200
	defaultMessagePageSize = 50
)

func (a *API) handleListChats() echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		query := c.QueryParams()
		if !query.Has("limit") {
			// A cursor means paging, which needs a page size.
			if query.Has("cursor") {
				return apperr.New(apperr.KindInvalidPaging)
			}
			chats, err := a.Store.ListChats(ctx, userID(c))
			if err != nil {
				return apperr.Internal(err)
			}
			return c.JSON(http.StatusOK, map[string]any{"chats": eachJSON(chats, newChatJSON), "next_cursor": nil})
		}
		limit, after, err := chatListPaging(query)
		if err != nil {
			return err
		}
		page, err := a.Store.ListChatsPage(ctx, userID(c), after, limit)
		if err != nil {
			return apperr.Internal(err)
		}
		var next *string
		if page.Next != nil {
			cursor := encodeChatCursor(*page.Next)
			next = &cursor
		}
		return c.JSON(http.StatusOK, map[string]any{"chats": eachJSON(page.Chats, newChatJSON), "next_cursor": next})
	}
}

func (a *API) handleCreateChat() echo.HandlerFunc {
	return func(c echo.Context) error {
		created, err := a.Store.CreateChat(c.Request().Context(), userID(c))
		if err != nil {
			return apperr.Internal(err)
		}
		return c.JSON(http.StatusCreated, map[string]any{
			"chat_id": created.ID, "id": created.ID, "user_id": created.UserID,
			"title": created.Title, "created_at": Time(created.CreatedAt),
		})
	}
}

func (a *API) handleRenameChat() echo.HandlerFunc {
	return func(c echo.Context) error {
		chatID, err := chatIDParam(c)
		if err != nil {
			return err
		}
		title, err := chatTitle(c)
		if err != nil {
			return err
		}
		renamed, err := a.Store.RenameChat(c.Request().Context(), userID(c), chatID, title)
		if err != nil {
			return chat.StoreError(err)
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "chat": newChatJSON(renamed)})
	}
}

func (a *API) handleDeleteChat() echo.HandlerFunc {
	return func(c echo.Context) error {
		chatID, err := chatIDParam(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		// Ownership first, so no one stops a reply in another user's chat.
		if _, err := a.Store.OwnedChat(ctx, userID(c), chatID); err != nil {
			return chat.StoreError(err)
		}
		if a.StopTurn != nil {
			a.StopTurn(chatID)
		}
		if err := a.Store.DeleteChat(ctx, userID(c), chatID); err != nil {
			return chat.StoreError(err)
		}
		return c.JSON(http.StatusOK, map[string]any{"success": true, "message": apperr.TextChatDeleted})
	}
}

func (a *API) handleChatMessages() echo.HandlerFunc {
	return func(c echo.Context) error {
		chatID, err := chatIDParam(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		query := c.QueryParams()
		if !query.Has("limit") && !query.Has("before") {
			// One query: the ownership check rides along with the messages.
			messages, err := a.Store.Messages(ctx, userID(c), chatID)
			if err != nil {
				return chat.StoreError(err)
			}
			return c.JSON(http.StatusOK, map[string]any{"messages": eachJSON(messages, newMessageJSON), "has_more": false})
		}
		limit, before, err := messagePaging(query)
		if err != nil {
			return err
		}
		page, err := a.Store.MessagesPage(ctx, userID(c), chatID, before, limit)
		if err != nil {
			return chat.StoreError(err)
		}
		return c.JSON(http.StatusOK, map[string]any{"messages": eachJSON(page.Messages, newMessageJSON), "has_more": page.HasMore})
	}
}

// chatIDParam is the route's chat id. Like Flask's <int:chat_id>, anything
// but a non-negative integer is no chat.
func chatIDParam(c echo.Context) (int64, error) {
	chatID, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || chatID < 0 {
		return 0, apperr.New(apperr.KindChatNotFound)
	}
	return chatID, nil
}

// chatTitle reads {title}, trimmed, 1 to maxTitleLength characters. Any
// other body (malformed JSON, a title that is not a string, none) gets the
// same answer.
func chatTitle(c echo.Context) (string, error) {
	var body struct {
		Title *string `json:"title"`
	}
	raw, err := io.ReadAll(c.Request().Body)
	if err != nil {
		// The body limit surfaces here as an HTTPError (413).
		return "", err
	}
	if json.Unmarshal(raw, &body) != nil || body.Title == nil {
		return "", apperr.New(apperr.KindInvalidTitle)
	}
	title := strings.TrimSpace(*body.Title)
	if length := utf8.RuneCountInString(title); length < 1 || length > maxTitleLength {
		return "", apperr.New(apperr.KindInvalidTitle)
	}
	return title, nil
}

// pageSize reads a limit of 1 to maxPageSize.
func pageSize(text string) (int, error) {
	size, err := strconv.Atoi(text)
	if err != nil || size < 1 || size > maxPageSize {
		return 0, apperr.New(apperr.KindInvalidPaging)
	}
	return size, nil
}

// chatListPaging reads limit and, when given, cursor.
func chatListPaging(query url.Values) (limit int, after *store.ChatCursor, err error) {
	if limit, err = pageSize(query.Get("limit")); err != nil {
		return 0, nil, err
	}
	if query.Has("cursor") {
		if after, err = decodeChatCursor(query.Get("cursor")); err != nil {
			return 0, nil, err
		}
	}
	return limit, after, nil
}

// messagePaging reads limit (defaultMessagePageSize when absent) and before
// (0, no bound, when absent).
func messagePaging(query url.Values) (limit int, before int64, err error) {
	limit = defaultMessagePageSize
	if query.Has("limit") {
		if limit, err = pageSize(query.Get("limit")); err != nil {
			return 0, 0, err
		}
	}
	if query.Has("before") {
		before, err = strconv.ParseInt(query.Get("before"), 10, 64)
		if err != nil || before < 1 {
			return 0, 0, apperr.New(apperr.KindInvalidPaging)
		}
	}
	return limit, before, nil
}

// A chat list cursor is the last chat's sort key, "<last_message_time in
// Unix microseconds>.<id>", in unpadded base64url: opaque to clients.
var chatCursorEncoding = base64.RawURLEncoding

func encodeChatCursor(cursor store.ChatCursor) string {
	key := strconv.FormatInt(cursor.LastMessageTime.UnixMicro(), 10) + "." + strconv.FormatInt(cursor.ID, 10)
	return chatCursorEncoding.EncodeToString([]byte(key))
}

func decodeChatCursor(text string) (*store.ChatCursor, error) {
	invalid := apperr.New(apperr.KindInvalidPaging)
	key, err := chatCursorEncoding.DecodeString(text)
	if err != nil {
		return nil, invalid
	}
	micros, id, found := strings.Cut(string(key), ".")
	lastMessageTime, timeErr := strconv.ParseInt(micros, 10, 64)
	chatID, idErr := strconv.ParseInt(id, 10, 64)
	if !found || timeErr != nil || idErr != nil || chatID < 1 {
		return nil, invalid
	}
	// The zero time (an old chat with no time) comes back as the zero time.
	return &store.ChatCursor{LastMessageTime: time.UnixMicro(lastMessageTime).UTC(), ID: chatID}, nil
}
