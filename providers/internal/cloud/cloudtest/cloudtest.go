// Package cloudtest holds the scaffolding the cloud adapters' tests share:
// fast retries, pushing a desired zone through a plan and back, generated
// zones, a rate-limit meter for the fake APIs, and checks that secrets stay
// out of output.
package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Main runs a test binary's tests with retries that wait milliseconds, not
// seconds (a fake's Retry-After still counts, up to 5ms).
func Main(m *testing.M) {
	providers.BaseBackoff = time.Millisecond
	providers.MaxBackoff = 5 * time.Millisecond
	os.Exit(m.Run())
}

// NewClock returns a fake clock at a fixed start, for a fake API and the
// adapter it paces.
func NewClock() *cloud.FakeClock { return cloud.NewFakeClock(time.Unix(1_700_000_000, 0)) }

// Throttled checks how p reads zone origin from a fake API that asks it to
// slow down: throttle(n) makes the fake refuse its next n requests. Two
// refusals are retried away; a hundred end in a TransientError that
// carries retryAfter (0: not checked) and whose text holds says.
func Throttled(t testing.TB, p providers.ZoneReader, origin string, throttle func(n int), retryAfter time.Duration, says string) {
	t.Helper()
	throttle(2)
	if _, err := p.ReadZone(context.Background(), origin); err != nil {
		t.Fatalf("read after two refusals: %v", err)
	}
	throttle(100)
	_, err := p.ReadZone(context.Background(), origin)
	var te *providers.TransientError
	if !errors.As(err, &te) || (retryAfter != 0 && te.RetryAfter != retryAfter) || !strings.Contains(err.Error(), says) {
		t.Fatalf("persistent refusals: err = %v, want a TransientError saying %q with Retry-After %v", err, says, retryAfter)
	}
}

// options are the plan options for p: what it can do, no safety threshold.
func options(p providers.Provider) zone.PlanOptions {
	c := p.Capabilities()
	return zone.PlanOptions{ManageApexNS: c.ApexNS, SupportedTypes: c.Types, SafetyThreshold: -1}
}

// Apply plans desired against what p serves in zone origin, applies the
// plan and returns it; it fails t on any error.
func Apply(t testing.TB, p providers.Provider, origin string, desired *zone.RRsets) *zone.Plan {
	t.Helper()
	ctx := context.Background()
	actual, err := providers.Read(ctx, p, origin)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	plan := zone.NewPlan(origin, "test", desired, actual, options(p))
	if _, err := providers.Apply(ctx, p, plan); err != nil {
		t.Fatalf("apply: %v", err)
	}
	return plan
}

// Converged fails t unless a new plan from what p serves to desired is
// empty.
func Converged(t testing.TB, p providers.Provider, origin string, desired *zone.RRsets) {
	t.Helper()
	actual, err := providers.Read(context.Background(), p, origin)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if again := zone.NewPlan(origin, "test", desired, actual, options(p)); !again.Empty() {
		t.Fatalf("not converged: %d changes left, first %s", len(again.Changes), again.Changes[0])
	}
}

// Push is Apply, then Converged.
func Push(t testing.TB, p providers.Provider, origin string, desired *zone.RRsets) *zone.Plan {
	t.Helper()
	plan := Apply(t, p, origin, desired)
	Converged(t, p, origin, desired)
	return plan
}

// PageSizes are zone sizes around the usual page size of 100, and one of
// many pages.
var PageSizes = []int{1, 99, 100, 101, 1500}

// Hosts returns master-file text of n A records h0, h1, ... (addresses in
// 192.0.2.0/24, repeating after 250).
func Hosts(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "h%d 300 A 192.0.2.%d\n", i, i%250+1)
	}
	return b.String()
}

// ManyHosts returns master-file text of n A records h0, h1, ..., each with
// its own address in 10.0.0.0/8.
func ManyHosts(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "h%d 300 A 10.%d.%d.%d\n", i, i/62500, (i/250)%250, i%250+1)
	}
	return b.String()
}

// Meter checks the requests a fake API receives against documented rate
// limits, on the fake clock the adapter is paced by.
type Meter struct {
	// Windows are the limits checked.
	Windows []cloud.Window
	// Violations describes each request that broke a window.
	Violations []string
	sent       []time.Time
}

// Count records a request (what names it in violations) made at now.
func (m *Meter) Count(now time.Time, what string) {
	m.sent = append(m.sent, now)
	for _, w := range m.Windows {
		n := 0
		for i := len(m.sent) - 1; i >= 0 && now.Sub(m.sent[i]) < w.Per; i-- {
			n++
		}
		if n > w.N {
			m.Violations = append(m.Violations, fmt.Sprintf("%s at %s: %d requests within %s (limit %s)", what, now.Format(time.TimeOnly), n, w.Per, w))
		}
	}
}

// Redacted fails t when s or &s, printed with %v, %+v, %#v or %s, shows
// one of secrets or hides shown (so a test cannot pass by printing
// nothing).
func Redacted[T any](t testing.TB, s T, shown string, secrets ...string) {
	t.Helper()
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{s, &s} {
			out := fmt.Sprintf(format, v)
			for _, secret := range secrets {
				if strings.Contains(out, secret) {
					t.Errorf("%s of %T leaks %q: %s", format, v, secret, out)
				}
			}
			if !strings.Contains(out, shown) {
				t.Errorf("%s of %T hides %q: %s", format, v, shown, out)
			}
		}
	}
}

// ErrorSays fails t unless err holds every one of wants and none of
// secrets.
func ErrorSays(t testing.TB, err error, wants []string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", wants)
	}
	msg := err.Error()
	for _, want := range wants {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	for _, secret := range secrets {
		if strings.Contains(msg, secret) {
			t.Errorf("error leaks %q: %q", secret, msg)
		}
	}
}
