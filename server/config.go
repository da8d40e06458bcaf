package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sethvargo/go-envconfig"

	"github.com/amanda-platform/amanda-backend/branding"
	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// DevelopmentSecretKey is the key the old service shipped for development.
// It signs cookies anyone can forge, so production refuses it.
const DevelopmentSecretKey = "dev-secret-key-change-in-production"

// Config is the service configuration, read from the environment under the
// variable names the old Flask service and its operators use (CONTRACT.md).
// LoadConfig parses every value once; the fields hold the parsed values.
type Config struct {
	SecretKey string `env:"SECRET_KEY,default=dev-secret-key-change-in-production"`
	FlaskEnv  string `env:"FLASK_ENV,default=development"`
	Host      string `env:"FLASK_HOST,default=0.0.0.0"`
	Port      int    `env:"FLASK_PORT,default=5000"`

	DatabaseURL string `env:"DATABASE_URL,default=sqlite:///amanda.db"`

	SessionType         string `env:"SESSION_TYPE,default=filesystem"`
	SessionFileDir      string `env:"SESSION_FILE_DIR,default=./flask_session"`
	SessionRedis        string `env:"SESSION_REDIS,default=redis://127.0.0.1:6379/0"`
	SessionPermanent    bool   `env:"SESSION_PERMANENT,default=true"`
	SessionUseSigner    bool   `env:"SESSION_USE_SIGNER,default=true"`
	SessionCookieSecure *bool  `env:"SESSION_COOKIE_SECURE,noinit"` // nil: unset

	CORSOrigins []string `env:"CORS_ORIGINS,default=http://localhost:8000"`

	// BrandingFile, when set, is the only branding file; see BrandingFiles.
	BrandingFile string `env:"BRANDING_FILE"`

	AIHost              string  `env:"GRPC_AI_BACKEND_HOST,default=localhost"`
	AIPort              int     `env:"GRPC_AI_BACKEND_PORT,default=50051"`
	AITLS               bool    `env:"GRPC_AI_BACKEND_TLS,default=false"`
	AICAFile            string  `env:"GRPC_AI_BACKEND_CA_FILE"`
	AIReplyTimeout      Seconds `env:"AI_REPLY_TIMEOUT,default=120s"`
	AIFirstTokenTimeout Seconds `env:"AI_FIRST_TOKEN_TIMEOUT,default=30s"`

	// SocketMaxQueuedPackets drops a client that lets this many packets
	// pile up unread (Emit has no backpressure).
	SocketMaxQueuedPackets int `env:"SOCKET_MAX_QUEUED_PACKETS,default=2048"`

	MaxSocketsPerUser int `env:"MAX_SOCKETS_PER_USER,default=20"`

	// SocketIOMessageQueue (Flask-SocketIO's name) is the Redis that
	// instances share: Socket.IO's Redis adapter and the per-chat leases.
	// Unset: one instance.
	SocketIOMessageQueue RedisURL `env:"SOCKETIO_MESSAGE_QUEUE"`

	// SocketConnectTimeout closes an Engine.IO session whose Socket.IO
	// connect has not been accepted by then.
	SocketConnectTimeout Seconds `env:"SOCKET_CONNECT_TIMEOUT,default=5s"`
	// SocketMaxPending caps the sessions not signed in yet; beyond it a new
	// handshake gets 503 at once.
	SocketMaxPending int `env:"SOCKET_MAX_PENDING,default=1000"`
	// VoiceAudioBudgetMB bounds the voice audio the process holds at once.
	VoiceAudioBudgetMB int `env:"VOICE_AUDIO_BUDGET_MB,default=128"`
	// RequestBodyTimeout bounds reading one request body (REST, a polling
	// POST), so a client that trickles one ties nothing up for long.
	RequestBodyTimeout Seconds `env:"REQUEST_BODY_TIMEOUT,default=30s"`
	// RequestHeaderTimeout bounds reading a request's headers, and so the
	// life of a connection that never sends a request.
	RequestHeaderTimeout Seconds `env:"REQUEST_HEADER_TIMEOUT,default=10s"`

	RateLimitEnabled   bool                     `env:"RATELIMIT_ENABLED,default=true"`
	RateLimitLogin     ratelimit.Rate           `env:"RATELIMIT_LOGIN,default=10/minute"`
	RateLimitSignup    ratelimit.Rate           `env:"RATELIMIT_SIGNUP,default=5/minute"`
	RateLimitMessages  ratelimit.Rate           `env:"RATELIMIT_MESSAGES,default=30/minute"`
	RateLimitHandshake ratelimit.Rate           `env:"RATELIMIT_HANDSHAKE,default=120/minute"`
	TrustedProxies     ratelimit.TrustedProxies `env:"TRUSTED_PROXIES"`
	// RateLimitStorage is memory:// (each instance counts alone) or a
	// Redis the instances share.
	RateLimitStorage ratelimit.Storage `env:"RATELIMIT_STORAGE_URI,default=memory://"`

	MetricsEnabled bool `env:"METRICS_ENABLED,default=true"`
	// DebugPprofAddr, when set, serves pprof on that loopback address.
	DebugPprofAddr string `env:"DEBUG_PPROF_ADDR"`

	OpenAIAPIKey  string  `env:"OPENAI_API_KEY"`
	OpenAIBaseURL string  `env:"OPENAI_BASE_URL,default=https://api.openai.com/v1"`
	VoiceEnabled  *bool   `env:"VOICE_ENABLED,noinit"` // nil: unset
	ASRModel      string  `env:"ASR_MODEL,default=whisper-1"`
	TTSModel      string  `env:"TTS_MODEL,default=tts-1"`
	TTSVoice      string  `env:"TTS_VOICE,default=nova"`
	TTSFormat     string  `env:"TTS_FORMAT,default=mp3"`
	SpeechTimeout Seconds `env:"SPEECH_TIMEOUT,default=60s"`

	ShutdownTimeout Seconds `env:"SHUTDOWN_TIMEOUT,default=30s"`
	// LogFormat is json or text; LoadConfig resolves an unset LOG_FORMAT
	// from FLASK_ENV (json in production).
	LogFormat string   `env:"LOG_FORMAT"`
	LogLevel  LogLevel `env:"LOG_LEVEL,default=info"`
}

// Seconds is a duration that also accepts a bare number of seconds ("120"),
// the way Python services usually spell timeouts.
type Seconds struct{ time.Duration }

// EnvDecode implements envconfig.DecoderCtx.
func (s *Seconds) EnvDecode(_ context.Context, value string) error {
	if n, err := strconv.ParseFloat(value, 64); err == nil {
		s.Duration = time.Duration(n * float64(time.Second))
		return nil
	}
	d, err := time.ParseDuration(value)
	if err != nil {
		return fmt.Errorf("want a duration such as 30s or a number of seconds, got %q", value)
	}
	s.Duration = d
	return nil
}

// RedisURL is a redis:// or rediss:// URL, parsed at load; the zero value
// is unset. Its options are unexported so that envconfig, which fills in
// the exported pointers of a struct it finds unset, leaves them nil.
type RedisURL struct {
	URL     string
	options *redis.Options
}

// EnvDecode implements envconfig.DecoderCtx.
func (u *RedisURL) EnvDecode(_ context.Context, value string) error {
	opts, err := redis.ParseURL(value)
	if err != nil {
		return fmt.Errorf("want a redis:// or rediss:// URL: %w", err)
	}
	u.URL, u.options = value, opts
	return nil
}

// Set reports whether the URL was given.
func (u RedisURL) Set() bool { return u.options != nil }

// Options are the client options the URL gives, a copy for the caller to
// change; nil when unset.
func (u RedisURL) Options() *redis.Options {
	if u.options == nil {
		return nil
	}
	opts := *u.options
	return &opts
}

// LogLevel is a slog.Level spelled as slog spells one ("info", "DEBUG",
// "warn+1").
type LogLevel struct{ slog.Level }

// EnvDecode implements envconfig.DecoderCtx; without it envconfig would
// fall back to slog.Level's JSON decoding and report its error instead.
func (l *LogLevel) EnvDecode(_ context.Context, value string) error {
	if err := l.Level.UnmarshalText([]byte(value)); err != nil {
		return fmt.Errorf("want debug, info, warn or error, got %q", value)
	}
	return nil
}

// LoadConfig reads the configuration through getenv alone (an empty value
// counts as unset, so its default applies), then validates it. main passes
// os.Getenv layered over .env (EnvFile.Under); tests pass a map.
func LoadConfig(getenv func(string) string) (Config, error) {
	var cfg Config
	// envconfig names the Go field in its errors, not the variable; it stops
	// at the first error, so the variable is the one it looked up last.
	var variable string
	lookup := envconfig.LookuperFunc(func(key string) (string, bool) {
		variable = key
		value := getenv(key)
		return value, value != ""
	})
	if err := envconfig.ProcessWith(context.Background(), &envconfig.Config{Target: &cfg, Lookuper: lookup}); err != nil {
		return Config{}, fmt.Errorf("config: %s: %w", variable, err)
	}
	cfg.normalize()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// normalize accepts the spellings operators use: names in any case, origins
// with spaces or a trailing slash, and an unset LOG_FORMAT, whose default
// depends on FLASK_ENV.
func (c *Config) normalize() {
	c.FlaskEnv = strings.ToLower(strings.TrimSpace(c.FlaskEnv))
	c.SessionType = strings.ToLower(strings.TrimSpace(c.SessionType))
	var origins []string
	for _, o := range c.CORSOrigins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			origins = append(origins, o)
		}
	}
	c.CORSOrigins = origins
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Production() {
			c.LogFormat = "json"
		}
	}
}

// DefaultConfig is the configuration with every default and nothing from
// the environment (tests start from it).
func DefaultConfig() Config {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		panic(fmt.Sprintf("config: defaults do not load: %v", err))
	}
	return cfg
}

// Production reports whether FLASK_ENV=production.
func (c Config) Production() bool { return c.FlaskEnv == "production" }

// CookieSecure is SESSION_COOKIE_SECURE, defaulting to true in production.
func (c Config) CookieSecure() bool {
	if c.SessionCookieSecure != nil {
		return *c.SessionCookieSecure
	}
	return c.Production()
}

// Voice reports whether voice is on: VOICE_ENABLED, defaulting to true
// when OPENAI_API_KEY is set.
func (c Config) Voice() bool {
	if c.VoiceEnabled != nil {
		return *c.VoiceEnabled
	}
	return c.OpenAIAPIKey != ""
}

// BrandingFiles are where branding is read from, the first that exists
// winning: BRANDING_FILE alone when set; otherwise branding.yaml in the
// working directory, then two directories up, where the old service (run
// from services/backend/) read the repository's.
func (c Config) BrandingFiles() []string {
	if c.BrandingFile != "" {
		return []string{c.BrandingFile}
	}
	return []string{branding.DefaultPath, filepath.Join("..", "..", branding.DefaultPath)}
}

// Addr is the HTTP listen address.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// AIAddr is the AI backend's gRPC address.
func (c Config) AIAddr() string { return net.JoinHostPort(c.AIHost, strconv.Itoa(c.AIPort)) }

// Validate checks what decoding cannot; each message names its variable.
// It changes nothing, so a Config built in code is checked as it is.
func (c Config) Validate() error {
	switch c.FlaskEnv {
	case "development", "production", "testing":
	default:
		return fmt.Errorf("config: FLASK_ENV must be development or production, got %q", c.FlaskEnv)
	}
	if c.Production() && (strings.TrimSpace(c.SecretKey) == "" || c.SecretKey == DevelopmentSecretKey) {
		return errors.New("config: SECRET_KEY must be set to a secret value when FLASK_ENV=production")
	}
	if c.SecretKey == "" {
		return errors.New("config: SECRET_KEY must not be empty")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("config: FLASK_PORT must be between 0 and 65535, got %d", c.Port)
	}
	if c.AIPort < 1 || c.AIPort > 65535 {
		return fmt.Errorf("config: GRPC_AI_BACKEND_PORT must be between 1 and 65535, got %d", c.AIPort)
	}
	switch c.SessionType {
	case "filesystem", "sqlalchemy", "redis":
	default:
		return fmt.Errorf("config: SESSION_TYPE must be filesystem, sqlalchemy or redis, got %q", c.SessionType)
	}
	if slices.Contains(c.CORSOrigins, "*") {
		return errors.New("config: CORS_ORIGINS cannot be * because cookies are sent with credentials; list the origins")
	}
	for name, d := range map[string]Seconds{
		"AI_REPLY_TIMEOUT": c.AIReplyTimeout, "AI_FIRST_TOKEN_TIMEOUT": c.AIFirstTokenTimeout, "SHUTDOWN_TIMEOUT": c.ShutdownTimeout,
		"SPEECH_TIMEOUT": c.SpeechTimeout, "SOCKET_CONNECT_TIMEOUT": c.SocketConnectTimeout, "REQUEST_BODY_TIMEOUT": c.RequestBodyTimeout,
		"REQUEST_HEADER_TIMEOUT": c.RequestHeaderTimeout,
	} {
		if d.Duration <= 0 {
			return fmt.Errorf("config: %s must be positive", name)
		}
	}
	for name, rate := range map[string]ratelimit.Rate{
		"RATELIMIT_LOGIN": c.RateLimitLogin, "RATELIMIT_SIGNUP": c.RateLimitSignup, "RATELIMIT_MESSAGES": c.RateLimitMessages,
		"RATELIMIT_HANDSHAKE": c.RateLimitHandshake,
	} {
		if err := rate.Validate(); err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	if c.SocketMaxPending < 1 {
		return fmt.Errorf("config: SOCKET_MAX_PENDING must be at least 1, got %d", c.SocketMaxPending)
	}
	if c.VoiceAudioBudgetMB < 64 {
		return fmt.Errorf("config: VOICE_AUDIO_BUDGET_MB must be at least 64 (one 25 MB recording, received and decoded), got %d", c.VoiceAudioBudgetMB)
	}
	if c.SocketMaxQueuedPackets < 16 {
		return fmt.Errorf("config: SOCKET_MAX_QUEUED_PACKETS must be at least 16, got %d", c.SocketMaxQueuedPackets)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("config: LOG_FORMAT must be json or text, got %q", c.LogFormat)
	}
	return nil
}
