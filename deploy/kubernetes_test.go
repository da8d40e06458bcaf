package deploy

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

const kubernetesDir = "kubernetes"

// kustomization is the part of kustomize's Kustomization that
// kustomization.yaml uses; anything else in the file is an error.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
	Images     []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
}

// manifests is every object of deploy/kubernetes, decoded strictly into its
// API type.
type manifests struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	secrets     []*corev1.Secret
	ingresses   []*networkingv1.Ingress
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	kustomize   *kustomization
	files       []string // every YAML file but kustomization.yaml
}

// newObject is the API type of an apiVersion and kind; nil for any other.
func newObject(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}
	case "v1 Service":
		return &corev1.Service{}
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}
	case "v1 Secret":
		return &corev1.Secret{}
	case "networking.k8s.io/v1 Ingress":
		return &networkingv1.Ingress{}
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		return &kustomization{}
	}
	return nil
}

var documentSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// decodeStrict decodes one YAML document into its API type: unknown
// fields, duplicate keys and unknown kinds are errors.
func decodeStrict(doc []byte) (any, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return nil, err
	}
	obj := newObject(meta.APIVersion, meta.Kind)
	if obj == nil {
		return nil, &unknownKindError{meta.APIVersion, meta.Kind}
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

type unknownKindError struct{ apiVersion, kind string }

func (e *unknownKindError) Error() string {
	return "apiVersion " + e.apiVersion + " kind " + e.kind + " is not one this test decodes (add it to newObject and check it)"
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	entries, err := os.ReadDir(kubernetesDir)
	if err != nil {
		t.Fatal(err)
	}
	var m manifests
	for _, entry := range entries {
		name := entry.Name()
		if entry.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			t.Errorf("%s/%s: only YAML manifests belong here", kubernetesDir, name)
			continue
		}
		data, err := os.ReadFile(filepath.Join(kubernetesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		docs := 0
		for _, doc := range documentSeparator.Split(string(data), -1) {
			if len(bytes.TrimSpace(stripComments([]byte(doc)))) == 0 {
				continue
			}
			docs++
			obj, err := decodeStrict([]byte(doc))
			if err != nil {
				t.Errorf("%s/%s: %v", kubernetesDir, name, err)
				continue
			}
			switch obj := obj.(type) {
			case *appsv1.Deployment:
				m.deployments = append(m.deployments, obj)
			case *corev1.Service:
				m.services = append(m.services, obj)
			case *corev1.ConfigMap:
				m.configMaps = append(m.configMaps, obj)
			case *corev1.Secret:
				m.secrets = append(m.secrets, obj)
			case *networkingv1.Ingress:
				m.ingresses = append(m.ingresses, obj)
			case *policyv1.PodDisruptionBudget:
				m.pdbs = append(m.pdbs, obj)
			case *autoscalingv2.HorizontalPodAutoscaler:
				m.hpas = append(m.hpas, obj)
			case *kustomization:
				m.kustomize = obj
			}
		}
		if docs == 0 {
			t.Errorf("%s/%s: no object", kubernetesDir, name)
		}
		if name != "kustomization.yaml" {
			m.files = append(m.files, name)
		}
	}
	return m
}

func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// one is the single object of a kind.
func one[T any](t *testing.T, kind string, objs []T) T {
	t.Helper()
	if len(objs) != 1 {
		t.Fatalf("want exactly one %s in %s/, found %d", kind, kubernetesDir, len(objs))
	}
	return objs[0]
}

func TestStrictDecodingRejectsUnknownFieldsAndKinds(t *testing.T) {
	for doc, want := range map[string]string{
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 2\n":                     "unknown field",
		"apiVersion: v1\nkind: Service\nspec:\n  ports:\n    - port: 80\n      prot: x\n":  "unknown field",
		"apiVersion: v1\nkind: ConfigMap\ndata: {A: x}\ndata: {B: y}\n":                    "already set",
		"apiVersion: batch/v1\nkind: CronJob\n":                                            "is not one this test decodes",
		"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresource: []\n": "unknown field",
	} {
		if _, err := decodeStrict([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("decoding %q: got %v, want an error containing %q", doc, err, want)
		}
	}
}

func TestKubernetesManifestsDecodeStrictly(t *testing.T) {
	m := loadManifests(t)
	if m.kustomize == nil {
		t.Fatal("kubernetes/kustomization.yaml is missing")
	}
	if got, want := slices.Sorted(slices.Values(m.kustomize.Resources)), slices.Sorted(slices.Values(m.files)); !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml lists %v; the directory holds %v", got, want)
	}
	one(t, "Deployment", m.deployments)
	one(t, "Service", m.services)
	one(t, "ConfigMap", m.configMaps)
	one(t, "Secret", m.secrets)
	one(t, "PodDisruptionBudget", m.pdbs)
	one(t, "HorizontalPodAutoscaler", m.hpas)
	if len(m.ingresses) == 0 {
		t.Error("no Ingress")
	}
}

// kubernetesEnv is the container's environment: the ConfigMap's and the
// Secret's entries (envFrom) and its own env values.
func kubernetesEnv(t *testing.T, m manifests) map[string]string {
	t.Helper()
	cm, secret := one(t, "ConfigMap", m.configMaps), one(t, "Secret", m.secrets)
	env := map[string]string{}
	add := func(where, name, value string) {
		if _, dup := env[name]; dup {
			t.Errorf("%s: %s is set twice (ConfigMap, Secret or env)", where, name)
		}
		env[name] = value
	}
	for name, value := range cm.Data {
		add("ConfigMap "+cm.Name, name, value)
	}
	for name := range cm.BinaryData {
		t.Errorf("ConfigMap %s: binaryData %s is no environment variable", cm.Name, name)
	}
	for name, value := range secret.Data {
		add("Secret "+secret.Name, name, string(value))
	}
	for name, value := range secret.StringData {
		add("Secret "+secret.Name, name, value)
	}
	c := backendContainer(t, one(t, "Deployment", m.deployments))
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			add("env", e.Name, "placeholder-from-"+e.Name)
			continue
		}
		add("env", e.Name, e.Value)
	}
	return env
}

func backendContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	containers := d.Spec.Template.Spec.Containers
	if len(containers) != 1 {
		t.Fatalf("Deployment %s: want one container, found %d", d.Name, len(containers))
	}
	return containers[0]
}

func TestKubernetesConfigurationIsTheServices(t *testing.T) {
	m := loadManifests(t)
	env := kubernetesEnv(t, m)
	checkVariables(t, "kubernetes", env)
	cfg := loadConfig(t, "kubernetes (ConfigMap + Secret)", env)
	checkSeveralInstances(t, "kubernetes", env, cfg)

	// The Deployment takes its whole environment from that ConfigMap and Secret.
	cm, secret := one(t, "ConfigMap", m.configMaps), one(t, "Secret", m.secrets)
	c := backendContainer(t, one(t, "Deployment", m.deployments))
	var fromCM, fromSecret bool
	for _, from := range c.EnvFrom {
		if from.Prefix != "" {
			t.Errorf("envFrom with prefix %q: the variables would be renamed", from.Prefix)
		}
		fromCM = fromCM || from.ConfigMapRef != nil && from.ConfigMapRef.Name == cm.Name
		fromSecret = fromSecret || from.SecretRef != nil && from.SecretRef.Name == secret.Name
	}
	if !fromCM || !fromSecret {
		t.Errorf("container %s: envFrom must name ConfigMap %s and Secret %s, has %+v", c.Name, cm.Name, secret.Name, c.EnvFrom)
	}
	if v := env["SECRET_KEY"]; !strings.Contains(v, "REPLACE") {
		t.Errorf("Secret: SECRET_KEY %q must be a placeholder marked REPLACE, not a real key", v)
	}
}

func TestKubernetesDeploymentFitsTheService(t *testing.T) {
	m := loadManifests(t)
	cfg := loadConfig(t, "kubernetes (ConfigMap + Secret)", kubernetesEnv(t, m))
	d := one(t, "Deployment", m.deployments)
	pod := d.Spec.Template.Spec
	c := backendContainer(t, d)

	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("Deployment: replicas %v, want at least 2", d.Spec.Replicas)
	}

	// The port: the container's, FLASK_PORT's, the probes' and the Service's.
	if len(c.Ports) != 1 {
		t.Fatalf("container: want one port, found %d", len(c.Ports))
	}
	port := c.Ports[0]
	if int(port.ContainerPort) != cfg.Port {
		t.Errorf("containerPort %d, but the service listens on FLASK_PORT %d", port.ContainerPort, cfg.Port)
	}
	resolve := func(where string, p intstr.IntOrString) {
		t.Helper()
		if p.Type == intstr.String && p.StrVal != port.Name || p.Type == intstr.Int && p.IntVal != port.ContainerPort {
			t.Errorf("%s: port %s is not the container port %s (%d)", where, p.String(), port.Name, port.ContainerPort)
		}
	}
	probe := func(name string, p *corev1.Probe, path string) {
		t.Helper()
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s: want an httpGet probe on %s", name, path)
			return
		}
		if p.HTTPGet.Path != path {
			t.Errorf("%s: path %q, want %q", name, p.HTTPGet.Path, path)
		}
		resolve(name, p.HTTPGet.Port)
	}
	probe("readinessProbe", c.ReadinessProbe, "/ready")
	probe("livenessProbe", c.LivenessProbe, "/health")
	if c.StartupProbe != nil {
		probe("startupProbe", c.StartupProbe, "/health")
	}

	// Shutdown: the preStop pause, then SHUTDOWN_TIMEOUT, within the grace period.
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatal("container: want lifecycle.preStop.sleep (the image has no shell for an exec sleep)")
	}
	if c.Lifecycle.PreStop.Exec != nil || c.Lifecycle.PreStop.HTTPGet != nil {
		t.Error("preStop: sleep only")
	}
	pause := c.Lifecycle.PreStop.Sleep.Seconds
	if pause <= 0 {
		t.Errorf("preStop sleep %d s", pause)
	}
	if pod.TerminationGracePeriodSeconds == nil {
		t.Fatal("terminationGracePeriodSeconds unset (the default 30 s is not above SHUTDOWN_TIMEOUT + preStop)")
	}
	grace := *pod.TerminationGracePeriodSeconds
	if need := cfg.ShutdownTimeout.Seconds() + float64(pause); float64(grace) <= need {
		t.Errorf("terminationGracePeriodSeconds %d, want more than SHUTDOWN_TIMEOUT %s + preStop %d s", grace, cfg.ShutdownTimeout, pause)
	}

	// Security: non-root 65532 (the image's user), read-only root, /data an emptyDir.
	runAsNonRoot, runAsUser := false, int64(0)
	if sc := pod.SecurityContext; sc != nil {
		runAsNonRoot = sc.RunAsNonRoot != nil && *sc.RunAsNonRoot
		if sc.RunAsUser != nil {
			runAsUser = *sc.RunAsUser
		}
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsNonRoot != nil {
			runAsNonRoot = *sc.RunAsNonRoot
		}
		if sc.RunAsUser != nil {
			runAsUser = *sc.RunAsUser
		}
	}
	if !runAsNonRoot || runAsUser != 65532 {
		t.Errorf("runAsNonRoot %v, runAsUser %d: want true and 65532", runAsNonRoot, runAsUser)
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("container: want readOnlyRootFilesystem: true")
	}
	dataVolume := ""
	for _, mount := range c.VolumeMounts {
		if mount.MountPath == "/data" {
			dataVolume = mount.Name
		}
	}
	if i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == dataVolume }); dataVolume == "" || i < 0 || pod.Volumes[i].EmptyDir == nil {
		t.Error("want /data (the working directory) mounted from an emptyDir volume")
	}

	// Resources.
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := c.Resources.Requests[r]; !ok || q.IsZero() {
			t.Errorf("resources.requests.%s unset (the HPA needs the CPU request)", r)
		}
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok || q.IsZero() {
		t.Error("resources.limits.memory unset")
	}

	// The objects that point at the Deployment's pods.
	matches := func(where string, selector map[string]string) {
		t.Helper()
		if len(selector) == 0 {
			t.Errorf("%s: empty selector", where)
		}
		for k, v := range selector {
			if d.Spec.Template.Labels[k] != v {
				t.Errorf("%s: selector %s=%s does not match the pods' labels %v", where, k, v, d.Spec.Template.Labels)
			}
		}
	}
	if d.Spec.Selector == nil {
		t.Fatal("Deployment: no selector")
	}
	matches("Deployment", d.Spec.Selector.MatchLabels)
	svc := one(t, "Service", m.services)
	matches("Service", svc.Spec.Selector)
	if len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service: want one port, found %d", len(svc.Spec.Ports))
	}
	resolve("Service targetPort", svc.Spec.Ports[0].TargetPort)
	pdb := one(t, "PodDisruptionBudget", m.pdbs)
	if pdb.Spec.Selector == nil {
		t.Fatal("PodDisruptionBudget: no selector")
	}
	matches("PodDisruptionBudget", pdb.Spec.Selector.MatchLabels)
	if pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil {
		t.Error("PodDisruptionBudget: neither minAvailable nor maxUnavailable")
	}
	hpa := one(t, "HorizontalPodAutoscaler", m.hpas)
	if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("HPA targets %+v, want apps/v1 Deployment %s", ref, d.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Errorf("HPA: minReplicas %v maxReplicas %d, want at least 2 and no more than the maximum", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}
}

func TestKubernetesIngressesReachTheService(t *testing.T) {
	m := loadManifests(t)
	svc := one(t, "Service", m.services)
	servicePort := svc.Spec.Ports[0]
	socketIOAffinity := false
	for _, ing := range m.ingresses {
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				t.Errorf("Ingress %s: rule without http", ing.Name)
				continue
			}
			for _, path := range rule.HTTP.Paths {
				b := path.Backend.Service
				if b == nil || b.Name != svc.Name || !(b.Port.Name == servicePort.Name && b.Port.Name != "" || b.Port.Number == servicePort.Port) {
					t.Errorf("Ingress %s path %s: backend %+v is not Service %s port %s/%d", ing.Name, path.Path, b, svc.Name, servicePort.Name, servicePort.Port)
				}
				affinity := ing.Annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
				if strings.HasPrefix(path.Path, "/socket.io") {
					socketIOAffinity = affinity
					for _, a := range []string{"proxy-read-timeout", "proxy-send-timeout"} {
						v := ing.Annotations["nginx.ingress.kubernetes.io/"+a]
						if seconds, err := strconv.Atoi(v); err != nil || seconds <= 45 {
							t.Errorf("Ingress %s: %s %q, want above 45 s (Engine.IO ping interval + timeout)", ing.Name, a, v)
						}
					}
				} else if affinity {
					t.Errorf("Ingress %s path %s: cookie affinity is for Socket.IO polling only", ing.Name, path.Path)
				}
			}
		}
	}
	if !socketIOAffinity {
		t.Error("no Ingress path for /socket.io/ with cookie affinity (the polling transport needs it)")
	}
}
