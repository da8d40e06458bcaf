package handlers

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/store"
)

// Search's bounds (CONTRACT.md): the text in characters after trimming,
// and the number of results.
const (
	maxSearchLength    = 200
	defaultSearchLimit = 20
	maxSearchLimit     = 100
)

// handleSearch answers GET /api/chat/search?q=TEXT&limit=N: the caller's
// messages matching q, best match first.
func (a *API) handleSearch() echo.HandlerFunc {
	return func(c echo.Context) error {
		query := c.QueryParams()
		text := strings.TrimSpace(query.Get("q"))
		if length := utf8.RuneCountInString(text); !utf8.ValidString(text) || length < 1 || length > maxSearchLength {
			return apperr.New(apperr.KindInvalidSearch)
		}
		limit := defaultSearchLimit
		if query.Has("limit") {
			var err error
			if limit, err = pageSize(query.Get("limit")); err != nil {
				return err
			}
			if limit > maxSearchLimit {
				return apperr.New(apperr.KindInvalidPaging)
			}
		}
		results, err := a.Store.Search(c.Request().Context(), userID(c), text, limit)
		if err != nil {
			return apperr.Internal(err)
		}
		return c.JSON(http.StatusOK, map[string]any{"results": eachJSON(results, newSearchResultJSON)})
	}
}

type searchResultJSON struct {
	ChatID    int64  `json:"chat_id"`
	ChatTitle string `json:"chat_title"`
	MessageID int64  `json:"message_id"`
	Role      string `json:"role"`
	Snippet   string `json:"snippet"`
	Timestamp Time   `json:"timestamp"`
}

func newSearchResultJSON(r store.SearchResult) searchResultJSON {
	return searchResultJSON{
		ChatID: r.ChatID, ChatTitle: r.ChatTitle, MessageID: r.MessageID,
		Role: r.Role, Snippet: r.Snippet, Timestamp: Time(r.Timestamp),
	}
}
