package server

import (
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// oldServiceKeys are keys an old service's .env may hold that this service
// has no use for: those of Flask and its CLI, Flask-Session, Flask-SQLAlchemy,
// Flask-CORS, Flask-Limiter and the Python runtime. They are accepted and
// named in the start-up warning as the old service's, apart from keys no one
// used, which may be typos.
var oldServiceKeys = map[string]bool{
	"FLASK_APP": true, "FLASK_DEBUG": true, "FLASK_RUN_HOST": true, "FLASK_RUN_PORT": true,
	"PERMANENT_SESSION_LIFETIME": true, "SESSION_COOKIE_NAME": true, "SESSION_COOKIE_HTTPONLY": true,
	"SESSION_COOKIE_SAMESITE": true, "SESSION_COOKIE_DOMAIN": true, "SESSION_COOKIE_PATH": true,
	"SESSION_KEY_PREFIX": true, "SESSION_FILE_THRESHOLD": true, "SESSION_FILE_MODE": true,
	"SESSION_SQLALCHEMY_TABLE": true,
	"SQLALCHEMY_DATABASE_URI":  true, "SQLALCHEMY_TRACK_MODIFICATIONS": true, "SQLALCHEMY_ECHO": true,
	"CORS_SUPPORTS_CREDENTIALS": true,
	"RATELIMIT_DEFAULT":         true, "RATELIMIT_STRATEGY": true, "RATELIMIT_HEADERS_ENABLED": true, "RATELIMIT_KEY_PREFIX": true,
	"PYTHONUNBUFFERED": true, "PYTHONDONTWRITEBYTECODE": true,
}

// Variables are the variables the service reads: the names in Config's
// `env:"NAME,..."` tags.
func Variables() []string {
	vars := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			field := typ.Field(i)
			tag, ok := field.Tag.Lookup("env")
			if !ok {
				if field.Type.Kind() == reflect.Struct {
					walk(field.Type) // envconfig reads nested structs' fields too
				}
				continue
			}
			if name, _, _ := strings.Cut(tag, ","); name != "" {
				vars[name] = true
			}
		}
	}
	walk(reflect.TypeFor[Config]())
	return slices.Sorted(maps.Keys(vars))
}

// WarnUnused names, in one warning, the file's keys the service does not
// read: the old service's (harmless, ignored) apart from the unknown ones
// (a typo in a key is an operator's mistake worth seeing). The process
// environment is left out: it holds PATH, HOME and the like.
func (f EnvFile) WarnUnused(logger *slog.Logger) {
	used := Variables()
	var old, unknown []string
	for _, key := range slices.Sorted(maps.Keys(f)) {
		switch {
		case slices.Contains(used, key):
		case oldServiceKeys[key]:
			old = append(old, key)
		default:
			unknown = append(unknown, key)
		}
	}
	if len(old)+len(unknown) == 0 {
		return
	}
	var attrs []any
	if len(old) > 0 {
		attrs = append(attrs, slog.Any("old_service", old))
	}
	if len(unknown) > 0 {
		attrs = append(attrs, slog.Any("unknown", unknown))
	}
	logger.Warn(".env has keys this service does not use; they are ignored", attrs...)
}
