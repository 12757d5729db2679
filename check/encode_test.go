package check

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// sampleResults is a zone with problems and a zone that could not be
// checked.
func sampleResults() []*Result {
	started := time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC)
	bad := &Result{Zone: "example.test.", Mode: ModeQuery, Started: started, Duration: 210 * time.Millisecond, Attempts: 1,
		Parents: []string{"127.0.0.10:53"}, Delegation: []string{"ns1.a.test.", "ns1.b.test."},
		Servers: []ServerResult{
			{Nameserver: "ns1.a.test.", Address: "127.0.0.11", Provider: "a", Status: StatusOK, Serial: 7, HasSerial: true, Mode: ModeQuery},
			{Nameserver: "ns1.b.test.", Address: "127.0.0.12", Provider: "b", Status: StatusOK, Serial: 2001, HasSerial: true, Mode: ModeQuery},
			{Nameserver: "ns1.b.test.", Address: "::1", Provider: "b", Status: StatusUnreachable, Detail: "timeout"},
		},
		Findings: []Finding{
			{Zone: "example.test.", Check: CheckDrift, Severity: Critical, Nameserver: "ns1.a.test.", Address: "127.0.0.11", Provider: "a",
				Record: "www.example.test. TXT", Expected: `"a|b"`, Got: `"a\"c"`, Message: "the server serves other data than desired"},
			{Zone: "example.test.", Check: CheckUnreachable, Severity: Warning, Nameserver: "ns1.b.test.", Address: "::1", Message: "no answer\nat all"},
			{Zone: "example.test.", Check: CheckAXFR, Severity: OK, Nameserver: "ns1.b.test.", Address: "127.0.0.12", Message: "note"},
		},
		Status: Critical,
	}
	broken := ErrorResult("other.test.", errors.New("no nameservers to check"))
	broken.Started = started
	return []*Result{bad, broken}
}

func TestNagios(t *testing.T) {
	out := Nagios(sampleResults())
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	wantFirst := "DNSQUORUM CRITICAL - example.test.: 1 unreachable, 1 drift; other.test.: no nameservers to check |" +
		" 'ok'=2 'unreachable'=1 'lame'=0 'not-authoritative'=0 'drift'=1 'ttl'=0 'extra'=0 'lagging'=0" +
		" 'provider-missing'=0 'delegation'=0 'glue'=0 'redundancy'=0 'unresolvable'=0 'parent'=0 'axfr'=0 'error'=1 'time'=0.210s"
	if lines[0] != wantFirst {
		t.Errorf("status line\n got %s\nwant %s", lines[0], wantFirst)
	}
	// One long-output line per finding above OK, "|" kept out of them.
	if len(lines) != 4 || strings.Count(out, "|") != 1 || !strings.Contains(lines[1], `"a¦b"`) || strings.Contains(lines[2], "\n") {
		t.Errorf("long output:\n%s", out)
	}
	if got := Nagios(sampleResults()[:1]); !strings.HasPrefix(got, "DNSQUORUM CRITICAL - example.test.: 1 unreachable, 1 drift |") {
		t.Errorf("one zone: %s", got)
	}
	ok := &Result{Zone: "fine.test.", Servers: []ServerResult{{Status: StatusOK}, {Status: StatusOK}}}
	if got := Nagios([]*Result{ok}); !strings.HasPrefix(got, "DNSQUORUM OK - fine.test.: OK, 2 addresses agree | 'ok'=2 ") {
		t.Errorf("ok: %s", got)
	}
}

func TestJSON(t *testing.T) {
	var b strings.Builder
	if err := WriteJSON(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FormatVersion int    `json:"format_version"`
		Status        string `json:"status"`
		ExitCode      int    `json:"exit_code"`
		Zones         []struct {
			Zone            string         `json:"zone"`
			Status          string         `json:"status"`
			DurationSeconds float64        `json:"duration_seconds"`
			Counts          map[string]int `json:"counts"`
			Servers         []map[string]any
			Findings        []map[string]any
		} `json:"zones"`
	}
	if err := json.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.FormatVersion != 1 || doc.Status != "critical" || doc.ExitCode != 2 || len(doc.Zones) != 2 {
		t.Fatalf("%+v", doc)
	}
	z := doc.Zones[0]
	if z.Status != "critical" || z.DurationSeconds != 0.21 || z.Counts["drift"] != 1 || z.Counts["ok"] != 2 || len(z.Servers) != 3 {
		t.Errorf("zone %+v", z)
	}
	f := z.Findings[0]
	if f["check"] != "drift" || f["severity"] != "critical" || f["nameserver"] != "ns1.a.test." || f["address"] != "127.0.0.11" ||
		f["record"] != "www.example.test. TXT" || f["key"] != "example.test.|drift|ns1.a.test.|127.0.0.11|www.example.test. TXT" {
		t.Errorf("finding %v", f)
	}
	if doc.Zones[1].Status != "unknown" || doc.Zones[1].Findings[0]["check"] != "error" {
		t.Errorf("error zone %+v", doc.Zones[1])
	}
}

// The exposition parses with Prometheus's own parser, and says what the
// results say.
func TestPrometheusParses(t *testing.T) {
	var b strings.Builder
	if err := WritePrometheus(&b, sampleResults()); err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		fam := fams[name]
		if fam == nil {
			return 0, false
		}
	next:
		for _, m := range fam.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			if m.GetTimestampMs() != 0 {
				t.Errorf("%s has a timestamp: the textfile collector refuses them", name)
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"dnsquorum_check_status", map[string]string{"zone": "example.test."}, 2},
		{"dnsquorum_check_status", map[string]string{"zone": "other.test."}, 3},
		{"dnsquorum_check_findings", map[string]string{"zone": "example.test.", "check": "drift"}, 1},
		{"dnsquorum_check_findings", map[string]string{"zone": "example.test.", "check": "lame"}, 0},
		{"dnsquorum_check_servers", map[string]string{"zone": "example.test.", "status": "unreachable"}, 1},
		{"dnsquorum_nameserver_up", map[string]string{"nameserver": "ns1.b.test.", "address": "::1", "provider": "b"}, 0},
		{"dnsquorum_nameserver_up", map[string]string{"address": "127.0.0.11"}, 1},
		{"dnsquorum_nameserver_soa_serial", map[string]string{"address": "127.0.0.12"}, 2001},
		{"dnsquorum_check_duration_seconds", map[string]string{"zone": "example.test."}, 0.21},
		{"dnsquorum_check_last_run_timestamp_seconds", map[string]string{"zone": "example.test."}, float64(time.Date(2026, 11, 24, 5, 0, 0, 0, time.UTC).Unix())},
	} {
		got, ok := value(c.name, c.labels)
		if !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if strings.Count(b.String(), "dnsquorum_check_findings{") != 2*len(Checks) {
		t.Errorf("every check should have a findings series per zone")
	}
}
