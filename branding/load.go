package branding

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"
)

// DefaultPath is where the old service looked for its branding file.
const DefaultPath = "branding.yaml"

// Load reads the branding file at path. A missing file is not an error: the
// built-in defaults apply. Keys the file leaves out keep their defaults.
func Load(path string) (*Config, error) {
	cfg := Default()
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &cfg, nil
	}
	if err != nil {
		return nil, fmt.Errorf("branding: unable to read %s: %w", path, err)
	}
	// Decoding over the defaults leaves every absent (or null) key at its default.
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("branding: unable to parse %s: %w", path, err)
	}
	return &cfg, nil
}
