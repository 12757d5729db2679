package providers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/memory"
	"github.com/dnsquorum/dnsquorum/zone"
)

// stingy applies at most one change per call and then fails transiently,
// like an adapter whose second message of each call gets a SERVFAIL.
type stingy struct {
	*memory.Provider
	calls int
	none  bool // apply nothing at all
}

func (s *stingy) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	s.calls++
	if s.none {
		return 0, &providers.TransientError{Err: errors.New("SERVFAIL")}
	}
	n, err := s.Provider.ApplyChanges(ctx, origin, changes[:1])
	if err != nil || len(changes) == 1 {
		return n, err
	}
	return n, &providers.TransientError{Err: errors.New("SERVFAIL")}
}

// TestApplyProgressIsNotAFailedAttempt: transient failures after partial
// progress do not use up the attempts; failures without progress do.
func TestApplyProgressIsNotAFailedAttempt(t *testing.T) {
	old := providers.BaseBackoff
	providers.BaseBackoff = time.Millisecond
	defer func() { providers.BaseBackoff = old }()
	const origin = "apply.test."
	desired := zone.MustParse(origin, "a 300 A 192.0.2.1\nb 300 A 192.0.2.2\nc 300 A 192.0.2.3\nd 300 A 192.0.2.4\ne 300 A 192.0.2.5\nf 300 A 192.0.2.6")
	for _, none := range []bool{false, true} {
		m := memory.New()
		if err := m.EnsureZone(context.Background(), origin, nil); err != nil {
			t.Fatal(err)
		}
		p := &stingy{Provider: m, none: none}
		plan := zone.NewPlan(origin, "stingy", desired, zone.NewRRsets(), zone.PlanOptions{})
		n, err := providers.Apply(context.Background(), p, plan)
		if none {
			if err == nil || n != 0 || p.calls != providers.MaxAttempts {
				t.Errorf("no progress: %d applied in %d calls, %v; want an error after %d calls", n, p.calls, err, providers.MaxAttempts)
			}
			continue
		}
		if err != nil || n != 6 || p.calls != 6 {
			t.Errorf("progress each call: %d applied in %d calls, %v; want all 6 in 6 calls", n, p.calls, err)
		}
	}
}
