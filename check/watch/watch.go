// Package watch is the long-running monitor behind `dnsquorum watch`: it
// checks every zone each interval (with jitter), keeps the alert state and
// notifies sinks as `check --alert` does, and serves Prometheus metrics
// (/metrics), a liveness probe (/healthz) and a status page (/) for people.
package watch

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/check/alert"
)

// Checker checks one zone once. It returns check.ErrorResult when the check
// could not run, never nil.
type Checker func(ctx context.Context, zone string) *check.Result

// Options configure a Monitor.
type Options struct {
	// Zones are the canonical names of the zones to check, in display
	// order.
	Zones []string
	// Check checks one zone.
	Check Checker
	// Interval between two rounds (default 60s).
	Interval time.Duration
	// Jitter spreads rounds by up to ±Jitter×Interval (default 0.1; a
	// negative value disables it), so several vantage points do not query
	// in lockstep.
	Jitter float64
	// Concurrency bounds the zones checked at once (default 4).
	Concurrency int
	// Alerts, when not nil, receives every round's results.
	Alerts *alert.Config
	// AlertOptions are passed to alert.Process (the Interval is filled in).
	AlertOptions alert.Options
	// Log receives one line per round and per alert delivery (nil: none).
	Log io.Writer
	// Now returns the current time (nil: time.Now).
	Now func() time.Time
}

// ZoneView is what the monitor knows about one zone.
type ZoneView struct {
	Zone string
	// Result of the last check; nil before the first.
	Result *check.Result
	// Checked is when the last check finished.
	Checked time.Time
	// FirstSeen maps each open finding's key to when this monitor first
	// saw it (in a row).
	FirstSeen map[string]time.Time
}

// Monitor checks zones periodically and serves what it found.
type Monitor struct {
	opts    Options
	reg     *prometheus.Registry
	metrics *metrics
	started time.Time

	mu        sync.RWMutex
	zones     map[string]*ZoneView
	lastRound time.Time
	rounds    int
	alertErr  error
}

// New builds a monitor. It does not start checking: call Run (or Round).
func New(opts Options) (*Monitor, error) {
	if opts.Check == nil {
		return nil, fmt.Errorf("watch: no checker")
	}
	if len(opts.Zones) == 0 {
		return nil, fmt.Errorf("watch: no zones to check")
	}
	if opts.Interval <= 0 {
		opts.Interval = 60 * time.Second
	}
	if opts.Jitter == 0 {
		opts.Jitter = 0.1
	}
	if opts.Jitter < 0 {
		opts.Jitter = 0
	}
	if opts.Jitter > 0.5 {
		opts.Jitter = 0.5
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.AlertOptions.Interval = opts.Interval
	m := &Monitor{opts: opts, reg: prometheus.NewRegistry(), zones: map[string]*ZoneView{}, started: opts.Now()}
	m.metrics = newMetrics(m.reg)
	for _, z := range opts.Zones {
		m.zones[z] = &ZoneView{Zone: z, FirstSeen: map[string]time.Time{}}
	}
	return m, nil
}

// Registry is the monitor's Prometheus registry (its own, not the global
// one).
func (m *Monitor) Registry() *prometheus.Registry { return m.reg }

// Run checks every zone at once, then every interval (± jitter), until ctx
// is done; it then returns nil. A round in progress is abandoned at once
// (its results are dropped, the alert state stays as the last round left
// it).
func (m *Monitor) Run(ctx context.Context) error {
	for {
		m.Round(ctx)
		t := time.NewTimer(m.nextDelay())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// nextDelay is the interval with up to ±Jitter of it added.
func (m *Monitor) nextDelay() time.Duration {
	j := time.Duration(m.opts.Jitter * float64(m.opts.Interval))
	if j <= 0 {
		return m.opts.Interval
	}
	return m.opts.Interval - j + rand.N(2*j+1)
}

// Round checks every zone once (Concurrency at a time, each bounded by the
// interval), records the results, and hands them to alerting. It returns
// false when ctx ended the round early (nothing is recorded then).
func (m *Monitor) Round(ctx context.Context) bool {
	results := make([]*check.Result, len(m.opts.Zones))
	sem := make(chan struct{}, m.opts.Concurrency)
	var wg sync.WaitGroup
	for i, z := range m.opts.Zones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, m.opts.Interval)
			defer cancel()
			start := m.opts.Now()
			res := m.opts.Check(cctx, z)
			if res == nil {
				res = check.ErrorResult(z, fmt.Errorf("the check returned nothing"))
			}
			if ctx.Err() == nil && cctx.Err() == context.DeadlineExceeded && res.Status == check.OK {
				res = check.ErrorResult(z, fmt.Errorf("the check did not finish within %s", m.opts.Interval))
			}
			if res.Started.IsZero() {
				res.Started = start
			}
			if res.Duration == 0 {
				res.Duration = m.opts.Now().Sub(start)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return false
	}
	now := m.opts.Now()
	m.record(results, now)
	if m.opts.Alerts != nil {
		out, err := alert.Process(ctx, m.opts.Alerts, alert.FromChecks(results), m.opts.AlertOptions)
		m.mu.Lock()
		m.alertErr = err
		m.mu.Unlock()
		if err != nil {
			m.metrics.alertStateErrors.Inc()
			m.logf("alert state: %v", err)
		}
		if out != nil {
			for _, d := range out.Deliveries {
				if d.Err != nil {
					m.metrics.alertDeliveries.WithLabelValues(d.Sink, "error").Inc()
					m.logf("%v", d.Err)
					continue
				}
				m.metrics.alertDeliveries.WithLabelValues(d.Sink, "ok").Inc()
				m.logf("alert sink %q: %d triggered, %d resolved, %d repeated (%v)", d.Sink, d.Triggered, d.Resolved, d.Repeated, d.Zones)
			}
		}
	}
	return true
}

// record stores a round's results and updates the metrics.
func (m *Monitor) record(results []*check.Result, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	worst := check.OK
	for _, res := range results {
		zv := m.zones[res.Zone]
		if zv == nil {
			continue
		}
		seen := map[string]time.Time{}
		for _, f := range res.Problems() {
			k := f.Key()
			if t, ok := zv.FirstSeen[k]; ok {
				seen[k] = t
			} else {
				seen[k] = res.Started
			}
		}
		zv.Result, zv.Checked, zv.FirstSeen = res, now, seen
		m.metrics.observe(res, now)
		worst = check.Worst(worst, res.Status)
	}
	m.lastRound = now
	m.rounds++
	m.metrics.rounds.Inc()
	m.logf("round %d: %d zones, worst %s", m.rounds, len(results), worst)
}

func (m *Monitor) logf(format string, args ...any) {
	if m.opts.Log != nil {
		fmt.Fprintf(m.opts.Log, "watch: "+format+"\n", args...)
	}
}

// Zones returns a copy of what the monitor knows, in display order.
func (m *Monitor) Zones() []ZoneView {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]ZoneView, 0, len(m.opts.Zones))
	for _, z := range m.opts.Zones {
		zv := *m.zones[z]
		out = append(out, zv)
	}
	return out
}

// Healthy reports whether the check loop is alive: a round finished within
// the last three intervals (or the first one is still due).
func (m *Monitor) Healthy() (bool, string) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	now := m.opts.Now()
	limit := 3*m.opts.Interval + 10*time.Second
	if m.rounds == 0 {
		if now.Sub(m.started) <= limit {
			return true, "starting: first round in progress"
		}
		return false, fmt.Sprintf("no round finished since start %s ago", now.Sub(m.started).Round(time.Second))
	}
	if age := now.Sub(m.lastRound); age > limit {
		return false, fmt.Sprintf("last round finished %s ago (interval %s)", age.Round(time.Second), m.opts.Interval)
	}
	return true, fmt.Sprintf("ok: %d rounds, last %s ago", m.rounds, now.Sub(m.lastRound).Round(time.Second))
}

// Handler serves / (status page), /metrics and /healthz.
func (m *Monitor) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.metricsHandler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ok, msg := m.Healthy()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, msg)
	})
	mux.HandleFunc("GET /{$}", m.serveStatus)
	return mux
}

// addressesOf returns the addresses of every zone's servers, sorted, with
// the nameserver names seen at each.
func addressesOf(zones []ZoneView) ([]string, map[string][]string) {
	names := map[string]map[string]bool{}
	for _, zv := range zones {
		if zv.Result == nil {
			continue
		}
		for _, s := range zv.Result.Servers {
			if names[s.Address] == nil {
				names[s.Address] = map[string]bool{}
			}
			names[s.Address][s.Nameserver] = true
		}
	}
	addrs := make([]string, 0, len(names))
	out := map[string][]string{}
	for a, ns := range names {
		addrs = append(addrs, a)
		for n := range ns {
			out[a] = append(out[a], n)
		}
		sort.Strings(out[a])
	}
	sort.Slice(addrs, func(i, j int) bool { return addrLess(addrs[i], addrs[j]) })
	return addrs, out
}
