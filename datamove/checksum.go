package datamove

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
)

// digest is a SHA-256 over a table's rows in id order, each column in a
// canonical form that does not depend on the database it came from: a tag
// (NULL, integer, text, time), then an integer as 8 bytes big-endian, text
// as its length (uvarint) and bytes, a time as UTC microseconds since the
// Unix epoch (8 bytes). The same content gives the same digest on SQLite and
// PostgreSQL; any changed byte, NULL or row changes it.
type digest struct {
	h    hash.Hash
	rows int64
	buf  []byte
}

func newDigest() *digest {
	return &digest{h: sha256.New()}
}

// Tags of the canonical form.
const (
	tagNull byte = iota
	tagInteger
	tagText
	tagTime
)

func (d *digest) add(r row) {
	d.rows++
	b := d.buf[:0]
	for _, v := range r {
		switch {
		case v.null:
			b = append(b, tagNull)
		case v.kind == integer:
			b = append(b, tagInteger)
			b = binary.BigEndian.AppendUint64(b, uint64(v.n))
		case v.kind == text:
			b = append(b, tagText)
			b = binary.AppendUvarint(b, uint64(len(v.s)))
			b = append(b, v.s...)
		default:
			b = append(b, tagTime)
			b = binary.BigEndian.AppendUint64(b, uint64(v.t.UnixMicro()))
		}
	}
	d.h.Write(b)
	d.buf = b
}

// sum is the digest in hex.
func (d *digest) sum() string {
	return hex.EncodeToString(d.h.Sum(nil))
}
