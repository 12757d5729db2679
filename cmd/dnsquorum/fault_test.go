package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/memory"
	"github.com/dnsquorum/dnsquorum/zone"
)

// flaky is a test adapter: a shared memory store whose batches stop after
// failAfter changes, as a server killed in the middle of a sync would.
type flaky struct {
	*memory.Provider
	name string
}

var (
	flakyMu    sync.Mutex
	flakyAfter = map[string]int{} // store name -> changes that land before the failure (-1: none fail)
)

func init() {
	providers.Register(providers.Registration{
		Type:     "test-flaky",
		Doc:      "test only: a memory store whose writes fail part-way",
		Hidden:   true,
		Settings: func() any { return &memory.Settings{} },
		New: func(pc *zone.ProviderConfig) (providers.Provider, error) {
			var s memory.Settings
			if err := pc.Decode(&s); err != nil {
				return nil, err
			}
			return &flaky{Provider: memory.Shared(s.Store), name: s.Store}, nil
		},
	})
}

// ApplyChanges lands changes until the store's budget is spent, then fails
// for good.
func (f *flaky) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	flakyMu.Lock()
	defer flakyMu.Unlock()
	budget, armed := flakyAfter[f.name]
	if !armed || budget < 0 {
		return f.Provider.ApplyChanges(ctx, origin, changes)
	}
	take := min(budget, len(changes))
	n, err := f.Provider.ApplyChanges(ctx, origin, changes[:take])
	flakyAfter[f.name] = budget - n
	if err != nil {
		return n, err
	}
	if take < len(changes) {
		return n, errors.New("connection reset by peer")
	}
	return n, nil
}

// Capabilities: one change per batch, so a failure lands part of a plan.
func (f *flaky) Capabilities() providers.Capabilities {
	c := f.Provider.Capabilities()
	c.MaxBatchChanges = 1
	return c
}

// TestSyncPartialFailureConverges: one provider dies part-way through a
// sync; the other finishes, the summary names what landed where, nothing
// outside the plan changed, and the next sync converges.
func TestSyncPartialFailureConverges(t *testing.T) {
	store := storeName(t, "flaky")
	good := storeName(t, "good")
	cfg := fmt.Sprintf(`providers:
  good:  { type: memory, store: %q }
  flaky: { type: test-flaky, store: %q }
zones:
  example.com.:
    providers: [good, flaky]
    default_ttl: 300
    ignore: ["keep"]
    records:
%s      a: { A: 192.0.2.10 }
      b: { A: 192.0.2.11 }
`, good, store, baseRecords)
	path := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The flaky provider already has the zone, with an ignored record.
	fp := memory.Shared(store)
	if err := fp.EnsureZone(t.Context(), "example.com.", nil); err != nil {
		t.Fatal(err)
	}
	keep := zone.MustParse("example.com.", "keep 300 IN TXT \"not ours\"").Sorted()[0]
	if _, err := fp.ApplyChanges(t.Context(), "example.com.", []zone.Change{{Action: zone.Create, Key: keep.Key(), New: keep}}); err != nil {
		t.Fatal(err)
	}
	flakyMu.Lock()
	flakyAfter[store] = 2
	flakyMu.Unlock()

	code, out, errOut := run(t, "-c", path, "sync", "--yes")
	if code != ExitError {
		t.Fatalf("sync with a dying provider: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "ok good example.com.: 6 changes applied") {
		t.Errorf("the healthy provider must finish:\n%s", out)
	}
	if !strings.Contains(out, "FAILED flaky example.com.: 2 of 6 changes applied") || !strings.Contains(out, "connection reset by peer") {
		t.Errorf("the summary must say what landed at the failed provider:\n%s", out)
	}
	if !strings.Contains(errOut, "re-run sync") {
		t.Errorf("stderr should say how to converge: %q", errOut)
	}

	// The provider is back; the next sync applies exactly what is missing.
	flakyMu.Lock()
	flakyAfter[store] = -1
	flakyMu.Unlock()
	code, out, errOut = run(t, "-c", path, "sync", "--yes")
	if code != ExitOK || !strings.Contains(out, "ok flaky example.com.: 4 changes applied") || !strings.Contains(out, "ok good example.com.: already in sync") {
		t.Fatalf("converging sync: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "-c", path, "diff"); code != ExitOK {
		t.Fatalf("diff after convergence: exit %d\n%s", code, out)
	}
	rrs, err := fp.ReadZone(t.Context(), "example.com.")
	if err != nil {
		t.Fatal(err)
	}
	set, _ := zone.FromRecords(rrs)
	if s := set.Get(keep.Key()); s == nil || !s.Equal(keep) {
		t.Errorf("the ignored record was touched: %v", s)
	}
}

// TestSyncUnreachableProviderOthersFinish: a provider that cannot even be
// read fails alone; the summary still lists it.
func TestSyncUnreachableProviderOthersFinish(t *testing.T) {
	good := storeName(t, "good")
	cfg := fmt.Sprintf(`providers:
  good: { type: memory, store: %q }
  dead: { type: rfc2136, server: "127.0.0.1:9", timeout: 300ms }
zones:
  example.com.:
    providers: [good, dead]
    default_ttl: 300
    records:
%s`, good, baseRecords)
	path := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "-c", path, "sync", "--yes")
	if code != ExitError {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "ok good example.com.: 4 changes applied") || !strings.Contains(out, "FAILED dead example.com.: not planned") {
		t.Errorf("summary:\n%s", out)
	}
	if !strings.Contains(errOut, "provider dead") {
		t.Errorf("the error must name the provider: %q", errOut)
	}
	if code, _, _ := run(t, "-c", path, "diff", "--provider", "good"); code != ExitOK {
		t.Errorf("good provider not converged: diff exit %d", code)
	}
}
