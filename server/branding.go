package server

import (
	"log/slog"
	"path/filepath"

	"github.com/amanda-platform/amanda-backend/branding"
)

// newBranding loads the branding and logs where it came from, so an
// operator who starts the service in place of the old one sees which file
// it found (or that none was found where it looked).
func newBranding(cfg Config, logger *slog.Logger) *branding.Provider {
	files := cfg.BrandingFiles()
	brand := branding.NewProvider(files...)
	if _, err := brand.Get(); err != nil {
		logger.Error("branding file unusable; GET /api/branding answers 500 until a reload succeeds",
			"searched", absPaths(files), "error", err)
		return brand
	}
	if source := brand.Source(); source != "" {
		logger.Info("branding from file", "file", absPaths([]string{source})[0])
	} else {
		logger.Info("branding: no file found, using the built-in defaults", "searched", absPaths(files))
	}
	return brand
}

// absPaths are paths made absolute, as an operator reads them best in a
// log; a path that cannot be is kept as it is.
func absPaths(paths []string) []string {
	out := make([]string, len(paths))
	for i, path := range paths {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		out[i] = path
	}
	return out
}
