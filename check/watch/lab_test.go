package watch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/check/alert"
	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/zone"
)

// TestLabRound watches the lab's example.test. (read-only: it only queries)
// through the real check: every lab server must be up in /metrics, and
// alerting must agree with what the check found, whatever state the shared
// zone is in.
func TestLabRound(t *testing.T) {
	env := labtest.Load(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	_, file, _, _ := runtime.Caller(0)
	cfg, findings := zone.Load(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "example", "dnsquorum.yaml"))
	if findings.HasErrors() {
		t.Fatal(findings.Err())
	}
	port, _ := strconv.Atoi(env["LAB_PORT"])
	copts := check.DefaultOptions()
	copts.Port, copts.Parents = port, []string{env["LAB_PARENT"]}
	var mu sync.Mutex
	var notes []alert.Notification
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n alert.Notification
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &n); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		notes = append(notes, n)
		mu.Unlock()
	}))
	defer hook.Close()
	acfg, err := alertConfig(t, fmt.Sprintf("default: [hook]\nsinks:\n  hook: { type: webhook, url: %q }\n", hook.URL))
	if err != nil {
		t.Fatal(err)
	}
	var last *check.Result
	m, srv := newTestMonitor(t, &fakeChecker{}, []string{"example.test."}, func(o *Options) {
		o.Check = func(ctx context.Context, z string) *check.Result {
			res, err := check.Run(ctx, cfg, cfg.Zone(z), copts)
			if err != nil {
				res = check.ErrorResult(z, err)
			}
			last = res
			return res
		}
		o.Alerts = acfg
		o.AlertOptions = alert.Options{Store: &alert.MemoryStore{}}
		o.Interval = 30 * time.Second
	})
	if !m.Round(context.Background()) {
		t.Fatal("round did not complete")
	}
	fams := scrape(t, srv.URL)
	for _, key := range []string{"LAB_BIND", "LAB_KNOT", "LAB_PDNS", "LAB_NSD"} {
		if v, ok := value(fams, MetricNameserverUp, map[string]string{"zone": "example.test.", "address": env[key]}); !ok || v != 1 {
			t.Errorf("%s (%s): up %v present %v, want 1", key, env[key], v, ok)
		}
	}
	status, _ := value(fams, MetricZoneStatus, map[string]string{"zone": "example.test."})
	if int(status) != last.Status.ExitCode() {
		t.Errorf("zone status metric %v, check said %s", status, last.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	problems := len(last.Problems())
	t.Logf("example.test.: %s, %d problems, %d servers, check took %s", last.Status, problems, len(last.Servers), last.Duration)
	switch {
	case problems == 0 && len(notes) != 0:
		t.Errorf("healthy zone notified: %+v", notes)
	case problems > 0 && (len(notes) != 1 || len(notes[0].Zones) != 1 || len(notes[0].Zones[0].Findings) != problems):
		t.Errorf("%d problems: want one notification listing them all, got %+v", problems, notes)
	}
}
