package main

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	if got := percentile(nil, 0.5); got != 0 {
		t.Errorf("empty: %v", got)
	}
	one := []time.Duration{7}
	for _, q := range []float64{0, 0.5, 0.99, 1} {
		if got := percentile(one, q); got != 7 {
			t.Errorf("one sample q=%v: %v", q, got)
		}
	}
	// 1..100 shuffled: nearest rank gives p50 = 50, p99 = 99, p100 = 100.
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration((i*37)%100+1))
	}
	for q, want := range map[float64]time.Duration{0.5: 50, 0.99: 99, 1: 100, 0: 1, 0.01: 1, 0.011: 2, 0.9: 90} {
		if got := percentile(s, q); got != want {
			t.Errorf("q=%v: %v, want %v", q, got, want)
		}
	}
	// Ten samples: p50 is the 5th, p99 the 10th.
	ten := []time.Duration{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	if p := percentile(ten, 0.5); p != 5 {
		t.Errorf("p50 of ten = %v", p)
	}
	if p := percentile(ten, 0.99); p != 10 {
		t.Errorf("p99 of ten = %v", p)
	}
}

func TestMs(t *testing.T) {
	if got := ms(1234567 * time.Nanosecond); got != 1.23 {
		t.Errorf("ms = %v", got)
	}
}

func TestFailures(t *testing.T) {
	var f Failures
	f.Add("drop", "a")
	f.AddN("not_sent", 4, "b")
	f.AddN("none", 0, "c")
	if f.Total() != 5 {
		t.Fatalf("total %d", f.Total())
	}
	if k := f.ByKind(); k["drop"] != 1 || k["not_sent"] != 4 || len(k) != 2 {
		t.Fatalf("by kind %v", k)
	}
}

func TestSummaryKeepsOrder(t *testing.T) {
	s := NewSummary("stream")
	s.Set("sockets", 100)
	s.Set("replies_per_s", 12.5)
	s.Set("sockets", 101)
	s.Set("failures_by_kind", map[string]int{"b": 1, "a": 2})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"scenario":"stream","sockets":101,"replies_per_s":12.5,"failures_by_kind":{"a":2,"b":1}}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
}
