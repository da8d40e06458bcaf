package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/amanda-platform/amanda-backend"

// layout is the README's layout table: what each package of this module may
// import of it. A package missing here fails the test, so a new one is
// placed in the table on purpose.
var layout = map[string][]string{
	"":                  {"admin", "server", "fakeai", "datamove"},
	"admin":             {"account", "apperr", "auth", "server", "store"},
	"datamove":          {"store"},
	"server":            {"aiclient", "auth", "branding", "chat", "handlers", "lease", "logging", "metrics", "ratelimit", "session", "socketio", "speech", "store", "turnlog"},
	"server/servertest": {"server", "store/storetest"},
	"handlers":          {"account", "apperr", "chat", "store", "session", "auth", "branding", "ratelimit", "metrics", "logging"},
	"socketio":          {"apperr", "chat", "session", "speech", "ratelimit", "metrics", "logging"},
	"chat":              {"apperr", "store", "aiclient", "metrics"},
	"apperr":            nil,
	"account":           {"apperr", "auth"},
	"store":             nil,
	"store/storetest":   {"store"},
	"session":           nil,
	"auth":              nil,
	"ratelimit":         {"apperr"},
	"metrics":           nil,
	"logging":           nil,
	"lease":             nil,
	"turnlog":           {"chat"},
	"chat/turnlogtest":  {"chat"},
	"redistest":         nil,
	"branding":          nil,
	"aiclient":          {"proto"},
	"proto":             nil,
	"speech":            nil,
	"speech/speechtest": nil,
	"fakeai":            {"proto"},
	"fakeai/fakeaitest": {"fakeai"},
	"sioclient":         nil,
	"sioclient/fakesio": {"fakeai"},
	"e2e":               {"server", "server/servertest", "fakeai", "fakeai/fakeaitest"},
	"bench":             {"sioclient", "fakeai"},
}

// transportFree are packages that must not know HTTP or Socket.IO.
var transportFree = []string{"chat", "store"}

func TestPackagesImportOnlyWhatTheLayoutAllows(t *testing.T) {
	// Imports, not TestImports: the rules are for what a package builds on;
	// its tests may use any test support.
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		path := fields[0]
		name := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
		allowed, known := layout[name]
		if !known {
			t.Errorf("package %q is not in the layout table (README.md, layout_test.go)", path)
			continue
		}
		for _, imp := range fields[1:] {
			if slices.Contains(transportFree, name) && (strings.HasPrefix(imp, "github.com/labstack/echo") ||
				strings.HasPrefix(imp, "github.com/zishang520/") || imp == "net/http") {
				t.Errorf("%s imports %s: it must know neither HTTP nor Socket.IO", name, imp)
			}
			dep, local := strings.CutPrefix(imp, module+"/")
			if local && !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s, which the layout does not allow", displayName(name), dep)
			}
		}
	}
}

func displayName(name string) string {
	if name == "" {
		return "main"
	}
	return name
}
