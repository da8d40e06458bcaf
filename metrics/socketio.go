package metrics

import "github.com/prometheus/client_golang/prometheus"

func newSocketIOGauge(reg prometheus.Registerer) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace,
		Name:      "socketio_connections",
		Help:      "Open Socket.IO connections.",
	})
	reg.MustRegister(g)
	return g
}

// SocketConnected counts a Socket.IO connection opening.
func (m *Metrics) SocketConnected() { m.socketio.Inc() }

// SocketDisconnected counts a Socket.IO connection closing.
func (m *Metrics) SocketDisconnected() { m.socketio.Dec() }
