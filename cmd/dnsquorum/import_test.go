package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/memory"
	"github.com/dnsquorum/dnsquorum/zone"
)

// execCLI runs the command line with buffers: exit code, stdout, stderr.
func execCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, out, errOut := TestIO("")
	code := Run(args, ios)
	return code, out.String(), errOut.String()
}

// writeFiles writes files (name → content) into a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadSnippet loads a "zones:" snippet printed by import or export, with two
// memory providers a and b declared, and returns the one zone.
func loadSnippet(t *testing.T, snippet string) *zone.ZoneConfig {
	t.Helper()
	text := "providers:\n  a: { type: memory }\n  b: { type: memory }\n  mem: { type: memory }\n" + snippet
	cfg, findings := zone.LoadBytes(filepath.Join(t.TempDir(), "dnsquorum.yaml"), []byte(text))
	if findings.HasErrors() {
		t.Fatalf("the printed YAML does not load:\n%s\n%v", text, findings.Err())
	}
	if len(cfg.Zones) != 1 {
		t.Fatalf("%d zones in:\n%s", len(cfg.Zones), text)
	}
	return cfg.Zones[0]
}

const importZoneFile = `$ORIGIN example.com.
$TTL 300
@ IN SOA ns1 hostmaster ( 2024010101 7200 3600 1209600 300 )
  IN NS ns1.example.net.
  IN NS ns2.example.org.
  IN A 192.0.2.1
  IN TXT "v=spf1 mx -all"
$INCLUDE mail.inc
www IN CNAME @
www.other.org. IN A 192.0.2.9
_sip._tcp 60 IN SRV 10 60 5060 sip.example.com.
sip IN A 192.0.2.60
sip IN A 192.0.2.60
`

const importMailInc = `mail 3600 IN A 192.0.2.25
@ 3600 IN MX 10 mail
`

func TestNewCmdImport(t *testing.T) {
	ios, _, _ := TestIO("")
	f := &Factory{IO: ios}
	var got *importOptions
	cmd := NewCmdImport(f, func(o *importOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--file", "x.zone", "--zone", "example.com", "--default-ttl", "600"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.File != "x.zone" || got.Zone != "example.com" || got.DefaultTTL != 600 || got.Provider != "" {
		t.Fatalf("options %+v", got)
	}
	usage := "\nRun 'dnsquorum import --help' for usage.\n"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--zone", "example.com."}, "error: give --file or --provider" + usage},
		{[]string{"import", "--file", "x", "--provider", "p", "--zone", "example.com."}, "error: --file and --provider do not go together" + usage},
		{[]string{"import", "--file", "x"}, "error: --zone is required" + usage},
		{[]string{"import", "--file", "x", "--zone", "a..b"}, "error: --zone a..b: invalid domain name \"a..b.\"" + usage},
		{[]string{"import", "--file", "x", "--zone", "example.com.", "--default-ttl", "-1"}, "error: invalid argument \"-1\" for \"--default-ttl\" flag: strconv.ParseUint: parsing \"-1\": invalid syntax" + usage},
	} {
		code, out, errOut := execCLI(t, tt.args...)
		if code != ExitError || out != "" || errOut != tt.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 1, stderr %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

func TestImportFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"example.com.zone": importZoneFile, "mail.inc": importMailInc})
	path := filepath.Join(dir, "example.com.zone")
	code, out, errOut := execCLI(t, "import", "--file", path, "--zone", "Example.COM")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	wantErr := fmt.Sprintf(`%[1]s:3: warning: SOA record of example.com. left out: dnsquorum never manages SOA, each provider keeps its own
%[1]s:10: warning: www.other.org. A dropped: outside zone example.com.
%[1]s:13: warning: duplicate sip.example.com. A record dropped
`, path)
	if errOut != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", errOut, wantErr)
	}
	wantOut := fmt.Sprintf(`zones:
  # imported from %s
  example.com.:
    # TODO: the providers (at least two) that serve this zone
    providers: []
    default_ttl: 300
    records:
      '@':
        A: 192.0.2.1
        NS: [ns1.example.net., ns2.example.org.]
        MX: {ttl: 3600, values: [10 mail.example.com.]}
        TXT: v=spf1 mx -all
      _sip._tcp: {SRV: {ttl: 60, values: [10 60 5060 sip.example.com.]}}
      mail: {A: {ttl: 3600, values: [192.0.2.25]}}
      sip: {A: 192.0.2.60}
      www: {CNAME: example.com.}
`, path)
	if out != wantOut {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, wantOut)
	}
	// What import prints loads back (once providers are named) to what
	// the master file holds.
	loaded := loadSnippet(t, strings.Replace(out, "providers: []", "providers: [a, b]", 1))
	recs, err := zone.ReadMasterFile(path, "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := zone.ImportRecords("example.com.", recs)
	if !loaded.Records.Equal(want) {
		t.Errorf("loaded back:\n%v\nwant:\n%v", loaded.Records.Records(), want.Records())
	}

	// --default-ttl: the TTL of records without one, and default_ttl.
	noTTL := writeFiles(t, map[string]string{"z": "a A 192.0.2.1\nb 60 A 192.0.2.2\n"})
	code, out, errOut = execCLI(t, "import", "--file", filepath.Join(noTTL, "z"), "--zone", "example.net", "--default-ttl", "900")
	if code != ExitOK || errOut != "" || !strings.Contains(out, "    default_ttl: 900\n    records:\n      a: {A: 192.0.2.1}\n      b: {A: {ttl: 60, values: [192.0.2.2]}}\n") {
		t.Errorf("--default-ttl: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestImportFileErrors(t *testing.T) {
	outside := writeFiles(t, map[string]string{"secret.inc": "leak A 192.0.2.66\n"})
	dir := writeFiles(t, map[string]string{
		"bad.zone":    "$TTL 300\nwww A 192.0.2.1\nmail A 192.0.2.300\n",
		"escape.zone": "$TTL 300\n$INCLUDE " + filepath.Join(outside, "secret.inc") + "\n",
		"empty.zone":  "; nothing\n",
	})
	for _, tt := range []struct {
		file, want string
		code       int
	}{
		{"missing.zone", "error: " + filepath.Join(dir, "missing.zone") + ": no such file or directory\n", ExitError},
		{"bad.zone", "error: " + filepath.Join(dir, "bad.zone") + ":3:8: bad A A: \"192.0.2.300\"\n", ExitError},
		{"escape.zone", "error: " + filepath.Join(dir, "escape.zone") + ":2: $INCLUDE \"" + filepath.Join(outside, "secret.inc") + "\": " + filepath.Join(outside, "secret.inc") + " is outside " + dir + "\n", ExitError},
		{"empty.zone", "warning: zone example.com. has no records to import\n", ExitOK},
	} {
		code, out, errOut := execCLI(t, "import", "--file", filepath.Join(dir, tt.file), "--zone", "example.com.")
		if code != tt.code || errOut != tt.want {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tt.file, code, errOut, tt.code, tt.want)
		}
		if tt.code != ExitOK && out != "" {
			t.Errorf("%s: stdout %q on error", tt.file, out)
		}
		if strings.Contains(errOut, "192.0.2.66") {
			t.Errorf("%s: stderr shows a file outside the directory", tt.file)
		}
	}
}

// seedMemory stores records (with a SOA and, from the text, the apex NS
// set) for zone origin in the shared memory store name.
func seedMemory(t *testing.T, name, origin, text string) {
	t.Helper()
	p := memory.Shared(name)
	ctx := context.Background()
	if err := p.EnsureZone(ctx, origin, nil); err != nil {
		t.Fatal(err)
	}
	actual, err := providers.Read(ctx, p, origin)
	if err != nil {
		t.Fatal(err)
	}
	plan := zone.NewPlan(origin, name, zone.MustParse(origin, text), actual, zone.PlanOptions{ManageApexNS: true})
	if _, err := providers.Apply(ctx, p, plan); err != nil {
		t.Fatal(err)
	}
}

func TestImportProvider(t *testing.T) {
	store := storeName(t, "import")
	seedMemory(t, store, "example.com.", `@ 3600 NS ns1.example.net.
@ 3600 NS ns2.example.org.
www 300 A 192.0.2.1
www 300 AAAA 2001:db8::1
txt 300 TXT "h\195\169llo" "two"
`)
	cfgPath := filepath.Join(writeFiles(t, map[string]string{"dnsquorum.yaml": fmt.Sprintf(`providers:
  mem: { type: memory, store: %q }
  other: { type: memory }
zones:
  example.org.:
    providers: [mem, other]
    records: { "@": { NS: [ns1.example.net., ns2.example.org.] } }
`, store)}), "dnsquorum.yaml")

	code, out, errOut := execCLI(t, "-c", cfgPath, "import", "--provider", "mem", "--zone", "example.com")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if want := "warning: SOA record of example.com. left out: dnsquorum never manages SOA, each provider keeps its own\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
	wantOut := `zones:
  # imported from provider mem
  example.com.:
    providers: [mem]
    default_ttl: 300
    records:
      '@': {NS: {ttl: 3600, values: [ns1.example.net., ns2.example.org.]}}
      txt: {TXT: '"h\195\169llo" "two"'}
      www: {A: 192.0.2.1, AAAA: '2001:db8::1'}
`
	if out != wantOut {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, wantOut)
	}
	loaded := loadSnippet(t, strings.Replace(out, "providers: [mem]", "providers: [a, b]", 1))
	actual, err := providers.Read(context.Background(), memory.Shared(store), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	actual.Remove(zone.Key{Name: "example.com.", Type: 6}) // SOA
	if !loaded.Records.Equal(actual) {
		t.Errorf("loaded back:\n%v\nwant:\n%v", loaded.Records.Records(), actual.Records())
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--provider", "mem", "--zone", "example.net."}, "error: provider mem does not have zone example.net.\n"},
		{[]string{"import", "--provider", "nope", "--zone", "example.com."}, "error: unknown provider \"nope\"\n"},
	} {
		code, out, errOut := execCLI(t, append([]string{"-c", cfgPath}, tt.args...)...)
		if code != ExitError || out != "" || errOut != tt.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 1, %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// TestImportProviderLab imports the lab's example.test. zone (read only)
// from BIND over AXFR with TSIG and from PowerDNS over its HTTP API: each
// output loads back, holds the apex NS set, and never shows the secret.
func TestImportProviderLab(t *testing.T) {
	env := labtest.Load(t)
	t.Setenv("DNSQ_IMPORT_TSIG", env["LAB_TSIG_SECRET"])
	t.Setenv("DNSQ_IMPORT_PDNS_KEY", env["LAB_PDNS_API_KEY"])
	cfgPath := filepath.Join(writeFiles(t, map[string]string{"dnsquorum.yaml": fmt.Sprintf(`providers:
  bind:
    type: rfc2136
    server: %q
    tsig: { name: %q, algorithm: %q, secret: "${DNSQ_IMPORT_TSIG}" }
  pdns: { type: powerdns, url: %q, api_key: "${DNSQ_IMPORT_PDNS_KEY}" }
zones:
  example.org.:
    providers: [bind, pdns]
    records: { "@": { NS: [ns1.example.net., ns2.example.org.] } }
`, env.Addr("LAB_BIND"), env["LAB_TSIG_NAME"], env["LAB_TSIG_ALG"], env["LAB_PDNS_URL"])}), "dnsquorum.yaml")
	for _, prov := range []string{"bind", "pdns"} {
		t.Run(prov, func(t *testing.T) {
			code, out, errOut := execCLI(t, "-c", cfgPath, "import", "--provider", prov, "--zone", "example.test.")
			if code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			for _, secret := range []string{env["LAB_TSIG_SECRET"], env["LAB_PDNS_API_KEY"]} {
				if secret == "" || strings.Contains(out+errOut, secret) {
					t.Errorf("a lab secret is empty or shown")
				}
			}
			if !strings.Contains(errOut, "warning: SOA record of example.test. left out") {
				t.Errorf("stderr lacks the SOA warning:\n%s", errOut)
			}
			loaded := loadSnippet(t, strings.Replace(out, "providers: ["+prov+"]", "providers: [a, b]", 1))
			if loaded.Name != "example.test." || loaded.Records.Get(zone.Key{Name: "example.test.", Type: 2}) == nil {
				t.Errorf("imported zone %s lacks the apex NS set:\n%s", loaded.Name, out)
			}
		})
	}
}

// TestImportFileRelativePath: a relative --file is relative to the working
// directory, and so are its includes' base (regression: the directory was
// joined twice, "sub/sub/x.zone").
func TestImportFileRelativePath(t *testing.T) {
	dir := writeFiles(t, map[string]string{"sub/example.com.zone": importZoneFile, "sub/mail.inc": importMailInc})
	t.Chdir(dir)
	code, out, errOut := execCLI(t, "import", "--file", "sub/example.com.zone", "--zone", "example.com.")
	if code != ExitOK || !strings.Contains(out, "example.com.:") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "sub/example.com.zone:3: warning") || strings.Contains(errOut, "sub/sub") {
		t.Errorf("positions should name sub/example.com.zone:\n%s", errOut)
	}
}

// TestImportFileAndSchemaNeedNoConfig: import --file and schema read no
// configuration, so neither a missing file nor unset provider secrets
// stop them.
func TestImportFileAndSchemaNeedNoConfig(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"example.com.zone": importZoneFile,
		"mail.inc":         importMailInc,
		"dnsquorum.yaml":   "providers:\n  a: { type: memory, token: \"${DNSQ_IMPORT_UNSET}\" }\n  b: { type: memory }\nzones: {}\n",
	})
	unsetEnv(t, "DNSQ_IMPORT_UNSET")
	for _, cfg := range []string{filepath.Join(dir, "dnsquorum.yaml"), filepath.Join(dir, "missing.yaml")} {
		code, out, errOut := execCLI(t, "-c", cfg, "import", "--file", filepath.Join(dir, "example.com.zone"), "--zone", "example.com.")
		if code != ExitOK || !strings.Contains(out, "example.com.:") || strings.Contains(errOut, "error") {
			t.Errorf("-c %s import --file: exit %d, stderr %q, stdout:\n%s", cfg, code, errOut, out)
		}
		code, out, errOut = execCLI(t, "-c", cfg, "schema")
		if code != ExitOK || errOut != "" || !strings.Contains(out, `"$schema"`) {
			t.Errorf("-c %s schema: exit %d, stderr %q", cfg, code, errOut)
		}
	}
}
