package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers/memory"
	"github.com/dnsquorum/dnsquorum/zone"
)

var storeSeq atomic.Int64

// storeName returns a shared memory store name unique to this test run, so
// that -count=N runs never see an earlier run's zones.
func storeName(t *testing.T, suffix string) string {
	return fmt.Sprintf("%s-%d-%s", t.Name(), storeSeq.Add(1), suffix)
}

// writeConfig writes a config file with two shared memory providers named
// after the test, and returns its path and the two stores.
func writeConfig(t *testing.T, records string) (string, *memory.Provider, *memory.Provider) {
	t.Helper()
	a, b := storeName(t, "a"), storeName(t, "b")
	cfg := fmt.Sprintf(`providers:
  alpha: { type: memory, store: %q }
  beta:  { type: memory, store: %q }
zones:
  example.com.:
    providers: [alpha, beta]
    default_ttl: 300
    records:
%s`, a, b, records)
	path := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, memory.Shared(a), memory.Shared(b)
}

const baseRecords = `      "@":
        NS: [ns1.alpha.net., ns1.beta.org.]
        A: 192.0.2.1
      www: { CNAME: example.com. }
      mail: { A: [192.0.2.25, 192.0.2.26] }
`

// run runs the CLI with buffers and returns exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ios, out, errOut := TestIO("")
	code := Run(args, ios)
	return code, out.String(), errOut.String()
}

func TestDiffSyncConverge(t *testing.T) {
	cfg, a, b := writeConfig(t, baseRecords)

	code, out, errOut := run(t, "-c", cfg, "diff")
	if code != ExitChanges {
		t.Fatalf("diff on empty providers: exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"+ www.example.com.", "+ mail.example.com.", "alpha", "beta"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}

	// Without a terminal and without --yes, sync refuses and changes nothing.
	code, _, errOut = run(t, "-c", cfg, "sync")
	if code != ExitError || !strings.Contains(errOut, "--yes") {
		t.Fatalf("sync without --yes: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := run(t, "-c", cfg, "diff"); code != ExitChanges {
		t.Fatalf("after refused sync, diff exit %d, want 2", code)
	}

	code, out, errOut = run(t, "-c", cfg, "sync", "--yes")
	if code != ExitOK {
		t.Fatalf("sync --yes: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "ok alpha example.com.") || !strings.Contains(out, "ok beta example.com.") {
		t.Errorf("sync summary lacks a provider:\n%s", out)
	}
	for _, p := range []*memory.Provider{a, b} {
		got, err := p.ReadZone(t.Context(), "example.com.")
		if err != nil {
			t.Fatal(err)
		}
		set, err := zone.FromRecords(got)
		if err != nil {
			t.Fatal(err)
		}
		if s := set.Get(zone.Key{Name: "mail.example.com.", Type: dns.TypeA}); s == nil || len(s.Records) != 2 {
			t.Errorf("mail A after sync: %v", s)
		}
	}

	code, out, _ = run(t, "-c", cfg, "diff")
	if code != ExitOK {
		t.Fatalf("diff after sync: exit %d, want 0\n%s", code, out)
	}
	code, out, _ = run(t, "-c", cfg, "diff", "-o", "json")
	var doc struct {
		FormatVersion int  `json:"format_version"`
		InSync        bool `json:"in_sync"`
		Plans         []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK || !doc.InSync || doc.FormatVersion != 1 || len(doc.Plans) != 2 {
		t.Fatalf("diff -o json after sync: exit %d, err %v, doc %+v\n%s", code, err, doc, out)
	}

	// A second sync has nothing to do.
	code, out, _ = run(t, "-c", cfg, "sync", "--yes")
	if code != ExitOK || !strings.Contains(out, "Nothing to do") {
		t.Fatalf("second sync: exit %d\n%s", code, out)
	}
}

func TestSyncDriftOnOneProvider(t *testing.T) {
	cfg, _, b := writeConfig(t, baseRecords)
	if code, out, errOut := run(t, "-c", cfg, "sync", "--yes"); code != 0 {
		t.Fatalf("sync: %d\n%s%s", code, out, errOut)
	}
	// Someone edits beta behind our back.
	old := zone.MustParse("example.com.", "www 300 IN CNAME example.com.").Get(zone.Key{Name: "www.example.com.", Type: dns.TypeCNAME})
	drift := zone.MustParse("example.com.", "www 300 IN CNAME elsewhere.example.net.").Get(zone.Key{Name: "www.example.com.", Type: dns.TypeCNAME})
	if _, err := b.ApplyChanges(t.Context(), "example.com.", []zone.Change{{Action: zone.Update, Key: old.Key(), Old: old, New: drift}}); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, "-c", cfg, "diff")
	if code != ExitChanges || !strings.Contains(out, "~ www.example.com.") || strings.Count(out, "www.example.com.") < 1 {
		t.Fatalf("diff after drift: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "-c", cfg, "diff", "--provider", "alpha")
	if code != ExitOK {
		t.Fatalf("diff --provider alpha: exit %d, want 0 (only beta drifted)\n%s", code, out)
	}
	if code, _, _ := run(t, "-c", cfg, "sync", "--yes", "--provider", "beta"); code != 0 {
		t.Fatalf("sync beta: %d", code)
	}
	if code, _, _ := run(t, "-c", cfg, "diff"); code != 0 {
		t.Fatalf("diff after repair: %d", code)
	}
}

func TestSyncSafetyThreshold(t *testing.T) {
	cfg, a, _ := writeConfig(t, baseRecords)
	if code, _, _ := run(t, "-c", cfg, "sync", "--yes"); code != 0 {
		t.Fatalf("first sync failed")
	}
	// alpha holds 20 extra records the file does not ask for: deleting them
	// touches 20 of 25 existing records, over the 30% threshold.
	var changes []zone.Change
	for i := range 20 {
		s := zone.MustParse("example.com.", fmt.Sprintf("old%d 300 IN A 198.51.100.%d", i, i)).Sorted()[0]
		changes = append(changes, zone.Change{Action: zone.Create, Key: s.Key(), New: s})
	}
	if _, err := a.ApplyChanges(t.Context(), "example.com.", changes); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "-c", cfg, "sync", "--yes")
	if code != ExitError || !strings.Contains(errOut, "safety threshold") || !strings.Contains(out, "--force") {
		t.Fatalf("unsafe sync: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if code, _, _ := run(t, "-c", cfg, "diff", "--provider", "alpha"); code != ExitChanges {
		t.Fatalf("refused sync must change nothing; diff exit %d", code)
	}
	code, out, errOut = run(t, "-c", cfg, "sync", "--yes", "--force")
	if code != ExitOK {
		t.Fatalf("sync --force: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, "-c", cfg, "diff"); code != 0 {
		t.Fatalf("diff after forced sync: %d", code)
	}
}

func TestSyncDryRunChangesNothing(t *testing.T) {
	cfg, _, _ := writeConfig(t, baseRecords)
	code, out, _ := run(t, "-c", cfg, "sync", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "Dry run") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if code, _, _ := run(t, "-c", cfg, "diff"); code != ExitChanges {
		t.Fatalf("after dry run diff exit %d, want 2", code)
	}
}

func TestDiffSyncFlagErrors(t *testing.T) {
	cfg, _, _ := writeConfig(t, baseRecords)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"diff", "--zone", "nope.example."}, "no such zone"},
		{[]string{"diff", "--provider", "gamma"}, "no such provider"},
		{[]string{"diff", "-o", "yaml"}, "-o must be text or json"},
		{[]string{"sync", "--staged", "--dry-run"}, "do not go together"},
	}
	for _, c := range cases {
		code, _, errOut := run(t, append([]string{"-c", cfg}, c.args...)...)
		if code != ExitError || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 1 and %q", c.args, code, errOut, c.want)
		}
	}
	code, _, errOut := run(t, "-c", filepath.Join(t.TempDir(), "missing.yaml"), "diff")
	if code != ExitError || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing config: exit %d, stderr %q", code, errOut)
	}
}

// TestSyncProgressOnTTYOnly: on a terminal, sync reports each provider as
// it finishes; without one, only the summary (CI and cron logs stay quiet).
func TestSyncProgressOnTTYOnly(t *testing.T) {
	cfg, _, _ := writeConfig(t, baseRecords)
	ios, out, errOut := TestIO("")
	ios.SetTTY(false, false, true)
	ios.SetColor(false)
	if code := Run([]string{"-c", cfg, "sync", "--yes"}, ios); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"✓ alpha example.com.: 4/4 changes in", "✓ beta example.com.: 4/4 changes in"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("TTY stderr lacks %q:\n%q", want, errOut)
		}
	}
	t.Run("no terminal", func(t *testing.T) {
		cfg, _, _ := writeConfig(t, baseRecords) // fresh stores: changes to apply
		code, out, plainErr := run(t, "-c", cfg, "sync", "--yes")
		if code != ExitOK || !strings.Contains(out, "4 changes applied") || strings.Contains(plainErr, "✓") || strings.Contains(plainErr, "\x1b") {
			t.Errorf("without a terminal: exit %d, stdout %q, stderr %q", code, out, plainErr)
		}
	})
}

// sneakyReader answers the confirmation prompt, but first runs edit: a
// change made behind the tool's back while the user reads the plan.
type sneakyReader struct {
	edit func()
	r    *strings.Reader
}

func (s *sneakyReader) Read(p []byte) (int, error) {
	if s.edit != nil {
		s.edit()
		s.edit = nil
	}
	return s.r.Read(p)
}

// TestSyncConfirmOnTerminal: on a terminal sync asks; "n" applies nothing,
// "y" applies, and a provider whose records changed while the question was
// open makes the plans stale and nothing is applied.
func TestSyncConfirmOnTerminal(t *testing.T) {
	cfg, a, _ := writeConfig(t, baseRecords)
	prompt := func(answer string, edit func()) (int, string, string) {
		ios, out, errOut := TestIO("")
		ios.In = &sneakyReader{edit: edit, r: strings.NewReader(answer)}
		ios.SetTTY(true, true, true)
		code := Run([]string{"-c", cfg, "sync"}, ios)
		return code, out.String(), errOut.String()
	}
	code, _, errOut := prompt("n\n", nil)
	if code != ExitError || !strings.Contains(errOut, "Apply 2 plan(s)? [y/N]") || !strings.Contains(errOut, "not confirmed") {
		t.Fatalf("answer n: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := run(t, "-c", cfg, "diff"); code != ExitChanges {
		t.Fatalf("after n, diff exit %d, want 2", code)
	}
	if code, out, errOut := prompt("y\n", nil); code != ExitOK {
		t.Fatalf("answer y: exit %d\n%s%s", code, out, errOut)
	}

	// A new plan is pending (a record was added to the file's zone: simulate
	// by removing one from alpha); while the user reads it, alpha changes.
	www := zone.MustParse("example.com.", "www 300 IN CNAME example.com.").Sorted()[0]
	if _, err := a.ApplyChanges(t.Context(), "example.com.", []zone.Change{{Action: zone.Delete, Key: www.Key(), Old: www}}); err != nil {
		t.Fatal(err)
	}
	rogue := zone.MustParse("example.com.", "rogue 300 IN A 198.51.100.7").Sorted()[0]
	code, out, errOut := prompt("y\n", func() {
		if _, err := a.ApplyChanges(t.Context(), "example.com.", []zone.Change{{Action: zone.Create, Key: rogue.Key(), New: rogue}}); err != nil {
			t.Error(err)
		}
	})
	if code != ExitError || !strings.Contains(errOut, "stale") || !strings.Contains(errOut, "provider alpha: zone example.com.: its records changed") {
		t.Fatalf("stale plan: exit %d\n%s%s", code, out, errOut)
	}
	got, err := a.ReadZone(t.Context(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	set, _ := zone.FromRecords(got)
	if set.Get(www.Key()) != nil {
		t.Errorf("the stale plan was applied: www is back")
	}
}

// TestSyncSavedPlan: diff -o json writes the plans, sync --plan applies
// exactly those; a provider that changed since makes them stale and nothing
// is applied.
func TestSyncSavedPlan(t *testing.T) {
	cfg, a, b := writeConfig(t, baseRecords)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	save := func() {
		t.Helper()
		code, out, errOut := run(t, "-c", cfg, "diff", "-o", "json")
		if code != ExitChanges {
			t.Fatalf("diff: exit %d\n%s", code, errOut)
		}
		if err := os.WriteFile(planFile, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	save()
	code, out, errOut := run(t, "-c", cfg, "sync", "--yes", "--plan", planFile)
	if code != ExitOK || !strings.Contains(out, "ok alpha example.com.: 4 changes applied") {
		t.Fatalf("sync --plan: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, "-c", cfg, "diff"); code != ExitOK {
		t.Fatalf("diff after sync --plan: exit %d", code)
	}

	// A plan saved, then beta changes before it is applied: stale.
	www := zone.MustParse("example.com.", "www 300 IN CNAME example.com.").Sorted()[0]
	for _, p := range []*memory.Provider{a, b} {
		if _, err := p.ApplyChanges(t.Context(), "example.com.", []zone.Change{{Action: zone.Delete, Key: www.Key(), Old: www}}); err != nil {
			t.Fatal(err)
		}
	}
	save()
	rogue := zone.MustParse("example.com.", "rogue 300 IN A 198.51.100.7").Sorted()[0]
	if _, err := b.ApplyChanges(t.Context(), "example.com.", []zone.Change{{Action: zone.Create, Key: rogue.Key(), New: rogue}}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, "-c", cfg, "sync", "--yes", "--plan", planFile)
	if code != ExitError || !strings.Contains(errOut, "stale") || !strings.Contains(errOut, "provider beta: zone example.com.") {
		t.Fatalf("stale saved plan: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, "-c", cfg, "diff", "--provider", "alpha"); code != ExitChanges {
		t.Errorf("nothing may be applied from a stale plan file, alpha included")
	}
	// --provider alpha applies alpha's saved plan alone: alpha did not change.
	code, out, errOut = run(t, "-c", cfg, "sync", "--yes", "--plan", planFile, "--provider", "alpha")
	if code != ExitOK || !strings.Contains(out, "ok alpha example.com.: 1 changes applied") {
		t.Fatalf("sync --plan --provider alpha: exit %d\n%s%s", code, out, errOut)
	}

	// Not a plan file.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"format_version": 9, "plans": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "-c", cfg, "sync", "--yes", "--plan", bad); code != ExitError || !strings.Contains(errOut, "format_version 9") {
		t.Errorf("bad plan file: exit %d, %q", code, errOut)
	}
}

// TestSyncSavedPlanCreatesZone: a saved plan that creates the zone applies
// what it showed; if the config changed since, only the zone is created and
// the rest is refused (the fresh plan after creation comes from the config).
func TestSyncSavedPlanCreatesZone(t *testing.T) {
	cfg, _, _ := writeConfig(t, baseRecords)
	planFile := filepath.Join(t.TempDir(), "plan.json")
	code, out, _ := run(t, "-c", cfg, "diff", "-o", "json", "--provider", "alpha")
	if code != ExitChanges || !strings.Contains(out, `"create_zone": true`) {
		t.Fatalf("diff: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(planFile, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	// The config gains a record after the plan was saved.
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(string(text)+"      unreviewed: { A: 203.0.113.66 }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "-c", cfg, "sync", "--yes", "--plan", planFile, "--provider", "alpha")
	if code != ExitError || !strings.Contains(out, "the configuration changed since it was made") || !strings.Contains(out, "unreviewed.example.com. A") {
		t.Fatalf("sync --plan with a changed config: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "-c", cfg, "diff", "--provider", "alpha")
	if code != ExitChanges || strings.Contains(out, "will be created") {
		t.Fatalf("the zone must exist now, the records not: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "+ unreviewed.example.com.") || !strings.Contains(out, "+ www.example.com.") {
		t.Errorf("nothing beyond the zone may have been applied:\n%s", out)
	}
}
