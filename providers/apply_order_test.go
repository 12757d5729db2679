package providers

import (
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/zone"
)

func TestApplyOrderAddressesFirstNamesTogether(t *testing.T) {
	desired := zone.MustParse("example.com.", `@ MX 10 mail
mail A 192.0.2.25
x CNAME elsewhere.example.net.
y A 192.0.2.9
y TXT "y"
`)
	actual := zone.MustParse("example.com.", `x A 192.0.2.1
x TXT "x"
gone A 192.0.2.2
y TXT "old"
`)
	plan := zone.NewPlan("example.com.", "t", desired, actual, zone.PlanOptions{SafetyThreshold: -1})
	var got []string
	for _, c := range applyOrder(plan.Changes) {
		got = append(got, c.String())
	}
	want := []string{
		"+ mail.example.com. A",                      // addresses first: the MX below needs it
		"+ y.example.com. A", "~ y.example.com. TXT", // y's changes stay together
		"+ example.com. MX",
		// names where addresses are only deleted go last, in canonical order;
		// a type change stays together.
		"- gone.example.com. A",
		"- x.example.com. A", "+ x.example.com. CNAME", "- x.example.com. TXT",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(got) != len(plan.Changes) {
		t.Errorf("applyOrder changed the set: %d of %d", len(got), len(plan.Changes))
	}
}
