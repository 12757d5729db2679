package watch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/check/alert"
)

var labServers = []struct{ ns, addr string }{
	{"ns1.bind.lab.test.", "127.0.0.11"}, {"ns1.knot.lab.test.", "127.0.0.12"},
	{"ns1.pdns.lab.test.", "127.0.0.13"}, {"ns1.nsd.lab.test.", "127.0.0.14"},
}

func healthyResult(zone string) *check.Result {
	r := &check.Result{Zone: zone, Mode: "query", Started: time.Now(), Duration: 42 * time.Millisecond, Status: check.OK, Attempts: 1}
	for _, s := range labServers {
		r.Servers = append(r.Servers, check.ServerResult{Nameserver: s.ns, Address: s.addr, Status: check.StatusOK, Mode: "query", RRsets: 5})
	}
	return r
}

func driftResult(zone string) *check.Result {
	r := healthyResult(zone)
	r.Status = check.Critical
	r.Findings = []check.Finding{
		{Zone: zone, Check: check.CheckDrift, Severity: check.Critical, Nameserver: "ns1.knot.lab.test.", Address: "127.0.0.12",
			Record: "www." + zone + " A", Expected: "192.0.2.1", Got: "192.0.2.99", Message: "serves other data than desired"},
		{Zone: zone, Check: check.CheckTTL, Severity: check.Warning, Nameserver: "ns1.knot.lab.test.", Address: "127.0.0.12",
			Record: "mail." + zone + " A", Expected: "300", Got: "60", Message: "serves another TTL"},
	}
	return r
}

// fakeChecker serves results set by the test.
type fakeChecker struct {
	mu      sync.Mutex
	results map[string]func(zone string) *check.Result
	calls   int
}

func (f *fakeChecker) set(zone string, r func(string) *check.Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.results == nil {
		f.results = map[string]func(string) *check.Result{}
	}
	f.results[zone] = r
}

func (f *fakeChecker) check(ctx context.Context, zone string) *check.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r := f.results[zone]; r != nil {
		return r(zone)
	}
	return check.ErrorResult(zone, fmt.Errorf("no result for %s", zone))
}

// scrape fetches /metrics and parses it with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels include
// want; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		}
	}
	return 0, false
}

func newTestMonitor(t *testing.T, fc *fakeChecker, zones []string, mod func(*Options)) (*Monitor, *httptest.Server) {
	t.Helper()
	opts := Options{Zones: zones, Check: fc.check, Interval: time.Minute}
	if mod != nil {
		mod(&opts)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(srv.Close)
	return m, srv
}

func TestMetrics(t *testing.T) {
	fc := &fakeChecker{}
	fc.set("good.test.", healthyResult)
	fc.set("bad.test.", driftResult)
	// broken.test. has no result: its check "cannot run".
	zones := []string{"good.test.", "bad.test.", "broken.test."}
	m, srv := newTestMonitor(t, fc, zones, nil)
	if !m.Round(context.Background()) {
		t.Fatal("round did not complete")
	}
	fams := scrape(t, srv.URL)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{MetricNameserverUp, map[string]string{"zone": "good.test.", "address": "127.0.0.12", "nameserver": "ns1.knot.lab.test."}, 1},
		{MetricNameserverUp, map[string]string{"zone": "bad.test.", "address": "127.0.0.12"}, 1},
		{MetricDrift, map[string]string{"zone": "bad.test.", "address": "127.0.0.12"}, 2},
		{MetricDrift, map[string]string{"zone": "bad.test.", "address": "127.0.0.11"}, 0},
		{MetricDrift, map[string]string{"zone": "good.test.", "address": "127.0.0.12"}, 0},
		{MetricZoneStatus, map[string]string{"zone": "good.test."}, 0},
		{MetricZoneStatus, map[string]string{"zone": "bad.test."}, 2},
		{MetricZoneStatus, map[string]string{"zone": "broken.test."}, 3},
		{MetricFindings, map[string]string{"zone": "bad.test.", "severity": "critical"}, 1},
		{MetricFindings, map[string]string{"zone": "bad.test.", "severity": "warning"}, 1},
		{MetricFindings, map[string]string{"zone": "bad.test.", "severity": "unknown"}, 0},
		{MetricFindings, map[string]string{"zone": "broken.test.", "severity": "unknown"}, 1},
		{MetricCheckDuration, map[string]string{"zone": "good.test."}, 0.042},
		{MetricChecks, map[string]string{"zone": "bad.test.", "status": "critical"}, 1},
		{MetricRounds, nil, 1},
	} {
		got, ok := value(fams, tc.name, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if _, ok := value(fams, MetricNameserverUp, map[string]string{"zone": "broken.test."}); ok {
		t.Error("a zone whose check could not run must not report nameservers up")
	}
	last, ok := value(fams, MetricLastCheck, map[string]string{"zone": "good.test."})
	if !ok || time.Since(time.Unix(int64(last), 0)) > time.Hour {
		t.Errorf("last check timestamp %v", last)
	}
	for name, f := range fams {
		for _, mm := range f.Metric {
			for _, l := range mm.Label {
				if l.GetName() == "instance" || l.GetName() == "vantage" {
					t.Errorf("%s carries a %s label: vantage points must expose identical series", name, l.GetName())
				}
			}
		}
	}
	// A server that goes away disappears from the series.
	fc.set("bad.test.", func(z string) *check.Result {
		r := healthyResult(z)
		r.Servers = r.Servers[:3]
		return r
	})
	m.Round(context.Background())
	fams = scrape(t, srv.URL)
	if _, ok := value(fams, MetricNameserverUp, map[string]string{"zone": "bad.test.", "address": "127.0.0.14"}); ok {
		t.Error("stale series for a server no longer checked")
	}
	if v, _ := value(fams, MetricZoneStatus, map[string]string{"zone": "bad.test."}); v != 0 {
		t.Errorf("bad.test. status %v after recovery", v)
	}
}

func TestHealthz(t *testing.T) {
	fc := &fakeChecker{}
	fc.set("good.test.", healthyResult)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m, srv := newTestMonitor(t, fc, []string{"good.test."}, func(o *Options) { o.Now = clock })
	get := func() (int, string) {
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || !strings.Contains(body, "starting") {
		t.Errorf("before the first round: %d %q", code, body)
	}
	m.Round(context.Background())
	if code, _ := get(); code != 200 {
		t.Errorf("after a round: %d", code)
	}
	mu.Lock()
	now = now.Add(10 * time.Minute) // loop stuck for 10 intervals
	mu.Unlock()
	if code, body := get(); code != 503 {
		t.Errorf("stuck loop: %d %q, want 503", code, body)
	}
}

// TestRoundAlerts: a round hands its results to alerting; a sink that
// fails does not stop the checks, and shows in the metrics.
func TestRoundAlerts(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer broken.Close()
	cfg, err := alertConfig(t, fmt.Sprintf(`
default: [hook, broken]
sinks:
  hook: { type: webhook, url: %q }
  broken: { type: webhook, url: %q, attempts: 2 }
`, hook.URL, broken.URL))
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeChecker{}
	fc.set("bad.test.", driftResult)
	var log strings.Builder
	var logMu sync.Mutex
	m, srv := newTestMonitor(t, fc, []string{"bad.test."}, func(o *Options) {
		o.Alerts = cfg
		o.AlertOptions = alert.Options{Store: &alert.MemoryStore{}, RetryBase: time.Millisecond, RetryMax: time.Millisecond}
		o.Log = writerFunc(func(p []byte) (int, error) { logMu.Lock(); defer logMu.Unlock(); return log.Write(p) })
	})
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(bodies) }
	m.Round(context.Background())
	m.Round(context.Background()) // still drifted: nothing new for hook
	if n := count(); n != 1 {
		t.Fatalf("hook got %d notifications over two drifted rounds, want 1", n)
	}
	fams := scrape(t, srv.URL)
	if v, _ := value(fams, MetricAlertDelivery, map[string]string{"sink": "hook", "result": "ok"}); v != 1 {
		t.Errorf("hook ok deliveries %v, want 1", v)
	}
	if v, _ := value(fams, MetricAlertDelivery, map[string]string{"sink": "broken", "result": "error"}); v != 2 {
		t.Errorf("broken error deliveries %v, want 2 (its news stays pending)", v)
	}
	if v, _ := value(fams, MetricZoneStatus, map[string]string{"zone": "bad.test."}); v != 2 {
		t.Errorf("zone status %v: a failing sink must not change the check result", v)
	}
	fc.set("bad.test.", healthyResult)
	m.Round(context.Background())
	if n := count(); n != 2 || !strings.Contains(bodies[1], `"status":"resolved"`) {
		t.Errorf("after recovery: %d notifications, last %s", n, bodies[len(bodies)-1])
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(log.String(), `alert sink "broken"`) || strings.Contains(log.String(), broken.URL) {
		t.Errorf("log must name the failing sink and not its URL:\n%s", log.String())
	}
}

// alertConfig decodes an alerts section given as YAML text.
func alertConfig(t *testing.T, text string) (*alert.Config, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	return alert.Decode(doc.Content[0], "test.yaml", t.TempDir(), nil)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
