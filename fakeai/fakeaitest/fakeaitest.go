// Package fakeaitest runs the fake model for a test.
package fakeaitest

import (
	"testing"

	"github.com/amanda-platform/amanda-backend/fakeai"
)

// Start serves the fake model on a free loopback port until the test ends
// and returns its address.
func Start(t testing.TB, opts fakeai.Options) string {
	t.Helper()
	addr, stop, err := fakeai.Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}
