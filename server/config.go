package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"github.com/kelseyhightower/envconfig"

	"github.com/amanda-platform/amanda-backend/ratelimit"
)

// DevelopmentSecretKey is the key the old service shipped for development.
// It signs cookies anyone can forge, so production refuses it.
const DevelopmentSecretKey = "dev-secret-key-change-in-production"

// Config is the service configuration, read from the environment under the
// variable names the old Flask service and its operators use (CONTRACT.md).
type Config struct {
	SecretKey string `envconfig:"SECRET_KEY" default:"dev-secret-key-change-in-production"`
	FlaskEnv  string `envconfig:"FLASK_ENV" default:"development"`
	Host      string `envconfig:"FLASK_HOST" default:"0.0.0.0"`
	Port      int    `envconfig:"FLASK_PORT" default:"5000"`

	DatabaseURL string `envconfig:"DATABASE_URL" default:"sqlite:///amanda.db"`

	SessionType         string `envconfig:"SESSION_TYPE" default:"filesystem"`
	SessionFileDir      string `envconfig:"SESSION_FILE_DIR" default:"./flask_session"`
	SessionRedis        string `envconfig:"SESSION_REDIS" default:"redis://127.0.0.1:6379/0"`
	SessionPermanent    bool   `envconfig:"SESSION_PERMANENT" default:"true"`
	SessionUseSigner    bool   `envconfig:"SESSION_USE_SIGNER" default:"true"`
	SessionCookieSecure *bool  `envconfig:"SESSION_COOKIE_SECURE"`

	CORSOrigins []string `envconfig:"CORS_ORIGINS" default:"http://localhost:8000"`

	BrandingFile string `envconfig:"BRANDING_FILE" default:"branding.yaml"`

	AIHost              string  `envconfig:"GRPC_AI_BACKEND_HOST" default:"localhost"`
	AIPort              int     `envconfig:"GRPC_AI_BACKEND_PORT" default:"50051"`
	AITLS               bool    `envconfig:"GRPC_AI_BACKEND_TLS" default:"false"`
	AICAFile            string  `envconfig:"GRPC_AI_BACKEND_CA_FILE"`
	AIReplyTimeout      Seconds `envconfig:"AI_REPLY_TIMEOUT" default:"120s"`
	AIFirstTokenTimeout Seconds `envconfig:"AI_FIRST_TOKEN_TIMEOUT" default:"30s"`

	// SocketMaxQueuedPackets drops a client that lets this many packets
	// pile up unread (Emit has no backpressure).
	SocketMaxQueuedPackets int `envconfig:"SOCKET_MAX_QUEUED_PACKETS" default:"2048"`

	MaxSocketsPerUser int `envconfig:"MAX_SOCKETS_PER_USER" default:"20"`

	RateLimitEnabled  bool   `envconfig:"RATELIMIT_ENABLED" default:"true"`
	RateLimitLogin    string `envconfig:"RATELIMIT_LOGIN" default:"10/minute"`
	RateLimitSignup   string `envconfig:"RATELIMIT_SIGNUP" default:"5/minute"`
	RateLimitMessages string `envconfig:"RATELIMIT_MESSAGES" default:"30/minute"`
	TrustedProxies    string `envconfig:"TRUSTED_PROXIES"`

	MetricsEnabled bool `envconfig:"METRICS_ENABLED" default:"true"`
	// DebugPprofAddr, when set, serves pprof on that loopback address.
	DebugPprofAddr string `envconfig:"DEBUG_PPROF_ADDR"`

	OpenAIAPIKey  string  `envconfig:"OPENAI_API_KEY"`
	OpenAIBaseURL string  `envconfig:"OPENAI_BASE_URL" default:"https://api.openai.com/v1"`
	VoiceEnabled  *bool   `envconfig:"VOICE_ENABLED"`
	ASRModel      string  `envconfig:"ASR_MODEL" default:"whisper-1"`
	TTSModel      string  `envconfig:"TTS_MODEL" default:"tts-1"`
	TTSVoice      string  `envconfig:"TTS_VOICE" default:"nova"`
	TTSFormat     string  `envconfig:"TTS_FORMAT" default:"mp3"`
	SpeechTimeout Seconds `envconfig:"SPEECH_TIMEOUT" default:"60s"`

	ShutdownTimeout Seconds `envconfig:"SHUTDOWN_TIMEOUT" default:"30s"`
	LogFormat       string  `envconfig:"LOG_FORMAT"`
	LogLevel        string  `envconfig:"LOG_LEVEL" default:"info"`
}

// Seconds is a duration that also accepts a bare number of seconds ("120"),
// the way Python services usually spell timeouts.
type Seconds time.Duration

// Decode implements envconfig.Decoder.
func (s *Seconds) Decode(value string) error {
	if n, err := strconv.ParseFloat(value, 64); err == nil {
		*s = Seconds(time.Duration(n * float64(time.Second)))
		return nil
	}
	d, err := time.ParseDuration(value)
	if err != nil {
		return fmt.Errorf("want a duration such as 30s or a number of seconds, got %q", value)
	}
	*s = Seconds(d)
	return nil
}

// Duration returns s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(s) }

// LoadConfig reads .env from the working directory when present (variables
// already in the environment win), then the environment, and validates.
func LoadConfig() (Config, error) {
	if err := godotenv.Load(); err != nil && !errors.Is(err, os.ErrNotExist) {
		return Config{}, fmt.Errorf("config: unable to read .env: %w", err)
	}
	var cfg Config
	if err := envconfig.Process("", &cfg); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// DefaultConfig is the configuration with every default and nothing from
// the environment (tests start from it).
func DefaultConfig() Config {
	var cfg Config
	// No variable carries this prefix, so envconfig applies only the defaults.
	if err := envconfig.Process("AMANDA_DEFAULTS_ONLY", &cfg); err != nil {
		panic(fmt.Sprintf("config: defaults do not parse: %v", err))
	}
	if err := cfg.Validate(); err != nil {
		panic(fmt.Sprintf("config: defaults do not validate: %v", err))
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

// Addr is the HTTP listen address.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// AIAddr is the AI backend's gRPC address.
func (c Config) AIAddr() string { return net.JoinHostPort(c.AIHost, strconv.Itoa(c.AIPort)) }

// Validate checks values envconfig cannot; each message names its variable.
func (c *Config) Validate() error {
	c.FlaskEnv = strings.ToLower(strings.TrimSpace(c.FlaskEnv))
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
	c.SessionType = strings.ToLower(strings.TrimSpace(c.SessionType))
	switch c.SessionType {
	case "filesystem", "sqlalchemy", "redis":
	default:
		return fmt.Errorf("config: SESSION_TYPE must be filesystem, sqlalchemy or redis, got %q", c.SessionType)
	}
	origins := c.CORSOrigins[:0]
	for _, o := range c.CORSOrigins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "*" {
			return errors.New("config: CORS_ORIGINS cannot be * because cookies are sent with credentials; list the origins")
		}
		if o != "" {
			origins = append(origins, o)
		}
	}
	c.CORSOrigins = origins
	for name, d := range map[string]Seconds{
		"AI_REPLY_TIMEOUT": c.AIReplyTimeout, "AI_FIRST_TOKEN_TIMEOUT": c.AIFirstTokenTimeout, "SHUTDOWN_TIMEOUT": c.ShutdownTimeout,
		"SPEECH_TIMEOUT": c.SpeechTimeout,
	} {
		if d <= 0 {
			return fmt.Errorf("config: %s must be positive", name)
		}
	}
	for name, spec := range map[string]string{
		"RATELIMIT_LOGIN": c.RateLimitLogin, "RATELIMIT_SIGNUP": c.RateLimitSignup, "RATELIMIT_MESSAGES": c.RateLimitMessages,
	} {
		if _, err := ratelimit.ParseRate(spec); err != nil {
			return fmt.Errorf("config: %s: %w", name, err)
		}
	}
	if _, err := ratelimit.ParseTrustedProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("config: TRUSTED_PROXIES: %w", err)
	}
	if c.SocketMaxQueuedPackets < 16 {
		return fmt.Errorf("config: SOCKET_MAX_QUEUED_PACKETS must be at least 16, got %d", c.SocketMaxQueuedPackets)
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Production() {
			c.LogFormat = "json"
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("config: LOG_FORMAT must be json or text, got %q", c.LogFormat)
	}
	return nil
}
