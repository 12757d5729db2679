package alert

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCorruptStateIsAnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	cfg := mustConfig(t, `
alerts:
  state: `+path+`
  sinks: {}
`)
	for name, content := range map[string]string{
		"truncated":     `{"format_version": 1, "problems": {`,
		"empty":         ``,
		"garbage":       "\x00\x01binary",
		"wrong version": `{"format_version": 7, "problems": {}}`,
		"unknown field": `{"format_version": 1, "problems": {}, "surprise": 1}`,
		"key mismatch":  `{"format_version": 1, "problems": {"a|b": {"zone": "x.", "check": "drift", "severity": "critical", "message": "m", "open": true}}}`,
		"two objects":   `{"format_version": 1, "problems": {}} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Process(context.Background(), cfg, []ZoneReport{drift("example.test.")}, Options{})
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v, want an error naming %s", err, path)
			}
			after, _ := os.ReadFile(path)
			if string(after) != content {
				t.Errorf("the corrupt file was changed to %q", after)
			}
		})
	}
}

func TestStateFileAtomicAndReadable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "state.json") // directory is created
	rcv := newReceiver(t)
	cfg := mustConfig(t, fmt.Sprintf(`
alerts:
  state: %s
  default: [hook]
  sinks:
    hook: { type: webhook, url: %q }
`, path, rcv.URL))
	run(t, cfg, Options{}, drift("example.test."))
	st, err := (&FileStore{Path: path}).Load()
	if err != nil {
		t.Fatal(err)
	}
	k := drift("example.test.").Problems[0].Key()
	r := st.Problems[k]
	if r == nil || !r.Open || r.Sinks["hook"].At.IsZero() || r.Sinks["hook"].Severity != Critical {
		t.Fatalf("state record %+v", r)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "state.json,state.json.lock" {
		t.Errorf("state directory holds %v, want only the state and its lock", names)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestConcurrentRuns: many runs at once on one state file (separate
// FileStores, as separate processes would have) announce each change once
// and leave a consistent file.
func TestConcurrentRuns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	rcv := newReceiver(t)
	cfg := mustConfig(t, fmt.Sprintf(`
alerts:
  state: %s
  default: [hook]
  sinks:
    hook: { type: webhook, url: %q }
`, path, rcv.URL))
	parallel := func(rep ZoneReport) {
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := Process(context.Background(), cfg, []ZoneReport{rep}, Options{Store: &FileStore{Path: path}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	parallel(drift("example.test."))
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("8 concurrent runs sent %d triggers, want 1", n)
	}
	parallel(healthy("example.test."))
	reqs := rcv.requests()
	if len(reqs) != 2 || get(decodeJSON(t, reqs[1].Body), "zones", 0, "status") != "resolved" {
		t.Fatalf("after recovery: %d requests, want trigger + one resolve", len(reqs))
	}
	st, err := (&FileStore{Path: path}).Load()
	if err != nil || len(st.Problems) != 0 {
		t.Fatalf("state after recovery: %v problems, err %v", st, err)
	}
}

// TestTwoProcesses runs the same change in two processes (this test binary
// re-executed) on one state file: exactly one trigger.
func TestTwoProcesses(t *testing.T) {
	if os.Getenv("DNSQUORUM_ALERT_CHILD") != "" {
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	rcv := newReceiver(t)
	cfgText := fmt.Sprintf(`
alerts:
  state: %s
  default: [hook]
  sinks:
    hook: { type: webhook, url: %q }
`, path, rcv.URL)
	cfgFile := filepath.Join(dir, "alerts.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"drift", "healthy"} {
		var cmds []*exec.Cmd
		for i := 0; i < 2; i++ {
			cmd := exec.Command(os.Args[0], "-test.run=^TestChildRun$", "-test.count=1")
			cmd.Env = append(os.Environ(), "DNSQUORUM_ALERT_CHILD="+cfgFile, "DNSQUORUM_ALERT_MODE="+mode)
			cmds = append(cmds, cmd)
		}
		outs := make([][]byte, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, c := range cmds {
			wg.Add(1)
			go func() { defer wg.Done(); outs[i], errs[i] = c.CombinedOutput() }()
		}
		wg.Wait()
		for i := range cmds {
			if errs[i] != nil {
				t.Fatalf("child %d: %v\n%s", i, errs[i], outs[i])
			}
		}
	}
	reqs := rcv.requests()
	if len(reqs) != 2 {
		t.Fatalf("two processes x (drift, healthy) sent %d notifications, want 2", len(reqs))
	}
	if get(decodeJSON(t, reqs[0].Body), "zones", 0, "status") != "firing" || get(decodeJSON(t, reqs[1].Body), "zones", 0, "status") != "resolved" {
		t.Errorf("want firing then resolved")
	}
	b, _ := os.ReadFile(path)
	var st State
	if err := json.Unmarshal(b, &st); err != nil || len(st.Problems) != 0 {
		t.Errorf("state file after both: %s (%v)", b, err)
	}
}

// TestChildRun is the body of TestTwoProcesses' children; it does nothing
// in a normal test run.
func TestChildRun(t *testing.T) {
	cfgFile := os.Getenv("DNSQUORUM_ALERT_CHILD")
	if cfgFile == "" {
		t.Skip("only run as TestTwoProcesses' child")
	}
	b, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := mustConfig(t, string(b))
	rep := healthy("example.test.")
	if os.Getenv("DNSQUORUM_ALERT_MODE") == "drift" {
		rep = drift("example.test.")
	}
	if _, err := Process(context.Background(), cfg, []ZoneReport{rep}, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestLockTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	fs := &FileStore{Path: path}
	unlock, err := fs.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	cfg := mustConfig(t, "alerts:\n  state: "+path+"\n")
	_, err = Process(context.Background(), cfg, []ZoneReport{drift("example.test.")}, Options{LockTimeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "another run holds it") {
		t.Fatalf("err %v, want a lock timeout", err)
	}
}

func TestSeverityChangeAndMinSeverity(t *testing.T) {
	am, hook, pager := newReceiver(t), newReceiver(t), newReceiver(t)
	cfg := mustConfig(t, fmt.Sprintf(`
alerts:
  default: [am, hook, pager]
  sinks:
    am: { type: alertmanager, url: %q }
    hook: { type: webhook, url: %q }
    pager: { type: pagerduty, routing_key: k, url: %q, min_severity: critical }
`, am.URL, hook.URL, pager.URL))
	clk := newClock()
	opts := Options{Now: clk.Now, Store: &MemoryStore{}}
	warn := drift("example.test.")
	warn.Problems[0].Severity = Warning
	run(t, cfg, opts, warn)
	if n := len(pager.requests()); n != 0 {
		t.Fatalf("pager (min critical) got %d requests for a warning", n)
	}
	clk.Add(time.Minute)
	out := run(t, cfg, opts, drift("example.test.")) // now critical
	for _, d := range out.Deliveries {
		if d.Triggered != 1 {
			t.Errorf("%s: triggered %d on escalation", d.Sink, d.Triggered)
		}
	}
	hookBody := decodeJSON(t, hook.requests()[1].Body)
	if get(hookBody, "zones", 0, "findings", 0, "status") != StatusChanged || get(hookBody, "zones", 0, "findings", 0, "previous_severity") != "warning" {
		t.Errorf("webhook escalation %v", get(hookBody, "zones", 0, "findings", 0))
	}
	if get(decodeJSON(t, pager.requests()[0].Body), "event_action") != "trigger" {
		t.Error("pager did not get a trigger on escalation")
	}
	// Alertmanager: the critical alert fires and the warning one ends.
	amBody := decodeJSON(t, am.requests()[1].Body).([]any)
	if len(amBody) != 2 || get(amBody[0], "labels", "severity") != "critical" || get(amBody[1], "labels", "severity") != "warning" ||
		get(amBody[1], "endsAt") != clk.Now().Format(time.RFC3339) {
		t.Errorf("alertmanager escalation %v", amBody)
	}
	// Back to warning: the pager hears a resolve (below its threshold).
	clk.Add(time.Minute)
	run(t, cfg, opts, warn)
	if ev := decodeJSON(t, pager.requests()[1].Body); get(ev, "event_action") != "resolve" {
		t.Errorf("pager after de-escalation %v", ev)
	}
}

func TestIncompleteAndUnverified(t *testing.T) {
	hook := newReceiver(t)
	cfg := mustConfig(t, fmt.Sprintf(`
alerts:
  default: [hook]
  sinks:
    hook: { type: webhook, url: %q }
`, hook.URL))
	store := &MemoryStore{}
	opts := Options{Store: store}
	run(t, cfg, opts, drift("example.test."))
	// The check could not run: UNKNOWN is announced, drift stays open.
	unk := ZoneReport{Zone: "example.test.", Incomplete: true, Problems: []Problem{{Check: "error", Severity: Unknown, Message: "no route"}}}
	out := run(t, cfg, opts, unk)
	if len(out.Deliveries) != 1 || out.Deliveries[0].Triggered != 1 || out.Deliveries[0].Resolved != 0 {
		t.Fatalf("unknown run: %+v", out.Deliveries)
	}
	if len(out.State.Open()) != 2 {
		t.Errorf("open after an incomplete run: %d, want 2 (drift kept, unknown added)", len(out.State.Open()))
	}
	// The server is unreachable now: its drift cannot be re-verified.
	unr := ZoneReport{Zone: "example.test.", Unverified: map[string]bool{"127.0.0.12": true}, Problems: []Problem{{
		Check: "unreachable", Nameserver: "ns1.knot.lab.test.", Address: "127.0.0.12", Severity: Critical, Message: "timeout"}}}
	out = run(t, cfg, opts, unr)
	open := map[string]bool{}
	for _, r := range out.State.Open() {
		open[r.Check] = true
	}
	if !open["drift"] || !open["unreachable"] || open["error"] {
		t.Errorf("open after unreachable run: %v, want drift and unreachable (error resolved)", open)
	}
	out = run(t, cfg, opts, healthy("example.test."))
	if len(out.State.Open()) != 0 || out.Deliveries[0].Resolved != 2 {
		t.Errorf("healthy run: open %d, resolved %d", len(out.State.Open()), out.Deliveries[0].Resolved)
	}
}

// TestGroupedPerRun: many problems in many zones make one notification per
// sink per run.
func TestGroupedPerRun(t *testing.T) {
	hook, pd := newReceiver(t), newReceiver(t)
	cfg := mustConfig(t, fmt.Sprintf(`
alerts:
  default: [hook, pd]
  sinks:
    hook: { type: webhook, url: %q }
    pd: { type: pagerduty, routing_key: k, url: %q }
`, hook.URL, pd.URL))
	var reps []ZoneReport
	for z := 0; z < 3; z++ {
		rep := ZoneReport{Zone: fmt.Sprintf("z%d.test.", z)}
		for i := 0; i < 50; i++ {
			rep.Problems = append(rep.Problems, Problem{Check: "drift", Address: "127.0.0.12", Record: fmt.Sprintf("r%d.z%d.test. A", i, z), Severity: Critical, Message: "m"})
		}
		reps = append(reps, rep)
	}
	run(t, cfg, Options{Store: &MemoryStore{}}, reps...)
	if n := len(hook.requests()); n != 1 {
		t.Errorf("webhook: %d requests for 150 problems, want 1", n)
	}
	if n := len(pd.requests()); n != 3 {
		t.Errorf("pagerduty: %d events, want 3 (one per zone)", n)
	}
}

func TestNoAlertsConfig(t *testing.T) {
	out, err := Process(context.Background(), nil, []ZoneReport{drift("x.")}, Options{})
	if err != nil || len(out.Deliveries) != 0 {
		t.Fatalf("nil config: %v %v", out, err)
	}
}

// TestTwoVantagePoints: two instances (own state each) report the same
// problem to one Alertmanager with identical labels; only annotations say
// where from. With send_resolved: false, a recovery seen by one instance
// sends nothing (the alert ends when no instance re-sends it).
func TestTwoVantagePoints(t *testing.T) {
	am := newReceiver(t)
	for _, sendResolved := range []bool{true, false} {
		cfg := mustConfig(t, fmt.Sprintf("alerts:\n  default: [am]\n  sinks:\n    am: { type: alertmanager, url: %q, send_resolved: %v }\n", am.URL, sendResolved))
		before := len(am.requests())
		a := Options{Store: &MemoryStore{}, Vantage: "eu-west", GeneratorURL: "http://10.0.0.1:9353/"}
		b := Options{Store: &MemoryStore{}, Vantage: "us-east", GeneratorURL: "http://10.0.0.2:9353/"}
		run(t, cfg, a, drift("example.test."))
		run(t, cfg, b, drift("example.test."))
		reqs := am.requests()[before:]
		if len(reqs) != 2 {
			t.Fatalf("%d requests", len(reqs))
		}
		ra, rb := decodeJSON(t, reqs[0].Body), decodeJSON(t, reqs[1].Body)
		if la, lb := get(ra, 0, "labels"), get(rb, 0, "labels"); !reflect.DeepEqual(la, lb) || la == nil {
			t.Errorf("labels differ between vantage points:\n%v\n%v", la, lb)
		}
		if get(ra, 0, "annotations", "vantage") != "eu-west" || get(rb, 0, "annotations", "vantage") != "us-east" ||
			get(ra, 0, "annotations", "dedup_key") != get(rb, 0, "annotations", "dedup_key") {
			t.Errorf("annotations: %v / %v", get(ra, 0, "annotations"), get(rb, 0, "annotations"))
		}
		run(t, cfg, a, healthy("example.test."))
		reqs = am.requests()[before:]
		switch {
		case sendResolved && (len(reqs) != 3 || get(decodeJSON(t, reqs[2].Body), 0, "labels", "zone") != "example.test."):
			t.Errorf("send_resolved: want the recovery posted, got %d requests", len(reqs))
		case !sendResolved && len(reqs) != 2:
			t.Errorf("send_resolved false: a recovery was posted")
		}
	}
}
