package auth

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

const testPassword = "correct horse battery"

// Vectors made with Python's hashlib exactly as Werkzeug's _hash_internal
// calls it, e.g. hashlib.pbkdf2_hmac("sha256", pw.encode(), salt.encode(), n).hex()
// and hashlib.scrypt(pw.encode(), salt=salt.encode(), n=N, r=r, p=p,
// maxmem=132*N*r*p, dklen=64).hex().
const (
	vecPBKDF2Default = "pbkdf2:sha256:600000$Zq3VbT8mN1xK5pLw$e5366f52f3ae0ee0bbb5974f4dc94dc53d59d91467585a9cfd61888a5fd10588"
	vecPBKDF2Old     = "pbkdf2:sha256:260000$aB7cD9eF1gH3iJ5k$ad8637065a6912589ffca21e126ab164a5dd707a2aa8170cea3263604175343f"
	vecPBKDF2Cheap   = "pbkdf2:sha256:1000$Xy12Ab34Cd56Ef78$5ccf6c8d0e90133fb6e409fdc2f948122fcc05320095fe52dc882656e0915e86"
	vecPBKDF2SHA512  = "pbkdf2:sha512:1000$Qw8Er7Ty6Ui5Op4A$f96725ccb06d3221d473f882da60203ca74dec074673534ce1f1ce17278ff7039149f2b64e047040bd6ac2fdedcdde13ac15e327b5e721f115e8196d990b09f7"
	vecPBKDF2SHA1    = "pbkdf2:sha1:1000$k9J8h7G6f5D4s3A2$4933a6c6b7fa9fa6e21fbc8a0afab629005ad229"
	vecScrypt        = "scrypt:32768:8:1$Lm2Nb4Vc6Xz8Kj0H$200d63dfdbc6acb46d2fa1dd4a0ecdee681d053d3ececd1b37898d0563bacf37fac61e410d5ff1d197e50e316541922dd04486e553de6f301f0f253a052d1407"
	vecScryptCheap   = "scrypt:1024:8:1$Pp1Oo2Ii3Uu4Yy5T$9f5b62b1beaf6b7db08ce343a6e6bd215ddc3a24dccdc6db32eb04ef3dffe643f28d6f560be4382e2e39df2a789d11347c848f2220bd8d8179ee6b193e4fd6d3"
	// Password "pässwörd ✓ 密码": Werkzeug hashes the UTF-8 bytes.
	vecUnicode = "pbkdf2:sha256:1000$UnIc0dE5aLt12345$f4b63b5067812dc1401016b5ffbc118c36e2fd5c6261083ba38d4f9c96bf639b"
)

func TestVerifyVectors(t *testing.T) {
	h := NewHasher(0)
	ctx := context.Background()
	tests := []struct {
		name, hash, password string
		want                 bool
	}{
		{"pbkdf2 sha256 600000", vecPBKDF2Default, testPassword, true},
		{"pbkdf2 sha256 260000", vecPBKDF2Old, testPassword, true},
		{"pbkdf2 sha256 1000", vecPBKDF2Cheap, testPassword, true},
		{"pbkdf2 sha256 wrong password", vecPBKDF2Cheap, "correct horse batterz", false},
		{"pbkdf2 sha256 empty password", vecPBKDF2Cheap, "", false},
		{"pbkdf2 sha512", vecPBKDF2SHA512, testPassword, true},
		{"pbkdf2 sha512 wrong password", vecPBKDF2SHA512, "Correct horse battery", false},
		{"pbkdf2 sha1", vecPBKDF2SHA1, testPassword, true},
		{"scrypt 32768:8:1", vecScrypt, testPassword, true},
		{"scrypt 1024:8:1", vecScryptCheap, testPassword, true},
		{"scrypt wrong password", vecScryptCheap, "correct horse battery ", false},
		{"unicode", vecUnicode, "pässwörd ✓ 密码", true},
		{"pbkdf2 wrong salt", strings.Replace(vecPBKDF2Cheap, "$Xy12", "$Xy13", 1), testPassword, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(ctx, tt.hash, tt.password)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVerifyWerkzeugDefaults(t *testing.T) {
	// Werkzeug fills omitted parameters in: pbkdf2 means sha256 with the
	// default iterations, scrypt means 32768:8:1.
	h := NewHasher(0)
	ctx := context.Background()
	for _, hash := range []string{
		"scrypt$" + strings.SplitN(vecScrypt, "$", 2)[1],
		"pbkdf2:sha256$" + strings.SplitN(vecPBKDF2Default, "$", 2)[1],
	} {
		ok, err := h.Verify(ctx, hash, testPassword)
		if err != nil || !ok {
			t.Errorf("Verify(%q) = %v, %v; want true, nil", hash, ok, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(0)
	ctx := context.Background()
	hex64 := strings.Repeat("ab", 32)
	for _, hash := range []string{
		"",
		"plaintext",
		"pbkdf2:sha256:1000$salt",
		"md5$salt$" + hex64,
		"bcrypt$salt$" + hex64,
		"pbkdf2:md5:1000$salt$" + hex64,
		"pbkdf2:sha256:1000:7$salt$" + hex64,
		"pbkdf2:sha256:abc$salt$" + hex64,
		"pbkdf2:sha256:0$salt$" + hex64,
		"pbkdf2:sha256:-5$salt$" + hex64,
		"pbkdf2:sha256:10000001$salt$" + hex64,
		"pbkdf2:sha256:99999999999999999999999$salt$" + hex64,
		"pbkdf2:sha256:1000$salt$" + hex64[:62],             // short digest
		"pbkdf2:sha256:1000$salt$" + hex64 + "ab",           // long digest
		"pbkdf2:sha256:1000$salt$" + strings.ToUpper(hex64), // Werkzeug compares lowercase
		"pbkdf2:sha256:1000$salt$" + strings.Repeat("zz", 32),
		"pbkdf2:sha256:1000$salt$" + hex64[:60] + "$abc", // extra separator
		"pbkdf2:sha512:1000$salt$" + hex64,               // sha512 needs 128 characters
		"scrypt:32768:8$salt$" + hex64 + hex64,
		"scrypt:32767:8:1$salt$" + hex64 + hex64,
		"scrypt:1:8:1$salt$" + hex64 + hex64,
		"scrypt:32768:0:1$salt$" + hex64 + hex64,
		"scrypt:32768:8:x$salt$" + hex64 + hex64,
		"scrypt:4194304:8:1$salt$" + hex64 + hex64,     // 4 GiB
		"scrypt:32768:8:1000000$salt$" + hex64 + hex64, // a million passes
		"scrypt:1073741824:1073741824:1073741824$salt$" + hex64 + hex64,
		"scrypt:32768:8:1$salt$" + hex64, // scrypt digests are 64 bytes
	} {
		ok, err := h.Verify(ctx, hash, testPassword)
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformedHash", hash, ok, err)
		}
	}
}

func TestMalformedErrorDoesNotQuoteHash(t *testing.T) {
	_, err := NewHasher(1).Verify(context.Background(), "secretpassword$x$y", "x")
	if err == nil || strings.Contains(err.Error(), "secretpassword") {
		t.Fatalf("error = %v; want one that does not quote the stored value", err)
	}
}

func TestHashRoundTrip(t *testing.T) {
	h := NewHasher(0)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, testPassword)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !regexp.MustCompile(`^pbkdf2:sha256:600000\$[A-Za-z0-9]{16}\$[0-9a-f]{64}$`).MatchString(encoded) {
		t.Fatalf("Hash = %q, not in Werkzeug's format", encoded)
	}
	ok, err := h.Verify(ctx, encoded, testPassword)
	if err != nil || !ok {
		t.Fatalf("Verify(own hash) = %v, %v; want true, nil", ok, err)
	}
}

func TestSaltsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := newSalt()
		if len(s) != saltLength || strings.Trim(s, saltChars) != "" {
			t.Fatalf("newSalt() = %q", s)
		}
		if seen[s] {
			t.Fatalf("newSalt() repeated %q", s)
		}
		seen[s] = true
	}
}

func TestPasswordTooLong(t *testing.T) {
	h := NewHasher(1)
	ctx := context.Background()
	long := strings.Repeat("x", MaxPasswordBytes+1)
	if _, err := h.Hash(ctx, long); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Hash(long) error = %v, want ErrPasswordTooLong", err)
	}
	if ok, err := h.Verify(ctx, vecPBKDF2Cheap, long); ok || !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Verify(long) = %v, %v; want false, ErrPasswordTooLong", ok, err)
	}
	// Exactly the limit is fine.
	if ok, err := h.Verify(ctx, vecPBKDF2Cheap, long[1:]); ok || err != nil {
		t.Errorf("Verify(limit) = %v, %v; want false, nil", ok, err)
	}
}

func TestConcurrencyCap(t *testing.T) {
	for _, limit := range []int{1, 3} {
		h := NewHasher(limit)
		var running, peak atomic.Int64
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				err := h.do(context.Background(), func() {
					n := running.Add(1)
					for {
						p := peak.Load()
						if n <= p || peak.CompareAndSwap(p, n) {
							break
						}
					}
					// Real work keeps the slot busy while others queue.
					_, _ = params{method: "pbkdf2", hash: "sha256", iterations: 2000}.derive("x")
					running.Add(-1)
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := peak.Load(); got > int64(limit) {
			t.Errorf("NewHasher(%d): %d computations overlapped", limit, got)
		}
	}
}

func TestPanicReachesTheCaller(t *testing.T) {
	h := NewHasher(1)
	defer func() {
		if got := recover(); got != "boom" {
			t.Errorf("recovered %v, want the hash's panic", got)
		}
		if len(h.slots) != 0 {
			t.Error("a panicking hash kept its slot")
		}
	}()
	_ = h.do(context.Background(), func() { panic("boom") })
	t.Error("do returned after its fn panicked")
}

func TestCancelWhileWaiting(t *testing.T) {
	h := NewHasher(1)
	h.slots <- struct{}{} // another computation holds the only slot
	defer func() { <-h.slots }()

	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 3)
	go func() { _, err := h.Hash(ctx, testPassword); errs <- err }()
	go func() { _, err := h.Verify(ctx, vecPBKDF2Cheap, testPassword); errs <- err }()
	go func() {
		// VerifyDummy reports nothing; it must simply return.
		h.VerifyDummy(ctx, testPassword)
		errs <- context.Canceled
	}()
	cancel()
	for range 3 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	}
}

func TestVerifyDummy(t *testing.T) {
	// VerifyDummy must do the real computation, so dummyHash has to parse.
	if _, _, err := parse(dummyHash); err != nil {
		t.Fatalf("dummyHash: %v", err)
	}
	h := NewHasher(1)
	h.VerifyDummy(context.Background(), testPassword)
	if len(h.slots) != 0 {
		t.Fatal("VerifyDummy did not release its slot")
	}
}

func BenchmarkHashParallel(b *testing.B) {
	h := NewHasher(0)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, testPassword); err != nil {
				b.Error(err)
			}
		}
	})
}
