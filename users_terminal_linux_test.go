package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: the test types on master, the command
// reads from (and prompts on) slave, which is a terminal as an operator's is.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var n int
	raw, err := master.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	// Through Control, so master stays non-blocking and read deadlines work.
	if cerr := raw.Control(func(fd uintptr) {
		if err = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); err == nil {
			n, err = unix.IoctlGetInt(int(fd), unix.TIOCGPTN)
		}
	}); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("unlock the pseudo-terminal: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the pseudo-terminal's slave: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// exchange is one prompt of a terminal session and what the operator
// types at it; a secret is typed only once the terminal has stopped
// echoing, as a person typing after the prompt would find it.
type exchange struct {
	prompt, answer string
	secret         bool
}

// waitForNoEcho waits until the terminal slave no longer echoes.
func waitForNoEcho(t *testing.T, slave *os.File) {
	t.Helper()
	raw, err := slave.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var termios *unix.Termios
		if cerr := raw.Control(func(fd uintptr) { termios, err = unix.IoctlGetTermios(int(fd), unix.TCGETS) }); cerr != nil || err != nil {
			t.Fatalf("reading the terminal's mode: %v %v", cerr, err)
		}
		if termios.Lflag&unix.ECHO == 0 {
			return
		}
	}
	t.Fatal("the terminal still echoes 10 s after the password prompt")
}

// terminalSession runs `users args…` on a terminal, answering each prompt
// in turn, and returns everything the terminal showed after the prompts
// and the command's error.
func (h *usersHarness) terminalSession(dialog []exchange, args ...string) (string, error) {
	h.t.Helper()
	master, slave := openPTY(h.t)
	var stdout bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), append([]string{"users"}, args...), env(h.vars), slave, &stdout, slave)
	}()
	var shown strings.Builder
	buf := make([]byte, 4096)
	for _, step := range dialog {
		prompt, answer := step.prompt, step.answer
		for !strings.Contains(shown.String(), prompt) {
			master.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, err := master.Read(buf)
			if err != nil {
				h.t.Fatalf("waiting for the prompt %q (shown %q): %v", prompt, shown.String(), err)
			}
			shown.Write(buf[:n])
		}
		// What the prompt has shown is consumed: the next one must be new.
		before := shown.String()
		shown.Reset()
		shown.WriteString(strings.Replace(before, prompt, "", 1))
		if step.secret {
			waitForNoEcho(h.t, slave)
		}
		if _, err := master.WriteString(answer + "\n"); err != nil {
			h.t.Fatal(err)
		}
	}
	err := <-done
	// What the terminal echoed of the answers, if anything, is still there.
	master.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		n, rerr := master.Read(buf)
		shown.Write(buf[:n])
		if rerr != nil {
			break
		}
	}
	return shown.String(), err
}

func TestUsersOnATerminal(t *testing.T) {
	eachUsersBackend(t, func(t *testing.T, h *usersHarness) {
		const password = "typed secretly"
		shown, err := h.terminalSession([]exchange{{"New password for ada@example.com: ", password, true}, {"Again: ", password, true}},
			"create", "ada@example.com")
		if err != nil {
			t.Fatalf("create on a terminal: %v", err)
		}
		if strings.Contains(shown, password) {
			t.Errorf("the terminal echoed the password: %q", shown)
		}
		h.browser().mustLogin("ada@example.com", password)

		_, err = h.terminalSession([]exchange{{"New password for ada@example.com: ", "first attempt", true}, {"Again: ", "second attempt", true}},
			"reset-password", "ada@example.com")
		if err == nil || !strings.Contains(err.Error(), "the two passwords differ") {
			t.Errorf("reset-password with two different passwords: %v", err)
		}
		b := h.browser()
		b.mustLogin("ada@example.com", password)

		_, err = h.terminalSession([]exchange{{"Delete ada@example.com with all their chats and messages? Type yes: ", "no", false}},
			"delete", "ada@example.com")
		if err == nil || !strings.Contains(err.Error(), "nothing deleted") {
			t.Errorf("delete answered no: %v", err)
		}
		if status := b.profile(); status != http.StatusOK {
			t.Fatalf("profile after a delete answered no: %d", status)
		}
		_, err = h.terminalSession([]exchange{{"Delete ada@example.com with all their chats and messages? Type yes: ", "yes", false}},
			"delete", "ada@example.com")
		if err != nil {
			t.Fatalf("delete answered yes: %v", err)
		}
		if status := b.profile(); status != http.StatusUnauthorized {
			t.Errorf("profile after the delete: %d; want 401", status)
		}
	})
}
