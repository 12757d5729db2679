package zone

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// genConfig writes a configuration with one zone of n records in the YAML
// form: a mix of A, AAAA, MX, TXT, CNAME and SRV over n/2 owners.
func genConfig(n int) string {
	var b strings.Builder
	b.WriteString(`providers:
  a: { type: memory }
  b: { type: memory }
zones:
  big.example.:
    providers: [a, b]
    records:
      "@": { NS: [ns1.example.net., ns2.example.org.] }
`)
	written := 2
	for i := 0; written < n; i++ {
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "      h%d: { A: [192.0.%d.%d, 198.51.%d.%d] }\n", i, i/256%256, i%256, i/256%256, i%256)
			written += 2
		case 1:
			fmt.Fprintf(&b, "      h%d: { AAAA: \"2001:db8::%x\", TXT: \"v=test %d\" }\n", i, i, i)
			written += 2
		case 2:
			fmt.Fprintf(&b, "      m%d: { MX: [10 h%d, 20 h%d.big.example.] }\n", i, i-2, i-1)
			written += 2
		case 3:
			fmt.Fprintf(&b, "      c%d: { CNAME: h%d }\n      _s%d._tcp: { SRV: { ttl: 300, value: 10 60 5060 h%d } }\n", i, i-3, i, i-3)
			written += 2
		case 4:
			fmt.Fprintf(&b, "      t%d: { TXT: [\"first %d\", '\"second\" \"%d\"'] }\n", i, i, i)
			written += 2
		}
	}
	return b.String()
}

// BenchmarkLoad loads and validates a generated 100,000-record zone.
func BenchmarkLoad(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.yaml")
	if err := os.WriteFile(path, []byte(genConfig(100000)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var cfg *Config
	for b.Loop() {
		var fs Findings
		cfg, fs = Load(path)
		if len(fs) != 0 {
			b.Fatalf("findings: %v", fs[0])
		}
		if n := cfg.Zones[0].Records.RecordCount(); n < 100000 {
			b.Fatalf("%d records", n)
		}
	}
	b.StopTimer()
	// The loaded configuration's live heap: what a command holds on to.
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "live-MB")
	runtime.KeepAlive(cfg)
}
