package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/providers"
)

// runCLI runs the CLI with buffers and returns exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, out, errOut := TestIO("")
	code := Run(args, ios)
	return code, out.String(), errOut.String()
}

// writeConfig writes a config file into a temporary directory.
func writeValidateConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const validateBad = `providers:
  a: { type: memory, store: "${DNSQ_VALIDATE_TOKEN}" }
  b: { type: memory }
zones:
  example.com.:
    providers: [a, b, c]
    records:
      "@": { NS: [ns1.example.net.], CNAME: x.example.net. }
      www: { A: [300.1.1.1, "192.0.2.1"], MX: "10 192.0.2.1" }
  example.net.:
    providers: [a]
    records: { "@": { NS: [ns1.example.net.] } }
`

func TestNewCmdValidate(t *testing.T) {
	ios, _, _ := TestIO("")
	f := &Factory{IO: ios}
	var got *validateOptions
	cmd := NewCmdValidate(f, func(o *validateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-o", "github"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Output != "github" || got.Factory != f {
		t.Fatalf("options %+v", got)
	}
	code, _, errOut := runCLI(t, "validate", "-o", "xml")
	if code != ExitError || !strings.Contains(errOut, `-o must be text, json or github, not "xml"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestValidateText(t *testing.T) {
	t.Setenv("DNSQ_VALIDATE_TOKEN", "tok-3141592653")
	path := writeValidateConfig(t, validateBad)
	code, out, errOut := runCLI(t, "-c", path, "validate")
	if code != ExitError {
		t.Errorf("exit %d, want 1", code)
	}
	want := strings.Join([]string{
		path + `:6:23: error: zone example.com.: unknown provider "c" (defined: a, b)`,
		path + `:8:45: error: example.com. CNAME: a CNAME cannot be at the zone's apex (SOA and NS live there)`,
		path + `:9:18: error: www.example.com. A "300.1.1.1": dns: bad A A: "300.1.1.1"`,
		path + `:9:47: error: www.example.com. MX: target 192.0.2.1 (read as 192.0.2.1.example.com.) is an IP address; MX targets must be host names (with A/AAAA records)`,
		path + `:11:5: warning: zone example.net. is served by one provider only; dnsquorum exists to serve a zone from two or more independent providers`,
		"",
	}, "\n")
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errOut != path+": 4 errors, 1 warning\n" {
		t.Errorf("stderr %q", errOut)
	}
}

func TestValidateJSON(t *testing.T) {
	path := writeValidateConfig(t, validateBad)
	t.Setenv("DNSQ_VALIDATE_TOKEN", "validate-test-store")
	code, out, _ := runCLI(t, "-c", path, "validate", "-o", "json")
	if code != ExitError {
		t.Errorf("exit %d", code)
	}
	var v struct {
		FormatVersion int  `json:"format_version"`
		Valid         bool `json:"valid"`
		Errors        int  `json:"errors"`
		Warnings      int  `json:"warnings"`
		Findings      []struct {
			Position struct {
				File string `json:"file"`
				Line int    `json:"line"`
				Col  int    `json:"col"`
			} `json:"position"`
			Severity string `json:"severity"`
			Rule     string `json:"rule"`
			Zone     string `json:"zone"`
			Message  string `json:"message"`
		} `json:"findings"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if v.FormatVersion != 1 || v.Valid || v.Errors != 4 || v.Warnings != 1 || len(v.Findings) != 5 {
		t.Fatalf("summary %+v", v)
	}
	f := v.Findings[0]
	if f.Position.File != path || f.Position.Line != 6 || f.Position.Col != 23 || f.Severity != "error" || f.Rule != "unknown-provider" || f.Zone != "example.com." || !strings.HasPrefix(f.Message, "zone example.com.: unknown provider") {
		t.Errorf("first finding %+v", f)
	}
	if w := v.Findings[4]; w.Severity != "warning" || w.Rule != "single-provider" || w.Zone != "example.net." {
		t.Errorf("warning %+v", w)
	}

	// Valid: findings is an empty list, not null.
	ok := writeValidateConfig(t, "providers: { a: { type: memory }, b: { type: memory } }\nzones:\n  example.com.: { providers: [a, b], records: { \"@\": { NS: [ns1.example.net.] } } }\n")
	code, out, _ = runCLI(t, "-c", ok, "validate", "-o", "json")
	if code != ExitOK || !strings.Contains(out, `"valid": true`) || !strings.Contains(out, `"findings": []`) {
		t.Errorf("exit %d, output %s", code, out)
	}
}

func TestValidateGitHub(t *testing.T) {
	path := writeValidateConfig(t, validateBad)
	t.Setenv("DNSQ_VALIDATE_TOKEN", "validate-test-store")
	code, out, errOut := runCLI(t, "-c", path, "validate", "-o", "github")
	if code != ExitError {
		t.Errorf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	p := strings.NewReplacer(":", "%3A", ",", "%2C").Replace(path)
	wantFirst := "::error file=" + p + ",line=6,col=23,title=unknown-provider::zone example.com.: unknown provider \"c\" (defined: a, b)"
	wantLast := "::warning file=" + p + ",line=11,col=5,title=single-provider::zone example.net. is served by one provider only; dnsquorum exists to serve a zone from two or more independent providers"
	if len(lines) != 5 || lines[0] != wantFirst || lines[4] != wantLast {
		t.Errorf("output:\n%s\nwant first %q\nlast %q", out, wantFirst, wantLast)
	}
	if errOut != path+": 4 errors, 1 warning\n" {
		t.Errorf("stderr %q", errOut)
	}
	// Escaping: a message with a newline or a percent sign stays one line.
	if got := githubEscapeData("50% done\nnext"); got != "50%25 done%0Anext" {
		t.Errorf("escape %q", got)
	}
}

// TestValidateWarningsOnly: warnings alone exit 0.
func TestValidateWarningsOnly(t *testing.T) {
	path := writeValidateConfig(t, "providers: { a: { type: memory } }\nzones:\n  example.com.: { providers: [a], records: { www: { A: 192.0.2.1 } } }\n")
	code, out, errOut := runCLI(t, "-c", path, "validate")
	if code != ExitOK {
		t.Errorf("exit %d", code)
	}
	if strings.Count(out, "warning:") != 2 || errOut != path+": valid, 2 warnings\n" {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

// TestValidateSecrets: the value of an ${ENV} variable never appears in the
// output, in any format.
func TestValidateSecrets(t *testing.T) {
	const secret = "hunter2-very-secret"
	t.Setenv("DNSQ_VALIDATE_SECRET", secret)
	path := writeValidateConfig(t, `providers:
  a: { type: memory, nameservers: ["${DNSQ_VALIDATE_SECRET} bad"], store: "${DNSQ_VALIDATE_SECRET}" }
  b: { type: rfc2136, server: "${DNSQ_VALIDATE_SECRET}", tsig: { secret: "${DNSQ_VALIDATE_SECRET}" }, serial_prerequisite: "${DNSQ_VALIDATE_SECRET}" }
zones:
  example.com.: { providers: [a, b], records: { "@": { NS: [ns1.example.net.] } } }
`)
	for _, o := range []string{"text", "json", "github"} {
		code, out, errOut := runCLI(t, "-c", path, "validate", "-o", o)
		if code != ExitError {
			t.Errorf("-o %s: exit %d", o, code)
		}
		if strings.Contains(out+errOut, secret) || strings.Contains(out+errOut, "hunter2") {
			t.Errorf("-o %s: secret in output:\n%s%s", o, out, errOut)
		}
		// The rfc2136 settings error must be there, without the value
		// (yaml.v3 would quote its first characters).
		if !strings.Contains(out, "cannot unmarshal !!str value into bool") {
			t.Errorf("-o %s: no settings error in:\n%s", o, out)
		}
	}
}

func TestValidateMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	code, out, errOut := runCLI(t, "-c", path, "validate")
	if code != ExitError || out != path+": error: cannot read the configuration file: no such file or directory\n" || errOut != path+": 1 error, 0 warnings\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestValidateExample: the example configuration is valid.
func TestValidateExample(t *testing.T) {
	for _, typ := range []string{"rfc2136", "powerdns", "zonefile", "memory"} {
		if _, ok := providers.Lookup(typ); !ok {
			t.Skipf("adapter type %q is not registered yet", typ)
		}
	}
	t.Setenv("BIND_TSIG_SECRET", "c2VjcmV0")
	t.Setenv("PDNS_API_KEY", "key")
	code, out, errOut := runCLI(t, "-c", filepath.Join("..", "..", "testdata", "configs", "example.yaml"), "validate")
	if code != ExitOK || out != "" || !strings.HasSuffix(errOut, "example.yaml: valid\n") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestValidateBadConfigs: every testdata/configs/bad-*.yaml fails with at
// least the rules its first line lists ("# expect: rule ...").
func TestValidateBadConfigs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "configs", "bad-*.yaml"))
	if len(files) == 0 {
		t.Fatal("no bad configs")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			exp, ok := strings.CutPrefix(first, "# expect: ")
			if !ok {
				t.Fatal(`first line must be "# expect: RULE..."`)
			}
			code, out, _ := runCLI(t, "-c", file, "validate", "-o", "json")
			if code != ExitError {
				t.Errorf("exit %d", code)
			}
			var v struct {
				Findings []struct {
					Rule string `json:"rule"`
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatal(err)
			}
			have := map[string]bool{}
			for _, f := range v.Findings {
				have[f.Rule] = true
			}
			for _, r := range strings.Fields(exp) {
				if !have[r] {
					t.Errorf("no %s finding in\n%s", r, out)
				}
			}
		})
	}
}
