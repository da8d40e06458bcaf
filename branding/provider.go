package branding

import "sync"

// Provider serves the branding data and reloads it on demand. It is safe for
// concurrent use.
type Provider struct {
	paths []string

	reloading sync.Mutex // one Reload at a time, so an older read never wins

	mu     sync.RWMutex
	data   Config
	source string // the file data came from; "" for the built-in defaults
	ok     bool   // data holds a config that loaded
	err    error  // the load error while no config ever loaded
}

// NewProvider loads the first of paths that exists at once (Load); every
// Reload looks for them again in the same order. A broken file does not
// stop start-up: Get reports the error until a Reload succeeds.
func NewProvider(paths ...string) *Provider {
	p := &Provider{paths: paths}
	_ = p.Reload() // the error is kept for Get
	return p
}

// Get returns the current `data` object of GET /api/branding, or the load
// error if no config has loaded yet.
func (p *Provider) Get() (Config, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if !p.ok {
		return Config{}, p.err
	}
	return p.data, nil
}

// Source is the file the current data came from, "" for the built-in
// defaults (or while nothing has loaded).
func (p *Provider) Source() string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.source
}

// Reload re-reads the file. On failure the previous good config stays in
// service and the error is returned.
func (p *Provider) Reload() error {
	p.reloading.Lock()
	defer p.reloading.Unlock()
	cfg, source, err := Load(p.paths...)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if !p.ok {
			p.err = err
		}
		return err
	}
	p.data, p.source, p.ok, p.err = cfg.Data(), source, true, nil
	return nil
}
