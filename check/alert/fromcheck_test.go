package alert

import (
	"testing"

	"github.com/dnsquorum/dnsquorum/check"
)

func TestFromCheckKeepsProvider(t *testing.T) {
	res := &check.Result{Zone: "example.test.", Findings: []check.Finding{{
		Zone: "example.test.", Check: check.CheckDrift, Nameserver: "ns1.bind.lab.test.", Provider: "bind",
		Address: "127.0.0.11", Record: "www.example.test. A", Severity: check.Critical, Message: "differs",
	}}}
	rep := FromCheck(res)
	if len(rep.Problems) != 1 {
		t.Fatalf("problems: %+v", rep.Problems)
	}
	p := rep.Problems[0]
	if p.Provider != "bind" || p.Severity != Critical {
		t.Errorf("problem %+v: provider and severity must carry over", p)
	}
	if p.Key() != "example.test.|drift|ns1.bind.lab.test.|127.0.0.11|www.example.test. A" {
		t.Errorf("key %q must not include the provider", p.Key())
	}
}
