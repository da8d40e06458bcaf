package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/chat"
)

func (a *API) handleListChats() echo.HandlerFunc {
	return func(c echo.Context) error {
		chats, err := a.Store.ListChats(c.Request().Context(), userID(c))
		if err != nil {
			return apperr.Internal(err)
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

func (a *API) handleChatMessages() echo.HandlerFunc {
	return func(c echo.Context) error {
		// Like Flask's <int:chat_id>: anything but a non-negative integer is no chat.
		chatID, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || chatID < 0 {
			return apperr.New(apperr.KindChatNotFound)
		}
		// One query: the ownership check rides along with the messages.
		messages, err := a.Store.Messages(c.Request().Context(), userID(c), chatID)
		if err != nil {
			return chat.StoreError(err)
		}
		out := make([]messageJSON, len(messages))
		for i, m := range messages {
			out[i] = messageJSON{ID: m.ID, ChatID: m.ChatID, Role: m.Role, Content: m.Content, Timestamp: Time(m.Timestamp)}
		}
		return c.JSON(http.StatusOK, map[string]any{"messages": out})
	}
}
