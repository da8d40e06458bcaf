package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats is a database connection pool's use at one moment. MaxOpen 0
// means no limit, as in database/sql.
type PoolStats struct {
	InUse, Idle, MaxOpen int
}

// poolCollector reads a pool's stats once per scrape, so the states it
// reports are from the same moment.
type poolCollector struct {
	stats       func() PoolStats
	connections *prometheus.Desc
	maxOpen     *prometheus.Desc
}

// RegisterPool reports the pool named name (e.g. "postgres", "sqlite_reader")
// on every scrape: amanda_db_pool_connections{pool, state="in_use"|"idle"},
// whose sum by pool is the connections open, and
// amanda_db_pool_max_open_connections{pool}. It panics if name is already
// registered.
func (m *Metrics) RegisterPool(name string, stats func() PoolStats) {
	labels := prometheus.Labels{"pool": name}
	m.registry.MustRegister(&poolCollector{
		stats: stats,
		connections: prometheus.NewDesc(prometheus.BuildFQName(namespace, "db_pool", "connections"),
			"Database connections open, by state: in_use (acquired) or idle.", []string{"state"}, labels),
		maxOpen: prometheus.NewDesc(prometheus.BuildFQName(namespace, "db_pool", "max_open_connections"),
			"Most database connections the pool opens; 0 means no limit.", nil, labels),
	})
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.connections
	ch <- c.maxOpen
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.connections, prometheus.GaugeValue, float64(s.InUse), "in_use")
	ch <- prometheus.MustNewConstMetric(c.connections, prometheus.GaugeValue, float64(s.Idle), "idle")
	ch <- prometheus.MustNewConstMetric(c.maxOpen, prometheus.GaugeValue, float64(s.MaxOpen))
}
