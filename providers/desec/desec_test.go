package desec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud/cloudtest"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

const (
	testZone  = "example.test."
	testToken = "desec-0123456789abcdefSECRET"
	// apexNS is deSEC's apex NS set, which every desired zone keeps.
	apexNS = "@ 3600 NS ns1.desec.io.\n@ 3600 NS ns2.desec.org.\n"
)

func TestMain(m *testing.M) { cloudtest.Main(m) }

// setup starts a fake holding example.test (minimum TTL 60, as deSEC sets
// for some accounts, so the suite's TTLs fit) and an adapter on it.
func setup(t *testing.T, s Settings) (*fake, *Provider, *cloud.FakeClock) {
	t.Helper()
	clock := cloudtest.NewClock()
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
	return cloudtest.Push(t, p, testZone, desired)
}

func TestConformance(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	f.pageSize = 50 // the sizes cross page edges
	providertest.Run(t, providertest.Options{Provider: p, Zone: testZone, Short: testing.Short()})
}

func TestPagination(t *testing.T) {
	for _, n := range cloudtest.PageSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f, p, _ := setup(t, Settings{})
			f.pageSize = 100
			push(t, p, zone.MustParse(testZone, apexNS+cloudtest.Hosts(n)))
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
	desired := zone.MustParse(testZone, apexNS+cloudtest.ManyHosts(10_000))
	windows := func(f *fake) {
		f.meters["read"].Windows = append([]cloud.Window{{N: 10, Per: time.Second}}, ReadWindows...)
		f.meters["write"].Windows = append([]cloud.Window{{N: 2, Per: time.Second}}, WriteWindows...)
		f.meters["all"].Windows = AccountWindows
	}

	f, p, clock := setup(t, Settings{})
	windows(f)
	start := clock.Now()
	push(t, p, desired)
	if v := f.violations(); len(v) > 0 {
		t.Fatalf("documented rate limit exceeded %d times, first: %s", len(v), v[0])
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
	if len(f.violations()) == 0 {
		t.Fatal("negative control: an unpaced push did not trip the documented limits")
	}
}

func TestThrottled(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	cloudtest.Throttled(t, p, testZone, func(n int) { f.throttle = n }, time.Second, "throttled")
}

func TestAuthError(t *testing.T) {
	f, _, _ := setup(t, Settings{})
	p, err := New(Settings{Token: "desec-WRONG-SECRET", Endpoint: f.srv.URL + "/api/v1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.ReadZone(context.Background(), testZone)
	cloudtest.ErrorSays(t, err, []string{"401", "Invalid token", "token", testZone}, "SECRET")
}

func TestFailedBatchIsAtomic(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	push(t, p, zone.MustParse(testZone, apexNS+"keep 300 A 192.0.2.1"))
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
	cloudtest.Redacted(t, Settings{Token: testToken, Endpoint: "https://api.example"}, "api.example", "SECRET")
}
