package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/amanda-platform/amanda-backend/datamove"
)

// migrateData is the migrate-data subcommand: datamove.Run with flags.
// Progress is a bar when stdout is a terminal, log lines otherwise.
func migrateData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("amanda-backend migrate-data", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var opts datamove.Options
	flags.StringVar(&opts.From, "from", "", "source DATABASE_URL (only read; may be the old service's database)")
	flags.StringVar(&opts.To, "to", "", "target DATABASE_URL (schema applied; must hold no rows unless --resume)")
	flags.BoolVar(&opts.Resume, "resume", false, "continue a copy into a target that holds rows, after each table's highest id")
	flags.BoolVar(&opts.DryRun, "dry-run", false, "report what would be copied, write nothing")
	flags.BoolVar(&opts.VerifyOnly, "verify-only", false, "compare source and target (counts, checksums), copy nothing")
	flags.BoolVar(&opts.Force, "force", false, "write even while an instance of the service uses the target")
	flags.IntVar(&opts.BatchSize, "batch-size", datamove.DefaultBatchSize, "rows per transaction")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("migrate-data: unknown argument %q", flags.Arg(0))
	}
	if opts.From == "" || opts.To == "" {
		flags.Usage()
		return errors.New("migrate-data: --from and --to are required")
	}
	opts.Out = stdout
	opts.Bar = isTerminal(stdout)
	opts.Logger = slog.New(slog.NewTextHandler(stdout, nil))
	if err := datamove.Run(ctx, opts); err != nil {
		return fmt.Errorf("migrate-data: %w", err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
