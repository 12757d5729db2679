package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dnsquorum/dnsquorum/providers"
)

const testKey = "k3y-Sup3r-S3cret-0123456789"

func newClient(t *testing.T, srv *httptest.Server, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: srv.URL + "/api/v1", Header: http.Header{"X-Api-Key": {testKey}}, Timeout: 2 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// noSecret fails the test when s shows the key or the server's address
// with a query.
func noSecret(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, testKey) {
		t.Errorf("message shows the API key: %s", s)
	}
	if strings.Contains(s, "http://") {
		t.Errorf("message shows a full URL: %s", s)
	}
}

func TestDoJSONBothWays(t *testing.T) {
	type body struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	var gotMethod, gotPath, gotQuery, gotKey, gotCT string
	var gotBody body
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotMethod, gotPath, gotQuery = r.Method, r.URL.EscapedPath(), r.URL.RawQuery
		gotKey, gotCT = r.Header.Get("X-API-Key"), r.Header.Get("Content-Type")
		_ = json.NewDecoder(r.Body).Decode(&gotBody)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"name":"out","count":7}`)
	}))
	defer srv.Close()
	c := newClient(t, srv, nil)
	var out body
	if err := c.Do(context.Background(), "PATCH", "/zones/a%2Fb.test.?x=1", body{"in", 3}, &out); err != nil {
		t.Fatal(err)
	}
	if gotMethod != "PATCH" || gotPath != "/api/v1/zones/a%2Fb.test." || gotQuery != "x=1" {
		t.Errorf("request = %s %s ? %s", gotMethod, gotPath, gotQuery)
	}
	if gotKey != testKey || gotCT != "application/json" {
		t.Errorf("headers: key %q, content type %q", gotKey, gotCT)
	}
	if gotBody != (body{"in", 3}) || out != (body{"out", 7}) {
		t.Errorf("sent %+v, decoded %+v", gotBody, out)
	}
	// A 204 with no body and a nil out are fine.
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	if err := c.Do(context.Background(), "DELETE", "/zones/x", nil, &out); err != nil {
		t.Fatal(err)
	}
}

func TestStatusErrors(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		transient  bool
		retryAfter time.Duration
		message    string
	}{
		{"500 json", 500, nil, `{"error": "backend exploded"}`, true, 0, "backend exploded"},
		{"502 text", 502, nil, "bad\n gateway  ", true, 0, "bad gateway"},
		{"503 retry-after seconds", 503, map[string]string{"Retry-After": "7"}, "", true, 7 * time.Second, ""},
		{"429 retry-after 1", 429, map[string]string{"Retry-After": "1"}, `{"message":"slow down"}`, true, time.Second, "slow down"},
		{"408", 408, nil, "", true, 0, ""},
		{"501 is final", 501, nil, "", false, 0, ""},
		{"422 errors list", 422, nil, `{"error":"bad record","errors":["first","second"]}`, false, 0, "bad record; first; second"},
		{"404", 404, nil, "Not Found", false, 0, "Not Found"},
		// A server that echoes the credential must not get it into our error.
		{"401 echoing the key", 401, nil, `{"error":"key ` + testKey + ` is wrong"}`, false, 0, "key [redacted] is wrong"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			err := newClient(t, srv, nil).Do(context.Background(), "GET", "/servers/localhost/zones/x.test.?secret=abc", nil, nil)
			var te *providers.TransientError
			if errors.As(err, &te) != tc.transient {
				t.Fatalf("transient = %v, want %v: %v", !tc.transient, tc.transient, err)
			}
			if tc.transient && te.RetryAfter != tc.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", te.RetryAfter, tc.retryAfter)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.Status != tc.status || se.Message != tc.message {
				t.Fatalf("error = %#v, want status %d message %q", err, tc.status, tc.message)
			}
			if StatusOf(err) != tc.status {
				t.Errorf("StatusOf = %d", StatusOf(err))
			}
			msg := err.Error()
			want := fmt.Sprintf("GET /api/v1/servers/localhost/zones/x.test.: HTTP %d", tc.status)
			if !strings.HasPrefix(msg, want) {
				t.Errorf("message %q does not start with %q", msg, want)
			}
			if strings.Contains(msg, "secret=abc") {
				t.Errorf("message shows the query: %s", msg)
			}
			noSecret(t, msg)
		})
	}
}

func TestConnectionReset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		// SO_LINGER 0: close sends a RST instead of a FIN.
		_ = conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	}))
	defer srv.Close()
	err := newClient(t, srv, nil).Do(context.Background(), "PATCH", "/zones/x.test.", map[string]int{"a": 1}, nil)
	var te *providers.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("a reset is not transient: %v", err)
	}
	var re *RequestError
	if !errors.As(err, &re) || re.Method != "PATCH" || re.Path != "/api/v1/zones/x.test." {
		t.Fatalf("error = %#v", err)
	}
	noSecret(t, err.Error())
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newClient(t, srv, func(c *Config) { c.Timeout = 50 * time.Millisecond })
	err := c.Do(context.Background(), "GET", "/slow", nil, nil)
	var te *providers.TransientError
	var re *RequestError
	if !errors.As(err, &te) || !errors.As(err, &re) || !re.Timeout {
		t.Fatalf("a timeout is not a transient RequestError: %#v", err)
	}
	if !strings.Contains(err.Error(), "GET /api/v1/slow: no complete response within 50ms") {
		t.Errorf("message: %s", err)
	}
	noSecret(t, err.Error())

	// The caller giving up is not transient.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = c.Do(ctx, "GET", "/slow", nil, nil)
	if errors.As(err, &te) || !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled request: %#v", err)
	}
}

func TestRefusedConnectionNamesNoURL(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, err := New(Config{BaseURL: "http://user:pa55word@" + addr + "/api", Header: http.Header{"Authorization": {"Bearer " + testKey}}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), "GET", "/zones?token=abc", nil, nil)
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "GET /api/zones: ") || strings.Contains(msg, "pa55word") || strings.Contains(msg, "token") {
		t.Errorf("message: %s", msg)
	}
	noSecret(t, msg)
	if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, c.String()); strings.Contains(s, "pa55word") || strings.Contains(s, testKey) {
		t.Errorf("client prints a secret: %s", s)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var other atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/steal", http.StatusFound)
	}))
	defer srv.Close()
	err := newClient(t, srv, nil).Do(context.Background(), "GET", "/x", nil, nil)
	if StatusOf(err) != http.StatusFound {
		t.Fatalf("error = %v, want the 302 as an error", err)
	}
	if other.Load() != 0 {
		t.Error("the redirect was followed, carrying the credentials")
	}
}

func TestRateLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := newClient(t, srv, func(c *Config) { c.RateLimit = 0.5 })
	if err := c.Do(context.Background(), "GET", "/a", nil, nil); err != nil {
		t.Fatal(err)
	}
	// The burst of 1 is spent; the next token comes in 2 s, after this
	// deadline, so the limiter refuses at once instead of sending.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := c.Do(ctx, "GET", "/b", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Fatalf("second request within the limit's wait: %v", err)
	}
	var te *providers.TransientError
	if errors.As(err, &te) {
		t.Errorf("a rate-limit wait cut short by the caller is not transient: %v", err)
	}
	if _, err := New(Config{BaseURL: srv.URL, RateLimit: -1}); err == nil {
		t.Error("negative rate limit accepted")
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "http://h/?q=1", "::not a url", "http://user:pw@[::1"} {
		_, err := New(Config{BaseURL: u})
		if err == nil {
			t.Errorf("New(%q) accepted", u)
			continue
		}
		if strings.Contains(err.Error(), "pw") && strings.Contains(u, "pw") {
			t.Errorf("New(%q) error shows the password: %v", u, err)
		}
	}
}

func TestSecretPrintsRedacted(t *testing.T) {
	type settings struct {
		URL    string
		APIKey Secret
	}
	s := settings{"http://127.0.0.1", Secret(testKey)}
	j, _ := json.Marshal(s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%s", s.APIKey), fmt.Sprintf("%q", s.APIKey), string(j)} {
		if strings.Contains(out, testKey) {
			t.Errorf("secret shown: %s", out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("no [redacted] marker: %s", out)
		}
	}
	if s.APIKey.Value() != testKey {
		t.Error("Value does not return the secret")
	}
	if Secret("").String() != "" {
		t.Error("an empty secret should print empty")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"Tue, 24 Nov 2026 05:00:30 GMT", 30 * time.Second, true},
		{"Tuesday, 24-Nov-26 05:01:00 GMT", time.Minute, true},
		{"Tue, 24 Nov 2026 04:00:00 GMT", 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
	}
	for _, tc := range cases {
		got, ok := ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "Tue, 24 Nov 2026 05:00:30 GMT", "", "99999999999", "Mon, 02 Jan 2006 15:04:05 MST"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}

func FuzzDefaultErrorText(f *testing.F) {
	for _, s := range []string{`{"error":"x"}`, `{"errors":[{"message":"a"},"b"]}`, "plain text", `{"error":1}`, `[]`, ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = DefaultErrorText(b)
	})
}
