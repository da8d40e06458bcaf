// Package auth hashes and verifies passwords in Werkzeug's format, so the
// users table of the old Flask service keeps working in place.
package auth

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// MaxPasswordBytes bounds the password length accepted for hashing.
const MaxPasswordBytes = 1024

var (
	// ErrPasswordTooLong is returned for passwords over MaxPasswordBytes.
	ErrPasswordTooLong = errors.New("auth: password is too long")
	// ErrMalformedHash is wrapped by Verify errors for stored hashes it
	// cannot parse, does not support or refuses to compute.
	ErrMalformedHash = errors.New("auth: malformed password hash")
)

const (
	// Werkzeug's DEFAULT_PBKDF2_ITERATIONS of the 2.3/3.0 releases.
	defaultIterations = 600000
	saltLength        = 16
	saltChars         = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

	// Limits that keep a crafted database row from pinning CPU or memory.
	maxIterations = 10_000_000
	// maxScryptBytes bounds 128*N*r*p: the memory of one pass times the
	// number of sequential passes.
	maxScryptBytes = 256 << 20
	// Werkzeug leaves hashlib.scrypt's dklen at its default.
	scryptKeyLen = 64
)

// dummyHash is verified for unknown emails so that they cost the same as a
// wrong password for a user with a default hash.
const dummyHash = "pbkdf2:sha256:600000$Df4Gh5Jk6Lz7Xc8V$fe691c5f2315a220d88368019e22257c73d4ed09dea34b4c17d4d461266fdd26"

// pbkdf2Hashes are the digests Werkzeug hashes were made with: sha256 is
// the default, sha1 the default of Werkzeug before 1.0.
var pbkdf2Hashes = map[string]func() hash.Hash{
	"sha1":   sha1.New,
	"sha256": sha256.New,
	"sha512": sha512.New,
}

// Hasher hashes and verifies passwords, running at most a fixed number of
// computations at once, each on an OS thread of the lowest priority, so that
// a burst of logins queues and takes only CPU time nothing else wants.
type Hasher struct {
	slots chan struct{}
}

// NewHasher returns a Hasher running at most concurrency computations at
// once; concurrency <= 0 means one per CPU on Linux, where hashing runs at
// the lowest priority, and one less elsewhere.
func NewHasher(concurrency int) *Hasher {
	if concurrency <= 0 {
		concurrency = defaultConcurrency()
	}
	return &Hasher{slots: make(chan struct{}, concurrency)}
}

// do runs fn once a slot is free, or returns ctx's error while waiting.
func (h *Hasher) do(ctx context.Context, fn func()) error {
	// Checked first because select picks randomly among ready cases.
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.slots }()
	done := make(chan struct{})
	var panicked any
	go func() {
		defer close(done)
		// A panic belongs to the caller, whose request recovers and logs
		// it; on this goroutine it would end the process.
		defer func() { panicked = recover() }()
		// The thread is locked and never unlocked, so the runtime ends it
		// with this goroutine and its lowered priority dies with it.
		runtime.LockOSThread()
		// If this fails, hashing runs at normal priority: the rest of the
		// process is slower under a login storm, nothing is wrong.
		_ = lowerThreadPriority()
		release := addProc()
		defer release()
		fn()
	}()
	<-done
	if panicked != nil {
		panic(panicked)
	}
	return nil
}

// Hash returns password hashed as Werkzeug's
// generate_password_hash(password, "pbkdf2:sha256:600000") does.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	p := params{method: "pbkdf2", hash: "sha256", iterations: defaultIterations, salt: newSalt()}
	var sum string
	var err error
	if werr := h.do(ctx, func() { sum, err = p.derive(password) }); werr != nil {
		return "", fmt.Errorf("auth: unable to hash password: %w", werr)
	}
	if err != nil {
		return "", fmt.Errorf("auth: unable to hash password: %w", err)
	}
	return fmt.Sprintf("pbkdf2:sha256:%d$%s$%s", defaultIterations, p.salt, sum), nil
}

// Verify reports whether password matches encoded, a Werkzeug hash of the
// form "pbkdf2:<digest>[:<iterations>]$salt$hex" or
// "scrypt[:N:r:p]$salt$hex". A hash it cannot use yields false and an error
// wrapping ErrMalformedHash.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	if len(password) > MaxPasswordBytes {
		return false, ErrPasswordTooLong
	}
	p, want, err := parse(encoded)
	if err != nil {
		return false, err
	}
	var got string
	if werr := h.do(ctx, func() { got, err = p.derive(password) }); werr != nil {
		return false, fmt.Errorf("auth: unable to verify password: %w", werr)
	}
	if err != nil {
		return false, fmt.Errorf("auth: unable to verify password: %w", err)
	}
	// Both are lowercase hex of the same length, as Werkzeug compares them.
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1, nil
}

// VerifyDummy does the work of verifying a default hash and discards the
// result, for logins with an unknown email: they must take as long as a
// wrong password.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	_, _ = h.Verify(ctx, dummyHash, password)
}

// params are the parsed method and salt of a hash.
type params struct {
	method     string // "pbkdf2" or "scrypt"
	hash       string // pbkdf2 digest name
	iterations int
	n, r, p    int // scrypt costs
	salt       string
}

// keyLen is the derived key length Werkzeug uses for the method.
func (p params) keyLen() int {
	if p.method == "scrypt" {
		return scryptKeyLen
	}
	return pbkdf2Hashes[p.hash]().Size()
}

// derive computes the hex digest of password as Werkzeug's _hash_internal.
func (p params) derive(password string) (string, error) {
	var key []byte
	var err error
	if p.method == "scrypt" {
		key, err = scrypt.Key([]byte(password), []byte(p.salt), p.n, p.r, p.p, scryptKeyLen)
	} else {
		key, err = pbkdf2.Key(pbkdf2Hashes[p.hash], password, []byte(p.salt), p.iterations, p.keyLen())
	}
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(key), nil
}

// parse splits a Werkzeug hash into its parameters and hex digest. Errors
// never quote the hash: a corrupt row may hold something secret.
func parse(encoded string) (params, string, error) {
	parts := strings.SplitN(encoded, "$", 3)
	if len(parts) != 3 {
		return params{}, "", fmt.Errorf("%w: want method$salt$hash", ErrMalformedHash)
	}
	args := strings.Split(parts[0], ":")
	p := params{method: args[0], salt: parts[1]}
	var err error
	switch p.method {
	case "pbkdf2":
		err = p.parsePBKDF2(args[1:])
	case "scrypt":
		err = p.parseScrypt(args[1:])
	default:
		// Not quoted: without a known method this may not be a hash at all.
		return params{}, "", fmt.Errorf("%w: unsupported method", ErrMalformedHash)
	}
	if err != nil {
		return params{}, "", fmt.Errorf("%w: %s: %w", ErrMalformedHash, p.method, err)
	}
	want := parts[2]
	if len(want) != 2*p.keyLen() || strings.ToLower(want) != want {
		return params{}, "", fmt.Errorf("%w: %s: digest is not %d lowercase hex characters", ErrMalformedHash, p.method, 2*p.keyLen())
	}
	if _, err := hex.DecodeString(want); err != nil {
		return params{}, "", fmt.Errorf("%w: %s: digest is not hex", ErrMalformedHash, p.method)
	}
	return p, want, nil
}

// parsePBKDF2 reads "[digest[:iterations]]", defaulting as Werkzeug does.
func (p *params) parsePBKDF2(args []string) error {
	p.hash, p.iterations = "sha256", defaultIterations
	if len(args) > 2 {
		return errors.New("too many arguments")
	}
	if len(args) >= 1 {
		p.hash = args[0]
	}
	if _, ok := pbkdf2Hashes[p.hash]; !ok {
		return errors.New("unsupported digest")
	}
	if len(args) == 2 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 || n > maxIterations {
			return fmt.Errorf("iterations must be 1 to %d", maxIterations)
		}
		p.iterations = n
	}
	return nil
}

// parseScrypt reads "[N:r:p]", defaulting as Werkzeug does.
func (p *params) parseScrypt(args []string) error {
	if len(args) == 0 {
		p.n, p.r, p.p = 1<<15, 8, 1
		return nil
	}
	if len(args) != 3 {
		return errors.New("want N:r:p")
	}
	var costs [3]int
	for i, a := range args {
		v, err := strconv.Atoi(a)
		if err != nil || v < 1 {
			return errors.New("scrypt N, r and p must be positive integers")
		}
		costs[i] = v
	}
	p.n, p.r, p.p = costs[0], costs[1], costs[2]
	if p.n < 2 || p.n&(p.n-1) != 0 {
		return errors.New("scrypt N must be a power of 2")
	}
	// Checked step by step so that the products cannot overflow.
	if p.n > maxScryptBytes/128 || p.r > maxScryptBytes/128/p.n || p.p > maxScryptBytes/128/p.n/p.r {
		return fmt.Errorf("128*N*r*p exceeds %d bytes", maxScryptBytes)
	}
	return nil
}

// newSalt returns saltLength characters drawn uniformly from saltChars, as
// Werkzeug's gen_salt.
func newSalt() string {
	salt := make([]byte, 0, saltLength)
	buf := make([]byte, 2*saltLength)
	for len(salt) < saltLength {
		rand.Read(buf) // never fails since Go 1.24
		for _, b := range buf {
			// Rejecting the top of the byte range keeps the modulo unbiased.
			if int(b) < 256-256%len(saltChars) && len(salt) < saltLength {
				salt = append(salt, saltChars[int(b)%len(saltChars)])
			}
		}
	}
	return string(salt)
}
