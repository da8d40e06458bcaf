// Package admin is the `users` command: an operator lists, creates and
// deletes accounts, resets passwords and ends sessions, on the service's
// own configuration (the environment over .env), beside a running service.
package admin

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/amanda-platform/amanda-backend/auth"
	"github.com/amanda-platform/amanda-backend/server"
	"github.com/amanda-platform/amanda-backend/store"
)

// stepTimeout bounds each database step (opening, a lookup, a change): an
// operator gets an error within seconds, where the service would retry.
const stepTimeout = 5 * time.Second

const usage = `usage:
  amanda-backend users list [--json]
  amanda-backend users create EMAIL
  amanda-backend users reset-password EMAIL
  amanda-backend users delete [--yes] EMAIL
  amanda-backend users revoke-sessions EMAIL
Passwords are read from standard input: asked twice without echo on a
terminal, otherwise one line.`

// command is one run of `users`: its streams and what it opened.
type command struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	storage        *server.Storage
	hasher         *auth.Hasher
}

// Users runs `amanda-backend users ARGS…`. Prompts and usage go to stderr,
// results to stdout; an error is one line for main to print.
func Users(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("users: missing subcommand")
	}
	sub, args := args[0], args[1:]
	flags := flag.NewFlagSet("users "+sub, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprintln(stderr, usage) }
	asJSON, yes := new(bool), new(bool)
	operandsWanted := 1 // the email
	switch sub {
	case "list":
		asJSON = flags.Bool("json", false, "print a JSON array")
		operandsWanted = 0
	case "delete":
		yes = flags.Bool("yes", false, "delete without asking")
	case "create", "reset-password", "revoke-sessions":
	default:
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("users: unknown subcommand %q", sub)
	}
	operands, err := parseInterspersed(flags, args)
	if err != nil {
		return fmt.Errorf("users %s: %w", sub, err)
	}
	if len(operands) != operandsWanted {
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("users %s: want %d argument(s), got %d", sub, operandsWanted, len(operands))
	}

	c, err := open(ctx, getenv, stdin, stdout, stderr)
	if err != nil {
		return err
	}
	defer c.storage.Close()
	switch sub {
	case "list":
		return c.list(ctx, *asJSON)
	case "create":
		return c.create(ctx, operands[0])
	case "reset-password":
		return c.resetPassword(ctx, operands[0])
	case "delete":
		return c.delete(ctx, operands[0], *yes)
	default:
		return c.revokeSessions(ctx, operands[0])
	}
}

// parseInterspersed parses flags wherever they stand among the operands
// (`delete EMAIL --yes` as well as `delete --yes EMAIL`), which the flag
// package alone stops at the first operand for.
func parseInterspersed(flags *flag.FlagSet, args []string) ([]string, error) {
	var operands []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		if flags.NArg() == 0 {
			return operands, nil
		}
		operands = append(operands, flags.Arg(0))
		args = flags.Args()[1:]
	}
}

// open reads the configuration as the service does and opens its database
// and session backend, failing within stepTimeout when the database does
// not answer.
func open(ctx context.Context, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (*command, error) {
	dotenv, err := server.ReadEnvFile(".env")
	if err != nil {
		return nil, err
	}
	cfg, err := server.LoadConfig(dotenv.Under(getenv))
	if err != nil {
		return nil, err
	}
	// Only warnings: stdout is the command's output (list --json).
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	stepCtx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	storage, err := server.OpenStorage(stepCtx, cfg, logger)
	if errors.Is(err, store.ErrUnreachable) {
		return nil, fmt.Errorf("users: database unreachable (tried for at most %s): %w", stepTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return &command{stdin: stdin, stdout: stdout, stderr: stderr, storage: storage, hasher: auth.NewHasher(1)}, nil
}

// step is a context for one database step.
func step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, stepTimeout)
}
