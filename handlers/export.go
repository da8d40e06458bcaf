package handlers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/amanda-platform/amanda-backend/apperr"
	"github.com/amanda-platform/amanda-backend/store"
)

// The export is written through a buffer of exportBufferSize and flushed to
// the client every exportFlushEvery elements (chats and messages), so memory
// stays flat however much the user has. A small export is written whole at
// the end, so an error while reading it still gets an error response.
const (
	exportBufferSize = 32 << 10
	exportFlushEvery = 256
)

type exportChatJSON struct {
	ID        int64  `json:"id"`
	Title     string `json:"title"`
	CreatedAt Time   `json:"created_at"`
}

type exportMessageJSON struct {
	ID        int64  `json:"id"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	Timestamp Time   `json:"timestamp"`
}

// handleExport streams GET /api/user/export: {exported_at, user, chats:
// [{id, title, created_at, messages: [...]}]}, each element encoded as the
// store's cursor reaches it. Once bytes have reached the client a failure
// cannot become an error response: the connection is aborted, so the client
// sees a broken download rather than a truncated JSON that looks whole.
func (a *API) handleExport() echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		user, err := a.signedInUser(c)
		if err != nil {
			return err
		}
		exportedAt := time.Now().UTC()
		header := c.Response().Header()
		header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		header.Set(echo.HeaderContentDisposition,
			fmt.Sprintf(`attachment; filename="amanda-export-%s.json"`, exportedAt.Format(time.DateOnly)))

		w := newExportWriter(c.Response())
		w.raw(`{"exported_at":`)
		w.value(Time(exportedAt))
		w.raw(`,"user":`)
		w.value(newUserJSON(user))
		w.raw(`,"chats":[`)
		chats, messages, firstMessage := 0, 0, false
		err = a.Store.ExportUser(ctx, user.ID, func(chat store.Chat, message *store.Message) error {
			if message == nil {
				if chats > 0 {
					w.raw(`]},`)
				}
				chats++
				w.object(exportChatJSON{ID: chat.ID, Title: chat.Title, CreatedAt: Time(chat.CreatedAt)}, `,"messages":[`)
				firstMessage = true
			} else {
				if !firstMessage {
					w.raw(`,`)
				}
				messages++
				firstMessage = false
				w.value(exportMessageJSON{ID: message.ID, Role: message.Role, Content: message.Content, Timestamp: Time(message.Timestamp)})
			}
			return w.elementDone()
		})
		if err == nil {
			if chats > 0 {
				w.raw(`]}`)
			}
			w.raw(`]}`)
			err = w.finish()
		}
		if err == nil {
			return nil
		}
		if !c.Response().Committed {
			// Nothing was sent: an ordinary error response.
			header.Del(echo.HeaderContentDisposition)
			return apperr.Internal(err)
		}
		if w.writeErr != nil || ctx.Err() != nil {
			a.Logger.InfoContext(ctx, "export aborted: the client went away",
				"chats", chats, "messages", messages, "error", err)
		} else {
			a.Logger.ErrorContext(ctx, "export failed mid-way; aborting the download",
				"chats", chats, "messages", messages, "error", err)
		}
		panic(http.ErrAbortHandler)
	}
}

// exportWriter writes the export's JSON to the response through a buffer,
// one element at a time; after an error it writes nothing more.
type exportWriter struct {
	resp     *echo.Response
	buf      *bufio.Writer
	scratch  bytes.Buffer
	enc      *json.Encoder // encodes into scratch
	elements int
	writeErr error
	encErr   error
}

func newExportWriter(resp *echo.Response) *exportWriter {
	w := &exportWriter{resp: resp, buf: bufio.NewWriterSize(resp, exportBufferSize)}
	w.enc = json.NewEncoder(&w.scratch)
	return w
}

func (w *exportWriter) raw(s string) {
	if w.err() == nil {
		_, w.writeErr = w.buf.WriteString(s)
	}
}

func (w *exportWriter) write(p []byte) {
	if w.err() == nil {
		_, w.writeErr = w.buf.Write(p)
	}
}

// encode leaves v's JSON in scratch, without the encoder's newline.
func (w *exportWriter) encode(v any) bool {
	if w.err() != nil {
		return false
	}
	w.scratch.Reset()
	if err := w.enc.Encode(v); err != nil {
		w.encErr = err
		return false
	}
	w.scratch.Truncate(w.scratch.Len() - 1)
	return true
}

// value writes v as JSON.
func (w *exportWriter) value(v any) {
	if w.encode(v) {
		w.write(w.scratch.Bytes())
	}
}

// object writes the JSON object v with more in place of its closing brace
// (more members, and what opens the next value).
func (w *exportWriter) object(v any, more string) {
	if w.encode(v) {
		w.write(w.scratch.Bytes()[:w.scratch.Len()-1])
		w.raw(more)
	}
}

// elementDone counts an element, flushing to the client now and then, and
// returns any error so far, which stops the store's walk.
func (w *exportWriter) elementDone() error {
	w.elements++
	if w.elements%exportFlushEvery == 0 {
		w.flush()
	}
	return w.err()
}

// flush sends what is buffered on to the client.
func (w *exportWriter) flush() {
	if w.err() != nil {
		return
	}
	if w.writeErr = w.buf.Flush(); w.writeErr != nil {
		return
	}
	if err := http.NewResponseController(w.resp.Writer).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		w.writeErr = err
	}
}

func (w *exportWriter) finish() error {
	w.flush()
	return w.err()
}

func (w *exportWriter) err() error {
	if w.writeErr != nil {
		return fmt.Errorf("writing the export: %w", w.writeErr)
	}
	if w.encErr != nil {
		return fmt.Errorf("encoding the export: %w", w.encErr)
	}
	return nil
}
