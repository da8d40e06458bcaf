// Package store keeps users, chats, messages and server-side sessions.
// Two implementations share one interface: PostgreSQL (pgx) and an
// embedded SQLite file (pure Go). Open picks one from the URL scheme.
package store

import (
	"context"
	"errors"
	"time"
)

// Roles of a message.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// DefaultChatTitle is the title of a chat before its first message.
const DefaultChatTitle = "New Chat"

var (
	// ErrNotFound is returned when the requested row does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrEmailTaken is returned by CreateUser when the email is already registered.
	ErrEmailTaken = errors.New("store: email already registered")
	// ErrNotOwner is returned when a chat belongs to another user.
	ErrNotOwner = errors.New("store: chat belongs to another user")
	// ErrUnreachable is returned while the database does not answer.
	ErrUnreachable = errors.New("store: database unreachable")
)

// User is an account. Times are UTC.
type User struct {
	ID           int64
	Email        string
	PasswordHash string
	CreatedAt    time.Time
}

// UserSummary is a user as an operator's list shows them.
type UserSummary struct {
	User
	ChatCount int
}

// Chat is one conversation of a user.
type Chat struct {
	ID        int64
	UserID    int64
	Title     string
	CreatedAt time.Time
}

// ChatSummary is a chat as the chat list shows it.
type ChatSummary struct {
	Chat
	// LastMessageTime is the newest message's time, or CreatedAt for an empty chat.
	LastMessageTime time.Time
	MessageCount    int
}

// ChatCursor is a chat's place in the chat list's order: its
// LastMessageTime (zero for an old chat with no time at all) and its ID.
type ChatCursor struct {
	LastMessageTime time.Time
	ID              int64
}

// ChatPage is one page of the chat list.
type ChatPage struct {
	Chats []ChatSummary
	// Next is where the following page starts; nil on the last page.
	Next *ChatCursor
}

// Message is one turn of a chat.
type Message struct {
	ID        int64
	ChatID    int64
	Role      string
	Content   string
	Timestamp time.Time
}

// MessagePage is one page of a chat's messages, oldest first.
type MessagePage struct {
	Messages []Message
	// HasMore is true when older messages exist.
	HasMore bool
}

// SearchResult is one message found by Store.Search, with its chat's title.
type SearchResult struct {
	ChatID    int64
	ChatTitle string
	MessageID int64
	Role      string
	// Snippet is a short part of the content around the match, the
	// matched words between SnippetStart and SnippetStop.
	Snippet   string
	Timestamp time.Time
}

// The marks around matched words in SearchResult.Snippet.
const (
	SnippetStart = "«"
	SnippetStop  = "»"
)

// Store is the application's data access.
type Store interface {
	// CreateUser inserts a user; ErrEmailTaken when the email exists.
	CreateUser(ctx context.Context, email, passwordHash string) (User, error)
	// UserByEmail returns ErrNotFound when no user has that email.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UserByID returns ErrNotFound when no user has that id.
	UserByID(ctx context.Context, id int64) (User, error)
	// UpdatePasswordHash sets a user's password hash; ErrNotFound when no
	// user has that id.
	UpdatePasswordHash(ctx context.Context, userID int64, passwordHash string) error
	// ListUsers returns every user with their number of chats, by id, in
	// one query.
	ListUsers(ctx context.Context) ([]UserSummary, error)
	// DeleteUser deletes a user with everything they have, in one
	// transaction: their chats' messages, their chats, their rows of the
	// session table and the user; ErrNotFound when no user has that id.
	DeleteUser(ctx context.Context, userID int64) error

	// CreateChat inserts a chat titled DefaultChatTitle.
	CreateChat(ctx context.Context, userID int64) (Chat, error)
	// ChatByID returns ErrNotFound when the chat does not exist.
	ChatByID(ctx context.Context, id int64) (Chat, error)
	// OwnedChat returns the chat when it is userID's: ErrNotFound when it
	// does not exist, ErrNotOwner when it is another user's.
	OwnedChat(ctx context.Context, userID, chatID int64) (Chat, error)
	// ListChats returns a user's chats, most recent activity first, in one query.
	ListChats(ctx context.Context, userID int64) ([]ChatSummary, error)
	// ListChatsPage returns up to limit of a user's chats in ListChats'
	// order, starting after the chat at after (nil: from the top), in one
	// query. The page follows the cursor's key, not an offset, so new chats
	// and messages do not shift it; a chat whose activity changes between
	// pages moves in the order and may be seen twice or not at all.
	ListChatsPage(ctx context.Context, userID int64, after *ChatCursor, limit int) (ChatPage, error)
	// RenameChat sets the title of a chat of userID's and returns it:
	// ErrNotFound when the chat does not exist, ErrNotOwner when it is
	// another user's.
	RenameChat(ctx context.Context, userID, chatID int64, title string) (ChatSummary, error)
	// DeleteChat deletes a chat of userID's with its messages: ErrNotFound
	// when the chat does not exist, ErrNotOwner when it is another user's.
	DeleteChat(ctx context.Context, userID, chatID int64) error

	// Messages returns the messages of a chat of userID's, oldest first, in
	// one query; ErrNotFound when the chat does not exist and ErrNotOwner
	// when it is another user's (asked only when no message came back).
	Messages(ctx context.Context, userID, chatID int64) ([]Message, error)
	// MessagesPage returns the newest limit messages of a chat of userID's
	// whose ids are below before (0: no bound), oldest first, in one query;
	// errors as Messages. Pages go by id, the order messages were stored in.
	MessagesPage(ctx context.Context, userID, chatID, before int64, limit int) (MessagePage, error)
	// AddUserMessage stores a user message; when it is the chat's first
	// message and the chat still has DefaultChatTitle (it was not renamed),
	// the chat's title becomes title, atomically.
	AddUserMessage(ctx context.Context, chatID int64, content, title string) (Message, error)
	// AddAssistantMessage stores an assistant message.
	AddAssistantMessage(ctx context.Context, chatID int64, content string) (Message, error)

	// Search finds up to limit messages of userID's chats whose content
	// holds every word of query (full-text: whole words, any order, case
	// insensitive), best match first and, among equals, newest first, in
	// one query. A query with no words (only punctuation) finds nothing.
	Search(ctx context.Context, userID int64, query string, limit int) ([]SearchResult, error)

	// ExportUser walks everything userID has: each chat by id, calling
	// visit(chat, nil) as it begins, then visit(chat, &message) for each of
	// its messages by id (an empty chat gets only the first call; a user
	// with no chats, none). It is one query read row by row from the
	// database cursor, so memory does not grow with the data, and it sees
	// one consistent snapshot. The query's connection stays in use until
	// ExportUser returns. An error of visit stops the walk and is returned
	// as it is.
	ExportUser(ctx context.Context, userID int64, visit func(chat Chat, message *Message) error) error

	// Sessions is the server-side session table in the application database.
	Sessions() SessionTable

	// Stats is the connection pool's use, for metrics.
	Stats() PoolStats

	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
}

// PoolStats is how many database connections are in use and idle, and the
// most that may be open (SQLite counts its reader and writer pools).
type PoolStats struct {
	InUse, Idle, MaxOpen int
}

// SessionTable stores opaque session data by id with an expiry and the
// user it belongs to, so several instances sharing the database share
// sessions.
type SessionTable interface {
	// LoadSession returns ErrNotFound for an unknown or expired id.
	LoadSession(ctx context.Context, id string) ([]byte, error)
	// SaveSession stores the session of userID (0: of no user, NULL).
	SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions deletes every session of userID.
	DeleteUserSessions(ctx context.Context, userID int64) error
	// PurgeSessions deletes sessions that expired before now.
	PurgeSessions(ctx context.Context, now time.Time) (int64, error)
}
