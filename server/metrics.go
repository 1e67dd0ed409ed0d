package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/moonbox-runtime/moonbox"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics. Labels are bounded: tenant
// (deployed tenants only; "" for requests nobody authenticated), service
// (at most 64 a tenant), code, op; never a PID.
type metrics struct {
	s   *Server
	reg *prometheus.Registry

	prints                      *prometheus.CounterVec
	requests                    *prometheus.CounterVec
	requestSeconds, callSeconds *prometheus.HistogramVec
	admin, deploys              *prometheus.CounterVec

	// read from Tenant.Stats and the supervisors at scrape time
	processes, instances, heap, linear                            *prometheus.Desc
	spawns, messages, instructions, denials, abnormal, limitKills *prometheus.Desc
	restarts, serviceState                                        *prometheus.Desc
}

// latencyBuckets run from 100 µs to 10 s: a call to a Lua service on
// loopback is well under a millisecond, the ingress timeout is seconds.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newMetrics(s *Server) *metrics {
	m := &metrics{s: s, reg: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "moonbox", Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	m.prints = counter("prints_total", "Lines processes printed.", "tenant")
	m.requests = counter("ingress_requests_total", "Ingress requests by HTTP status.", "tenant", "code")
	m.admin = counter("admin_requests_total", "Admin API requests by operation and HTTP status.", "op", "code")
	m.deploys = counter("deploys_total", "Deploys, rollbacks and undeploys done.", "op")
	hist := func(name, help string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "moonbox", Name: name, Help: help, Buckets: latencyBuckets}, []string{"tenant"})
		m.reg.MustRegister(h)
		return h
	}
	m.requestSeconds = hist("ingress_request_seconds", "Ingress requests, from the handler's start to its answer.")
	m.callSeconds = hist("call_seconds", "Calls from the ingress to a tenant's process, until its reply.")
	tenant := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("moonbox_"+name, help, []string{"tenant"}, nil)
	}
	m.processes = tenant("tenant_processes", "Live processes of a tenant (Go-side ones too).")
	m.instances = tenant("tenant_instances", "Sandbox (or native) instances of a tenant, one per shard it has processes on.")
	m.heap = tenant("tenant_guest_heap_bytes", "Guest heap in use over a tenant's instances (0 in native isolation).")
	m.linear = tenant("tenant_guest_memory_bytes", "Linear memory of a tenant's instances (0 in native isolation).")
	m.spawns = tenant("spawns_total", "Processes a tenant started.")
	m.messages = tenant("messages_total", "Messages delivered to a tenant's processes.")
	m.instructions = tenant("instructions_total", "Lua instructions a tenant's processes ran (counted in steps of 2,000).")
	m.denials = tenant("policy_denials_total", "Requests a tenant's policy refused.")
	m.abnormal = tenant("abnormal_exits_total", "Abnormal exits of a tenant's processes, limit kills included.")
	m.limitKills = tenant("limit_kills_total", "A tenant's processes ended by a limit (memory, CPU, cancel deadline) or a crashed sandbox.")
	m.restarts = prometheus.NewDesc("moonbox_service_restarts_total", "Times a service was started again by its supervisor.", []string{"tenant", "service"}, nil)
	m.serviceState = prometheus.NewDesc("moonbox_service_state", "1 for a service's current state.", []string{"tenant", "service", "state"}, nil)
	m.reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// event counts a runtime event. The runtime calls it on its own goroutines:
// it only increments.
func (m *metrics) event(e moonbox.Event) {
	if e.Tenant == "" {
		return
	}
	if e.Kind == moonbox.EventPrint {
		m.prints.WithLabelValues(e.Tenant).Inc()
	}
}

func (m *metrics) request(tenant string, code int, d time.Duration) {
	m.requests.WithLabelValues(tenant, strconv.Itoa(code)).Inc()
	if tenant != "" {
		m.requestSeconds.WithLabelValues(tenant).Observe(d.Seconds())
	}
}

func (m *metrics) call(tenant string, d time.Duration) {
	m.callSeconds.WithLabelValues(tenant).Observe(d.Seconds())
}

// forget drops an undeployed tenant's series.
func (m *metrics) forget(tenant string) {
	l := prometheus.Labels{"tenant": tenant}
	for _, v := range []*prometheus.CounterVec{m.prints, m.requests} {
		v.DeletePartialMatch(l)
	}
	m.requestSeconds.DeletePartialMatch(l)
	m.callSeconds.DeletePartialMatch(l)
}

// Describe and Collect make the per-tenant gauges read at scrape time.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.processes, m.instances, m.heap, m.linear, m.spawns, m.messages, m.instructions,
		m.denials, m.abnormal, m.limitKills, m.restarts, m.serviceState} {
		ch <- d
	}
}

var serviceStates = []moonbox.ServiceState{moonbox.ServiceStarting, moonbox.ServiceRunning, moonbox.ServiceBackoff,
	moonbox.ServiceExited, moonbox.ServiceFailed, moonbox.ServiceStopped}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	for _, tn := range m.s.tenantList() {
		if tn.t != nil {
			st := tn.t.Stats()
			for _, g := range []struct {
				d *prometheus.Desc
				v float64
			}{{m.processes, float64(st.Processes)}, {m.instances, float64(st.Instances)}, {m.heap, float64(st.Memory)}, {m.linear, float64(st.Linear)}} {
				ch <- prometheus.MustNewConstMetric(g.d, prometheus.GaugeValue, g.v, tn.name)
			}
			for _, c := range []struct {
				d *prometheus.Desc
				v int64
			}{{m.spawns, st.Spawns}, {m.messages, st.Messages}, {m.instructions, st.Instructions},
				{m.denials, st.Denials}, {m.abnormal, st.Abnormal}, {m.limitKills, st.LimitKills}} {
				ch <- prometheus.MustNewConstMetric(c.d, prometheus.CounterValue, float64(c.v), tn.name)
			}
		}
		if tn.sup == nil {
			continue
		}
		for _, ss := range tn.sup.Status() {
			ch <- prometheus.MustNewConstMetric(m.restarts, prometheus.CounterValue, float64(tn.restartsBefore[ss.Name]+ss.Restarts), tn.name, ss.Name)
			for _, st := range serviceStates {
				v := 0.0
				if ss.State == st {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(m.serviceState, prometheus.GaugeValue, v, tn.name, ss.Name, string(st))
			}
		}
	}
}
