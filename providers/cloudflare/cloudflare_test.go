package cloudflare

import (
	"context"
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
	testToken = "cf-TOKEN-0123456789abcdefSECRET"
)

func TestMain(m *testing.M) { cloudtest.Main(m) }

func setup(t *testing.T, s Settings) (*fake, *Provider, *cloud.FakeClock) {
	t.Helper()
	clock := cloudtest.NewClock()
	f := newFake(t, clock, testToken)
	f.addZone("zone1", testZone)
	f.apexNS("zone1")
	s.APIToken = testToken
	s.Endpoint = f.srv.URL
	p, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	p.limiter.SetClock(clock)
	return f, p, clock
}

func push(t *testing.T, p providers.Provider, desired *zone.RRsets) *zone.Plan {
	t.Helper()
	return cloudtest.Push(t, p, testZone, desired)
}

func TestConformance(t *testing.T) {
	_, p, _ := setup(t, Settings{})
	p.perPage = 50 // cross page edges in the 99/100/101/1500 sizes
	providertest.Run(t, providertest.Options{Provider: p, Zone: testZone, Short: testing.Short()})
}

func TestPagination(t *testing.T) {
	for _, n := range cloudtest.PageSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f, p, _ := setup(t, Settings{})
			p.perPage = 100
			push(t, p, zone.MustParse(testZone, cloudtest.Hosts(n)))
			rrs, err := p.ReadZone(context.Background(), testZone)
			if err != nil {
				t.Fatal(err)
			}
			if len(rrs) != n {
				t.Fatalf("read %d records, want %d", len(rrs), n)
			}
			if got := len(f.snapshot("zone1")); got != n+2 {
				t.Fatalf("fake holds %d records, want %d plus the 2 apex NS", got, n)
			}
		})
	}
}

// TestRateLimitTenThousand pushes a 10,000-record zone with the adapter's
// defaults, checking Cloudflare's documented 1,200 requests per 5 minutes
// and the adapter's 4 per second on the fake clock; the negative control
// shows the check can fail.
func TestRateLimitTenThousand(t *testing.T) {
	desired := zone.MustParse(testZone, cloudtest.ManyHosts(10_000))
	windows := []cloud.Window{{N: 1200, Per: 5 * time.Minute}, {N: DefaultRateLimit, Per: time.Second}}

	f, p, clock := setup(t, Settings{})
	f.meter.Windows = windows
	start := clock.Now()
	push(t, p, desired)
	if v := f.meter.Violations; len(v) > 0 {
		t.Fatalf("documented rate limit exceeded %d times, first: %s", len(v), v[0])
	}
	if f.batches != 50 {
		t.Errorf("%d batch requests for 10,000 creates, want 50 of 200", f.batches)
	}
	t.Logf("%d requests (%d batches), %s of fake time", f.requests, f.batches, clock.Now().Sub(start))

	f, p, _ = setup(t, Settings{RateLimit: 1000})
	f.meter.Windows = windows
	push(t, p, desired)
	if len(f.meter.Violations) == 0 {
		t.Fatal("negative control: 1,000 requests per second did not trip the 4 per second check")
	}
}

func TestThrottled(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	cloudtest.Throttled(t, p, testZone, func(n int) { f.throttle = n }, time.Second, "429")
}

func TestAuthError(t *testing.T) {
	f, _, _ := setup(t, Settings{})
	p, err := New(Settings{APIToken: "cf-WRONG-token-SECRET", Endpoint: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.ReadZone(context.Background(), testZone)
	cloudtest.ErrorSays(t, err, []string{"403", "Authentication error", "api_token", testZone}, "SECRET")
}

func TestFailedBatchIsAtomic(t *testing.T) {
	f, p, _ := setup(t, Settings{})
	push(t, p, zone.MustParse(testZone, "keep 300 A 192.0.2.1"))
	before := f.snapshot("zone1")
	good := zone.MustParse(testZone, "new 300 A 192.0.2.2").Sorted()[0]
	bad := zone.MustParse(testZone, "bad 30 A 192.0.2.3").Sorted()[0] // under the minimum TTL
	old := zone.MustParse(testZone, "keep 300 A 192.0.2.1").Sorted()[0]
	n, err := p.ApplyChanges(context.Background(), testZone, []zone.Change{
		{Action: zone.Delete, Key: old.Key(), Old: old},
		{Action: zone.Create, Key: good.Key(), New: good},
		{Action: zone.Create, Key: bad.Key(), New: bad},
	})
	if err == nil || n != 0 || !strings.Contains(err.Error(), "TTL") {
		t.Fatalf("ApplyChanges = %d, %v; want 0 and the API's TTL complaint", n, err)
	}
	after := f.snapshot("zone1")
	if len(after) != len(before) {
		t.Fatalf("failed batch changed the zone: %d records, was %d", len(after), len(before))
	}
}

func TestCloudflareSpecifics(t *testing.T) {
	f, p, _ := setup(t, Settings{Proxied: []string{"www", "@"}})
	// A record with automatic TTL, made in the dashboard.
	f.add("zone1", fakeRecord{Type: "A", Name: "auto.example.test", Content: "192.0.2.99", TTL: 1})
	push(t, p, zone.MustParse(testZone, `
@ 300 A 192.0.2.1
www 300 A 192.0.2.2
www 300 TXT "not proxiable"
api 300 A 192.0.2.3
auto 300 A 192.0.2.99
mx 300 MX 10 mail.example.net.
_sip._tcp 300 SRV 10 60 5060 sip.example.net.
`))
	for _, r := range f.snapshot("zone1") {
		wantProxied := (r.Name == "example.test" || r.Name == "www.example.test") && r.Type == "A"
		if r.Proxied != wantProxied {
			t.Errorf("%s %s proxied = %v, want %v", r.Name, r.Type, r.Proxied, wantProxied)
		}
		switch r.Type {
		case "MX":
			if r.Content != "mail.example.net" || r.Priority == nil || *r.Priority != 10 {
				t.Errorf("MX stored as %+v, want content without the dot and priority 10", r)
			}
		case "SRV":
			if r.Data["port"] != float64(5060) || r.Data["target"] != "sip.example.net" {
				t.Errorf("SRV stored as %+v, want a data object", r)
			}
		case "NS":
			if r.Name != "example.test" {
				t.Errorf("unexpected NS %+v", r)
			}
		}
	}
	// The apex NS set is Cloudflare's: never read, never planned.
	rrs, err := p.ReadZone(context.Background(), testZone)
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range rrs {
		if rr.Header().Rrtype == dns.TypeNS || rr.Header().Rrtype == dns.TypeSOA {
			t.Errorf("ReadZone returned %v", rr)
		}
	}
	apex := zone.MustParse(testZone, "@ 300 NS ns1.example.net.").Sorted()[0]
	if _, err := p.ApplyChanges(context.Background(), testZone, []zone.Change{{Action: zone.Create, Key: apex.Key(), New: apex}}); err == nil {
		t.Error("an apex NS change was accepted")
	}
	if p.Capabilities().ApexNS || p.Capabilities().MinTTL != 60 {
		t.Errorf("capabilities %+v: want ApexNS false, MinTTL 60", p.Capabilities())
	}
}

func TestSettingsRedacted(t *testing.T) {
	cloudtest.Redacted(t, Settings{APIToken: testToken, Proxied: []string{"www"}, Endpoint: "https://api.example"}, "www", "SECRET")
	_, p, _ := setup(t, Settings{})
	if out := fmt.Sprintf("%v %+v", p.api, p.api); strings.Contains(out, "SECRET") {
		t.Errorf("client leaks the token: %s", out)
	}
}
