package branding

import "sync"

// Provider serves the branding data and reloads it on demand. It is safe for
// concurrent use.
type Provider struct {
	path string

	reloading sync.Mutex // one Reload at a time, so an older read never wins

	mu   sync.RWMutex
	data Config
	ok   bool  // data holds a config that loaded
	err  error // the load error while no config ever loaded
}

// NewProvider loads the file at path at once. A broken file does not stop
// start-up: Get reports the error until a Reload succeeds.
func NewProvider(path string) *Provider {
	p := &Provider{path: path}
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

// Reload re-reads the file. On failure the previous good config stays in
// service and the error is returned.
func (p *Provider) Reload() error {
	p.reloading.Lock()
	defer p.reloading.Unlock()
	cfg, err := Load(p.path)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if !p.ok {
			p.err = err
		}
		return err
	}
	p.data, p.ok, p.err = cfg.Data(), true, nil
	return nil
}
