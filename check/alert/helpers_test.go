package alert

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// receiver is a local HTTP endpoint that records every request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
	// status, when set, picks the answer to the n-th request (0-based).
	status func(n int) (int, http.Header)
}

type request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.reqs)
		r.reqs = append(r.reqs, request{req.Method, req.URL.Path, req.Header.Clone(), b})
		st := r.status
		r.mu.Unlock()
		code := http.StatusOK
		if st != nil {
			var h http.Header
			code, h = st(n)
			for k, v := range h {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(code)
		io.WriteString(w, http.StatusText(code))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

func (r *receiver) setStatus(f func(n int) (int, http.Header)) {
	r.mu.Lock()
	r.status = f
	r.mu.Unlock()
}

// decodeJSON decodes a request body into a generic value.
func decodeJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, b)
	}
	return v
}

// mustConfig decodes an alerts section written as YAML text.
func mustConfig(t *testing.T, text string) *Config {
	t.Helper()
	c, err := parseAlerts(text, t.TempDir())
	if err != nil {
		t.Fatalf("config: %v\n%s", err, text)
	}
	return c
}

func parseAlerts(text, dir string) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "alerts" {
			return Decode(root.Content[i+1], filepath.Join(dir, "dnsquorum.yaml"), dir, nil)
		}
	}
	return nil, nil
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// drift is a typical problem report: one server serves other data.
func drift(zone string) ZoneReport {
	return ZoneReport{Zone: zone, Problems: []Problem{{
		Zone: zone, Check: "drift", Nameserver: "ns1.knot.lab.test.", Address: "127.0.0.12",
		Record: "www." + zone + " A", Severity: Critical, Expected: "192.0.2.1", Got: "192.0.2.99",
		Message: "serves other data than desired",
	}}}
}

func healthy(zone string) ZoneReport { return ZoneReport{Zone: zone} }

// run calls Process with test options and fails on a state error.
func run(t *testing.T, cfg *Config, opts Options, reports ...ZoneReport) *Outcome {
	t.Helper()
	if opts.RetryBase == 0 {
		opts.RetryBase = time.Millisecond
		opts.RetryMax = 5 * time.Millisecond
	}
	out, err := Process(context.Background(), cfg, reports, opts)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	return out
}

func containsAny(s string, subs ...string) string {
	for _, v := range subs {
		if v != "" && strings.Contains(s, v) {
			return v
		}
	}
	return ""
}
