package admin

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"
)

// errNoPassword is an empty password or none at all on stdin.
var errNoPassword = errors.New("no password given on standard input")

// readNewPassword is the password for email: on a terminal asked twice
// without echo, otherwise the first line of stdin. Never an argument, so
// it stays out of shell history and the process list.
func (c *command) readNewPassword(email string) (string, error) {
	fd, ok := terminal(c.stdin)
	if !ok {
		line, err := c.readLine()
		if err != nil {
			return "", err
		}
		if line == "" {
			return "", errNoPassword
		}
		return line, nil
	}
	first, err := c.askSecret(fd, fmt.Sprintf("New password for %s: ", email))
	if err != nil {
		return "", err
	}
	if first == "" {
		return "", errNoPassword
	}
	again, err := c.askSecret(fd, "Again: ")
	if err != nil {
		return "", err
	}
	if again != first {
		return "", errors.New("the two passwords differ")
	}
	return first, nil
}

// confirm asks question on the terminal and wants "yes". Off a terminal
// there is no one to ask: the caller must have said --yes.
func (c *command) confirm(question string) error {
	if _, ok := terminal(c.stdin); !ok {
		return errors.New("standard input is not a terminal: pass --yes to confirm")
	}
	fmt.Fprint(c.stderr, question)
	answer, err := c.readLine()
	if err != nil {
		return err
	}
	if strings.TrimSpace(answer) != "yes" {
		return errors.New("not confirmed; nothing deleted")
	}
	return nil
}

// askSecret prompts on stderr and reads a line from the terminal fd
// without echo.
func (c *command) askSecret(fd int, prompt string) (string, error) {
	fmt.Fprint(c.stderr, prompt)
	secret, err := term.ReadPassword(fd)
	fmt.Fprintln(c.stderr) // the newline the terminal did not echo
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(secret), nil
}

// readLine is the first line of stdin without its line ending; EOF after
// some text ends the line too. It is read once per command, so a buffer
// that reads ahead loses nothing.
func (c *command) readLine() (string, error) {
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// terminal is r's file descriptor when r is a terminal.
func terminal(r io.Reader) (int, bool) {
	f, ok := r.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}
