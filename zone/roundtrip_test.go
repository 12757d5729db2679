package zone

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./zone -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (-update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// fixture reads testdata/example.com.zone: every record, and the desired
// state import makes of it (SOA left out).
func fixture(t *testing.T) (all, desired *RRsets) {
	t.Helper()
	recs, err := ReadMasterFile("example.com.zone", "example.com.", "testdata", 3600)
	if err != nil {
		t.Fatal(err)
	}
	all = NewRRsets()
	for _, r := range recs {
		if _, err := all.Add(r.RR); err != nil {
			t.Fatal(err)
		}
	}
	desired, notes := ImportRecords("example.com.", recs)
	if len(notes) != 1 || notes[0].Rule != "import-soa" {
		t.Fatalf("import notes: %v", notes)
	}
	return all, desired
}

// checkZoneTools runs the master-file checkers of the lab's servers on the
// file: BIND's named-checkzone, Knot's parser (knotc zone-check, offline)
// and nsd-checkzone. A checker that is not installed is skipped, unless the
// lab is required (DNSQUORUM_LAB_REQUIRED=1), where it is a failure.
func checkZoneTools(t *testing.T, origin, path string) {
	t.Helper()
	dir := t.TempDir()
	knotConf := filepath.Join(dir, "knot.conf")
	conf := "server:\n    rundir: " + dir + "\ndatabase:\n    storage: " + dir + "\nzone:\n  - domain: " + origin + "\n    file: " + path + "\n"
	if err := os.WriteFile(knotConf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{
		{"named-checkzone", strings.TrimSuffix(origin, "."), path},
		{"knotc", "-c", knotConf, "zone-check", origin},
		{"nsd-checkzone", strings.TrimSuffix(origin, "."), path},
	} {
		bin, err := exec.LookPath(c[0])
		if err != nil {
			for _, d := range []string{"/usr/sbin", "/usr/bin"} {
				if _, serr := os.Stat(filepath.Join(d, c[0])); serr == nil {
					bin, err = filepath.Join(d, c[0]), nil
				}
			}
		}
		if err != nil {
			if os.Getenv("DNSQUORUM_LAB_REQUIRED") == "1" {
				t.Errorf("%s not installed", c[0])
			} else {
				t.Logf("%s not installed: skipped", c[0])
			}
			continue
		}
		out, err := exec.Command(bin, c[1:]...).CombinedOutput()
		if err != nil {
			t.Errorf("%s rejects the file: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
}

// TestMasterFileRoundTrip: master file → model → master file, which the
// servers' own checkers accept, and which reads back to equal RRsets; the
// second trip writes the same bytes.
func TestMasterFileRoundTrip(t *testing.T) {
	_, desired := fixture(t)
	var out bytes.Buffer
	opts := MasterFileOptions{DefaultTTL: 3600, PlaceholderSOA: true, Header: []string{"example.com. (round-trip fixture)"}}
	if err := WriteMasterFile(&out, "example.com.", desired, opts); err != nil {
		t.Fatal(err)
	}
	golden(t, "example.com.golden.zone", out.Bytes())
	if bytes.ContainsFunc(out.Bytes(), func(r rune) bool { return r > 0x7e }) {
		t.Errorf("output holds non-ASCII bytes")
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "example.com.zone")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	checkZoneTools(t, "example.com.", path)

	recs, err := ReadMasterFile(path, "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	back, notes := ImportRecords("example.com.", recs)
	if len(notes) != 1 || notes[0].Rule != "import-soa" {
		t.Errorf("reading the output back: notes %v, want only the placeholder SOA left out", notes)
	}
	if !back.Equal(desired) {
		t.Errorf("read back:\n%s\nwant:\n%s", rrText(back), rrText(desired))
	}
	var again bytes.Buffer
	if err := WriteMasterFile(&again, "example.com.", back, opts); err != nil {
		t.Fatal(err)
	}
	if again.String() != out.String() {
		t.Errorf("second trip differs:\n%s\nfirst:\n%s", again.String(), out.String())
	}
}

// TestMasterFileOrderWithSOA: a zone holding a SOA is written SOA first,
// apex NS second, without a placeholder, and reads back equal.
func TestMasterFileOrderWithSOA(t *testing.T) {
	all, _ := fixture(t)
	var out bytes.Buffer
	if err := WriteMasterFile(&out, "example.com.", all, MasterFileOptions{PlaceholderSOA: true}); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if strings.Contains(text, placeholderSOAComment) {
		t.Errorf("placeholder SOA written for a zone that has one")
	}
	lines := strings.Split(text, "\n")
	if !strings.HasPrefix(lines[0], "$ORIGIN example.com.") || !strings.HasPrefix(lines[1], "$TTL 3600") {
		t.Errorf("directives: %q", lines[:2])
	}
	want := []string{"@ ", "SOA", "@ ", "NS", "@ ", "NS", "@ ", "A"}
	for i := 0; i < 4; i++ {
		l := lines[2+i]
		if !strings.HasPrefix(l, want[2*i]) || strings.Fields(l)[3] != want[2*i+1] {
			t.Errorf("line %d: %q, want %s %s", 3+i, l, want[2*i], want[2*i+1])
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "z")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	checkZoneTools(t, "example.com.", path)
	recs, err := ReadMasterFile(path, "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	back := NewRRsets()
	for _, r := range recs {
		if _, err := back.Add(r.RR); err != nil {
			t.Fatal(err)
		}
	}
	if !back.Equal(all) {
		t.Errorf("read back:\n%s\nwant:\n%s", rrText(back), rrText(all))
	}
}

func TestWriteMasterFileEscapes(t *testing.T) {
	sets := NewRRsets()
	// Records that bypass normalization still come out as ASCII.
	raw := &dns.TXT{Hdr: dns.RR_Header{Name: "t.example.com.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}, Txt: []string{"h\xc3\xa9"}}
	sets.Put(&RRset{Name: "t.example.com.", Type: dns.TypeTXT, TTL: 60, Records: []dns.RR{raw}})
	dollar, err := NewRR(`\$ttl.example.com. 60 IN A 192.0.2.1`, "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sets.Add(dollar); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteMasterFile(&out, "example.com.", sets, MasterFileOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "$ORIGIN example.com.\n$TTL 60\n\\$ttl 60 IN A   192.0.2.1\nt     60 IN TXT \"h\\195\\169\"\n"
	if out.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", out.String(), want)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "z"), out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadMasterFile("z", "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].RR.Header().Name != `\$ttl.example.com.` {
		t.Errorf("read back: %v", recs)
	}
}

// TestYAMLRoundTrip: model → YAML, which the configuration loader reads
// back to equal RRsets; the second trip writes the same bytes.
func TestYAMLRoundTrip(t *testing.T) {
	_, desired := fixture(t)
	var out bytes.Buffer
	if err := WriteZonesYAML(&out, ZoneYAML{Name: "example.com.", Providers: []string{"a", "b"}, DefaultTTL: 3600, Records: desired, Comment: "round-trip fixture"}); err != nil {
		t.Fatal(err)
	}
	golden(t, "example.com.golden.yaml", out.Bytes())
	back := loadZoneYAML(t, out.Bytes())
	if !back.Records.Equal(desired) {
		t.Errorf("loaded back:\n%s\nwant:\n%s", rrText(back.Records), rrText(desired))
	}
	var again bytes.Buffer
	if err := WriteZonesYAML(&again, ZoneYAML{Name: back.Name, Providers: back.Providers, DefaultTTL: back.DefaultTTL, Records: back.Records, Comment: "round-trip fixture"}); err != nil {
		t.Fatal(err)
	}
	if again.String() != out.String() {
		t.Errorf("second trip differs:\n%s\nfirst:\n%s", again.String(), out.String())
	}
}

// TestYAMLRoundTripTXT: TXT values in every shape, written by hand, are
// stable from the first trip (canonical input) or the second (any input).
func TestYAMLRoundTripTXT(t *testing.T) {
	long := strings.Repeat("0123456789", 60) // 600 octets: 255 + 255 + 90 after loading
	in := `zones:
  example.com.:
    providers: [a, b]
    default_ttl: 3600
    records:
      "@": { NS: [ns1.example.net., ns2.example.org.] }
      plain: { TXT: "v=spf1 mx -all" }
      long: { TXT: "` + long + `" }
      long-as-strings: { TXT: '"` + long[:255] + `" "` + long[255:510] + `" "` + long[510:] + `"' }
      long-split-elsewhere: { TXT: '"` + long[:100] + `" "` + long[100:] + `"' }
      multi: { TXT: '"a" "b"' }
      quote: { TXT: '"\"starts with a quote"' }
      spaces: { TXT: "  padded  " }
      utf8: { TXT: "héllo" }
      control: { TXT: "tab\there" }
      empty: { TXT: "" }
      number: { TXT: 12345 }
      spf: { SPF: "v=spf1 -all" }
      ttl: { TXT: { ttl: 60, values: [one, two] } }
`
	first := loadZoneYAML(t, []byte(in))
	var out1, out2 bytes.Buffer
	write := func(w *bytes.Buffer, z *ZoneConfig) {
		if err := WriteZonesYAML(w, ZoneYAML{Name: z.Name, Providers: z.Providers, DefaultTTL: z.DefaultTTL, Records: z.Records}); err != nil {
			t.Fatal(err)
		}
	}
	write(&out1, first)
	second := loadZoneYAML(t, out1.Bytes())
	if !second.Records.Equal(first.Records) {
		t.Errorf("model changed on the first trip:\n%s\nwant:\n%s", rrText(second.Records), rrText(first.Records))
	}
	write(&out2, second)
	if out1.String() != out2.String() {
		t.Errorf("YAML not stable on the second trip:\n%s\nfirst:\n%s", out2.String(), out1.String())
	}
	for _, want := range []string{
		"plain: {TXT: v=spf1 mx -all}",
		// A long text comes back as the same plain text: the loader
		// splits it into the same 255-octet strings. Strings split
		// elsewhere stay as written (the one over 255 octets split).
		"      long:\n        TXT: " + long,
		"      long-as-strings:\n        TXT: " + long,
		`      long-split-elsewhere:` + "\n" + `        TXT: '"` + long[:100] + `" "` + long[100:355] + `" "` + long[355:] + `"'`,
		`multi: {TXT: '"a" "b"'}`,
		`quote: {TXT: '"\"starts with a quote"'}`,
		`spaces: {TXT: '"  padded  "'}`,
		`utf8: {TXT: '"h\195\169llo"'}`,
		`control: {TXT: '"tab\009here"'}`,
		`empty: {TXT: '""'}`,
		`number: {TXT: "12345"}`,
		`spf: {SPF: v=spf1 -all}`,
		`ttl: {TXT: {ttl: 60, values: [one, two]}}`,
	} {
		if !strings.Contains(out1.String(), want+"\n") {
			t.Errorf("output lacks %s\n%s", want, out1.String())
		}
	}
}

// loadZoneYAML loads a "zones:" document holding one zone served by
// providers a and b with the configuration loader, failing on any error.
func loadZoneYAML(t *testing.T, zones []byte) *ZoneConfig {
	t.Helper()
	cfgText := "providers:\n  a: { type: memory }\n  b: { type: memory }\n" + string(zones)
	cfg, findings := LoadBytes(filepath.Join(t.TempDir(), "dnsquorum.yaml"), []byte(cfgText))
	if findings.HasErrors() {
		t.Fatalf("loading:\n%s\n%v", cfgText, findings.Err())
	}
	if len(cfg.Zones) != 1 {
		t.Fatalf("%d zones", len(cfg.Zones))
	}
	return cfg.Zones[0]
}

// rrText renders a collection as master-file text, for failure messages.
func rrText(z *RRsets) string {
	var b strings.Builder
	for _, rr := range z.Records() {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestNormalizeKeepsNoBuffer: Normalize reuses its wire-format buffer, so
// the records it returns must not share memory with it.
func TestNormalizeKeepsNoBuffer(t *testing.T) {
	all, _ := fixture(t)
	before := rrText(all)
	for range 3 {
		for _, rr := range all.Records() {
			if _, err := Normalize(rr); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := NewRR(`x 1 IN TXT "`+strings.Repeat("\xff", 3000)+`"`, "example.com."); err != nil {
			t.Fatal(err)
		}
	}
	if after := rrText(all); after != before {
		t.Errorf("records changed after later Normalize calls:\n%s\nbefore:\n%s", after, before)
	}
}
