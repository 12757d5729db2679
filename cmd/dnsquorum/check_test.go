package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
)

func TestNewCmdCheckFlags(t *testing.T) {
	ios, _, _ := TestIO("")
	f := &Factory{IO: ios}
	var got *checkOptions
	cmd := NewCmdCheck(f, func(o *checkOptions) error { got = o; return nil })
	cmd.SetArgs([]string{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Port != 53 || got.Mode != "query" || got.Output != "text" || got.Retries != 2 || got.Timeout != 2*time.Second ||
		got.Concurrency != 64 || got.Wait != 0 || got.Alert {
		t.Errorf("defaults: %+v", got)
	}
	cmd = NewCmdCheck(f, func(o *checkOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--zone", "a.test.", "--zone", "b.test.", "--parent", "127.0.0.10", "--parent", "[::1]:5353",
		"--resolver", "127.0.0.53", "-p", "5353", "--mode", "axfr", "-o", "nagios", "--wait", "30s", "--timeout", "1s",
		"--retries", "0", "--concurrency", "8", "--alert", "--state", "/tmp/s.json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Zones, ",") != "a.test.,b.test." || strings.Join(got.Parents, ",") != "127.0.0.10,[::1]:5353" ||
		got.Resolver != "127.0.0.53" || got.Port != 5353 || got.Mode != "axfr" || got.Output != "nagios" || got.Wait != 30*time.Second ||
		got.Timeout != time.Second || got.Retries != 0 || got.Concurrency != 8 || !got.Alert || got.State != "/tmp/s.json" {
		t.Errorf("flags: %+v", got)
	}
	co := got.checkOptions()
	if co.Port != 5353 || co.Mode != "axfr" || len(co.Parents) != 2 || co.Resolver != "127.0.0.53" || co.Retries != 0 {
		t.Errorf("check options: %+v", co)
	}
}

// Usage mistakes exit UNKNOWN (3), as a Nagios plugin must.
func TestCheckUsageErrorsAreUnknown(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "-o", "xml"}, "-o must be one of text, json, nagios, prometheus"},
		{[]string{"check", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"check", "--port", "seventy"}, "invalid argument"},
		{[]string{"check", "--port", "0"}, "--port 0"},
		{[]string{"check", "--mode", "zonewalk"}, "--mode must be query or axfr"},
		{[]string{"check", "--retries", "-1"}, "--retries"},
		{[]string{"check", "--parent", "parent.example."}, "--parent: server address"},
		{[]string{"check", "--resolver", "1.2.3.4:0"}, "--resolver"},
		{[]string{"check", "--state", "x.json"}, "--state goes with --alert"},
		{[]string{"check", "extra-arg"}, "check takes no arguments"},
	} {
		code, out, errOut := run(t, tc.args...)
		if code != ExitUnknown || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 3 and %q", tc.args, code, errOut, out, tc.want)
		}
	}
}

func TestCheckBadConfigIsUnknown(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	code, out, errOut := run(t, "-c", missing, "check", "-o", "nagios")
	if code != ExitUnknown || !strings.HasPrefix(out, "DNSQUORUM UNKNOWN - ") || !strings.Contains(out, "nope.yaml") || !strings.Contains(errOut, "nope.yaml") {
		t.Errorf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	code, out, _ = run(t, "-c", missing, "check", "-o", "json")
	var doc struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 3 || doc.Status != "unknown" || doc.ExitCode != 3 {
		t.Errorf("json: exit %d %+v %v\n%s", code, doc, err, out)
	}
	// A textfile collector must see the failure, not keep the last good file.
	code, out, _ = run(t, "-c", missing, "check", "-o", "prometheus")
	if code != 3 || !strings.Contains(out, "dnsquorum_check_status{zone=\"\"} 3\n") {
		t.Errorf("prometheus: exit %d\n%s", code, out)
	}
}

// checkLabConfig writes a config for example.test. on the four lab servers
// that declares only the apex NS set (plus extra), so the check reads
// example.test. without depending on what other tests pushed to it.
func checkLabConfig(t *testing.T, extra string) (labtest.Env, string) {
	t.Helper()
	env := labtest.Load(t)
	t.Setenv("LAB_TSIG_SECRET", env["LAB_TSIG_SECRET"])
	t.Setenv("LAB_PDNS_API_KEY", env["LAB_PDNS_API_KEY"])
	cfg := fmt.Sprintf(`providers:
  bind: { type: rfc2136, server: "%s", tsig: { name: dnsquorum., algorithm: hmac-sha256, secret: "${LAB_TSIG_SECRET}" }, nameservers: [ns1.bind.lab.test.] }
  knot: { type: rfc2136, server: "%s", tsig: { name: dnsquorum., algorithm: hmac-sha256, secret: "${LAB_TSIG_SECRET}" }, nameservers: [ns1.knot.lab.test.] }
  pdns: { type: powerdns, url: "%s", api_key: "${LAB_PDNS_API_KEY}", nameservers: [ns1.pdns.lab.test.] }
  nsd:  { type: zonefile, path: "%s/{zone}zone", nameservers: [ns1.nsd.lab.test.] }
%s
zones:
  example.test.:
    providers: [bind, knot, pdns, nsd]
    default_ttl: 300
    records:
      "@": { NS: [ns1.bind.lab.test., ns1.knot.lab.test., ns1.pdns.lab.test., ns1.nsd.lab.test.] }
%s`, env.Addr("LAB_BIND"), env.Addr("LAB_KNOT"), env["LAB_PDNS_URL"], env["LAB_NSD_ZONEDIR"], alertsFor(t), extra)
	path := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return env, path
}

// alertsFor returns the alerts section a test set with setAlerts.
var alertSections sync.Map

func alertsFor(t *testing.T) string {
	if v, ok := alertSections.Load(t.Name()); ok {
		return v.(string)
	}
	return ""
}

func checkArgs(env labtest.Env, cfg string, args ...string) []string {
	return append([]string{"-c", cfg, "check", "--parent", env["LAB_PARENT"], "-p", env["LAB_PORT"], "--timeout", "500ms", "--retries", "1"}, args...)
}

func TestCheckLabHealthyEveryFormat(t *testing.T) {
	env, cfg := checkLabConfig(t, "")
	code, out, errOut := run(t, checkArgs(env, cfg)...)
	if code != ExitOK {
		t.Fatalf("text: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"example.test.  OK  query mode, 4 nameservers, 4 addresses",
		"parent " + env["LAB_PARENT"] + ":" + env["LAB_PORT"] + " delegates to: ns1.bind.lab.test. ns1.knot.lab.test. ns1.nsd.lab.test. ns1.pdns.lab.test.",
		"ns1.knot.lab.test.  (knot)", env["LAB_KNOT"], "OK: every address serves the desired data"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, checkArgs(env, cfg, "-o", "nagios")...)
	if code != ExitOK || !strings.HasPrefix(out, "DNSQUORUM OK - example.test.: OK, 4 addresses agree | 'ok'=4 'unreachable'=0") {
		t.Errorf("nagios: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, checkArgs(env, cfg, "-o", "prometheus")...)
	if code != ExitOK || !strings.Contains(out, `dnsquorum_check_status{zone="example.test."} 0`) ||
		!strings.Contains(out, `dnsquorum_nameserver_up{address="`+env["LAB_NSD"]+`",nameserver="ns1.nsd.lab.test.",provider="nsd",zone="example.test."} 1`) {
		t.Errorf("prometheus: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, checkArgs(env, cfg, "-o", "json")...)
	var doc struct {
		FormatVersion int    `json:"format_version"`
		Status        string `json:"status"`
		Zones         []struct {
			Servers []struct{ Nameserver, Address, Status string } `json:"servers"`
		} `json:"zones"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || doc.FormatVersion != 1 || doc.Status != "ok" || len(doc.Zones[0].Servers) != 4 {
		t.Errorf("json: exit %d %v %+v\n%s", code, err, doc, out)
	}
}

// A desired record no server has: CRITICAL in every format, each address
// named with the record, expected and got.
func TestCheckLabDriftEveryFormat(t *testing.T) {
	env, cfg := checkLabConfig(t, "      nowhere-check-cmd: { A: 192.0.2.77 }\n")
	code, out, errOut := run(t, checkArgs(env, cfg)...)
	if code != 2 {
		t.Fatalf("text: exit %d\n%s%s", code, out, errOut)
	}
	for _, key := range []string{"LAB_BIND", "LAB_KNOT", "LAB_PDNS", "LAB_NSD"} {
		block := out[strings.Index(out, env[key]+" "):]
		if !strings.Contains(block, "CRITICAL drift  nowhere-check-cmd.example.test. A: the server does not serve the RRset (NXDOMAIN)") ||
			!strings.Contains(block, "expected: 192.0.2.77") || !strings.Contains(block, "got:      NXDOMAIN") {
			t.Errorf("text for %s:\n%s", env[key], out)
		}
	}
	if !strings.Contains(out, "CRITICAL: 4 drift") {
		t.Errorf("summary:\n%s", out)
	}
	code, out, _ = run(t, checkArgs(env, cfg, "-o", "nagios")...)
	if code != 2 || !strings.HasPrefix(out, "DNSQUORUM CRITICAL - example.test.: 4 drift | 'ok'=4 ") || strings.Count(out, "\n") != 5 {
		t.Errorf("nagios: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, checkArgs(env, cfg, "-o", "prometheus")...)
	if code != 2 || !strings.Contains(out, `dnsquorum_check_findings{check="drift",zone="example.test."} 4`) {
		t.Errorf("prometheus: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, checkArgs(env, cfg, "-o", "json", "--wait", "300ms")...)
	if code != 2 || !strings.Contains(out, `"key": "example.test.|drift|ns1.pdns.lab.test.|`+env["LAB_PDNS"]+`|nowhere-check-cmd.example.test. A"`) {
		t.Errorf("json: exit %d\n%s", code, out)
	}
}

// AXFR with the keys of the config's rfc2136 providers: the TSIG secret
// shows nowhere, and the servers without a key say they were queried.
func TestCheckLabAXFRNeverShowsSecret(t *testing.T) {
	env, cfg := checkLabConfig(t, "")
	// Ignore every name: the transfer is compared with nothing, so the
	// result does not depend on what other tests left in example.test.
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(data), "    default_ttl: 300\n", "    default_ttl: 300\n    ignore: [\"*\"]\n", 1)), 0o600)
	code, out, errOut := run(t, checkArgs(env, cfg, "--mode", "axfr", "-o", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, env["LAB_TSIG_SECRET"]) {
		t.Fatal("the TSIG secret appears in the output")
	}
	modes := map[string]string{}
	var doc struct {
		Zones []struct {
			Servers []struct {
				Provider string `json:"provider"`
				Mode     string `json:"mode"`
			} `json:"servers"`
			Findings []struct{ Check, Provider, Got string } `json:"findings"`
		} `json:"zones"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Zones[0].Servers {
		modes[s.Provider] = s.Mode
	}
	if modes["bind"] != "axfr" || modes["knot"] != "axfr" || modes["pdns"] != "query" || modes["nsd"] != "query" {
		t.Errorf("modes %v\n%s", modes, out)
	}
	code, out, _ = run(t, checkArgs(env, cfg, "--mode", "axfr")...)
	if code != 0 || strings.Count(out, "note axfr") != 2 || strings.Contains(out, env["LAB_TSIG_SECRET"]) {
		t.Errorf("text: exit %d\n%s", code, out)
	}
}

func TestCheckLabUnknownZone(t *testing.T) {
	env, cfg := checkLabConfig(t, "")
	code, out, errOut := run(t, checkArgs(env, cfg, "--zone", "nope.test.", "-o", "nagios")...)
	if code != ExitUnknown || !strings.HasPrefix(out, "DNSQUORUM UNKNOWN - --zone nope.test.: no such zone") || !strings.Contains(errOut, "no such zone") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}

// check --alert notifies the config's sinks; the exit code stays the
// check's.
func TestCheckLabAlert(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	state := filepath.Join(t.TempDir(), "alerts.json")
	alertSections.Store(t.Name(), fmt.Sprintf("alerts:\n  state: %q\n  default: [hook]\n  sinks:\n    hook: { type: webhook, url: %q }\n", state, hook.URL+"/secret-path"))
	env, cfg := checkLabConfig(t, "      nowhere-check-alert: { A: 192.0.2.78 }\n")
	code, out, errOut := run(t, checkArgs(env, cfg, "--alert", "-o", "nagios")...)
	if code != 2 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 || !strings.Contains(bodies[0], "nowhere-check-alert.example.test. A") {
		t.Errorf("webhook got %d notifications: %v\nstderr: %s", len(bodies), bodies, errOut)
	}
	if strings.Contains(out+errOut, "secret-path") {
		t.Errorf("the webhook URL shows:\n%s%s", out, errOut)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("state file: %v", err)
	}
}
