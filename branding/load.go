package branding

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"
)

// DefaultPath is the branding file's name where the old service looked for it.
const DefaultPath = "branding.yaml"

// Load reads the first of paths that exists and returns its path, or the
// built-in defaults and "" when none does. A file that exists but cannot be
// read or parsed is an error, not a reason to look further. Keys the file
// leaves out keep their defaults.
func Load(paths ...string) (*Config, string, error) {
	for _, path := range paths {
		cfg, found, err := load(path)
		if err != nil {
			return nil, "", err
		}
		if found {
			return cfg, path, nil
		}
	}
	cfg := Default()
	return &cfg, "", nil
}

// load reads one file, reporting whether it exists.
func load(path string) (_ *Config, found bool, _ error) {
	cfg := Default()
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &cfg, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("branding: unable to read %s: %w", path, err)
	}
	// Decoding over the defaults leaves every absent (or null) key at its default.
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return nil, false, fmt.Errorf("branding: unable to parse %s: %w", path, err)
	}
	return &cfg, true, nil
}
