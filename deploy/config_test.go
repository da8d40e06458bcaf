package deploy

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/amanda-platform/amanda-backend/server"
)

// serviceVariables are the variables the service reads (server.Config's
// env tags).
func serviceVariables(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, name := range server.Variables() {
		vars[name] = true
	}
	if len(vars) < 10 {
		t.Fatalf("found only %d env tags in server.Config: %v", len(vars), slices.Sorted(maps.Keys(vars)))
	}
	return vars
}

// checkVariables reports every name in env that the service does not read.
func checkVariables(t *testing.T, where string, env map[string]string) {
	t.Helper()
	known := serviceVariables(t)
	for _, name := range slices.Sorted(maps.Keys(env)) {
		switch {
		case known[name]:
		default:
			t.Errorf("%s: %s is not a variable the service reads (server.Config's env tags)", where, name)
		}
	}
}

// loadConfig is server.LoadConfig with getenv over env alone.
func loadConfig(t *testing.T, where string, env map[string]string) server.Config {
	t.Helper()
	cfg, err := server.LoadConfig(func(name string) string { return env[name] })
	if err != nil {
		t.Fatalf("%s: the environment does not load: %v", where, err)
	}
	return cfg
}

// checkSeveralInstances checks the settings README's "Several instances"
// asks for.
func checkSeveralInstances(t *testing.T, where string, env map[string]string, cfg server.Config) {
	t.Helper()
	if !cfg.Production() {
		t.Errorf("%s: FLASK_ENV is %q, want production", where, cfg.FlaskEnv)
	}
	if cfg.SessionType != "redis" && cfg.SessionType != "sqlalchemy" {
		t.Errorf("%s: SESSION_TYPE is %q: sessions must be shared (redis or sqlalchemy)", where, cfg.SessionType)
	}
	if !strings.HasPrefix(cfg.DatabaseURL, "postgres://") && !strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		t.Errorf("%s: DATABASE_URL %q is not PostgreSQL", where, cfg.DatabaseURL)
	}
	for _, name := range []string{"SOCKETIO_MESSAGE_QUEUE", "RATELIMIT_STORAGE_URI"} {
		if !strings.HasPrefix(env[name], "redis://") && !strings.HasPrefix(env[name], "rediss://") {
			t.Errorf("%s: %s is %q, want a redis:// URL shared by every instance", where, name, env[name])
		}
	}
	if len(cfg.TrustedProxies) == 0 {
		t.Errorf("%s: TRUSTED_PROXIES is empty: rate limits would see the proxy's address", where)
	}
	if len(cfg.CORSOrigins) == 0 {
		t.Errorf("%s: CORS_ORIGINS is empty: the frontend's origin must be allowed", where)
	}
}

func TestServiceVariablesComeFromTheConfigStruct(t *testing.T) {
	vars := serviceVariables(t)
	for _, name := range []string{"SECRET_KEY", "FLASK_PORT", "DATABASE_URL", "SESSION_TYPE", "SHUTDOWN_TIMEOUT", "TRUSTED_PROXIES"} {
		if !vars[name] {
			t.Errorf("%s missing from %v", name, slices.Sorted(maps.Keys(vars)))
		}
	}
	if vars["NOT_A_VARIABLE"] {
		t.Error("reflection invents variables")
	}
}
