package datamove

// table is one copied table: its columns in the order every query reads
// and writes them (the id first), and its SQL. The queries hold for both
// databases (modernc binds $N by position as PostgreSQL does) and read only
// columns the old Flask schema has too. Chats and messages are read through
// their parents, so rows an old SQLite file kept after their parent was
// deleted (it never enforced foreign keys) are left out, as the store's own
// migration of such a file drops them.
type table struct {
	name    string
	columns []column
	// batch reads up to $2 rows with ids above $1, by id.
	batch string
	// countAfter counts the rows batch would read above $1.
	countAfter string
	// countAll counts every row, parent or not.
	countAll string
	// maxID is the highest id, 0 when empty.
	maxID string
	// insert writes one row (SQLite; PostgreSQL uses COPY).
	insert string
}

type column struct {
	name string
	kind kind
}

func (t table) columnNames() []string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.name
	}
	return names
}

var users = table{
	name: "users",
	columns: []column{
		{"id", integer}, {"email", text}, {"password_hash", text}, {"created_at", timestamp},
	},
	batch: `
		SELECT id, email, password_hash, created_at
		FROM users
		WHERE id > $1
		ORDER BY id
		LIMIT $2`,
	countAfter: `SELECT COUNT(*) FROM users WHERE id > $1`,
	countAll:   `SELECT COUNT(*) FROM users`,
	maxID:      `SELECT COALESCE(MAX(id), 0) FROM users`,
	insert: `
		INSERT INTO users (id, email, password_hash, created_at)
		VALUES ($1, $2, $3, $4)`,
}

var chats = table{
	name: "chats",
	columns: []column{
		{"id", integer}, {"user_id", integer}, {"title", text}, {"created_at", timestamp},
	},
	batch: `
		SELECT chats.id, chats.user_id, chats.title, chats.created_at
		FROM chats
		JOIN users ON users.id = chats.user_id
		WHERE chats.id > $1
		ORDER BY chats.id
		LIMIT $2`,
	countAfter: `
		SELECT COUNT(*)
		FROM chats
		JOIN users ON users.id = chats.user_id
		WHERE chats.id > $1`,
	countAll: `SELECT COUNT(*) FROM chats`,
	maxID:    `SELECT COALESCE(MAX(id), 0) FROM chats`,
	insert: `
		INSERT INTO chats (id, user_id, title, created_at)
		VALUES ($1, $2, $3, $4)`,
}

var messages = table{
	name: "messages",
	columns: []column{
		{"id", integer}, {"chat_id", integer}, {"role", text}, {"content", text}, {"timestamp", timestamp},
	},
	batch: `
		SELECT messages.id, messages.chat_id, messages.role, messages.content, messages.timestamp
		FROM messages
		JOIN chats ON chats.id = messages.chat_id
		JOIN users ON users.id = chats.user_id
		WHERE messages.id > $1
		ORDER BY messages.id
		LIMIT $2`,
	countAfter: `
		SELECT COUNT(*)
		FROM messages
		JOIN chats ON chats.id = messages.chat_id
		JOIN users ON users.id = chats.user_id
		WHERE messages.id > $1`,
	countAll: `SELECT COUNT(*) FROM messages`,
	maxID:    `SELECT COALESCE(MAX(id), 0) FROM messages`,
	insert: `
		INSERT INTO messages (id, chat_id, role, content, timestamp)
		VALUES ($1, $2, $3, $4, $5)`,
}

// tables are copied parents first, so every row's parent is already there.
var tables = []table{users, chats, messages}
