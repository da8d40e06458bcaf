package datamove

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows how the copy goes: a bar on a terminal, log lines otherwise.
type progress interface {
	// table says which table the next rows are from.
	table(name string)
	add(rows int)
	done()
}

func newProgress(total int64, bar bool, out io.Writer, logger *slog.Logger) progress {
	if bar {
		return &barProgress{bar: progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(out),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
		)}
	}
	return &lineProgress{logger: logger, total: total, start: time.Now(), last: time.Now()}
}

type barProgress struct{ bar *progressbar.ProgressBar }

func (b *barProgress) table(name string) { b.bar.Describe(name) }
func (b *barProgress) add(rows int)      { b.bar.Add64(int64(rows)) }
func (b *barProgress) done()             { b.bar.Finish() }

// lineProgress logs a line every lineInterval and one at the end.
type lineProgress struct {
	logger      *slog.Logger
	total       int64
	copied      int64
	name        string
	start, last time.Time
}

const lineInterval = 2 * time.Second

func (l *lineProgress) table(name string) { l.name = name }

func (l *lineProgress) add(rows int) {
	l.copied += int64(rows)
	if time.Since(l.last) >= lineInterval {
		l.last = time.Now()
		l.log("copying", "table", l.name)
	}
}

// done logs the whole copy's figures (all tables).
func (l *lineProgress) done() { l.log("copied") }

func (l *lineProgress) log(msg string, args ...any) {
	elapsed := time.Since(l.start)
	rate := float64(l.copied) / max(elapsed.Seconds(), 1e-9)
	args = append(args, "rows", l.copied, "of", l.total, "rows_per_s", int64(rate))
	if left := l.total - l.copied; left > 0 && rate > 0 {
		args = append(args, "left", (time.Duration(float64(left)/rate) * time.Second).Round(time.Second))
	} else {
		args = append(args, "elapsed", elapsed.Round(time.Millisecond))
	}
	l.logger.Info(msg, args...)
}
