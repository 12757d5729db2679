package watch

import (
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dnsquorum/dnsquorum/check"
)

// Metric names, all prefixed dnsquorum_. No metric carries an instance or
// vantage label: Prometheus adds its own "instance" at scrape time.
const (
	MetricNameserverUp   = "dnsquorum_nameserver_up"
	MetricDrift          = "dnsquorum_nameserver_drift_rrsets"
	MetricZoneStatus     = "dnsquorum_zone_status"
	MetricLastCheck      = "dnsquorum_zone_last_check_timestamp_seconds"
	MetricCheckDuration  = "dnsquorum_zone_check_duration_seconds"
	MetricFindings       = "dnsquorum_zone_findings"
	MetricChecks         = "dnsquorum_zone_checks_total"
	MetricRounds         = "dnsquorum_watch_rounds_total"
	MetricAlertDelivery  = "dnsquorum_alert_deliveries_total"
	MetricAlertStateErrs = "dnsquorum_alert_state_errors_total"
)

// driftChecks are the findings counted as drift: a server holding other
// data than desired.
var driftChecks = map[string]bool{check.CheckDrift: true, check.CheckTTL: true, check.CheckExtra: true}

type metrics struct {
	up, drift                    *prometheus.GaugeVec
	status, last, duration       *prometheus.GaugeVec
	findings                     *prometheus.GaugeVec
	checks                       *prometheus.CounterVec
	rounds                       prometheus.Counter
	alertDeliveries              *prometheus.CounterVec
	alertStateErrors             prometheus.Counter
	severities                   []check.Severity
	nameserverLabels, zoneLabels []string
}

func newMetrics(reg *prometheus.Registry) *metrics {
	// The same labels as check -o prometheus, so both can be scraped together.
	ns := []string{"zone", "nameserver", "address", "provider"}
	m := &metrics{
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricNameserverUp,
			Help: "1 when the nameserver address answers authoritatively for the zone, else 0."}, ns),
		drift: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricDrift,
			Help: "RRsets the address serves differently from the desired zone (drift, ttl, extra findings)."}, ns),
		status: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricZoneStatus,
			Help: "Zone status as a Nagios code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (check could not run)."}, []string{"zone"}),
		last: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricLastCheck,
			Help: "Unix time the zone's last check finished."}, []string{"zone"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricCheckDuration,
			Help: "How long the zone's last check took, in seconds."}, []string{"zone"}),
		findings: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricFindings,
			Help: "Open findings of the zone's last check, by severity."}, []string{"zone", "severity"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricChecks,
			Help: "Checks run, by zone and resulting status."}, []string{"zone", "status"}),
		rounds: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricRounds,
			Help: "Rounds of checks completed."}),
		alertDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricAlertDelivery,
			Help: "Alert notifications by sink and result (ok, error)."}, []string{"sink", "result"}),
		alertStateErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricAlertStateErrs,
			Help: "Rounds whose alert state could not be read or written."}),
		severities: []check.Severity{check.Warning, check.Critical, check.Unknown},
	}
	reg.MustRegister(m.up, m.drift, m.status, m.last, m.duration, m.findings, m.checks, m.rounds, m.alertDeliveries, m.alertStateErrors)
	return m
}

// observe records one zone's result.
func (m *metrics) observe(res *check.Result, now time.Time) {
	z := prometheus.Labels{"zone": res.Zone}
	m.up.DeletePartialMatch(z)
	m.drift.DeletePartialMatch(z)
	drift := map[string]int{}
	for _, f := range res.Problems() {
		if driftChecks[f.Check] {
			drift[f.Nameserver+"|"+f.Address]++
		}
	}
	for _, s := range res.Servers {
		up := 0.0
		if s.Status == check.StatusOK {
			up = 1
		}
		m.up.WithLabelValues(res.Zone, s.Nameserver, s.Address, s.Provider).Set(up)
		m.drift.WithLabelValues(res.Zone, s.Nameserver, s.Address, s.Provider).Set(float64(drift[s.Nameserver+"|"+s.Address]))
	}
	m.status.WithLabelValues(res.Zone).Set(float64(res.Status.ExitCode()))
	m.last.WithLabelValues(res.Zone).Set(float64(now.UnixMilli()) / 1000)
	m.duration.WithLabelValues(res.Zone).Set(res.Duration.Seconds())
	counts := map[check.Severity]int{}
	for _, f := range res.Problems() {
		counts[f.Severity]++
	}
	for _, s := range m.severities {
		m.findings.WithLabelValues(res.Zone, strings.ToLower(s.String())).Set(float64(counts[s]))
	}
	m.checks.WithLabelValues(res.Zone, strings.ToLower(res.Status.String())).Inc()
}

func (m *Monitor) metricsHandler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// addrLess orders IP addresses numerically (IPv4 before IPv6), anything
// unparsable last by text.
func addrLess(a, b string) bool {
	pa, ea := netip.ParseAddr(a)
	pb, eb := netip.ParseAddr(b)
	switch {
	case ea == nil && eb == nil:
		return pa.Less(pb)
	case ea == nil:
		return true
	case eb == nil:
		return false
	}
	return a < b
}
