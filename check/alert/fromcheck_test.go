package alert

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/zone"
)

func TestFromCheck(t *testing.T) {
	res := &check.Result{Zone: "example.test.", Status: check.Critical,
		Servers: []check.ServerResult{{Nameserver: "ns1.", Address: "127.0.0.11", Status: check.StatusOK}, {Nameserver: "ns2.", Address: "127.0.0.12", Status: check.StatusUnreachable}},
		Findings: []check.Finding{
			{Zone: "example.test.", Check: check.CheckAXFR, Severity: check.OK, Message: "note"},
			{Zone: "example.test.", Check: check.CheckDrift, Severity: check.Critical, Nameserver: "ns1.", Address: "127.0.0.11", Record: "www.example.test. A", Expected: "1", Got: "2", Message: "m"},
			{Zone: "example.test.", Check: check.CheckUnreachable, Severity: check.Critical, Nameserver: "ns2.", Address: "127.0.0.12", Message: "timeout"},
		}}
	rep := FromCheck(res)
	if rep.Zone != "example.test." || rep.Incomplete || len(rep.Problems) != 2 || !rep.Unverified["127.0.0.12"] || rep.Unverified["127.0.0.11"] {
		t.Fatalf("report %+v", rep)
	}
	p := rep.Problems[0]
	f := res.Findings[1]
	if p.Key() != f.Key() || p.Severity != Critical || p.Expected != "1" || p.Got != "2" || p.Record != f.Record {
		t.Errorf("problem %+v from %+v", p, f)
	}
	rep = FromCheck(check.ErrorResult("x.test.", errors.New("no nameserver to ask")))
	if !rep.Incomplete || len(rep.Problems) != 1 || rep.Problems[0].Severity != Unknown || rep.Status() != Unknown {
		t.Errorf("error result %+v", rep)
	}
}

// TestRun: the entry point of `check --alert` decodes the alerts section,
// hands out the secrets, and notifies.
func TestRun(t *testing.T) {
	rcv := newReceiver(t)
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("default: [hook]\nsinks:\n  hook: {type: webhook, url: \""+rcv.URL+"/tok\"}\n"), &doc); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := &zone.Config{Path: filepath.Join(dir, "c.yaml"), Dir: dir, Alerts: doc.Content[0], Zones: []*zone.ZoneConfig{{Name: "example.test."}}}
	var secrets []string
	res := &check.Result{Zone: "example.test.", Status: check.Critical, Findings: []check.Finding{{Zone: "example.test.", Check: check.CheckDrift, Severity: check.Critical, Message: "m"}}}
	out, err := Run(t.Context(), cfg, []*check.Result{res}, Options{StatePath: filepath.Join(dir, "st.json"), AddSecrets: func(s ...string) { secrets = append(secrets, s...) }})
	if err != nil || out.Err() != nil {
		t.Fatalf("%v %v", err, out.Err())
	}
	if len(secrets) != 1 || secrets[0] != rcv.URL+"/tok" || len(rcv.requests()) != 1 {
		t.Errorf("secrets %v, %d requests", secrets, len(rcv.requests()))
	}
	if l := out.Lines(); len(l) != 1 || l[0] != `alert sink "hook": 1 triggered, 0 resolved, 0 repeated: example.test.` {
		t.Errorf("lines %q", l)
	}
	if _, err := os.Stat(filepath.Join(dir, "st.json")); err != nil {
		t.Errorf("state file: %v", err)
	}
	out, err = Run(t.Context(), &zone.Config{}, []*check.Result{res}, Options{})
	if err != nil || len(out.Deliveries) != 0 {
		t.Errorf("no alerts section: %v %v", out, err)
	}
}
