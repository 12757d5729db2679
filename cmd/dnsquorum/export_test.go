package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/zone"
)

const exportConfig = `providers:
  a: { type: memory, store: "${DNSQ_EXPORT_SECRET}" }
  b: { type: memory }
zones:
  example.com.:
    providers: [a, b]
    default_ttl: 3600
    ignore: ["_acme-challenge.*", "legacy TXT"]
    records:
      "@":
        NS: [ns1.example.com., ns2.example.net.]
        A: 192.0.2.1
        MX: 10 mail
        TXT: "v=spf1 mx -all"
      ns1: { A: 192.0.2.53 }
      mail: { A: { ttl: 300, values: [192.0.2.25, 192.0.2.26] } }
      www: { CNAME: "@" }
      café: { TXT: "héllo" }
      _sip._tcp: { SRV: { ttl: 300, values: [10 60 5060 sip] } }
      sip: { A: 192.0.2.60 }
`

// writeExportConfig writes exportConfig and sets its secret.
func writeExportConfig(t *testing.T) string {
	t.Helper()
	t.Setenv("DNSQ_EXPORT_SECRET", "s3cr3t-export-token")
	return filepath.Join(writeFiles(t, map[string]string{"dnsquorum.yaml": exportConfig}), "dnsquorum.yaml")
}

func TestNewCmdExport(t *testing.T) {
	ios, _, _ := TestIO("")
	f := &Factory{IO: ios}
	var got *exportOptions
	cmd := NewCmdExport(f, func(o *exportOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--zone", "example.com", "--format", "yaml", "--output", "x.yaml"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Zone != "example.com" || got.Format != "yaml" || got.Output != "x.yaml" {
		t.Fatalf("options %+v", got)
	}
	cmd = NewCmdExport(f, func(o *exportOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--zone", "example.com"})
	if err := cmd.Execute(); err != nil || got.Format != "bind" || got.Output != "" {
		t.Fatalf("defaults: %v %+v", err, got)
	}

	cfg := writeExportConfig(t)
	usage := "\nRun 'dnsquorum export --help' for usage.\n"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "error: --zone is required" + usage},
		{[]string{"export", "--zone", "example.com.", "--format", "xml"}, `error: --format must be bind or yaml, not "xml"` + usage},
		{[]string{"-c", cfg, "export", "--zone", "example.org."}, "error: --zone example.org.: no such zone in " + cfg + "\n"},
	} {
		code, out, errOut := execCLI(t, tt.args...)
		if code != ExitError || out != "" || errOut != tt.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 1, %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

func TestExportMissingConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.yaml")
	code, out, errOut := execCLI(t, "-c", missing, "export", "--zone", "example.com.")
	want := "error: " + missing + ": error: cannot read the configuration file: no such file or directory\n"
	if code != ExitError || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, %q", code, out, errOut, want)
	}
}

func TestExportBind(t *testing.T) {
	cfg := writeExportConfig(t)
	code, out, errOut := execCLI(t, "-c", cfg, "export", "--zone", "EXAMPLE.com")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	want := fmt.Sprintf(`; zone example.com., exported by dnsquorum from %s
$ORIGIN example.com.
$TTL 3600
; placeholder SOA: dnsquorum never manages SOA, each provider keeps its own
@           3600 IN SOA   ns1.example.com. hostmaster.example.com. 1 3600 600 604800 300
@           3600 IN NS    ns1.example.com.
@           3600 IN NS    ns2.example.net.
@           3600 IN A     192.0.2.1
@           3600 IN MX    10 mail.example.com.
@           3600 IN TXT   "v=spf1 mx -all"
_sip._tcp    300 IN SRV   10 60 5060 sip.example.com.
mail         300 IN A     192.0.2.25
mail         300 IN A     192.0.2.26
ns1         3600 IN A     192.0.2.53
sip         3600 IN A     192.0.2.60
www         3600 IN CNAME example.com.
xn--caf-dma 3600 IN TXT   "h\195\169llo"
`, cfg)
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if strings.Contains(out, "s3cr3t") {
		t.Errorf("the output shows a secret")
	}

	// --output writes the same bytes to a file the servers' checkers
	// accept, and which reads back to the desired records.
	dir := t.TempDir()
	file := filepath.Join(dir, "example.com.zone")
	code, out, errOut = execCLI(t, "-c", cfg, "export", "--zone", "example.com.", "--output", file)
	if code != ExitOK || out != "" || errOut != "" {
		t.Fatalf("--output: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil || string(data) != want {
		t.Fatalf("file: %v\n%s", err, data)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("file mode: %v %v", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	checkZoneFile(t, "example.com", file)
	recs, err := zone.ReadMasterFile(file, "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	back, _ := zone.ImportRecords("example.com.", recs)
	c, findings := zone.Load(cfg)
	if findings.HasErrors() {
		t.Fatal(findings.Err())
	}
	if !back.Equal(c.Zone("example.com.").Records) {
		t.Errorf("read back:\n%v\nwant:\n%v", back.Records(), c.Zone("example.com.").Records.Records())
	}

	// A directory that does not exist: an error, nothing written.
	code, _, errOut = execCLI(t, "-c", cfg, "export", "--zone", "example.com.", "--output", filepath.Join(dir, "no", "x.zone"))
	if code != ExitError || !strings.HasPrefix(errOut, "error: open "+filepath.Join(dir, "no")) {
		t.Errorf("bad --output: exit %d, stderr %q", code, errOut)
	}
}

func TestExportYAML(t *testing.T) {
	cfg := writeExportConfig(t)
	code, out, errOut := execCLI(t, "-c", cfg, "export", "--zone", "example.com.", "--format", "yaml")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	want := fmt.Sprintf(`zones:
  # exported by dnsquorum from %s
  example.com.:
    providers: [a, b]
    default_ttl: 3600
    ignore: [_acme-challenge.*, legacy TXT]
    records:
      '@':
        A: 192.0.2.1
        NS: [ns1.example.com., ns2.example.net.]
        MX: 10 mail.example.com.
        TXT: v=spf1 mx -all
      _sip._tcp: {SRV: {ttl: 300, values: [10 60 5060 sip.example.com.]}}
      mail: {A: {ttl: 300, values: [192.0.2.25, 192.0.2.26]}}
      ns1: {A: 192.0.2.53}
      sip: {A: 192.0.2.60}
      www: {CNAME: example.com.}
      xn--caf-dma: {TXT: '"h\195\169llo"'}
`, cfg)
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	loaded := loadSnippet(t, out)
	c, findings := zone.Load(cfg)
	if findings.HasErrors() {
		t.Fatal(findings.Err())
	}
	orig := c.Zone("example.com.")
	if !loaded.Records.Equal(orig.Records) || fmt.Sprint(loaded.Ignore) != fmt.Sprint(orig.Ignore) || loaded.DefaultTTL != orig.DefaultTTL {
		t.Errorf("loaded back %+v, want %+v", loaded, orig)
	}
}

// checkZoneFile runs named-checkzone and Knot's parser (knotc zone-check,
// offline) on a master file. A checker that is not installed is skipped,
// unless DNSQUORUM_LAB_REQUIRED=1.
func checkZoneFile(t *testing.T, origin, path string) {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "knot.conf")
	text := "server:\n    rundir: " + dir + "\ndatabase:\n    storage: " + dir + "\nzone:\n  - domain: " + origin + ".\n    file: " + path + "\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{{"named-checkzone", origin, path}, {"knotc", "-c", conf, "zone-check", origin + "."}} {
		bin, err := exec.LookPath(c[0])
		if err != nil {
			if _, serr := os.Stat("/usr/sbin/" + c[0]); serr == nil {
				bin, err = "/usr/sbin/"+c[0], nil
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
		if out, err := exec.Command(bin, c[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s rejects the export: %v\n%s", c[0], err, out)
		}
	}
}

// unsetEnv unsets an environment variable for the test (restored after).
func unsetEnv(t *testing.T, name string) {
	t.Helper()
	t.Setenv(name, "")
	if err := os.Unsetenv(name); err != nil {
		t.Fatal(err)
	}
}

// TestExportWithoutProviderSecrets: export reads the desired zones only,
// so a provider secret left unset in the environment (a CI job without
// credentials) does not stop it; validate and diff, which need the
// providers, still fail naming the variable.
func TestExportWithoutProviderSecrets(t *testing.T) {
	cfg := filepath.Join(writeFiles(t, map[string]string{"dnsquorum.yaml": exportConfig}), "dnsquorum.yaml")
	unsetEnv(t, "DNSQ_EXPORT_SECRET")
	for _, format := range []string{"bind", "yaml"} {
		code, out, errOut := execCLI(t, "-c", cfg, "export", "--zone", "example.com.", "--format", format)
		if code != ExitOK || errOut != "" || !strings.Contains(out, "192.0.2.53") {
			t.Errorf("export --format %s with the secret unset: exit %d, stderr %q, stdout:\n%s", format, code, errOut, out)
		}
	}

	code, out, errOut := execCLI(t, "-c", cfg, "validate")
	want := cfg + `:2:29: error: provider "a": environment variable DNSQ_EXPORT_SECRET is not set`
	if code != ExitError || !strings.Contains(out+errOut, want) {
		t.Errorf("validate: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, want)
	}
	code, out, errOut = execCLI(t, "-c", cfg, "diff")
	if code != ExitError || out != "" || !strings.Contains(errOut, want) {
		t.Errorf("diff: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errOut, want)
	}
}

// TestExportStillRefusesBadConfigs: only unset variables are forgiven;
// any other error of the file stops export, unset variables unmentioned.
func TestExportStillRefusesBadConfigs(t *testing.T) {
	bad := strings.Replace(exportConfig, "A: 192.0.2.53", "A: 192.0.2.530", 1)
	cfg := filepath.Join(writeFiles(t, map[string]string{"dnsquorum.yaml": bad}), "dnsquorum.yaml")
	unsetEnv(t, "DNSQ_EXPORT_SECRET")
	code, out, errOut := execCLI(t, "-c", cfg, "export", "--zone", "example.com.")
	if code != ExitError || out != "" || !strings.Contains(errOut, cfg+":15:17: error: ns1.example.com. A \"192.0.2.530\"") ||
		strings.Contains(errOut, "DNSQ_EXPORT_SECRET") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
