package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestNewCmdWatchFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
		check   func(*watchOptions) bool
	}{
		{args: nil, check: func(o *watchOptions) bool {
			return o.Interval == time.Minute && o.Listen == "127.0.0.1:9353" && o.Mode == "query" && o.Port == 53 && !o.NoAlerts
		}},
		{args: []string{"--interval", "5s", "--listen", ":0", "--zone", "a.test.", "--zone", "b.test.", "--state", "/tmp/s.json", "--no-alerts", "--parent", "127.0.0.10", "-p", "5353", "--vantage", "eu"},
			check: func(o *watchOptions) bool {
				return o.Interval == 5*time.Second && o.Listen == ":0" && strings.Join(o.Zones, ",") == "a.test.,b.test." &&
					o.State == "/tmp/s.json" && o.NoAlerts && o.Parents[0] == "127.0.0.10" && o.Port == 5353 && o.Vantage == "eu"
			}},
		{args: []string{"--interval", "10ms"}, wantErr: "--interval 10ms: must be at least 1s"},
		{args: []string{"--listen", "9353"}, wantErr: `--listen "9353": want host:port`},
		{args: []string{"--mode", "zonewalk"}, wantErr: "--mode must be query or axfr"},
		{args: []string{"extra"}, wantErr: "unknown command"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ios, _, _ := TestIO("")
			var got *watchOptions
			cmd := NewCmdWatch(&Factory{IO: ios}, func(o *watchOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got == nil || !tc.check(got) {
				t.Fatalf("err %v, options %+v", err, got)
			}
		})
	}
}

// watchConfig is a config whose zones cannot be checked (nothing answers
// on the port): the zone must be reported UNKNOWN or worse, never OK.
const watchConfig = `providers:
  mem: { type: memory, nameservers: [ns1.watch.test.] }
zones:
  watch.test.:
    providers: [mem]
    records:
      "@": { NS: [ns1.watch.test.], A: 192.0.2.1 }
      ns1: { A: 127.0.0.1 }
alerts:
  state: state.json
  default: [hook]
  sinks:
    hook: { type: webhook, url: "${WATCH_TEST_HOOK}/secret-hook-path" }
`

// buildBinary compiles dnsquorum once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dnsquorum")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestWatchSIGTERM runs the built binary, scrapes it, sends SIGTERM and
// asserts a clean exit 0.
func TestWatchSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "dnsquorum.yaml")
	if err := os.WriteFile(cfgPath, []byte(watchConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	hook := make(chan string, 10)
	srv := newHookServer(t, hook)
	cmd := exec.Command(bin, "watch", "-c", cfgPath, "--listen", "127.0.0.1:0", "--interval", "2s",
		"--parent", "127.0.0.1", "-p", "1", "--timeout", "200ms", "--retries", "0")
	cmd.Env = append(os.Environ(), "WATCH_TEST_HOOK="+srv)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base string
	var log []string
	re := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+/)`)
	deadline := time.After(30 * time.Second)
	for base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("watch exited early: %v", log)
			}
			log = append(log, l)
			if m := re.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case <-deadline:
			t.Fatalf("watch did not start: %v", log)
		}
	}
	// Wait for the first round, then scrape.
	var status float64 = -1
	for status < 0 {
		select {
		case l := <-lines:
			log = append(log, l)
			if strings.Contains(l, "round 1:") {
				status = scrapeStatus(t, base, "watch.test.")
			}
		case <-deadline:
			t.Fatalf("no round finished: %v", log)
		}
	}
	if status == 0 {
		t.Errorf("a zone nobody answers for is reported OK")
	}
	resp, err := http.Get(base + "healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case body := <-hook:
		if !strings.Contains(body, `"zone":"watch.test."`) || !strings.Contains(body, `"status":"firing"`) {
			t.Errorf("webhook body %s", body)
		}
	case <-deadline:
		t.Fatalf("the webhook heard nothing: %v", log)
	}

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for l := range lines {
			log = append(log, l)
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) || err != nil {
			t.Fatalf("watch exited with %v after SIGTERM: %v", err, log)
		}
		t.Logf("exit 0, %s after SIGTERM", time.Since(sent).Round(time.Millisecond))
	case <-time.After(15 * time.Second):
		t.Fatalf("watch still running 15s after SIGTERM: %v", log)
	}
	all := strings.Join(log, "\n")
	if !strings.Contains(all, "watch: stopped") {
		t.Errorf("no clean stop message:\n%s", all)
	}
	if strings.Contains(all, "secret-hook-path") {
		t.Errorf("the webhook URL leaked into the log:\n%s", all)
	}
}

func scrapeStatus(t *testing.T, base, zone string) float64 {
	t.Helper()
	resp, err := http.Get(base + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	f := fams["dnsquorum_zone_status"]
	if f == nil {
		t.Fatal("no dnsquorum_zone_status")
	}
	for _, m := range f.Metric {
		for _, l := range m.Label {
			if l.GetName() == "zone" && l.GetValue() == zone {
				return m.Gauge.GetValue()
			}
		}
	}
	t.Fatalf("no status for %s", zone)
	return 0
}

// newHookServer records webhook bodies.
func newHookServer(t *testing.T, bodies chan<- string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case bodies <- string(b):
		default:
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
