package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/store"
)

type chatJSON struct {
	ID              int64  `json:"id"`
	UserID          int64  `json:"user_id"`
	Title           string `json:"title"`
	CreatedAt       Time   `json:"created_at"`
	LastMessageTime Time   `json:"last_message_time"`
	MessageCount    int    `json:"message_count"`
}

type messageJSON struct {
	ID        int64  `json:"id"`
	ChatID    int64  `json:"chat_id"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	Timestamp Time   `json:"timestamp"`
}

// ownedChat returns the chat when it exists and belongs to userID; REST and
// Socket.IO share it so both answer with the same messages.
func (a *API) ownedChat(ctx context.Context, userID, chatID int64) (store.Chat, error) {
	chat, err := a.Store.ChatByID(ctx, chatID)
	if err == nil && chat.UserID != userID {
		err = store.ErrNotOwner
	}
	if err != nil {
		return store.Chat{}, chatError(err)
	}
	return chat, nil
}

// chatError answers a store error about one chat with the contract's
// message: unknown chats and other users' chats differ, as in the old
// service.
func chatError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fail(http.StatusNotFound, msgChatNotFound)
	case errors.Is(err, store.ErrNotOwner):
		return fail(http.StatusForbidden, msgAccessDenied)
	}
	return internal(err)
}

func (a *API) handleListChats() echo.HandlerFunc {
	return func(c echo.Context) error {
		chats, err := a.Store.ListChats(c.Request().Context(), userID(c))
		if err != nil {
			return internal(err)
		}
		out := make([]chatJSON, len(chats))
		for i, ch := range chats {
			out[i] = chatJSON{
				ID: ch.ID, UserID: ch.UserID, Title: ch.Title, CreatedAt: Time(ch.CreatedAt),
				LastMessageTime: Time(ch.LastMessageTime), MessageCount: ch.MessageCount,
			}
		}
		return c.JSON(http.StatusOK, map[string]any{"chats": out})
	}
}

func (a *API) handleCreateChat() echo.HandlerFunc {
	return func(c echo.Context) error {
		chat, err := a.Store.CreateChat(c.Request().Context(), userID(c))
		if err != nil {
			return internal(err)
		}
		return c.JSON(http.StatusCreated, map[string]any{
			"chat_id": chat.ID, "id": chat.ID, "user_id": chat.UserID,
			"title": chat.Title, "created_at": Time(chat.CreatedAt),
		})
	}
}

func (a *API) handleChatMessages() echo.HandlerFunc {
	return func(c echo.Context) error {
		// Like Flask's <int:chat_id>: anything but a non-negative integer is no chat.
		chatID, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || chatID < 0 {
			return fail(http.StatusNotFound, msgChatNotFound)
		}
		// One query: the ownership check rides along with the messages.
		messages, err := a.Store.Messages(c.Request().Context(), userID(c), chatID)
		if err != nil {
			return chatError(err)
		}
		out := make([]messageJSON, len(messages))
		for i, m := range messages {
			out[i] = messageJSON{ID: m.ID, ChatID: m.ChatID, Role: m.Role, Content: m.Content, Timestamp: Time(m.Timestamp)}
		}
		return c.JSON(http.StatusOK, map[string]any{"messages": out})
	}
}
