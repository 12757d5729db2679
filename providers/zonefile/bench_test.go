package zonefile

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// bigText is n A records, one per name.
func bigText(n, salt int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "h%05d 300 A 10.%d.%d.%d\n", i, salt, (i/256)%256, i%256)
	}
	return b.String()
}

// BenchmarkOnePercentChange10k: read, plan and write a 10,000-record zone
// file where 1% of the records change (reload: true).
func BenchmarkOnePercentChange10k(b *testing.B) {
	dir := b.TempDir()
	p, err := New(Settings{Path: dir + "/{zone}zone", Reload: []string{"true"}}, "/", []string{"ns1.example.net."})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := p.EnsureZone(ctx, origin, nil); err != nil {
		b.Fatal(err)
	}
	target := func(text string) providers.Target {
		d := zone.MustParse(origin, "@ 3600 NS ns1.example.net.\n"+text)
		return providers.Target{Name: "file", Provider: p, Zone: &zone.ZoneConfig{Name: origin, Records: d}}
	}
	base := bigText(10000, 0)
	if pl, err := target(base).Plan(ctx); err != nil {
		b.Fatal(err)
	} else if _, err := target(base).Apply(ctx, pl); err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(base, "\n")
	i := 0
	for b.Loop() {
		i++
		changed := slices100(lines, i)
		tg := target(changed)
		pl, err := tg.Plan(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(pl.Changes) != 100 {
			b.Fatalf("%d changes", len(pl.Changes))
		}
		if _, err := tg.Apply(ctx, pl); err != nil {
			b.Fatal(err)
		}
		// Back to base for the next round (not timed).
		b.StopTimer()
		tb := target(base)
		pl, _ = tb.Plan(ctx)
		if _, err := tb.Apply(ctx, pl); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// slices100 changes every 100th line's address.
func slices100(lines []string, salt int) string {
	out := make([]string, len(lines))
	copy(out, lines)
	for j := 0; j < len(out); j += 100 {
		if out[j] != "" {
			out[j] = strings.Replace(out[j], "A 10.0.", fmt.Sprintf("A 10.%d.", 100+salt%100), 1)
		}
	}
	return strings.Join(out, "\n")
}
