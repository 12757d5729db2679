package watch

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/dnsquorum/dnsquorum/check"
)

// node helpers over a parsed DOM.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// checkStatusDOM asserts what the page shows for a healthy zone
// (good.test.), a drifted one (bad.test., drift at 127.0.0.12) and one whose
// check could not run (broken.test.).
func checkStatusDOM(t *testing.T, doc *html.Node) {
	t.Helper()
	el := func(tag string, kv ...string) []*html.Node {
		return findAll(doc, func(n *html.Node) bool {
			if n.Data != tag {
				return false
			}
			for i := 0; i+1 < len(kv); i += 2 {
				if attr(n, kv[i]) != kv[i+1] {
					return false
				}
			}
			return true
		})
	}
	if hdr := el("header", "id", "summary"); len(hdr) != 1 || attr(hdr[0], "data-status") != "critical" ||
		!strings.Contains(text(hdr[0]), "3 zones: 1 CRITICAL, 1 UNKNOWN, 1 OK") {
		t.Errorf("summary header: %v", func() string {
			if len(hdr) == 0 {
				return "missing"
			}
			return text(hdr[0])
		}())
	}
	if m := el("meta", "http-equiv", "refresh"); len(m) != 1 || attr(m[0], "content") != "60" {
		t.Errorf("want <meta http-equiv=refresh content=60>, got %d", len(m))
	}
	heads := el("th")
	var cols []string
	for _, h := range heads {
		if a := attr(h, "data-address"); a != "" {
			cols = append(cols, a)
		}
	}
	if strings.Join(cols, " ") != "127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14" {
		t.Errorf("matrix columns %v", cols)
	}
	rows := map[string]*html.Node{}
	for _, r := range el("tr") {
		if z := attr(r, "data-zone"); z != "" && attr(r, "data-status") != "" && attr(r, "data-severity") == "" {
			rows[z] = r
		}
	}
	cell := func(zone, addr string) string {
		r := rows[zone]
		if r == nil {
			return "(no row)"
		}
		for _, c := range findAll(r, func(n *html.Node) bool { return n.Data == "td" && attr(n, "data-address") == addr }) {
			return attr(c, "data-status") + ":" + text(c)
		}
		return "(no cell)"
	}
	for _, tc := range []struct{ zone, status string }{{"good.test.", "ok"}, {"bad.test.", "critical"}, {"broken.test.", "unknown"}} {
		if r := rows[tc.zone]; r == nil || attr(r, "data-status") != tc.status {
			t.Errorf("row %s: want data-status %s", tc.zone, tc.status)
		}
	}
	for _, a := range []string{"127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"} {
		if got := cell("good.test.", a); got != "ok:OK" {
			t.Errorf("good.test. @ %s = %s, want ok:OK", a, got)
		}
		want := "ok:OK"
		if a == "127.0.0.12" {
			want = "critical:CRIT 2"
		}
		if got := cell("bad.test.", a); got != want {
			t.Errorf("bad.test. @ %s = %s, want %s", a, got, want)
		}
		if got := cell("broken.test.", a); !strings.HasPrefix(got, "none:") {
			t.Errorf("broken.test. @ %s = %s, want none", a, got)
		}
	}
	if r := rows["broken.test."]; r == nil || !strings.Contains(text(r), "no result for broken.test.") {
		t.Errorf("broken.test. row must say why it is UNKNOWN")
	}
	findings := el("tr", "data-zone", "bad.test.")
	var got []string
	for _, f := range findings {
		if s := attr(f, "data-severity"); s != "" {
			got = append(got, s+"/"+attr(f, "data-check")+"/"+attr(f, "data-age-seconds"))
		}
	}
	// The drift has been open for 2 minutes (first seen two rounds ago).
	if strings.Join(got, " ") != "critical/drift/120 warning/ttl/120" {
		t.Errorf("bad.test. findings %v", got)
	}
	if good := el("tr", "data-zone", "good.test.", "data-severity", "critical"); len(good) != 0 {
		t.Error("good.test. lists findings")
	}
	// No external assets: nothing loads anything.
	for _, n := range findAll(doc, func(n *html.Node) bool { return attr(n, "src") != "" || (n.Data == "link" && attr(n, "href") != "") }) {
		t.Errorf("external asset: <%s %v>", n.Data, n.Attr)
	}
}

// statusMonitor runs two rounds a minute apart over the three zones.
func statusMonitor(t *testing.T) (*Monitor, string) {
	t.Helper()
	fc := &fakeChecker{}
	fc.set("good.test.", healthyResult)
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	started := now
	fc.set("bad.test.", func(z string) *check.Result {
		r := driftResult(z)
		mu.Lock()
		r.Started = started
		mu.Unlock()
		return r
	})
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func() { mu.Lock(); now = now.Add(time.Minute); started = now; mu.Unlock() }
	m, srv := newTestMonitor(t, fc, []string{"good.test.", "bad.test.", "broken.test."}, func(o *Options) { o.Now = clock })
	m.Round(context.Background())
	advance()
	m.Round(context.Background())
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	return m, srv.URL
}

func TestStatusPageHTML(t *testing.T) {
	_, url := statusMonitor(t)
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	doc, err := html.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkStatusDOM(t, doc)
	resp2, err := http.Get(url + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 404 {
		t.Errorf("/nothing: %d", resp2.StatusCode)
	}
}

// chromium returns the path of a Chromium binary, skipping the test when
// there is none unless DNSQUORUM_BROWSER_REQUIRED=1.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("DNSQUORUM_BROWSER_REQUIRED") == "1" {
		t.Fatal("chromium required (DNSQUORUM_BROWSER_REQUIRED=1) but not installed: apt-get install -y chromium")
	}
	t.Skip("chromium not installed (apt-get install -y chromium)")
	return ""
}

// headless runs Chromium on url with extra arguments. Every host name but
// 127.0.0.1 resolves to nothing, and background traffic is off, so the
// browser never leaves loopback.
func headless(t *testing.T, bin, url string, extra ...string) []byte {
	t.Helper()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--metrics-recording-only", "--no-default-browser-check",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--user-data-dir=" + t.TempDir(),
	}
	args = append(args, extra...)
	args = append(args, url)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return out
}

// TestStatusPageChromium loads the page in headless Chromium and checks the
// DOM it built, then takes a screenshot (kept in
// $DNSQUORUM_SCREENSHOT_DIR when set).
func TestStatusPageChromium(t *testing.T) {
	bin := chromium(t)
	_, url := statusMonitor(t)
	dom := headless(t, bin, url+"/", "--dump-dom")
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	checkStatusDOM(t, doc)

	dir := os.Getenv("DNSQUORUM_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "status.png")
	headless(t, bin, url+"/", "--screenshot="+shot, "--window-size=1100,520", "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	hdr := make([]byte, 24)
	if _, err := io.ReadFull(f, hdr); err != nil || !bytes.Equal(hdr[:8], []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot is not a PNG")
	}
	if w, h := binary.BigEndian.Uint32(hdr[16:20]), binary.BigEndian.Uint32(hdr[20:24]); w != 1100 || h != 520 {
		t.Errorf("screenshot %dx%d, want 1100x520", w, h)
	}
}
