package desec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

const (
	testZone  = "example.test."
	testToken = "desec-0123456789abcdefSECRET"
)

func TestMain(m *testing.M) {
	providers.BaseBackoff = time.Millisecond
	providers.MaxBackoff = 5 * time.Millisecond
	os.Exit(m.Run())
}

// setup starts a fake holding example.test (minimum TTL 60, as deSEC sets
// for some accounts, so the suite's TTLs fit) and an adapter on it.
func setup(t *testing.T, s Settings) (*fake, *Provider, *cloud.FakeClock) {
	t.Helper()
	clock := cloud.NewFakeClock(time.Unix(1_700_000_000, 0))
	f := newFake(t, clock, testToken)
	f.addDomain("example.test", 60)
	s.Token = testToken
	s.Endpoint = f.srv.URL + "/api/v1"
	if s.MinimumTTL == 0 {
		s.MinimumTTL = 60
	}
	p, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	p.pacer.setClock(clock)
	return f, p, clock
}

func push(t *testing.T, p providers.Provider, desired *zone.RRsets) *zone.Plan {
	t.Helper()
	ctx := context.Background()
	actual, err := providers.Read(ctx, p, testZone)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	o := zone.PlanOptions{ManageApexNS: p.Capabilities().ApexNS, SupportedTypes: p.Capabilities().Types, SafetyThreshold: -1}
	plan := zone.NewPlan(testZone, "desec", desired, actual, o)
	if _, err := providers.Apply(ctx, p, plan); err != nil {
		t.Fatalf("apply: %v", err)
	}
	actual, err = providers.Read(ctx, p, testZone)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if again := zone.NewPlan(testZone, "desec", desired, actual, o); !again.Empty() {
		t.Fatalf("not converged: %d changes left, first %s", len(again.Changes), again.Changes[0])
	}
	return plan
}

func TestConformance(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	f.pageSize = 50 // the sizes cross page edges
	providertest.Run(t, providertest.Options{Provider: p, Zone: testZone, Short: testing.Short()})
}

func TestPagination(t *testing.T) {
	for _, n := range []int{1, 99, 100, 101, 1500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f, p, _ := setup(t, Settings{})
			f.pageSize = 100
			var b strings.Builder
			b.WriteString("@ 3600 NS ns1.desec.io.\n@ 3600 NS ns2.desec.org.\n")
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "h%d 300 A 192.0.2.%d\n", i, i%250+1)
			}
			push(t, p, zone.MustParse(testZone, b.String()))
			rrs, err := p.ReadZone(context.Background(), testZone)
			if err != nil {
				t.Fatal(err)
			}
			if len(rrs) != n+2 {
				t.Fatalf("read %d records, want %d", len(rrs), n+2)
			}
		})
	}
}

// TestRateLimitTenThousand pushes 10,000 RRsets and checks every documented
// deSEC limit on the fake clock: reads 10/s and 50/min, RRset writes 2/s,
// 15/min, 100/h and 300/day, all requests 2,000/day. The negative control
// (no pacing, small batches) shows the check can fail.
func TestRateLimitTenThousand(t *testing.T) {
	var b strings.Builder
	b.WriteString("@ 3600 NS ns1.desec.io.\n@ 3600 NS ns2.desec.org.\n")
	for i := 0; i < 10_000; i++ {
		fmt.Fprintf(&b, "h%d 300 A 10.%d.%d.%d\n", i, i/62500, (i/250)%250, i%250+1)
	}
	desired := zone.MustParse(testZone, b.String())
	windows := func(f *fake) {
		f.windows["read"] = append([]cloud.Window{{N: 10, Per: time.Second}}, ReadWindows...)
		f.windows["write"] = append([]cloud.Window{{N: 2, Per: time.Second}}, WriteWindows...)
		f.windows["all"] = AccountWindows
	}

	f, p, clock := setup(t, Settings{})
	windows(f)
	start := clock.Now()
	push(t, p, desired)
	if len(f.violations) > 0 {
		t.Fatalf("documented rate limit exceeded %d times, first: %s", len(f.violations), f.violations[0])
	}
	if f.writes != 10 {
		t.Errorf("%d bulk writes for 10,000 RRsets, want 10 of 1,000", f.writes)
	}
	t.Logf("%d requests (%d writes), %s of fake time", f.requests, f.writes, clock.Now().Sub(start))

	f, _, _ = setup(t, Settings{})
	q, err := New(Settings{Token: testToken, Endpoint: f.srv.URL + "/api/v1", MinimumTTL: 60, BatchSize: 100, RateLimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	q.pacer.reads, q.pacer.writes, q.pacer.account = nil, nil, nil
	windows(f)
	push(t, q, desired)
	if len(f.violations) == 0 {
		t.Fatal("negative control: an unpaced push did not trip the documented limits")
	}
}

func TestThrottled(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	f.throttle = 2
	if _, err := p.ReadZone(context.Background(), testZone); err != nil {
		t.Fatalf("read after two 429s: %v", err)
	}
	f.throttle = 100
	_, err := p.ReadZone(context.Background(), testZone)
	var te *providers.TransientError
	if !errors.As(err, &te) || te.RetryAfter != time.Second || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("persistent 429: err = %v, want a TransientError with Retry-After 1s", err)
	}
}

func TestAuthError(t *testing.T) {
	f, _, _ := setup(t, Settings{})
	p, err := New(Settings{Token: "desec-WRONG-SECRET", Endpoint: f.srv.URL + "/api/v1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.ReadZone(context.Background(), testZone)
	if err == nil {
		t.Fatal("no error with a wrong token")
	}
	msg := err.Error()
	for _, want := range []string{"401", "Invalid token", "token", testZone} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "SECRET") {
		t.Errorf("error leaks the token: %q", msg)
	}
}

func TestFailedBatchIsAtomic(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	push(t, p, zone.MustParse(testZone, "@ 3600 NS ns1.desec.io.\n@ 3600 NS ns2.desec.org.\nkeep 300 A 192.0.2.1"))
	before := f.snapshot("example.test")
	good := zone.MustParse(testZone, "new 300 A 192.0.2.2").Sorted()[0]
	low := zone.MustParse(testZone, "low 30 A 192.0.2.3").Sorted()[0] // under the domain's minimum TTL
	old := zone.MustParse(testZone, "keep 300 A 192.0.2.1").Sorted()[0]
	n, err := p.ApplyChanges(context.Background(), testZone, []zone.Change{
		{Action: zone.Delete, Key: old.Key(), Old: old},
		{Action: zone.Create, Key: good.Key(), New: good},
		{Action: zone.Create, Key: low.Key(), New: low},
	})
	if err == nil || n != 0 || !strings.Contains(err.Error(), "RRset 3: ttl") {
		t.Fatalf("ApplyChanges = %d, %v; want 0 and the error of RRset 3", n, err)
	}
	if after := f.snapshot("example.test"); len(after) != len(before) {
		t.Fatalf("failed bulk request changed the zone: %d RRsets, was %d", len(after), len(before))
	}
}

func TestMissingDomain(t *testing.T) {
	_, p, _ := setup(t, Settings{})
	if _, err := p.ReadZone(context.Background(), "missing.test."); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("err = %v, want ErrZoneNotFound", err)
	}
	if c := p.Capabilities(); !c.ApexNS || !c.AtomicBatch || c.MinTTL != 60 || c.Supports(dns.TypeSOA) || c.Supports(dns.TypeDNAME) {
		t.Errorf("capabilities %+v", c)
	}
}

func TestSettingsRedacted(t *testing.T) {
	s := Settings{Token: testToken, Endpoint: "https://api.example"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{s, &s} {
			if out := fmt.Sprintf(format, v); strings.Contains(out, "SECRET") || !strings.Contains(out, "api.example") {
				t.Errorf("%s: %s", format, out)
			}
		}
	}
}
