package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	fileSuffix = ".session"
	tempPrefix = "tmp-"
	// A temporary file this old was left by a crashed write.
	staleTempAge = time.Hour
)

// FileBackend keeps one file per session in a directory (SESSION_TYPE
// filesystem). Several processes may share the directory: every write is
// a rename of a complete file.
type FileBackend struct {
	dir string
	// decoded keeps what each session file held, checked against the file
	// with one stat per lookup instead of opening, reading and decoding it
	// on every request; a rename by another process shows as a new file.
	decoded sync.Map // id → cachedRecord
}

// cachedRecord is a decoded session file and the file it came from.
type cachedRecord struct {
	file fs.FileInfo
	rec  fileRecord
}

// current reports whether file is still the one the record was read from.
func (c cachedRecord) current(file fs.FileInfo) bool {
	return os.SameFile(c.file, file) && c.file.ModTime().Equal(file.ModTime()) && c.file.Size() == file.Size()
}

// fileRecord is the content of a session file.
type fileRecord struct {
	Expires time.Time `json:"expires"`
	// UserID is 0 for a session of no user, and in files written before
	// sessions knew their user.
	UserID int64  `json:"user_id,omitempty"`
	Data   []byte `json:"data"`
}

// NewFileBackend stores sessions in dir, creating it if needed.
func NewFileBackend(dir string) (*FileBackend, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("session: unable to create session directory: %w", err)
	}
	return &FileBackend{dir: dir}, nil
}

// validID accepts only ids that are safe as file names on any system.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (b *FileBackend) path(id string) (string, error) {
	if !validID(id) {
		return "", errors.New("session: invalid session id")
	}
	return filepath.Join(b.dir, id+fileSuffix), nil
}

// LoadSession returns the data of an unexpired session.
func (b *FileBackend) LoadSession(ctx context.Context, id string) ([]byte, error) {
	path, err := b.path(id)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrNotFound)
	}
	rec, err := b.record(id, path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !time.Now().Before(rec.Expires) {
		return nil, ErrNotFound
	}
	return rec.Data, nil
}

// SaveSession writes the session to a temporary file and renames it into
// place, so readers never see a partial file.
func (b *FileBackend) SaveSession(ctx context.Context, id string, userID int64, data []byte, expiry time.Time) error {
	path, err := b.path(id)
	if err != nil {
		return err
	}
	content, err := json.Marshal(fileRecord{Expires: expiry, UserID: userID, Data: data})
	if err != nil {
		return fmt.Errorf("session: unable to encode session file: %w", err)
	}
	// CreateTemp makes the file 0600.
	f, err := os.CreateTemp(b.dir, tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("session: unable to save session: %w", err)
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("session: unable to save session: %w", withoutPath(err))
	}
	return nil
}

// DeleteSession removes the session; an unknown id is not an error.
func (b *FileBackend) DeleteSession(ctx context.Context, id string) error {
	path, err := b.path(id)
	if err != nil {
		return err
	}
	b.decoded.Delete(id)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("session: unable to delete session: %w", withoutPath(err))
	}
	return nil
}

// DeleteUserSessions removes the files of userID's sessions. It reads every
// session file of the directory (those decoded before come from the cache
// after one stat): a directory has no index by user, and ending all of a
// user's sessions (a password change, an account deletion) is rare.
func (b *FileBackend) DeleteUserSessions(ctx context.Context, userID int64) error {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return fmt.Errorf("session: unable to list sessions: %w", err)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		id, ok := strings.CutSuffix(e.Name(), fileSuffix)
		if !ok || !validID(id) {
			continue
		}
		rec, err := b.record(id, filepath.Join(b.dir, e.Name()))
		if err != nil || rec.UserID != userID {
			// Unreadable files are reported by LoadSession, not here.
			continue
		}
		if err := b.DeleteSession(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// PurgeSessions removes the files of sessions that expired before now,
// and temporary files left by crashed writes. Other files in the
// directory, such as the old service's, are left alone.
func (b *FileBackend) PurgeSessions(ctx context.Context, now time.Time) (int64, error) {
	b.decoded.Range(func(id, c any) bool {
		if !now.Before(c.(cachedRecord).rec.Expires) {
			b.decoded.Delete(id)
		}
		return true
	})
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return 0, fmt.Errorf("session: unable to list sessions: %w", err)
	}
	var purged int64
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return purged, err
		}
		name := e.Name()
		path := filepath.Join(b.dir, name)
		switch {
		case strings.HasSuffix(name, fileSuffix):
			rec, err := readRecord(path)
			if err != nil || rec.Expires.After(now) {
				// Unreadable files are reported by LoadSession, not here.
				continue
			}
			if err := os.Remove(path); err == nil {
				purged++
			}
		case strings.HasPrefix(name, tempPrefix):
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleTempAge {
				os.Remove(path)
			}
		}
	}
	return purged, nil
}

// record is the session file's content, decoded again only when the file
// changed since it was last read.
func (b *FileBackend) record(id, path string) (fileRecord, error) {
	file, err := os.Stat(path)
	if err != nil {
		b.decoded.Delete(id)
		if errors.Is(err, fs.ErrNotExist) {
			return fileRecord{}, err
		}
		return fileRecord{}, fmt.Errorf("session: unable to read session: %w", withoutPath(err))
	}
	if c, ok := b.decoded.Load(id); ok && c.(cachedRecord).current(file) {
		return c.(cachedRecord).rec, nil
	}
	rec, err := readRecord(path)
	if err == nil {
		b.decoded.Store(id, cachedRecord{file: file, rec: rec})
	}
	return rec, err
}

func readRecord(path string) (fileRecord, error) {
	var rec fileRecord
	content, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, err
	}
	if err != nil {
		return rec, fmt.Errorf("session: unable to read session: %w", withoutPath(err))
	}
	if err := json.Unmarshal(content, &rec); err != nil {
		return rec, fmt.Errorf("session: unable to decode session file: %w", err)
	}
	return rec, nil
}

// withoutPath drops the file name from os errors: it contains the session
// id, which must not reach the logs.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return err
}
