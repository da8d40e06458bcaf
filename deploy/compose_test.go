package deploy

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

const (
	composeFile  = "compose/compose.yaml"
	haproxyFile  = "compose/haproxy.cfg"
	binaryInPath = "/usr/local/bin/amanda-backend" // the Dockerfile's ENTRYPOINT
)

// compose is the part of the Compose file this test reads; Compose has many
// more fields, so unknown ones are ignored here.
type compose struct {
	Services map[string]composeService `json:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `json:"subnet"`
			} `json:"config"`
		} `json:"ipam"`
	} `json:"networks"`
}

type composeService struct {
	Image       string          `json:"image"`
	Build       json.RawMessage `json:"build"`
	Command     []string        `json:"command"`
	Environment map[string]any  `json:"environment"`
	Ports       []string        `json:"ports"`
	Volumes     []any           `json:"volumes"`
	Profiles    []string        `json:"profiles"`
	Healthcheck *struct {
		Test    []string `json:"test"`
		Disable bool     `json:"disable"`
	} `json:"healthcheck"`
	StopGracePeriod string `json:"stop_grace_period"`
	Deploy          struct {
		Replicas *int `json:"replicas"`
	} `json:"deploy"`
}

// env is the service's environment as strings (Compose accepts numbers).
func (s composeService) env() map[string]string {
	env := map[string]string{}
	for k, v := range s.Environment {
		env[k] = fmt.Sprint(v)
	}
	return env
}

// buildsThisRepository reports whether the service is built from the
// repository's Dockerfile.
func (s composeService) buildsThisRepository() bool {
	var build struct {
		Context string `json:"context"`
	}
	if json.Unmarshal(s.Build, &build) != nil {
		var context string
		if json.Unmarshal(s.Build, &context) != nil {
			return false
		}
		build.Context = context
	}
	return strings.TrimSuffix(build.Context, "/") == "../.."
}

var interpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}`)

// interpolate does what Compose does to ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?message}, ${VAR?message} and $$, with vars as the
// environment.
func interpolate(text string, vars map[string]string) (string, error) {
	var missing []string
	out := interpolation.ReplaceAllStringFunc(text, func(m string) string {
		if m == "$$" {
			return "$"
		}
		g := interpolation.FindStringSubmatch(m)
		name, op, arg := g[1], g[2], g[3]
		value, set := vars[name]
		unset := !set || op != "" && op[0] == ':' && value == ""
		switch {
		case !unset:
			return value
		case strings.HasSuffix(op, "-"):
			return arg
		case strings.HasSuffix(op, "?"):
			missing = append(missing, name+": "+arg)
		}
		return value
	})
	if missing != nil {
		return "", fmt.Errorf("required variables unset: %s", strings.Join(missing, "; "))
	}
	return out, nil
}

// composeVars stand in for deploy/compose/.env.
var composeVars = map[string]string{
	"SECRET_KEY":        "compose-test-secret-key-0123456789abcdef",
	"POSTGRES_PASSWORD": "compose-test-password",
}

func loadCompose(t *testing.T, vars map[string]string) compose {
	t.Helper()
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	text, err := interpolate(string(raw), vars)
	if err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	var c compose
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	return c
}

// backends are the services that run the server: built from this
// repository, not serving the fake model.
func backends(c compose) map[string]composeService {
	out := map[string]composeService{}
	for name, s := range c.Services {
		if s.buildsThisRepository() && !slices.Contains(s.Command, "fake-ai") {
			out[name] = s
		}
	}
	return out
}

func TestComposeRequiresTheSecrets(t *testing.T) {
	raw, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	for name := range composeVars {
		vars := map[string]string{}
		for k, v := range composeVars {
			if k != name {
				vars[k] = v
			}
		}
		if _, err := interpolate(string(raw), vars); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: got %v, want Compose to refuse (${%s:?...})", name, err, name)
		}
	}
}

func TestComposeBackendsFitTheService(t *testing.T) {
	c := loadCompose(t, composeVars)
	bs := backends(c)
	replicas := 0
	for _, s := range bs {
		if s.Deploy.Replicas != nil {
			replicas += *s.Deploy.Replicas
		} else {
			replicas++
		}
	}
	if replicas < 2 {
		t.Errorf("%d backend replicas (services built from ../.. not running fake-ai), want at least 2", replicas)
	}
	subnet := ""
	if n, ok := c.Networks["default"]; ok && len(n.IPAM.Config) > 0 {
		subnet = n.IPAM.Config[0].Subnet
	}
	for name, s := range bs {
		where := "compose service " + name
		env := s.env()
		checkVariables(t, where, env)
		cfg := loadConfig(t, where, env)
		checkSeveralInstances(t, where, env, cfg)

		// Every host it names is a service of the file.
		hostOf := func(variable, raw string) {
			t.Helper()
			host := raw
			if _, rest, ok := strings.Cut(raw, "://"); ok {
				host = rest
				if _, after, ok := strings.Cut(host, "@"); ok {
					host = after
				}
				host, _, _ = strings.Cut(host, "/")
				host, _, _ = strings.Cut(host, ":")
			}
			if _, ok := c.Services[host]; !ok {
				t.Errorf("%s: %s names host %q, which is no service of %s", where, variable, host, composeFile)
			}
		}
		hostOf("DATABASE_URL", cfg.DatabaseURL)
		hostOf("SESSION_REDIS", cfg.SessionRedis)
		hostOf("SOCKETIO_MESSAGE_QUEUE", env["SOCKETIO_MESSAGE_QUEUE"])
		hostOf("RATELIMIT_STORAGE_URI", env["RATELIMIT_STORAGE_URI"])
		hostOf("GRPC_AI_BACKEND_HOST", cfg.AIHost)
		if cfg.SessionType != "redis" {
			t.Errorf("%s: SESSION_TYPE %q, want redis", where, cfg.SessionType)
		}
		if fake, ok := c.Services[cfg.AIHost]; ok {
			if !slices.Equal(fake.Command, []string{"fake-ai"}) {
				t.Errorf("%s: GRPC_AI_BACKEND_HOST %s runs %v, want [fake-ai]", where, cfg.AIHost, fake.Command)
			}
			fakeCfg := loadConfig(t, "compose service "+cfg.AIHost, fake.env())
			checkVariables(t, "compose service "+cfg.AIHost, fake.env())
			if fakeCfg.AIHost != "0.0.0.0" || fakeCfg.AIPort != cfg.AIPort {
				t.Errorf("the fake model listens on %s, the backend calls port %d", fakeCfg.AIAddr(), cfg.AIPort)
			}
			if fake.Healthcheck == nil || !fake.Healthcheck.Disable {
				t.Errorf("compose service %s: the image's HEALTHCHECK probes HTTP /health, which fake-ai does not serve; disable it", cfg.AIHost)
			}
		}
		if subnet == "" || !slices.ContainsFunc(cfg.TrustedProxies, func(p netip.Prefix) bool { return p.String() == subnet }) {
			t.Errorf("%s: TRUSTED_PROXIES %v does not hold the compose network %q", where, cfg.TrustedProxies, subnet)
		}

		if s.Healthcheck == nil || !slices.Equal(s.Healthcheck.Test, []string{"CMD", binaryInPath, "healthcheck"}) {
			t.Errorf("%s: healthcheck %+v, want [CMD %s healthcheck] (no shell in the image)", where, s.Healthcheck, binaryInPath)
		}
		if len(s.Ports) != 0 {
			t.Errorf("%s: publishes %v; replicas are reached through HAProxy only", where, s.Ports)
		}
		grace, err := time.ParseDuration(s.StopGracePeriod)
		if err != nil || grace <= cfg.ShutdownTimeout.Duration {
			t.Errorf("%s: stop_grace_period %q, want more than SHUTDOWN_TIMEOUT %s", where, s.StopGracePeriod, cfg.ShutdownTimeout)
		}
	}
}

func TestDockerfileEntrypointIsTheHealthcheckBinary(t *testing.T) {
	dockerfile, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dockerfile), `ENTRYPOINT ["`+binaryInPath+`"]`) {
		t.Errorf("the Dockerfile's ENTRYPOINT is not %s, which compose.yaml's healthchecks run", binaryInPath)
	}
}

func TestComposeHAProxyAndFrontend(t *testing.T) {
	c := loadCompose(t, composeVars)
	var proxy, frontend *composeService
	for name, s := range c.Services {
		switch {
		case strings.HasPrefix(s.Image, "haproxy:"):
			proxy = &s
		case slices.Contains(s.Profiles, "frontend"):
			frontend = &s
			if !slices.ContainsFunc(s.Ports, func(p string) bool { return strings.Contains(p, ":-8000}:") || strings.HasPrefix(p, "8000:") }) {
				t.Errorf("compose service %s: ports %v, want the frontend on 8000", name, s.Ports)
			}
		}
	}
	if proxy == nil {
		t.Fatal("no service runs the official haproxy image")
	}
	if frontend == nil {
		t.Error("no service in the frontend profile")
	}
	if !slices.ContainsFunc(proxy.Volumes, func(v any) bool { return fmt.Sprint(v) == "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" }) {
		t.Errorf("haproxy: volumes %v do not mount ./haproxy.cfg", proxy.Volumes)
	}
	cfgText, err := os.ReadFile(haproxyFile)
	if err != nil {
		t.Fatal(err)
	}
	haproxy := string(cfgText)
	for name, s := range backends(c) {
		cfg := loadConfig(t, "compose service "+name, s.env())
		if target := name + ":" + strconv.Itoa(cfg.Port); !strings.Contains(haproxy, " "+target) {
			t.Errorf("%s does not send to %s (the backend service and its FLASK_PORT)", haproxyFile, target)
		}
	}
	for _, want := range []string{"uri /ready", "balance roundrobin", "timeout tunnel", "option forwardfor", "cookie ", "init-addr none"} {
		if !strings.Contains(haproxy, want) {
			t.Errorf("%s does not contain %q", haproxyFile, want)
		}
	}
	// The timeouts a long poll or a WebSocket lives under.
	timeouts := map[string]time.Duration{}
	for _, line := range strings.Split(haproxy, "\n") {
		if fields := strings.Fields(line); len(fields) == 3 && fields[0] == "timeout" {
			if d, err := time.ParseDuration(fields[2]); err == nil {
				timeouts[fields[1]] = d
			}
		}
	}
	for _, name := range []string{"client", "server", "tunnel"} {
		if d, ok := timeouts[name]; !ok || d <= 45*time.Second {
			t.Errorf("%s: timeout %s %v, want above 45 s (Engine.IO ping interval 25 s + ping timeout 20 s)", haproxyFile, name, d)
		}
	}
	if !slices.ContainsFunc(proxy.Ports, func(p string) bool { return strings.HasSuffix(p, ":5000") }) || !strings.Contains(haproxy, "bind :5000") {
		t.Errorf("haproxy: publishes %v; want it on 5000 (where the frontend calls the backend), bound in %s", proxy.Ports, haproxyFile)
	}
}

// TestHAProxyConfigIsValid runs `haproxy -c`: in CI haproxy must be
// installed (apt-get install -y haproxy), elsewhere the test skips without it.
func TestHAProxyConfigIsValid(t *testing.T) {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("haproxy is not installed (apt-get install -y haproxy); CI must check haproxy.cfg")
		}
		t.Skip("haproxy is not installed (apt-get install -y haproxy): haproxy.cfg not checked")
	}
	out, err := exec.Command(bin, "-c", "-f", haproxyFile).CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -c -f %s: %v\n%s", haproxyFile, err, out)
	}
	t.Logf("haproxy -c: %s", strings.TrimSpace(string(out)))
}
