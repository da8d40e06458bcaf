// Command amanda-backend is the Amanda chat platform's backend: accounts,
// cookie sessions, chats and live AI replies over Socket.IO.
//
//	amanda-backend [--fake-ai]   serve (with --fake-ai, also run the fake model in-process)
//	amanda-backend fake-ai       serve only the fake model on GRPC_AI_BACKEND_HOST:PORT
//	amanda-backend healthcheck   probe GET /health on FLASK_HOST:FLASK_PORT (the image's HEALTHCHECK)
//	amanda-backend users …       list, create and delete accounts, reset passwords, end sessions
//	amanda-backend migrate-data --from URL --to URL   copy the data to another database (README: "Moving to PostgreSQL")
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/amanda-platform/amanda-backend/admin"
	"github.com/amanda-platform/amanda-backend/fakeai"
	"github.com/amanda-platform/amanda-backend/server"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "amanda-backend:", err)
		os.Exit(1)
	}
}

// run is the whole program, reading its configuration through getenv (and
// .env) alone; tests call it with their own context, environment and
// streams. Logs go to stdout, flag errors and usage to stderr; stdin is
// read only by `users` (passwords, confirmations).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "users" {
		return admin.Users(ctx, args[1:], getenv, stdin, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		if len(args) > 1 {
			return fmt.Errorf("healthcheck: unknown argument %q", args[1])
		}
		return healthcheck(ctx, getenv, stdout)
	}
	if len(args) > 0 && args[0] == "migrate-data" {
		return migrateData(ctx, args[1:], stdout, stderr)
	}
	command := "serve"
	if len(args) > 0 && args[0] == "fake-ai" {
		command, args = args[0], args[1:]
	}
	flags := flag.NewFlagSet("amanda-backend", flag.ContinueOnError)
	flags.SetOutput(stderr)
	withFakeAI := flags.Bool("fake-ai", false, "also run the fake AI model in-process on GRPC_AI_BACKEND_HOST:PORT (development)")
	tokens := flags.Int("fake-ai-tokens", 20, "tokens in each fake reply")
	delay := flags.Duration("fake-ai-delay", 50*time.Millisecond, "pause between fake tokens")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unknown argument %q", flags.Arg(0))
	}

	// The working directory's .env, under the variables getenv already has.
	dotenv, err := server.ReadEnvFile(".env")
	if err != nil {
		return err
	}
	cfg, err := server.LoadConfig(dotenv.Under(getenv))
	if err != nil {
		return err
	}
	logger := server.NewLogger(cfg, stdout)
	dotenv.WarnUnused(logger)
	fake := fakeai.Options{Tokens: *tokens, Delay: *delay}
	switch {
	case command == "fake-ai":
		logger.Warn("serving the FAKE AI model (deterministic replies, not a real model)", "addr", cfg.AIAddr())
		return fakeai.Serve(ctx, cfg.AIAddr(), fake, logger)
	case *withFakeAI:
		logger.Warn("--fake-ai: replies come from the FAKE AI model served in-process", "addr", cfg.AIAddr())
		fakeCtx, stopFake := context.WithCancel(ctx)
		defer stopFake()
		fakeErr := make(chan error, 1)
		go func() { fakeErr <- fakeai.Serve(fakeCtx, cfg.AIAddr(), fake, logger) }()
		err := server.Run(ctx, cfg, logger, version)
		stopFake()
		if ferr := <-fakeErr; ferr != nil && !errors.Is(ferr, context.Canceled) {
			err = errors.Join(err, ferr)
		}
		return err
	default:
		return server.Run(ctx, cfg, logger, version)
	}
}
