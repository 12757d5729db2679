package rfc2136

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// mixedZone returns n records in the mix: 70% A, 10% AAAA, 8% TXT,
// 5% CNAME, 4% MX, 3% SRV, each at its own name.
func mixedZone(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		switch r := i % 100; {
		case r < 70:
			fmt.Fprintf(&b, "a%05d 300 A 10.%d.%d.%d\n", i, i/65536%256, i/256%256, i%256)
		case r < 80:
			fmt.Fprintf(&b, "six%05d 300 AAAA 2001:db8::%x\n", i, i)
		case r < 88:
			fmt.Fprintf(&b, "txt%05d 300 TXT \"v=spf1 include:_spf.example.net ~all %d\"\n", i, i)
		case r < 93:
			fmt.Fprintf(&b, "alias%05d 300 CNAME a%05d\n", i, i-i%100)
		case r < 97:
			fmt.Fprintf(&b, "mx%05d 300 MX 10 mail%d.example.net.\n", i, i%7)
		default:
			fmt.Fprintf(&b, "_sip._tcp.srv%05d 300 SRV 10 60 5060 sip%d.example.net.\n", i, i%5)
		}
	}
	return b.String()
}

// benchProvider returns the BIND lab provider with scratch.test. emptied.
func benchProvider(b *testing.B) *Provider {
	env := labtest.Load(b)
	p := newProvider(b, labSettings(env, "LAB_BIND"))
	syncZone(b, p, scratch, "")
	b.Cleanup(func() { syncZone(b, p, scratch, "") })
	return p
}

// BenchmarkPush10k: the initial push of 10,000 records into an empty zone
// on BIND: read (AXFR), plan, apply. Target: under 1 s.
func BenchmarkPush10k(b *testing.B) {
	p := benchProvider(b)
	text := mixedZone(10000)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		syncZone(b, p, scratch, "")
		b.StartTimer()
		actual, err := providers.Read(ctx, p, scratch)
		if err != nil {
			b.Fatal(err)
		}
		desired := withBase(actual, scratch, text)
		plan := zone.NewPlan(scratch, "bind", desired, actual, planOpts)
		if n, err := providers.Apply(ctx, p, plan); err != nil || n != 10000 {
			b.Fatalf("applied %d of %d changes: %v", n, len(plan.Changes), err)
		}
	}
	b.StopTimer()
	if got := read(b, p, scratch).RecordCount(); got < 10000 {
		b.Fatalf("zone holds %d records after the push", got)
	}
	// How many UPDATE messages the push takes.
	empty := zone.MustParse(scratch, "")
	plan := zone.NewPlan(scratch, "bind", zone.MustParse(scratch, text), empty, planOpts)
	units := make([]unit, len(plan.Changes))
	for i, c := range plan.Changes {
		units[i], _ = changeUnit(scratch, c)
	}
	msgs, err := p.split(scratch, units, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(msgs)), "msgs/op")
}

// BenchmarkAXFR10k: reading a 10,000-record zone from BIND by AXFR.
func BenchmarkAXFR10k(b *testing.B) {
	p := benchProvider(b)
	syncZone(b, p, scratch, mixedZone(10000))
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rrs, err := p.ReadZone(ctx, scratch)
		if err != nil || len(rrs) < 10000 {
			b.Fatalf("read %d records: %v", len(rrs), err)
		}
	}
}

// BenchmarkNoChangePlan10k: read and plan a 10,000-record zone that is in
// sync (the diff path).
func BenchmarkNoChangePlan10k(b *testing.B) {
	p := benchProvider(b)
	text := mixedZone(10000)
	syncZone(b, p, scratch, text)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		actual, err := providers.Read(ctx, p, scratch)
		if err != nil {
			b.Fatal(err)
		}
		if plan := zone.NewPlan(scratch, "bind", withBase(actual, scratch, text), actual, planOpts); !plan.Empty() {
			b.Fatalf("%d changes", len(plan.Changes))
		}
	}
}
