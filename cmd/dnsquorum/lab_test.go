package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
)

// labSetup loads the lab, exports the secrets the example config expands,
// resets example.test. on every server, and returns the example config path.
func labSetup(t *testing.T) (labtest.Env, string) {
	t.Helper()
	env := labtest.Load(t)
	t.Setenv("LAB_TSIG_SECRET", env["LAB_TSIG_SECRET"])
	t.Setenv("LAB_PDNS_API_KEY", env["LAB_PDNS_API_KEY"])
	if env["LAB_PORT"] != "53" {
		t.Skipf("the example config expects the lab on port 53, not %s", env["LAB_PORT"])
	}
	reset := exec.Command("../../testdata/lab/lab.sh", "reset", "example.test.")
	if out, err := reset.CombinedOutput(); err != nil {
		t.Fatalf("lab reset: %v\n%s", err, out)
	}
	return env, "../../testdata/example/dnsquorum.yaml"
}

// TestLabSyncFourServers is the README's main job as a test: the example
// zone goes to BIND and Knot (RFC 2136), PowerDNS (API) and NSD (zone file),
// converges, is repaired after an edit behind the tool's back, and checks
// clean from the parent down.
func TestLabSyncFourServers(t *testing.T) {
	env, cfg := labSetup(t)

	code, out, errOut := run(t, "-c", cfg, "diff")
	if code != ExitChanges {
		t.Fatalf("diff on reset lab: exit %d, want 2\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "-c", cfg, "sync", "--yes")
	if code != ExitOK {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	for _, p := range []string{"bind", "knot", "pdns", "nsd"} {
		if !strings.Contains(out, "ok "+p+" example.test.") {
			t.Errorf("summary lacks %s:\n%s", p, out)
		}
	}
	if code, out, errOut = run(t, "-c", cfg, "diff"); code != ExitOK {
		t.Fatalf("diff after sync: exit %d, want 0\n%s%s", code, out, errOut)
	}

	// Someone changes www on Knot with their own UPDATE.
	m := new(dns.Msg)
	m.SetUpdate("example.test.")
	rr, _ := dns.NewRR("www.example.test. 300 IN CNAME rogue.example.net.")
	m.RemoveRRset([]dns.RR{rr})
	m.Insert([]dns.RR{rr})
	m.SetTsig(env["LAB_TSIG_NAME"], dns.HmacSHA256, 300, time.Now().Unix())
	c := &dns.Client{Net: "tcp", TsigSecret: map[string]string{env["LAB_TSIG_NAME"]: env["LAB_TSIG_SECRET"]}}
	if r, _, err := c.Exchange(m, env.Addr("LAB_KNOT")); err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("rogue update: %v %v", err, r)
	}
	code, out, _ = run(t, "-c", cfg, "diff")
	if code != ExitChanges || !strings.Contains(out, "~ www.example.test. CNAME") {
		t.Fatalf("diff after rogue edit: exit %d\n%s", code, out)
	}
	if strings.Count(out, "No changes") != 3 {
		t.Errorf("only knot drifted; want 3 providers without changes:\n%s", out)
	}

	// check sees the drift on Knot's address and exits CRITICAL.
	code, out, _ = run(t, "-c", cfg, "check", "--parent", env["LAB_PARENT"], "--resolver", env["LAB_PARENT"], "-o", "nagios")
	if code != 2 || !strings.Contains(out, "CRITICAL") {
		t.Errorf("check after rogue edit: exit %d, want 2\n%s", code, out)
	}

	if code, out, errOut = run(t, "-c", cfg, "sync", "--yes", "--provider", "knot"); code != ExitOK {
		t.Fatalf("repair sync: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ = run(t, "-c", cfg, "diff"); code != ExitOK {
		t.Fatalf("diff after repair: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "-c", cfg, "check", "--parent", env["LAB_PARENT"], "--resolver", env["LAB_PARENT"], "--wait", "10s")
	if code != ExitOK {
		t.Errorf("check after repair: exit %d, want 0\n%s", code, out)
	}
}

// TestLabSecretsNeverShown runs diff and sync with wrong credentials whose
// values are known, and asserts they appear in no output or error.
func TestLabSecretsNeverShown(t *testing.T) {
	_, cfg := labSetup(t)
	const tsig = "d3JvbmctYnV0LXZhbGlkLWJhc2U2NC1zZWNyZXQ=" // base64, wrong
	const apiKey = "wrong-api-key-0123456789abcdef"
	t.Setenv("LAB_TSIG_SECRET", tsig)
	t.Setenv("LAB_PDNS_API_KEY", apiKey)
	for _, args := range [][]string{
		{"-c", cfg, "diff"},
		{"-c", cfg, "diff", "-o", "json"},
		{"-c", cfg, "sync", "--yes"},
		{"-c", cfg, "validate", "-o", "json"},
	} {
		code, out, errOut := run(t, args...)
		all := out + errOut
		for _, secret := range []string{tsig, apiKey, tsig[:20], apiKey[:20]} {
			if strings.Contains(all, secret) {
				t.Errorf("%v: output contains a secret (%q):\n%s", args, secret, all)
			}
		}
		if args[2] == "validate" {
			continue
		}
		if code != ExitError {
			t.Errorf("%v: exit %d, want 1 (bind, knot and pdns reject the credentials)", args, code)
		}
		for _, p := range []string{"bind", "knot", "pdns"} {
			if !strings.Contains(all, p) {
				t.Errorf("%v: no error names provider %s:\n%s", args, p, all)
			}
		}
	}
	// Nothing changed: with the right credentials the reset zone still plans
	// every record as a create.
	env := labtest.Load(t)
	t.Setenv("LAB_TSIG_SECRET", env["LAB_TSIG_SECRET"])
	t.Setenv("LAB_PDNS_API_KEY", env["LAB_PDNS_API_KEY"])
	code, out, _ := run(t, "-c", cfg, "diff", "--provider", "bind", "--provider", "pdns")
	if code != ExitChanges || strings.Contains(out, "No changes") {
		t.Errorf("after failed syncs, bind and pdns must be untouched: exit %d\n%s", code, out)
	}
}

// TestLabDemoScriptConfigIsValid keeps the README's example valid.
func TestLabDemoScriptConfigIsValid(t *testing.T) {
	t.Setenv("LAB_TSIG_SECRET", "c2VjcmV0LXZhbHVlLWZvci12YWxpZGF0aW9u")
	t.Setenv("LAB_PDNS_API_KEY", "api-key-for-validation")
	cfg, err := filepath.Abs("../../testdata/example/dnsquorum.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cfg); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "-c", cfg, "validate")
	if code != ExitOK || strings.Contains(out+errOut, "warning") {
		t.Fatalf("example config: exit %d\n%s%s", code, out, errOut)
	}
}

// TestLabSyncStaged: --staged applies one provider at a time and waits for
// its nameservers; a provider whose nameservers never serve the change
// stops the rollout before the others are touched.
func TestLabSyncStaged(t *testing.T) {
	env, cfg := labSetup(t)
	p := env["LAB_PARENT"]
	code, out, errOut := run(t, "-c", cfg, "sync", "--yes", "--staged", "--parent", p, "--resolver", p, "--stage-wait", "20s")
	if code != ExitOK {
		t.Fatalf("staged sync: exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"bind", "knot", "pdns", "nsd"} {
		if !strings.Contains(out, "ok "+name+" example.test.") {
			t.Errorf("summary lacks %s:\n%s", name, out)
		}
	}

	// A decoy provider goes first: it accepts the change, but the
	// nameserver it claims (BIND's) never serves it.
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(base), "providers:\n", "providers:\n  decoy: { type: memory, nameservers: [ns1.bind.lab.test.] }\n", 1)
	text = strings.Replace(text, "providers: [bind, knot, pdns, nsd]", "providers: [decoy, bind, knot, pdns, nsd]", 1)
	text = strings.Replace(text, "      sip: { A: 192.0.2.30 }\n", "      sip: { A: 192.0.2.30 }\n      staged: { A: 192.0.2.99 }\n", 1)
	decoy := filepath.Join(t.TempDir(), "decoy.yaml")
	if err := os.WriteFile(decoy, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "-c", decoy, "sync", "--yes", "--staged", "--parent", p, "--resolver", p, "--stage-wait", "2s")
	if code != ExitError {
		t.Fatalf("staged sync with a decoy: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "FAILED decoy example.test.") || !strings.Contains(out, "do not serve the new data") {
		t.Errorf("the decoy stage must fail for its nameservers:\n%s", out)
	}
	for _, name := range []string{"bind", "knot", "pdns", "nsd"} {
		if !strings.Contains(errOut, "skipped "+name+" example.test.") {
			t.Errorf("%s must be skipped after the failed stage:\n%s", name, errOut)
		}
	}
	// Nothing reached the real servers.
	code, out, _ = run(t, "-c", cfg, "diff")
	if code != ExitOK {
		t.Errorf("the real providers were touched: diff exit %d\n%s", code, out)
	}
}
