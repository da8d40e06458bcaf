package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// percentile is the nearest-rank q-quantile (0 < q <= 1) of samples, which
// it sorts in place; 0 for no samples.
func percentile(samples []time.Duration, q float64) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	if !slices.IsSorted(samples) {
		slices.Sort(samples)
	}
	if q <= 0 {
		return samples[0]
	}
	if q >= 1 {
		return samples[len(samples)-1]
	}
	rank := int(math.Ceil(q*float64(len(samples)))) - 1
	if rank < 0 {
		rank = 0
	}
	return samples[rank]
}

// ms is a duration in milliseconds, rounded to 0.01.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*100) / 100
}

// round2 rounds to two decimals.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// Samples collects durations from many goroutines.
type Samples struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *Samples) Add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

// Sorted is a sorted copy of the samples.
func (s *Samples) Sorted() []time.Duration {
	s.mu.Lock()
	out := slices.Clone(s.d)
	s.mu.Unlock()
	slices.Sort(out)
	return out
}

func (s *Samples) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.d)
}

// Failures counts failures by kind and keeps a few examples of each.
type Failures struct {
	mu       sync.Mutex
	count    map[string]int
	examples map[string][]string
}

const examplesPerKind = 3

// Add counts one failure of kind; detail is kept as an example.
func (f *Failures) Add(kind, detail string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count == nil {
		f.count = map[string]int{}
		f.examples = map[string][]string{}
	}
	f.count[kind]++
	if detail != "" && len(f.examples[kind]) < examplesPerKind {
		if len(detail) > 300 {
			detail = detail[:300] + "..."
		}
		f.examples[kind] = append(f.examples[kind], detail)
	}
}

// AddN counts n failures of kind.
func (f *Failures) AddN(kind string, n int, detail string) {
	if n <= 0 {
		return
	}
	f.Add(kind, detail)
	f.mu.Lock()
	f.count[kind] += n - 1
	f.mu.Unlock()
}

// Total is the number of failures of every kind.
func (f *Failures) Total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.count {
		n += c
	}
	return n
}

// ByKind is a copy of the counts.
func (f *Failures) ByKind() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.count))
	for k, v := range f.count {
		out[k] = v
	}
	return out
}

// First is one example of the most frequent kind, "kind: example".
func (f *Failures) First() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	best := ""
	for k, n := range f.count {
		if best == "" || n > f.count[best] || n == f.count[best] && k < best {
			best = k
		}
	}
	if best == "" {
		return ""
	}
	if ex := f.examples[best]; len(ex) > 0 {
		return best + ": " + ex[0]
	}
	return best
}

// Report writes one line per kind with its examples.
func (f *Failures) Report(log func(format string, args ...any)) { f.ReportAs("failure", log) }

// ReportAs is Report with another word than "failure" (Failures also
// counts the attack's answers by kind).
func (f *Failures) ReportAs(label string, log func(format string, args ...any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kinds := make([]string, 0, len(f.count))
	for k := range f.count {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		line := fmt.Sprintf("%s %-18s x%d", label, k, f.count[k])
		if ex := f.examples[k]; len(ex) > 0 {
			line += "  e.g. " + strings.Join(ex, " | ")
		}
		log("%s", line)
	}
}

// Summary is the one-line JSON summary, keys in insertion order.
type Summary struct {
	keys []string
	vals map[string]any
}

func NewSummary(scenario string) *Summary {
	s := &Summary{vals: map[string]any{}}
	s.Set("scenario", scenario)
	return s
}

// Set adds or replaces a key. A zero Summary is an empty one (a nested
// object of the summary).
func (s *Summary) Set(key string, v any) {
	if s.vals == nil {
		s.vals = map[string]any{}
	}
	if _, ok := s.vals[key]; !ok {
		s.keys = append(s.keys, key)
	}
	s.vals[key] = v
}

// Get is the value of a key.
func (s *Summary) Get(key string) any { return s.vals[key] }

func (s *Summary) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range s.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(s.vals[k])
		if err != nil {
			return nil, fmt.Errorf("summary %s: %w", k, err)
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// latencyFields adds <prefix>_p50_ms, _p99_ms and _max_ms of samples.
func (s *Summary) latencyFields(prefix string, samples []time.Duration) {
	s.Set(prefix+"_p50_ms", ms(percentile(samples, 0.50)))
	s.Set(prefix+"_p99_ms", ms(percentile(samples, 0.99)))
	s.Set(prefix+"_max_ms", ms(percentile(samples, 1)))
}
