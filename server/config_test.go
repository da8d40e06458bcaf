package server

import (
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// env is a getenv over a map.
func env(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr() != "0.0.0.0:5000" || cfg.DatabaseURL != "sqlite:///amanda.db" || cfg.SessionType != "filesystem" ||
		cfg.AIAddr() != "localhost:50051" || cfg.CORSOrigins[0] != "http://localhost:8000" ||
		cfg.AIReplyTimeout.Duration != 120*time.Second || cfg.LogFormat != "text" || cfg.LogLevel.Level != slog.LevelInfo ||
		cfg.CookieSecure() || cfg.SessionCookieSecure != nil || cfg.VoiceEnabled != nil ||
		cfg.RateLimitSignup != (ratelimit.Rate{Limit: 5, Period: time.Minute}) || cfg.TrustedProxies != nil ||
		cfg.RateLimitStorage.Redis != nil {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if !reflect.DeepEqual(DefaultConfig(), cfg) {
		t.Fatalf("DefaultConfig() = %+v, want LoadConfig with an empty environment", DefaultConfig())
	}
}

// An empty variable is unset, as with os.Getenv: its default applies.
func TestLoadConfigEmptyIsUnset(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{"FLASK_PORT": "", "SESSION_COOKIE_SECURE": "", "RATELIMIT_LOGIN": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 5000 || cfg.SessionCookieSecure != nil || cfg.RateLimitLogin != (ratelimit.Rate{Limit: 10, Period: time.Minute}) {
		t.Fatalf("empty values: %+v", cfg)
	}
}

func TestLoadConfigFailsFastNamingTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"FLASK_PORT":            {"FLASK_PORT": "abc"},
		"SESSION_TYPE":          {"SESSION_TYPE": "memcached"},
		"SECRET_KEY":            {"FLASK_ENV": "production"},
		"FLASK_ENV":             {"FLASK_ENV": "staging"},
		"CORS_ORIGINS":          {"CORS_ORIGINS": "http://a.example, * "},
		"AI_REPLY_TIMEOUT":      {"AI_REPLY_TIMEOUT": "soon"},
		"SHUTDOWN_TIMEOUT":      {"SHUTDOWN_TIMEOUT": "0"},
		"LOG_FORMAT":            {"LOG_FORMAT": "xml"},
		"LOG_LEVEL":             {"LOG_LEVEL": "loud"},
		"SESSION_PERMANENT":     {"SESSION_PERMANENT": "maybe"},
		"VOICE_ENABLED":         {"VOICE_ENABLED": "sometimes"},
		"RATELIMIT_LOGIN":       {"RATELIMIT_LOGIN": "often"},
		"TRUSTED_PROXIES":       {"TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"},
		"RATELIMIT_STORAGE_URI": {"RATELIMIT_STORAGE_URI": "memcached://127.0.0.1:11211"},
	}
	for variable, vars := range cases {
		t.Run(variable, func(t *testing.T) {
			_, err := LoadConfig(env(vars))
			if err == nil || !strings.Contains(err.Error(), variable) {
				t.Fatalf("error %v does not name %s", err, variable)
			}
		})
	}
	t.Run("production with the development key", func(t *testing.T) {
		_, err := LoadConfig(env(map[string]string{"FLASK_ENV": "production", "SECRET_KEY": DevelopmentSecretKey}))
		if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
			t.Fatalf("production started with the development key: %v", err)
		}
	})
}

// Values are parsed once, at load, into the types the service uses.
func TestLoadConfigParsesIntoTypedFields(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{
		"FLASK_ENV": " Production ", "SECRET_KEY": "a-real-secret", "SESSION_TYPE": "Redis",
		"CORS_ORIGINS":    " http://a.example/, ,http://b.example",
		"RATELIMIT_LOGIN": "7 per 2 hours", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7",
		"SESSION_COOKIE_SECURE": "False", "VOICE_ENABLED": "True", "SPEECH_TIMEOUT": "1.5", "LOG_LEVEL": "debug",
		"RATELIMIT_STORAGE_URI": "redis://redis.internal:6380/2",
	}))
	if err != nil {
		t.Fatal(err)
	}
	wantProxies := ratelimit.TrustedProxies{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	if !cfg.Production() || cfg.SessionType != "redis" || !slices.Equal(cfg.CORSOrigins, []string{"http://a.example", "http://b.example"}) ||
		cfg.RateLimitLogin != (ratelimit.Rate{Limit: 7, Period: 2 * time.Hour}) || !slices.Equal(cfg.TrustedProxies, wantProxies) ||
		cfg.CookieSecure() || !cfg.Voice() || cfg.SpeechTimeout.Duration != 1500*time.Millisecond ||
		cfg.LogLevel.Level != slog.LevelDebug || cfg.LogFormat != "json" ||
		cfg.RateLimitStorage.Redis == nil || cfg.RateLimitStorage.Redis.Addr != "redis.internal:6380" || cfg.RateLimitStorage.Redis.DB != 2 {
		t.Fatalf("parsed config: %+v", cfg)
	}
}

// The configuration comes from getenv and nothing else: LoadConfig does not
// read the process environment, and ReadEnvFile does not write it.
func TestConfigLeavesTheProcessEnvironmentAlone(t *testing.T) {
	t.Setenv("FLASK_PORT", "6000")
	t.Setenv("LOG_LEVEL", "")
	os.Unsetenv("LOG_LEVEL")
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("LOG_LEVEL=warn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := ReadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	getenv := file.Under(env(nil))
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 5000 {
		t.Errorf("FLASK_PORT from the process environment was read: port %d", cfg.Port)
	}
	if cfg.LogLevel.Level != slog.LevelWarn {
		t.Errorf("LOG_LEVEL from .env was not read: %v", cfg.LogLevel)
	}
	if value, set := os.LookupEnv("LOG_LEVEL"); set {
		t.Errorf("ReadEnvFile set LOG_LEVEL=%q in the process environment", value)
	}
}

// Validate only checks: before, it lower-cased, trimmed and filled values,
// and rewrote CORS_ORIGINS in place, in the caller's slice.
func TestValidateDoesNotMutate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.CORSOrigins = []string{" http://a.example/", "", "http://b.example"}
	before := cfg
	before.CORSOrigins = slices.Clone(cfg.CORSOrigins)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, before) {
		t.Fatalf("Validate changed the config:\n%+v\nwas\n%+v", cfg, before)
	}
	cfg.LogFormat = ""
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "LOG_FORMAT") || cfg.LogFormat != "" {
		t.Fatalf("Validate of an unresolved LOG_FORMAT: %v, LogFormat %q", err, cfg.LogFormat)
	}
}

func TestLoadConfigReadsDotEnvAndEnvironmentWins(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	dotenv := "# an operator's old .env\nFLASK_PORT=5050\nSESSION_PERMANENT=False\nSESSION_USE_SIGNER=True\nSECRET_KEY=from-dotenv\nCORS_ORIGINS=http://a.example, http://b.example\nAI_REPLY_TIMEOUT=90\n"
	if err := os.WriteFile(path, []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	file, err := ReadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	getenv := file.Under(env(map[string]string{"SECRET_KEY": "from-environment", "FLASK_PORT": ""}))
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 5050 || cfg.SessionPermanent || cfg.SecretKey != "from-environment" ||
		strings.Join(cfg.CORSOrigins, " ") != "http://a.example http://b.example" || cfg.AIReplyTimeout.Duration != 90*time.Second {
		t.Fatalf("config from .env: %+v", cfg)
	}
}

func TestEnvFileMissingOrUnreadable(t *testing.T) {
	dir := t.TempDir()
	file, err := ReadEnvFile(filepath.Join(dir, ".env"))
	if err != nil || len(file) != 0 || file.Under(env(map[string]string{"FLASK_PORT": "5050"}))("FLASK_PORT") != "5050" {
		t.Fatalf("missing .env: %v, %v", file, err)
	}
	// A directory opens but cannot be read as a file.
	if err := os.Mkdir(filepath.Join(dir, ".env"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEnvFile(filepath.Join(dir, ".env")); err == nil || !strings.Contains(err.Error(), ".env") {
		t.Fatalf("unreadable .env: error %v does not name .env", err)
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

// The shipped .env.example, used as .env, starts the service with the
// defaults it documents (inline comments included).
func TestEnvExampleLoads(t *testing.T) {
	file, err := ReadEnvFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	getenv := file.Under(env(nil))
	if getenv("SECRET_KEY") == "" {
		t.Fatal(".env.example was not read")
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	if cfg.SecretKey != want.SecretKey || cfg.Addr() != want.Addr() || cfg.DatabaseURL != want.DatabaseURL ||
		cfg.SessionType != want.SessionType || !cfg.SessionPermanent || strings.Join(cfg.CORSOrigins, ",") != "http://localhost:8000" {
		t.Fatalf(".env.example gives %+v", cfg)
	}
}

func TestMessageQueueIsUnsetUnlessGiven(t *testing.T) {
	if cfg := DefaultConfig(); cfg.SocketIOMessageQueue.Set() || cfg.SocketIOMessageQueue.Options() != nil {
		t.Fatalf("SOCKETIO_MESSAGE_QUEUE unset reads as %+v", cfg.SocketIOMessageQueue)
	}
	cfg, err := LoadConfig(env(map[string]string{"SOCKETIO_MESSAGE_QUEUE": "redis://queue.internal:6380/2"}))
	if err != nil {
		t.Fatal(err)
	}
	if q := cfg.SocketIOMessageQueue; !q.Set() || q.Options().Addr != "queue.internal:6380" || q.Options().DB != 2 {
		t.Fatalf("SOCKETIO_MESSAGE_QUEUE read as %+v", q)
	}
	if _, err := LoadConfig(env(map[string]string{"SOCKETIO_MESSAGE_QUEUE": "http://nope"})); err == nil || !strings.Contains(err.Error(), "SOCKETIO_MESSAGE_QUEUE") {
		t.Fatalf("a bad URL: %v", err)
	}
}
