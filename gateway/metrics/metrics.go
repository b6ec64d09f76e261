// Package metrics exposes OpenHotline's Prometheus metrics. Cluster-wide figures (queues,
// offers, answer and handle times, abandons, alerts, SLA breaches, outbox lag) are read from
// Redis at scrape time, so every process reports the same values and several scraped nodes never
// double count; take max() across instances. Per-process figures (webhook latency per route,
// websocket connections) are this process's own. No label ever carries an identifier.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// Metrics owns a registry with the cluster collector and the per-process instruments.
// Safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.HistogramVec
	sockets   *prometheus.GaugeVec
	scrapeErr prometheus.Counter
}

// New registers the collectors for engine and its case desk. Redis's memory is read through
// space's client (the wiring passes engine.Space("metrics")); metrics keeps no keys of its own.
func New(engine *routing.Engine, space routing.Space, desk *cases.Desk, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.Default()
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hotline_http_request_duration_seconds",
			Help:    "Latency of HTTP requests handled by this process, by route pattern (webhooks, pages, APIs).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "method", "code"}),
		sockets: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hotline_websocket_connections",
			Help: "Open websocket connections on this process, by kind (console, chat).",
		}, []string{"kind"}),
		scrapeErr: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hotline_metrics_scrape_errors_total",
			Help: "Scrapes whose cluster-wide figures could not be read from Redis.",
		}),
	}
	m.reg.MustRegister(m.requests, m.sockets, m.scrapeErr,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&cluster{engine: engine, cases: desk, log: log, failed: m.scrapeErr}, &redisMemory{rdb: space.Redis()})
	return m
}

// scrapeTimeout bounds the Redis reads of one scrape.
const scrapeTimeout = 3 * time.Second

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: nil})
}

// ObserveRequest records one HTTP request under its route pattern (never the raw URL, which may
// hold identifiers).
func (m *Metrics) ObserveRequest(route, method string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Observe(d.Seconds())
}

// SocketOpened and SocketClosed track open websockets by kind ("console", "chat").
func (m *Metrics) SocketOpened(kind string) { m.sockets.WithLabelValues(kind).Inc() }

// SocketClosed is the counterpart of SocketOpened.
func (m *Metrics) SocketClosed(kind string) { m.sockets.WithLabelValues(kind).Dec() }

// cluster reads routing's and the case desk's figures from Redis at each scrape.
type cluster struct {
	engine *routing.Engine
	cases  *cases.Desk
	log    *slog.Logger
	failed prometheus.Counter
}

var (
	descWaiting  = prometheus.NewDesc("hotline_queue_waiting", "Conversations waiting, by routing class (channel:language).", []string{"class"}, nil)
	descOldest   = prometheus.NewDesc("hotline_queue_oldest_wait_seconds", "Wait of the oldest waiting conversation, by routing class.", []string{"class"}, nil)
	descOffers   = prometheus.NewDesc("hotline_offers_total", "Offers made to advocates, and their outcomes.", []string{"outcome"}, nil)
	descConvs    = prometheus.NewDesc("hotline_conversations_total", "Conversations by what happened to them, and channel.", []string{"event", "channel"}, nil)
	descAnswer   = prometheus.NewDesc("hotline_answer_seconds", "Time from arrival to an advocate's accept.", nil, nil)
	descHandle   = prometheus.NewDesc("hotline_handle_seconds", "Time from accept to close.", nil, nil)
	descAbandon  = prometheus.NewDesc("hotline_abandon_wait_seconds", "Wait of conversations abandoned before an answer.", nil, nil)
	descAdvs     = prometheus.NewDesc("hotline_advocates", "Advocates whose console is connected, by status.", []string{"status"}, nil)
	descOutbox   = prometheus.NewDesc("hotline_outbox_pending", "Outbound messages read by a worker and not yet acknowledged.", nil, nil)
	descLag      = prometheus.NewDesc("hotline_outbox_lag_seconds", "Age of the oldest unacknowledged outbound message.", nil, nil)
	descDead     = prometheus.NewDesc("hotline_outbox_dead_letters", "Outbound messages given up on (most recent 10,000 kept).", nil, nil)
	descAlerts   = prometheus.NewDesc("hotline_alerts_total", "Supervisor alerts raised and acknowledged.", []string{"event"}, nil)
	descAlertsOp = prometheus.NewDesc("hotline_alerts_open", "Alerts not yet acknowledged.", nil, nil)
	descAckTime  = prometheus.NewDesc("hotline_alert_ack_seconds", "Time from an alert to its acknowledgement.", nil, nil)
	descEscal    = prometheus.NewDesc("hotline_alert_escalations_total", "Escalation steps taken for unacknowledged alerts.", []string{"step"}, nil)
	descSLA      = prometheus.NewDesc("hotline_case_sla_breaches_total", "Cases not acknowledged within their SLA, by urgency.", []string{"urgency"}, nil)
	descCases    = prometheus.NewDesc("hotline_cases_opened_total", "Trafficking cases opened (flags and tips).", nil, nil)
)

func (c *cluster) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWaiting, descOldest, descOffers, descConvs, descAnswer, descHandle,
		descAbandon, descAdvs, descOutbox, descLag, descDead, descAlerts, descAlertsOp, descAckTime, descEscal, descSLA, descCases} {
		ch <- d
	}
}

func (c *cluster) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	s, err := c.engine.Stats(ctx)
	if err != nil {
		c.failed.Inc()
		c.log.Warn("metrics: cluster figures unavailable", "err", err)
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, q := range s.Queues {
		gauge(descWaiting, float64(q.Waiting), q.Class)
		gauge(descOldest, q.OldestWait.Seconds(), q.Class)
	}
	n := func(k string) float64 { return float64(s.Counts[k]) }
	counter(descOffers, n(routing.EvOffer), "made")
	counter(descOffers, n(routing.EvAssigned), "accepted")
	for _, reason := range []string{"declined", "expired", "taken", "away", "abandoned"} {
		counter(descOffers, n(routing.EvOfferGone+":"+reason), reason)
	}
	for _, ev := range []struct{ name, typ string }{{"queued", routing.EvQueued}, {"answered", routing.EvAssigned},
		{"abandoned", routing.EvAbandoned}, {"closed", routing.EvClosed}} {
		for _, chn := range routing.Channels {
			counter(descConvs, n(ev.typ+":"+string(chn)), ev.name, string(chn))
		}
	}
	hist(ch, descAnswer, s.Answer)
	hist(ch, descHandle, s.Handle)
	hist(ch, descAbandon, s.Abandon)
	for _, st := range []routing.Status{routing.Available, routing.Away, routing.Offline} {
		gauge(descAdvs, float64(s.Advocates[st]), string(st))
	}
	if pending, oldest, err := c.engine.Outbox().Lag(ctx); err == nil {
		gauge(descOutbox, float64(pending))
		gauge(descLag, oldest.Seconds())
	}
	if dead, err := c.engine.Outbox().DeadLetters(ctx, 10000); err == nil {
		gauge(descDead, float64(len(dead)))
	}
	if cs, err := c.cases.Stats(ctx); err == nil {
		counter(descCases, float64(cs.CasesOpened))
		counter(descAlerts, float64(cs.AlertsRaised), "raised")
		counter(descAlerts, float64(cs.AlertsAcked), "acknowledged")
		gauge(descAlertsOp, float64(cs.AlertsOpen))
		ch <- prometheus.MustNewConstSummary(descAckTime, uint64(cs.AlertsAcked), cs.AckSeconds, nil)
		for step, v := range cs.Escalations {
			counter(descEscal, float64(v), step)
		}
		for u, v := range cs.SLABreaches {
			counter(descSLA, float64(v), string(u))
		}
	}
}

func hist(ch chan<- prometheus.Metric, d *prometheus.Desc, h routing.Histogram) {
	bounds := make([]float64, 0, len(h.Buckets))
	for b := range h.Buckets {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	buckets := make(map[float64]uint64, len(bounds))
	for _, b := range bounds {
		buckets[b] = h.Buckets[b]
	}
	ch <- prometheus.MustNewConstHistogram(d, h.Count, h.Sum, buckets)
}
