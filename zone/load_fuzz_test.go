package zone

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic (a
// recovered panic shows up as an "internal" finding), and every finding
// must name the file it is about and carry a rule and a message. Seeds:
// testdata/configs/*.yaml and testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "configs", "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(baseConfig("      www: { A: 192.0.2.1, TXT: \"x\" }\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A directory that does not exist: relative file: zones find
		// nothing, and no temporary directory per run slows the fuzzer.
		cfg, fs := LoadBytes("/nonexistent-dnsquorum-fuzz/c.yaml", data)
		for _, fd := range fs {
			if fd.Rule == RuleInternal {
				t.Fatalf("internal error: %s", fd.Message)
			}
			if fd.Pos.File == "" || fd.Rule == "" || fd.Message == "" {
				t.Fatalf("incomplete finding %#v", fd)
			}
			if fd.Severity != Error && fd.Severity != Warning {
				t.Fatalf("bad severity in %#v", fd)
			}
		}
		if cfg == nil {
			if !fs.HasErrors() {
				t.Fatalf("no config and no error")
			}
			return
		}
		for _, z := range cfg.Zones {
			if z.Records == nil || !strings.HasSuffix(z.Name, ".") {
				t.Fatalf("zone %q: bad state", z.Name)
			}
			for _, s := range z.Records.Sorted() {
				if !InZone(s.Name, z.Name) {
					t.Fatalf("zone %s holds %s", z.Name, s.Name)
				}
				if _, ok := z.Origins[s.Key()]; !ok {
					t.Fatalf("no origin for %s", s.Key())
				}
			}
		}
	})
}
