package aiclient

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	aipb "github.com/amanda-platform/amanda-backend/proto"
)

func TestNewRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string]Options{
		"no address":           {},
		"negative reply":       {Address: "localhost:50051", ReplyTimeout: -time.Second},
		"negative first token": {Address: "localhost:50051", FirstTokenTimeout: -time.Second},
		"CA without TLS":       {Address: "localhost:50051", CAFile: "ca.pem"},
		"missing CA file":      {Address: "localhost:50051", TLS: true, CAFile: filepath.Join(t.TempDir(), "ca.pem")},
	} {
		t.Run(name, func(t *testing.T) {
			if c, err := New(opts); err == nil {
				c.Close()
				t.Error("New succeeded")
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	c := newClient(t, Options{Address: "localhost:50051"})
	if c.replyTimeout != DefaultReplyTimeout || c.firstTokenTimeout != DefaultFirstTokenTimeout {
		t.Errorf("timeouts = %v, %v", c.replyTimeout, c.firstTokenTimeout)
	}
}

func TestStreamReplyOverTLS(t *testing.T) {
	cert, caFile := selfSignedCert(t)
	stub := newScripted(false, &aipb.ChatChunk{Text: "secure", Done: true})
	addr := serve(t, stub, grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
	noop := func(string) error { return nil }

	c := newClient(t, Options{Address: addr, TLS: true, CAFile: caFile, ReplyTimeout: 5 * time.Second})
	if text, err := c.StreamReply(t.Context(), 1, 1, "hi", noop); err != nil || text != "secure" {
		t.Errorf("with the CA: StreamReply = %q, %v", text, err)
	}

	// The system roots do not trust the test certificate.
	untrusting := newClient(t, Options{Address: addr, TLS: true, ReplyTimeout: 5 * time.Second})
	if _, err := untrusting.StreamReply(t.Context(), 1, 1, "hi", noop); !errors.Is(err, ErrUnavailable) {
		t.Errorf("without the CA: err = %v, want ErrUnavailable", err)
	}
}

// selfSignedCert makes a certificate for 127.0.0.1 and writes it as a CA file.
func selfSignedCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake AI backend"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}
