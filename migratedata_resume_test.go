package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/datamove"
	"github.com/amanda-platform/amanda-backend/store/storetest"
)

// runMainEnv makes the test binary run main instead of the tests, so a test
// can start the real program as a process of its own and kill it.
const runMainEnv = "AMANDA_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A copy killed with SIGKILL midway is refused without --resume and, with
// it, continues after the last committed batch: nothing lost, nothing
// twice, verification passes.
func TestMigrateDataResumesAfterKill(t *testing.T) {
	const bulk = 20000
	source := oldServiceSQLite(t, bulk)
	target := postgresDatabase(t)
	const countMessages = "SELECT COUNT(*) FROM messages"

	cmd := exec.Command(os.Args[0], "migrate-data", "--from", source, "--to", target, "--batch-size", "3")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	cmd.Dir = t.TempDir()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !messagesTableHasRows(t, target) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the copy wrote no message in 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // well inside the messages
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the copy ended by itself (%v) before it was killed: make it longer", err)
	}
	copied := storetest.Scalar[int64](t, target, countMessages)
	if copied == 0 || copied >= fixtureMessages+bulk {
		t.Fatalf("%d messages copied when killed; want some but not all", copied)
	}
	// Each batch commits whole: the kill left a multiple of the batch size.
	if copied%3 != 0 && copied != fixtureMessages+bulk {
		t.Errorf("%d messages after the kill: not whole batches of 3", copied)
	}

	if _, err := migrate(t, "--from", source, "--to", target); !errors.Is(err, datamove.ErrTargetNotEmpty) {
		t.Fatalf("a second copy into the partial target: %v; want it refused", err)
	}
	if n := storetest.Scalar[int64](t, target, countMessages); n != copied {
		t.Fatalf("the refused copy changed the target: %d messages, was %d", n, copied)
	}

	out, err := migrate(t, "--from", source, "--to", target, "--resume")
	if err != nil {
		t.Fatal(err)
	}
	if n := storetest.Scalar[int64](t, target, countMessages); n != fixtureMessages+bulk {
		t.Errorf("%d messages after resuming, want %d", n, fixtureMessages+bulk)
	}
	if n := storetest.Scalar[int64](t, target, "SELECT COUNT(DISTINCT content) FROM messages"); n != fixtureMessages+bulk {
		t.Errorf("%d distinct messages after resuming, want %d", n, fixtureMessages+bulk)
	}
	if !strings.Contains(out, "messages  20003        "+strconv.FormatInt(copied, 10)) {
		t.Errorf("the resumed plan does not count the %d messages already there", copied)
	}
	if _, err := migrate(t, "--from", source, "--to", target, "--resume"); err != nil {
		t.Errorf("resuming a finished copy: %v", err)
	}
}

func messagesTableHasRows(t *testing.T, databaseURL string) bool {
	exists := storetest.Scalar[bool](t, databaseURL, "SELECT to_regclass('messages') IS NOT NULL")
	return exists && storetest.Scalar[bool](t, databaseURL, "SELECT EXISTS (SELECT 1 FROM messages)")
}
