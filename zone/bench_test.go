package zone

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// bigZoneOrigin is the zone the benchmarks generate.
const bigZoneOrigin = "big.example."

// bigRRset is one generated RRset: owner relative to bigZoneOrigin.
type bigRRset struct {
	owner, typ string
	ttl        uint32
	values     []string
}

// bigZoneSets generates a zone of about n records (plus the apex NS set):
// 70% A (two per owner), 10% AAAA, 8% TXT, 5% CNAME, 4% MX (two per owner),
// 3% SRV.
func bigZoneSets(n int) []bigRRset {
	out := []bigRRset{{"@", "NS", 3600, []string{"ns1.example.net.", "ns2.example.org."}}}
	ip4 := func(i int) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }
	for i := range n * 70 / 100 / 2 {
		out = append(out, bigRRset{fmt.Sprintf("a%d", i), "A", 3600, []string{ip4(2 * i), ip4(2*i + 1)}})
	}
	for i := range n * 10 / 100 {
		out = append(out, bigRRset{fmt.Sprintf("a%d", i), "AAAA", 3600, []string{fmt.Sprintf("2001:db8::%x", i+1)}})
	}
	for i := range n * 8 / 100 {
		out = append(out, bigRRset{fmt.Sprintf("t%d", i), "TXT", 3600, []string{fmt.Sprintf("v=spf1 include:_spf%d.example.net ~all", i)}})
	}
	for i := range n * 5 / 100 {
		out = append(out, bigRRset{fmt.Sprintf("c%d", i), "CNAME", 3600, []string{fmt.Sprintf("a%d.big.example.", i)}})
	}
	for i := range n * 4 / 100 / 2 {
		out = append(out, bigRRset{fmt.Sprintf("m%d", i), "MX", 3600, []string{fmt.Sprintf("10 a%d.big.example.", i), fmt.Sprintf("20 a%d.big.example.", i+1)}})
	}
	for i := range n * 3 / 100 {
		out = append(out, bigRRset{fmt.Sprintf("_sip%d._tcp", i), "SRV", 300, []string{fmt.Sprintf("10 60 5060 a%d.big.example.", i)}})
	}
	return out
}

// bigZoneYAML renders sets as a configuration file.
func bigZoneYAML(sets []bigRRset) []byte {
	var b bytes.Buffer
	b.WriteString("providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  big.example.:\n    providers: [a, b]\n    default_ttl: 3600\n    records:\n")
	owners := map[string][]bigRRset{}
	var order []string
	for _, s := range sets {
		if owners[s.owner] == nil {
			order = append(order, s.owner)
		}
		owners[s.owner] = append(owners[s.owner], s)
	}
	for _, o := range order {
		fmt.Fprintf(&b, "      %q:\n", o)
		for _, s := range owners[o] {
			vals := make([]string, len(s.values))
			for i, v := range s.values {
				vals[i] = fmt.Sprintf("%q", v)
			}
			if s.ttl != 3600 {
				fmt.Fprintf(&b, "        %s: { ttl: %d, values: [%s] }\n", s.typ, s.ttl, strings.Join(vals, ", "))
			} else {
				fmt.Fprintf(&b, "        %s: [%s]\n", s.typ, strings.Join(vals, ", "))
			}
		}
	}
	return b.Bytes()
}

// bigZoneMaster renders sets as master-file text.
func bigZoneMaster(sets []bigRRset) []byte {
	var b bytes.Buffer
	b.WriteString("$ORIGIN big.example.\n$TTL 3600\n")
	for _, s := range sets {
		for _, v := range s.values {
			if s.typ == "TXT" {
				v = `"` + v + `"`
			}
			fmt.Fprintf(&b, "%s %d IN %s %s\n", s.owner, s.ttl, s.typ, v)
		}
	}
	return b.Bytes()
}

// bigZoneRecords parses the master-file text of sets (not normalized).
func bigZoneRecords(tb testing.TB, sets []bigRRset) []dns.RR {
	zp := dns.NewZoneParser(bytes.NewReader(bigZoneMaster(sets)), bigZoneOrigin, "")
	var rrs []dns.RR
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		rrs = append(rrs, rr)
	}
	if err := zp.Err(); err != nil {
		tb.Fatal(err)
	}
	return rrs
}

// bigActual returns desired with 1% of its records changed the way a
// provider drifts: 300 A sets and 300 TXT records updated, 200 extra A
// sets to delete, 200 CNAMEs missing; so the plan holds 600 updates, 200
// deletes and 200 creates.
func bigActual(tb testing.TB, desired *RRsets) *RRsets {
	actual := desired.Clone()
	mustRR := func(s string) dns.RR {
		rr, err := NewRR(s, bigZoneOrigin)
		if err != nil {
			tb.Fatal(err)
		}
		return rr
	}
	for i := range 300 {
		k := Key{fmt.Sprintf("a%d.big.example.", i), dns.TypeA}
		s := actual.Get(k).Clone()
		s.Records[1] = mustRR(fmt.Sprintf("a%d 3600 IN A 192.0.2.%d", i, i%250))
		actual.Remove(k)
		for _, rr := range s.Records {
			actual.Add(rr)
		}
		actual.Remove(Key{fmt.Sprintf("t%d.big.example.", i), dns.TypeTXT})
		actual.Add(mustRR(fmt.Sprintf(`t%d 3600 IN TXT "stale %d"`, i, i)))
	}
	for i := range 200 {
		actual.Add(mustRR(fmt.Sprintf("x%d 3600 IN A 192.0.2.1", i)))
		actual.Remove(Key{fmt.Sprintf("c%d.big.example.", i), dns.TypeCNAME})
	}
	return actual
}

// checkBigPlan fails unless p is the plan bigActual was made for.
func checkBigPlan(tb testing.TB, p *Plan) {
	if s := p.Summary; s.Create != 200 || s.Update != 600 || s.Delete != 200 || p.Safety.RequiresForce {
		tb.Fatalf("plan summary %+v safety %+v", s, p.Safety)
	}
}

// TestBigZoneGenerators checks what the benchmarks measure: the loader,
// the master-file reader and the generator agree on the 100,000-record
// zone, and the plan against the drifted copy is the expected one.
func TestBigZoneGenerators(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 records")
	}
	sets := bigZoneSets(100_000)
	desired, err := FromRecords(bigZoneRecords(t, sets))
	if err != nil {
		t.Fatal(err)
	}
	if n := desired.RecordCount(); n != 100_002 {
		t.Fatalf("%d records, want 100,000 and the apex NS set", n)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(cfgPath, bigZoneYAML(sets), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, findings := Load(cfgPath)
	if findings.HasErrors() {
		t.Fatal(findings.Err())
	}
	if !cfg.Zones[0].Records.Equal(desired) {
		t.Fatalf("the loader reads the generated YAML differently")
	}
	zonePath := filepath.Join(dir, "big.zone")
	if err := os.WriteFile(zonePath, bigZoneMaster(sets), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadMasterFile(zonePath, bigZoneOrigin, dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 100_002 || recs[len(recs)-1].Pos.Line != 100_004 {
		t.Fatalf("%d records, last at %v", len(recs), recs[len(recs)-1].Pos)
	}
	checkBigPlan(t, NewPlan(bigZoneOrigin, "p", desired, bigActual(t, desired), PlanOptions{ManageApexNS: true}))
}

// BenchmarkPlan measures NewPlan alone: 100,000 desired records against an
// actual copy with 1% changed.
func BenchmarkPlan(b *testing.B) {
	desired, err := FromRecords(bigZoneRecords(b, bigZoneSets(100_000)))
	if err != nil {
		b.Fatal(err)
	}
	actual := bigActual(b, desired)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		checkBigPlan(b, NewPlan(bigZoneOrigin, "p", desired, actual, PlanOptions{ManageApexNS: true}))
	}
}

// BenchmarkNormalize measures normalizing 100,000 parsed records into
// RRsets (Normalize and RRsets.Add).
func BenchmarkNormalize(b *testing.B) {
	rrs := bigZoneRecords(b, bigZoneSets(100_000))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		z, err := FromRecords(rrs)
		if err != nil || z.RecordCount() != len(rrs) {
			b.Fatal(err, z.RecordCount())
		}
	}
}

// BenchmarkReadMasterFile measures reading a 100,000-record master file
// with positions.
func BenchmarkReadMasterFile(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.zone"), bigZoneMaster(bigZoneSets(100_000)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		recs, err := ReadMasterFile("big.zone", bigZoneOrigin, dir, 3600)
		if err != nil || len(recs) != 100_002 {
			b.Fatal(err, len(recs))
		}
	}
}

// BenchmarkWrite measures writing the 100,000-record zone as a master file
// and as YAML.
func BenchmarkWrite(b *testing.B) {
	desired, err := FromRecords(bigZoneRecords(b, bigZoneSets(100_000)))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	b.Run("bind", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := WriteMasterFile(&buf, bigZoneOrigin, desired, MasterFileOptions{PlaceholderSOA: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("yaml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := WriteZonesYAML(&buf, ZoneYAML{Name: bigZoneOrigin, Records: desired}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLoadValidatePlan measures the target: load and
// validate the 100,000-record configuration, then plan it against a
// 100,000-record actual with 1% changed (target: under 1 s and 300 MB). It
// reports the live heap after each run, with the configuration, the actual
// records and the plan still referenced, as live-MB, and the CPU time the
// process used per run (garbage collection included) as cpu-ms/op, which a
// busy machine inflates less than ns/op.
func BenchmarkLoadValidatePlan(b *testing.B) {
	sets := bigZoneSets(100_000)
	path := filepath.Join(b.TempDir(), "big.yaml")
	if err := os.WriteFile(path, bigZoneYAML(sets), 0o644); err != nil {
		b.Fatal(err)
	}
	desired, err := FromRecords(bigZoneRecords(b, sets))
	if err != nil {
		b.Fatal(err)
	}
	actual := bigActual(b, desired)
	desired = nil
	b.ReportAllocs()
	b.ResetTimer()
	var live uint64
	var cpu time.Duration
	for b.Loop() {
		start := cpuTime()
		cfg, findings := Load(path)
		if findings.HasErrors() {
			b.Fatal(findings.Err())
		}
		zc := cfg.Zones[0]
		p := NewPlan(zc.Name, "a", zc.Records, actual, zc.PlanOptions())
		checkBigPlan(b, p)
		cpu += cpuTime() - start
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = max(live, ms.HeapAlloc)
		runtime.KeepAlive(p)
		runtime.KeepAlive(cfg)
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MB")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime returns the CPU time (user and system) the process has used: on
// a busy machine it tells the work done from the time spent waiting.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
