package powerdns

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// bigZone returns n records below origin in the mix: 70% A, 10%
// AAAA, 8% TXT, 5% CNAME, 4% MX, 3% SRV, each at its own name, plus the
// lab apex NS set.
func bigZone(tb testing.TB, origin string, n int) *zone.RRsets {
	tb.Helper()
	var b strings.Builder
	for _, ns := range labNS {
		fmt.Fprintf(&b, "@ 3600 NS %s\n", ns)
	}
	for i := range n {
		switch k := i % 100; {
		case k < 70:
			fmt.Fprintf(&b, "a%05d 300 A 10.%d.%d.%d\n", i, i/65536, (i/256)%256, i%256)
		case k < 80:
			fmt.Fprintf(&b, "aaaa%05d 300 AAAA 2001:db8::%x\n", i, i)
		case k < 88:
			fmt.Fprintf(&b, "txt%05d 300 TXT \"v=spf1 include:_spf%d.example.net -all\"\n", i, i)
		case k < 93:
			fmt.Fprintf(&b, "cname%05d 300 CNAME a%05d\n", i, i-i%100)
		case k < 97:
			fmt.Fprintf(&b, "mx%05d 300 MX 10 mail%d.example.net.\n", i, i%7)
		default:
			fmt.Fprintf(&b, "_sip._tcp.srv%05d 300 SRV 10 60 5060 sip%d.example.net.\n", i, i%5)
		}
	}
	z := zone.MustParse(origin, b.String())
	if got := z.RecordCount() - len(labNS); got != n {
		tb.Fatalf("generated %d records, want %d", got, n)
	}
	return z
}

func TestBigZoneMix(t *testing.T) {
	z := bigZone(t, zoneBig, 10000)
	count := map[uint16]int{}
	for _, s := range z.Sorted() {
		if s.Type != dns.TypeNS {
			count[s.Type] += len(s.Records)
		}
	}
	want := map[uint16]int{dns.TypeA: 7000, dns.TypeAAAA: 1000, dns.TypeTXT: 800, dns.TypeCNAME: 500, dns.TypeMX: 400, dns.TypeSRV: 300}
	for ty, n := range want {
		if count[ty] != n {
			t.Errorf("%s: %d records, want %d", dns.Type(ty), count[ty], n)
		}
	}
}

// BenchmarkLabInitialPush10k: read, plan and apply 10,000 records into an
// empty zone through the API (creating the zone is not timed).
func BenchmarkLabInitialPush10k(b *testing.B) {
	for _, maxChanges := range []int{0, 1000} {
		b.Run(fmt.Sprintf("max_batch_changes=%d", maxChanges), func(b *testing.B) {
			p, _ := labProvider(b, func(s *Settings) { s.MaxBatchChanges = maxChanges })
			desired := bigZone(b, zoneBig, 10000)
			ctx := context.Background()
			b.Cleanup(func() { _ = deleteZone(context.Background(), p, zoneBig) })
			for b.Loop() {
				b.StopTimer()
				if err := deleteZone(ctx, p, zoneBig); err != nil {
					b.Fatal(err)
				}
				if err := p.EnsureZone(ctx, zoneBig, labNS); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				target := providers.Target{Name: "pdns", Provider: p, Zone: &zone.ZoneConfig{Name: zoneBig, Records: desired}}
				pl, err := target.Plan(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := target.Apply(ctx, pl); err != nil || n < 10000-len(labNS) {
					b.Fatalf("applied %d: %v", n, err)
				}
			}
		})
	}
}

// BenchmarkLabNoChangePlan10k: read a 10,000-record zone and plan it
// against the same desired state (no changes).
func BenchmarkLabNoChangePlan10k(b *testing.B) {
	p, _ := labProvider(b, nil)
	desired := bigZone(b, zoneBig, 10000)
	ctx := context.Background()
	freshZone(b, p, zoneBig)
	target := providers.Target{Name: "pdns", Provider: p, Zone: &zone.ZoneConfig{Name: zoneBig, Records: desired}}
	pl, err := target.Plan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := target.Apply(ctx, pl); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		pl, err := target.Plan(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if !pl.Empty() {
			b.Fatalf("%d changes planned, want none", len(pl.Changes))
		}
	}
}
