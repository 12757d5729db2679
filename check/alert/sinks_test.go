package alert

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// sinkSet is one receiver per HTTP sink type plus an exec sink writing to a
// file, all configured for zone example.test.
type sinkSet struct {
	webhook, slack, pd, am *receiver
	execOut                string
	cfg                    *Config
}

func newSinkSet(t *testing.T, extra string) *sinkSet {
	t.Helper()
	s := &sinkSet{webhook: newReceiver(t), slack: newReceiver(t), pd: newReceiver(t), am: newReceiver(t)}
	dir := t.TempDir()
	s.execOut = filepath.Join(dir, "exec.jsonl")
	text := fmt.Sprintf(`
alerts:
  state: state.json
  vantage: probe-a
  renotify: 4h
  default: [hook, chat, pager, am, run]
  sinks:
    hook: { type: webhook, url: "%s/hook/s3cr3t-token", headers: { X-Token: hdr-s3cret } }
    chat: { type: slack, url: "%s/services/T000/B000/XXXX" }
    pager: { type: pagerduty, routing_key: rk-0123456789abcdef0123456789abcdef, url: "%s/v2/enqueue" }
    am: { type: alertmanager, url: "%s" }
    run: { type: exec, command: [sh, -c, 'cat >> %s && echo "$DNSQUORUM_SINK $DNSQUORUM_STATUS $DNSQUORUM_ZONES" >> %s.env && printf "\n" >> %s'] }
%s`, s.webhook.URL, s.slack.URL, s.pd.URL, s.am.URL, s.execOut, s.execOut, s.execOut, extra)
	cfg, err := parseAlerts(text, dir)
	if err != nil {
		t.Fatal(err)
	}
	s.cfg = cfg
	return s
}

func (s *sinkSet) execLines(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(s.execOut)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			out = append(out, sc.Text())
		}
	}
	return out
}

func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// TestOKDriftOK is the proof: ok → drift → ok gives every sink
// exactly one trigger and one resolve, each checked field by field against
// the service's documented payload.
func TestOKDriftOK(t *testing.T) {
	s := newSinkSet(t, "")
	clk := newClock()
	opts := Options{Now: clk.Now, GeneratorURL: "http://127.0.0.1:9353/"}

	out := run(t, s.cfg, opts, healthy("example.test."))
	if len(out.Deliveries) != 0 {
		t.Fatalf("a healthy first run notified: %+v", out.Deliveries)
	}
	t0 := clk.Now()
	clk.Add(time.Minute)
	out = run(t, s.cfg, opts, drift("example.test."))
	if err := out.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out.Deliveries) != 5 {
		t.Fatalf("want one delivery per sink (5), got %d", len(out.Deliveries))
	}
	for _, d := range out.Deliveries {
		if d.Triggered != 1 || d.Resolved != 0 {
			t.Errorf("sink %s: triggered %d resolved %d, want 1 and 0", d.Sink, d.Triggered, d.Resolved)
		}
	}
	tDrift := clk.Now()
	clk.Add(time.Minute)
	tOK := clk.Now()
	out = run(t, s.cfg, opts, healthy("example.test."))
	for _, d := range out.Deliveries {
		if d.Triggered != 0 || d.Resolved != 1 || d.Err != nil {
			t.Errorf("sink %s: triggered %d resolved %d err %v, want 0, 1, nil", d.Sink, d.Triggered, d.Resolved, d.Err)
		}
	}
	// And nothing more once healthy.
	clk.Add(time.Minute)
	out = run(t, s.cfg, opts, healthy("example.test."))
	if len(out.Deliveries) != 0 {
		t.Fatalf("healthy after recovery still notified: %+v", out.Deliveries)
	}
	if len(out.State.Problems) != 0 {
		t.Fatalf("state keeps %d problems after every sink heard the recovery", len(out.State.Problems))
	}
	_ = t0
	wantKey := drift("example.test.").Problems[0].Key()
	wantDedup := drift("example.test.").Problems[0].DedupKey()
	zoneDedup := ZoneDedupKey("example.test.")

	t.Run("webhook", func(t *testing.T) {
		reqs := s.webhook.requests()
		if len(reqs) != 2 {
			t.Fatalf("webhook got %d requests, want 2", len(reqs))
		}
		for i, r := range reqs {
			if r.Method != "POST" || r.Path != "/hook/s3cr3t-token" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Token") != "hdr-s3cret" {
				t.Errorf("request %d: %s %s %v", i, r.Method, r.Path, r.Header)
			}
		}
		trig, res := decodeJSON(t, reqs[0].Body), decodeJSON(t, reqs[1].Body)
		for path, want := range map[string]any{
			"format_version": 1.0, "sink": "hook", "vantage": "probe-a", "sent_at": tDrift.Format(time.RFC3339),
		} {
			if got := get(trig, path); got != want {
				t.Errorf("trigger %s = %v, want %v", path, got, want)
			}
		}
		z := get(trig, "zones", 0)
		checks := []struct {
			path []any
			want any
		}{
			{[]any{"zone"}, "example.test."}, {[]any{"status"}, "firing"}, {[]any{"severity"}, "critical"},
			{[]any{"dedup_key"}, zoneDedup}, {[]any{"since"}, tDrift.Format(time.RFC3339)},
			{[]any{"findings", 0, "zone"}, "example.test."}, {[]any{"findings", 0, "check"}, "drift"},
			{[]any{"findings", 0, "nameserver"}, "ns1.knot.lab.test."}, {[]any{"findings", 0, "address"}, "127.0.0.12"},
			{[]any{"findings", 0, "record"}, "www.example.test. A"}, {[]any{"findings", 0, "severity"}, "critical"},
			{[]any{"findings", 0, "expected"}, "192.0.2.1"}, {[]any{"findings", 0, "got"}, "192.0.2.99"},
			{[]any{"findings", 0, "key"}, wantKey}, {[]any{"findings", 0, "dedup_key"}, wantDedup},
			{[]any{"findings", 0, "status"}, "new"}, {[]any{"findings", 0, "first_seen"}, tDrift.Format(time.RFC3339)},
		}
		for _, c := range checks {
			if got := get(z, c.path...); got != c.want {
				t.Errorf("trigger zones[0].%v = %v, want %v", c.path, got, c.want)
			}
		}
		rz := get(res, "zones", 0)
		for path, want := range map[string]any{"status": "resolved", "severity": "ok", "dedup_key": zoneDedup} {
			if got := get(rz, path); got != want {
				t.Errorf("resolve zones[0].%s = %v, want %v", path, got, want)
			}
		}
		if get(rz, "findings", 0, "status") != "resolved" || get(rz, "findings", 0, "resolved_at") != tOK.Format(time.RFC3339) ||
			get(rz, "findings", 0, "dedup_key") != wantDedup {
			t.Errorf("resolve finding: %v", get(rz, "findings", 0))
		}
	})

	t.Run("slack", func(t *testing.T) {
		reqs := s.slack.requests()
		if len(reqs) != 2 {
			t.Fatalf("slack got %d requests, want 2", len(reqs))
		}
		for i, r := range reqs {
			if r.Path != "/services/T000/B000/XXXX" || r.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request %d: %s %v", i, r.Path, r.Header)
			}
			m := decodeJSON(t, r.Body)
			text, _ := get(m, "text").(string)
			blocks, _ := get(m, "blocks").([]any)
			if text == "" || len(blocks) < 3 || len(blocks) > 50 {
				t.Fatalf("request %d: text %q, %d blocks", i, text, len(blocks))
			}
			if get(blocks[0], "type") != "header" || get(blocks[0], "text", "type") != "plain_text" {
				t.Errorf("request %d: first block %v, want a plain_text header", i, blocks[0])
			}
			sec := blocks[1]
			body, _ := get(sec, "text", "text").(string)
			if get(sec, "type") != "section" || get(sec, "text", "type") != "mrkdwn" || len(body) > 3000 ||
				!strings.Contains(body, "example.test.") || !strings.Contains(body, "www.example.test. A") {
				t.Errorf("request %d: section %v", i, sec)
			}
			last := blocks[len(blocks)-1]
			if get(last, "type") != "context" || !strings.Contains(fmt.Sprint(get(last, "elements", 0, "text")), "probe-a") {
				t.Errorf("request %d: context block %v", i, last)
			}
			want := []string{"DNS problems in example.test.", "resolved: example.test."}[i]
			if !strings.Contains(text, want) {
				t.Errorf("request %d: text %q does not say %q", i, text, want)
			}
		}
	})

	t.Run("pagerduty", func(t *testing.T) {
		reqs := s.pd.requests()
		if len(reqs) != 2 {
			t.Fatalf("pagerduty got %d requests, want 2", len(reqs))
		}
		trig, res := decodeJSON(t, reqs[0].Body), decodeJSON(t, reqs[1].Body)
		if reqs[0].Path != "/v2/enqueue" {
			t.Errorf("path %s", reqs[0].Path)
		}
		for path, want := range map[string]any{
			"routing_key": "rk-0123456789abcdef0123456789abcdef", "event_action": "trigger", "dedup_key": zoneDedup, "client": "dnsquorum",
		} {
			if got := get(trig, path); got != want {
				t.Errorf("trigger %s = %v, want %v", path, got, want)
			}
		}
		p := get(trig, "payload")
		summary, _ := get(p, "summary").(string)
		if summary == "" || len(summary) > 1024 || !strings.Contains(summary, "example.test.") {
			t.Errorf("payload.summary %q", summary)
		}
		for path, want := range map[string]any{
			"source": "example.test", "severity": "critical", "component": "example.test.", "group": "dnsquorum",
			"class": "drift", "timestamp": tDrift.Format(time.RFC3339),
		} {
			if got := get(p, path); got != want {
				t.Errorf("payload.%s = %v, want %v", path, got, want)
			}
		}
		if get(p, "custom_details", "vantage") != "probe-a" || get(p, "custom_details", "findings", 0, "record") != "www.example.test. A" {
			t.Errorf("custom_details %v", get(p, "custom_details"))
		}
		wantRes := map[string]any{"routing_key": "rk-0123456789abcdef0123456789abcdef", "event_action": "resolve", "dedup_key": zoneDedup}
		if !reflect.DeepEqual(res, wantRes) {
			t.Errorf("resolve event %v, want exactly %v", res, wantRes)
		}
	})

	t.Run("alertmanager", func(t *testing.T) {
		reqs := s.am.requests()
		if len(reqs) != 2 {
			t.Fatalf("alertmanager got %d requests, want 2", len(reqs))
		}
		if reqs[0].Path != "/api/v2/alerts" || reqs[0].Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %v", reqs[0].Path, reqs[0].Header)
		}
		trig, res := decodeJSON(t, reqs[0].Body), decodeJSON(t, reqs[1].Body)
		if n := len(trig.([]any)); n != 1 {
			t.Fatalf("trigger holds %d alerts, want 1", n)
		}
		labels := map[string]any{"alertname": AMAlertName, "zone": "example.test.", "check": "drift",
			"nameserver": "ns1.knot.lab.test.", "address": "127.0.0.12", "record": "www.example.test. A", "severity": "critical"}
		for _, a := range []any{get(trig, 0), get(res, 0)} {
			if !reflect.DeepEqual(get(a, "labels"), labels) {
				t.Errorf("labels %v, want %v", get(a, "labels"), labels)
			}
			if get(a, "annotations", "vantage") != "probe-a" || get(a, "annotations", "summary") == nil ||
				get(a, "annotations", "dedup_key") != wantDedup || get(a, "annotations", "expected") != "192.0.2.1" {
				t.Errorf("annotations %v", get(a, "annotations"))
			}
			if get(a, "generatorURL") != "http://127.0.0.1:9353/" || get(a, "startsAt") != tDrift.Format(time.RFC3339) {
				t.Errorf("generatorURL/startsAt %v %v", get(a, "generatorURL"), get(a, "startsAt"))
			}
		}
		ends, err := time.Parse(time.RFC3339, get(trig, 0, "endsAt").(string))
		if err != nil || !ends.After(tDrift) {
			t.Errorf("firing endsAt %v must be in the future of %v", ends, tDrift)
		}
		if got := get(res, 0, "endsAt"); got != tOK.Format(time.RFC3339) {
			t.Errorf("resolved endsAt %v, want %v (the time it was seen resolved)", got, tOK.Format(time.RFC3339))
		}
	})

	t.Run("exec", func(t *testing.T) {
		lines := s.execLines(t)
		if len(lines) != 2 {
			t.Fatalf("exec ran %d times, want 2", len(lines))
		}
		trig, res := decodeJSON(t, []byte(lines[0])), decodeJSON(t, []byte(lines[1]))
		if get(trig, "sink") != "run" || get(trig, "zones", 0, "status") != "firing" || get(trig, "zones", 0, "findings", 0, "status") != "new" {
			t.Errorf("exec trigger %v", trig)
		}
		if get(res, "zones", 0, "status") != "resolved" {
			t.Errorf("exec resolve %v", res)
		}
		env, err := os.ReadFile(s.execOut + ".env")
		if err != nil || string(env) != "run firing example.test.\nrun resolved example.test.\n" {
			t.Errorf("exec environment: %q %v", env, err)
		}
	})
}

// TestDriftPersists: a problem that stays open is not announced again until
// renotify passes, except to Alertmanager, which expects re-sends.
func TestDriftPersists(t *testing.T) {
	s := newSinkSet(t, "")
	clk := newClock()
	opts := Options{Now: clk.Now}
	run(t, s.cfg, opts, drift("example.test."))
	for i := 0; i < 3; i++ {
		clk.Add(time.Hour)
		out := run(t, s.cfg, opts, drift("example.test."))
		if len(out.Deliveries) != 1 || out.Deliveries[0].Sink != "am" {
			t.Fatalf("hour %d: deliveries %+v, want only the alertmanager refresh", i+1, out.Deliveries)
		}
	}
	clk.Add(time.Hour) // 4h since the trigger: renotify
	out := run(t, s.cfg, opts, drift("example.test."))
	if len(out.Deliveries) != 5 {
		t.Fatalf("after renotify: %d deliveries, want 5", len(out.Deliveries))
	}
	for _, d := range out.Deliveries {
		want := 1
		if d.Sink == "am" {
			want = 0
		}
		if d.Repeated != want || d.Triggered != 0 {
			t.Errorf("%s: repeated %d triggered %d", d.Sink, d.Repeated, d.Triggered)
		}
	}
	if got := get(decodeJSON(t, s.webhook.requests()[1].Body), "zones", 0, "findings", 0, "status"); got != StatusRepeat {
		t.Errorf("repeat status %v", got)
	}
	if n := len(s.pd.requests()); n != 2 {
		t.Errorf("pagerduty requests %d, want 2 (trigger, repeat trigger)", n)
	}
}

// TestRetry500Then200: a sink answering 500 then 200 is retried and
// delivered; one answering 500 forever fails without blocking the others,
// and hears the news on the next run.
func TestRetry500Then200(t *testing.T) {
	s := newSinkSet(t, "")
	s.webhook.setStatus(func(n int) (int, http.Header) {
		if n == 0 {
			return 500, nil
		}
		return 200, nil
	})
	s.slack.setStatus(func(n int) (int, http.Header) { return 503, http.Header{"Retry-After": {"0"}} })
	clk := newClock()
	opts := Options{Now: clk.Now}
	out := run(t, s.cfg, opts, drift("example.test."))
	byName := map[string]Delivery{}
	for _, d := range out.Deliveries {
		byName[d.Sink] = d
	}
	if byName["hook"].Err != nil || len(s.webhook.requests()) != 2 {
		t.Errorf("webhook: err %v after %d requests, want delivered on the 2nd", byName["hook"].Err, len(s.webhook.requests()))
	}
	if byName["chat"].Err == nil || len(s.slack.requests()) != 4 {
		t.Errorf("slack: err %v after %d requests, want a failure after 4 attempts", byName["chat"].Err, len(s.slack.requests()))
	}
	if byName["pager"].Err != nil || byName["am"].Err != nil || byName["run"].Err != nil {
		t.Errorf("a failing sink affected the others: %v", out.Err())
	}
	if msg := out.Err().Error(); !strings.Contains(msg, `"chat"`) || containsAny(msg, s.slack.URL, "XXXX") != "" {
		t.Errorf("error %q must name the sink and never its URL", msg)
	}
	// Next run: slack is back and hears the trigger; nobody else hears
	// anything new.
	s.slack.setStatus(nil)
	clk.Add(time.Minute)
	out = run(t, s.cfg, opts, drift("example.test."))
	var got []string
	for _, d := range out.Deliveries {
		if d.Triggered > 0 {
			got = append(got, d.Sink)
		}
	}
	if !slices.Equal(got, []string{"chat"}) {
		t.Errorf("second run triggered %v, want only chat", got)
	}
}

// TestRetryAfter: the retrier waits what a 429's Retry-After asks (capped
// by RetryMax), and gives up on a 400 at once.
func TestRetryAfter(t *testing.T) {
	rcv := newReceiver(t)
	rcv.setStatus(func(n int) (int, http.Header) {
		switch n {
		case 0:
			return 429, http.Header{"Retry-After": {"7"}}
		case 1:
			return 503, http.Header{"Retry-After": {"900"}}
		}
		return 200, nil
	})
	var slept []time.Duration
	p := &httpPoster{client: http.DefaultClient, timeout: 5 * time.Second, redact: func(s string) string { return s },
		retry: retrier{attempts: 5, base: time.Millisecond, max: time.Minute, sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			return nil
		}}}
	n, err := p.post(t.Context(), rcv.URL, nil, []byte("{}"))
	if err != nil || n != 3 {
		t.Fatalf("attempts %d err %v, want success on the 3rd", n, err)
	}
	if !slices.Equal(slept, []time.Duration{7 * time.Second, time.Minute}) {
		t.Errorf("waits %v, want [7s 1m0s] (Retry-After, then capped)", slept)
	}
	rcv.setStatus(func(int) (int, http.Header) { return 400, nil })
	before := len(rcv.requests())
	n, err = p.post(t.Context(), rcv.URL, nil, []byte("{}"))
	if err == nil || n != 1 || len(rcv.requests())-before != 1 {
		t.Errorf("400: attempts %d err %v, want one attempt and an error", n, err)
	}
	if d := retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", time.Date(2015, 10, 21, 7, 27, 0, 0, time.UTC)); d != time.Minute {
		t.Errorf("HTTP-date Retry-After: %v", d)
	}
}

// TestUnreachableSinkNoSecret: connection errors name the sink, not the URL
// with its token.
func TestUnreachableSinkNoSecret(t *testing.T) {
	rcv := newReceiver(t)
	url := rcv.URL + "/services/T1/B1/supersecretpath"
	rcv.Close() // nothing listens there any more
	cfg := mustConfig(t, fmt.Sprintf(`
alerts:
  state: s.json
  default: [chat]
  sinks:
    chat: { type: slack, url: %q, attempts: 2 }
`, url))
	out := run(t, cfg, Options{}, drift("example.test."))
	err := out.Err()
	if err == nil {
		t.Fatal("want a delivery error")
	}
	if leak := containsAny(err.Error(), url, "supersecretpath"); leak != "" {
		t.Errorf("error %q leaks %q", err, leak)
	}
	if !strings.Contains(err.Error(), `"chat"`) {
		t.Errorf("error %q does not name the sink", err)
	}
}

// BenchmarkProcess measures one run over 1,000 open problems in 10 zones
// with one webhook sink (state in memory; the receiver is local).
func BenchmarkProcess(b *testing.B) {
	rcv := httptestServer(b)
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("default: [hook]\nsinks:\n  hook: {type: webhook, url: \""+rcv+"\"}\n"), &doc); err != nil {
		b.Fatal(err)
	}
	cfg, err := Decode(doc.Content[0], "b.yaml", b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	var reps []ZoneReport
	for z := 0; z < 10; z++ {
		rep := ZoneReport{Zone: fmt.Sprintf("z%d.test.", z)}
		for i := 0; i < 100; i++ {
			rep.Problems = append(rep.Problems, Problem{Check: "drift", Address: "192.0.2.1", Record: fmt.Sprintf("r%d A", i), Severity: Critical, Message: "m"})
		}
		reps = append(reps, rep)
	}
	store := &MemoryStore{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Process(context.Background(), cfg, reps, Options{Store: store}); err != nil {
			b.Fatal(err)
		}
	}
}

func httptestServer(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	b.Cleanup(srv.Close)
	return srv.URL
}
