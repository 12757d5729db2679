package check

// Speed of a whole check of a 10,000-record zone on four servers.
//
//	BenchmarkCheck10kLab: the lab's four real servers (zone check.test.,
//	  loaded with the records first; the lab is reset afterwards by TestMain).
//	BenchmarkCheck10kFake: four in-process fake servers, for a machine
//	  without the lab and to see the checker's own cost.
//
// Targets (2 cores): query mode under 1.5 s, axfr mode under 0.3 s. The
// figures belong in notes, never in test assertions.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/zone"
)

// benchLines returns n records with the mix the peer tools were measured
// with (testdata/bench/genzone): 70% A, 10% AAAA, 8% TXT, 5% CNAME, 4% MX,
// 3% SRV, one record per name.
func benchLines(n int) []string {
	out := make([]string, 0, n)
	for i := range n {
		name := fmt.Sprintf("h%05d", i)
		switch r := i % 100; {
		case r < 70:
			out = append(out, fmt.Sprintf("%s 300 A 10.%d.%d.%d", name, i>>16&255, i>>8&255, i&255))
		case r < 80:
			out = append(out, fmt.Sprintf("%s 300 AAAA 2001:db8::%x", name, i))
		case r < 88:
			out = append(out, fmt.Sprintf(`%s 300 TXT "token=%08d site verification"`, name, i))
		case r < 93:
			out = append(out, fmt.Sprintf("%s 300 CNAME t%d.example.net.", name, i))
		case r < 97:
			out = append(out, fmt.Sprintf("%s 300 MX 10 mx%d.example.net.", name, i))
		default:
			out = append(out, fmt.Sprintf("_s%d._tcp.%s 300 SRV 10 5 %d sip.example.net.", i, name, 1024+i%60000))
		}
	}
	return out
}

func benchRun(b *testing.B, cfg *zone.Config, z *zone.ZoneConfig, opts Options) {
	b.Helper()
	var queries int
	for b.Loop() {
		res, err := Run(context.Background(), cfg, z, opts)
		if err != nil {
			b.Fatal(err)
		}
		if res.Status != OK || len(res.Servers) != 4 {
			b.Fatalf("status %s, %d servers: %v", res.Status, len(res.Servers), res.Problems())
		}
		queries = 0
		for _, s := range res.Servers {
			queries += s.Queries
		}
	}
	b.ReportMetric(float64(queries), "queries/op")
	b.ReportMetric(float64(z.Records.RecordCount()), "records")
}

func BenchmarkCheck10kLab(b *testing.B) {
	env := labtest.Load(b)
	labLoadMu.Lock()
	labModified = true
	labLoadMu.Unlock()
	labForget() // the baseline is replaced; a later test reloads it
	if err := labReset(); err != nil {
		b.Fatalf("reset: %v", err)
	}
	lines := benchLines(10000)
	start := time.Now()
	for _, s := range labServers {
		labServe(b, env, s.provider, append([]string(nil), lines...))
	}
	b.Logf("loaded 10,000 records on four servers in %s", time.Since(start).Round(time.Millisecond))
	cfg, _ := labConfig(b, env)
	z := &zone.ZoneConfig{Name: labZone, Providers: []string{"bind", "knot", "pdns", "nsd"}, DefaultTTL: 300,
		Records: zone.MustParse(labZone, "$TTL 300\n"+strings.Join(append(labNS(env), lines...), "\n"))}
	key := labKey(env)
	for _, mode := range []string{ModeQuery, ModeAXFR} {
		b.Run(mode, func(b *testing.B) {
			opts := labOptions(env)
			opts.Timeout = 2 * time.Second
			opts.Mode = mode
			opts.TSIG = func(string) (TSIGKey, bool) { return key, true }
			benchRun(b, cfg, z, opts)
		})
	}
}

func BenchmarkCheck10kFake(b *testing.B) {
	lines := benchLines(10000)
	w := newWorld(b)
	specs := []fakeSpec{{ip: fakeIP(1), h: w.parent}}
	key := TSIGKey{Name: "xfr.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="}
	for _, ns := range fakeNS {
		f := newFakeZone(b, fakeOrigin, append([]string{"@ 3600 SOA " + ns + " h.fake.test. 1 3600 600 86400 300",
			"@ NS ns1.a.test.", "@ NS ns2.a.test.", "@ NS ns1.b.test.", "@ NS ns2.b.test."}, lines...)...)
		specs = append(specs, fakeSpec{ip: fakeAddr[ns], h: f, tsig: &key})
	}
	port := startFakes(b, 0, specs...)
	z := &zone.ZoneConfig{Name: fakeOrigin, Providers: []string{"a", "b"},
		Records: zone.MustParse(fakeOrigin, "$TTL 300\n@ NS ns1.a.test.\n@ NS ns2.a.test.\n@ NS ns1.b.test.\n@ NS ns2.b.test.\n"+strings.Join(lines, "\n"))}
	w.z = z
	w.cfg.Zones = []*zone.ZoneConfig{z}
	for _, mode := range []string{ModeQuery, ModeAXFR} {
		b.Run(mode, func(b *testing.B) {
			opts := Options{Parents: []string{fakeIP(1)}, Port: port, Mode: mode, Timeout: 2 * time.Second, Retries: 1,
				TSIG: func(string) (TSIGKey, bool) { return key, true }}
			benchRun(b, w.cfg, z, opts)
		})
	}
}
