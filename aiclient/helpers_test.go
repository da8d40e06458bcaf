package aiclient

import (
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"

	aipb "github.com/amanda-platform/amanda-backend/proto"
)

// newClient returns a Client for addr, closed when the test ends.
func newClient(t *testing.T, opts Options) *Client {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// scripted sends fixed chunks and records the requests it gets.
type scripted struct {
	aipb.UnimplementedAIServiceServer
	chunks   []*aipb.ChatChunk
	holdOpen bool // after the chunks, wait for the client to end the call
	requests chan *aipb.ChatMessage
}

func newScripted(holdOpen bool, chunks ...*aipb.ChatChunk) *scripted {
	return &scripted{chunks: chunks, holdOpen: holdOpen, requests: make(chan *aipb.ChatMessage, 10)}
}

func (s *scripted) StreamChat(req *aipb.ChatMessage, stream grpc.ServerStreamingServer[aipb.ChatChunk]) error {
	s.requests <- req
	for _, c := range s.chunks {
		if err := stream.Send(c); err != nil {
			return err
		}
	}
	if s.holdOpen {
		<-stream.Context().Done()
	}
	return nil
}

// serve runs impl on a loopback port until the test ends.
func serve(t *testing.T, impl aipb.AIServiceServer, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	aipb.RegisterAIServiceServer(srv, impl)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

// recorder collects the chunks StreamReply hands over.
type recorder struct{ chunks []string }

func (r *recorder) onChunk(text string) error {
	r.chunks = append(r.chunks, text)
	return nil
}

// fastTimeouts keeps failing tests short.
var fastTimeouts = Options{ReplyTimeout: 5 * time.Second, FirstTokenTimeout: 2 * time.Second}

func withAddr(opts Options, addr string) Options {
	opts.Address = addr
	return opts
}
