package providers

import (
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/zone"
)

func TestApplyOrderAddressesFirst(t *testing.T) {
	desired := zone.MustParse("example.com.", `@ A 192.0.2.100
@ MX 10 mail
mail A 192.0.2.25
x CNAME elsewhere.example.net.
y A 192.0.2.9
y TXT "y"
`)
	actual := zone.MustParse("example.com.", `@ A 192.0.2.1
x A 192.0.2.1
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
		// addresses first, even the apex's, so the MX below finds its target
		"~ example.com. A", "+ mail.example.com. A", "+ y.example.com. A",
		"+ example.com. MX",
		// a type change keeps the name's changes together
		"- x.example.com. A", "+ x.example.com. CNAME", "- x.example.com. TXT",
		"~ y.example.com. TXT",
		// address deletions last
		"- gone.example.com. A",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBatchEndKeepsNamesTogether(t *testing.T) {
	ch := func(names ...string) []zone.Change {
		var out []zone.Change
		for _, n := range names {
			out = append(out, zone.Change{Key: zone.Key{Name: n}})
		}
		return out
	}
	cases := []struct {
		names       []string
		start, size int
		want        int
	}{
		{[]string{"a", "b", "b", "c"}, 0, 2, 1}, // b's two changes would be cut: end before b
		{[]string{"a", "b", "b", "c"}, 1, 2, 3}, // b fits whole
		{[]string{"b", "b", "b", "c"}, 0, 2, 2}, // one name larger than a batch: cut anyway
		{[]string{"a", "b", "c"}, 0, 2, 2},      // no name cut
		{[]string{"a", "b"}, 0, 5, 2},           // everything fits
	}
	for _, c := range cases {
		if got := batchEnd(ch(c.names...), c.start, c.size); got != c.want {
			t.Errorf("batchEnd(%v, %d, %d) = %d, want %d", c.names, c.start, c.size, got, c.want)
		}
	}
}
