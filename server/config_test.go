package server

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigDefaults(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr() != "0.0.0.0:5000" || cfg.DatabaseURL != "sqlite:///amanda.db" || cfg.SessionType != "filesystem" ||
		cfg.AIAddr() != "localhost:50051" || cfg.CORSOrigins[0] != "http://localhost:8000" ||
		cfg.AIReplyTimeout.Duration() != 120*time.Second || cfg.LogFormat != "text" || cfg.CookieSecure() {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
}

func TestLoadConfigFailsFastNamingTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"FLASK_PORT":        {"FLASK_PORT": "abc"},
		"SESSION_TYPE":      {"SESSION_TYPE": "memcached"},
		"SECRET_KEY":        {"FLASK_ENV": "production"},
		"FLASK_ENV":         {"FLASK_ENV": "staging"},
		"CORS_ORIGINS":      {"CORS_ORIGINS": "*"},
		"AI_REPLY_TIMEOUT":  {"AI_REPLY_TIMEOUT": "soon"},
		"LOG_FORMAT":        {"LOG_FORMAT": "xml"},
		"SESSION_PERMANENT": {"SESSION_PERMANENT": "maybe"},
	}
	for variable, env := range cases {
		t.Run(variable, func(t *testing.T) {
			t.Chdir(t.TempDir())
			for k, v := range env {
				t.Setenv(k, v)
			}
			_, err := LoadConfig()
			if err == nil || !strings.Contains(err.Error(), variable) {
				t.Fatalf("error %v does not name %s", err, variable)
			}
		})
	}
	t.Run("production with the development key", func(t *testing.T) {
		t.Chdir(t.TempDir())
		t.Setenv("FLASK_ENV", "production")
		t.Setenv("SECRET_KEY", DevelopmentSecretKey)
		if _, err := LoadConfig(); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
			t.Fatalf("production started with the development key: %v", err)
		}
	})
}

func TestLoadConfigReadsDotEnvAndEnvironmentWins(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	dotenv := "# an operator's old .env\nFLASK_PORT=5050\nSESSION_PERMANENT=False\nSESSION_USE_SIGNER=True\nSECRET_KEY=from-dotenv\nCORS_ORIGINS=http://a.example, http://b.example\nAI_REPLY_TIMEOUT=90\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SECRET_KEY", "from-environment")
	// godotenv sets variables the environment lacks; unset them afterwards.
	for _, k := range []string{"FLASK_PORT", "SESSION_PERMANENT", "SESSION_USE_SIGNER", "CORS_ORIGINS", "AI_REPLY_TIMEOUT"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	cfg, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 5050 || cfg.SessionPermanent || cfg.SecretKey != "from-environment" ||
		strings.Join(cfg.CORSOrigins, " ") != "http://a.example http://b.example" || cfg.AIReplyTimeout.Duration() != 90*time.Second {
		t.Fatalf("config from .env: %+v", cfg)
	}
}

func TestStartupFailureIsAnErrorNotAPanic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DatabaseURL = "mysql://nowhere"
	if _, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler), "test"); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("error %v does not name DATABASE_URL", err)
	}
	cfg = DefaultConfig()
	cfg.DatabaseURL = "sqlite:///" + filepath.Join(t.TempDir(), "ok.db")
	cfg.SessionFileDir = "/proc/not-writable/sessions"
	if _, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler), "test"); err == nil || !strings.Contains(err.Error(), "SESSION_FILE_DIR") {
		t.Fatalf("error %v does not name SESSION_FILE_DIR", err)
	}
}

// The shipped .env.example, copied to .env, starts the service with the
// defaults it documents (inline comments included).
func TestEnvExampleLoads(t *testing.T) {
	example, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, ".env"), example, 0o600); err != nil {
		t.Fatal(err)
	}
	names := []string{"SECRET_KEY", "FLASK_ENV", "FLASK_HOST", "FLASK_PORT", "DATABASE_URL", "GRPC_AI_BACKEND_HOST",
		"GRPC_AI_BACKEND_PORT", "SESSION_TYPE", "SESSION_PERMANENT", "SESSION_USE_SIGNER", "CORS_ORIGINS", "SESSION_FILE_DIR"}
	for _, k := range names {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	cfg, err := LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	if cfg.SecretKey != want.SecretKey || cfg.Addr() != want.Addr() || cfg.DatabaseURL != want.DatabaseURL ||
		cfg.SessionType != want.SessionType || !cfg.SessionPermanent || strings.Join(cfg.CORSOrigins, ",") != "http://localhost:8000" {
		t.Fatalf(".env.example gives %+v", cfg)
	}
}
