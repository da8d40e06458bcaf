package fakeai

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	aipb "github.com/amanda-platform/amanda-backend/proto"
)

// service implements amanda.ai.AIService.
type service struct {
	aipb.UnimplementedAIServiceServer
	opts Options
}

// NewServer returns a gRPC server with the fake AIService registered.
func NewServer(opts Options) *grpc.Server {
	srv := grpc.NewServer()
	aipb.RegisterAIServiceServer(srv, &service{opts: opts})
	return srv
}

// StreamChat sends the planned chunks, the last with done=true, and stops
// early when the client goes away.
func (s *service) StreamChat(req *aipb.ChatMessage, stream grpc.ServerStreamingServer[aipb.ChatChunk]) error {
	p := planFor(s.opts, req.GetMessage())
	ctx := stream.Context()
	start := time.Now()
	// One timer and one message serve every chunk: Send has encoded the
	// message by the time it returns, and a stopped timer holds no stale
	// tick (Go 1.23 timers).
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	chunk := &aipb.ChatChunk{}
	for i, text := range p.chunks {
		if i == p.failAfter {
			return status.Errorf(codes.Internal, "fakeai: failing after %d chunks as asked", i)
		}
		// Chunk i is due at start + (i+1)·delay, as a model generating at a
		// steady rate would produce it: timer lateness does not add up over
		// a reply.
		if wait := time.Until(start.Add(time.Duration(i+1) * p.delay)); p.delay > 0 && wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return status.FromContextError(ctx.Err()).Err()
			case <-timer.C:
			}
		}
		chunk.Text, chunk.Done = text, i == len(p.chunks)-1
		if err := stream.Send(chunk); err != nil {
			return err
		}
	}
	return nil
}
