package route53

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
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud/cloudtest"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

const (
	testZone   = "example.test."
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
)

func TestMain(m *testing.M) {
	// Never let the AWS chain reach for instance metadata (not loopback).
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Setenv("AWS_CONFIG_FILE", os.DevNull)
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	cloudtest.Main(m)
}

// setup starts a fake with example.test. (ID Z1) and an adapter on it, paced
// by a fake clock.
func setup(t *testing.T, pageSize int32) (*fake, *Provider, *cloud.FakeClock) {
	t.Helper()
	clock := cloudtest.NewClock()
	f := newFake(t, clock)
	f.addZone("Z1", testZone, false)
	p, err := New(context.Background(), Settings{Endpoint: f.srv.URL, AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	p.limiter.SetClock(clock)
	if pageSize > 0 {
		p.pageSize = pageSize
	}
	return f, p, clock
}

// push plans desired against what p serves and applies the plan; it
// returns the plan.
func push(t *testing.T, p providers.Provider, desired *zone.RRsets) *zone.Plan {
	t.Helper()
	return cloudtest.Apply(t, p, testZone, desired)
}

// converged asserts that a second plan is empty.
func converged(t *testing.T, p providers.Provider, desired *zone.RRsets) {
	t.Helper()
	cloudtest.Converged(t, p, testZone, desired)
}

// records returns Route 53's apex NS set and n A records.
func records(n int) string {
	return "@ 172800 NS ns-1.awsdns-00.com.\n@ 172800 NS ns-2.awsdns-01.net.\n" + cloudtest.Hosts(n)
}

func TestPagination(t *testing.T) {
	for _, n := range cloudtest.PageSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			f, p, _ := setup(t, 100)
			desired := zone.MustParse(testZone, records(n))
			push(t, p, desired)
			rrs, err := p.ReadZone(context.Background(), testZone)
			if err != nil {
				t.Fatal(err)
			}
			// n A records, 2 NS, 1 SOA.
			if len(rrs) != n+3 {
				t.Fatalf("read %d records, want %d", len(rrs), n+3)
			}
			converged(t, p, desired)
			if got := len(f.snapshot("Z1")); got != n+2 {
				t.Fatalf("fake holds %d sets, want %d", got, n+2)
			}
		})
	}
}

// TestRateLimitTenThousand pushes a 10,000-record zone and fails if any
// second of the (fake) clock saw more than Route 53's documented five
// requests, or any request broke the documented batch limits (the fake
// rejects those).
func TestRateLimitTenThousand(t *testing.T) {
	f, p, clock := setup(t, 0)
	f.limit = DefaultRateLimit
	start := clock.Now()
	desired := zone.MustParse(testZone, records(10_000))
	push(t, p, desired)
	converged(t, p, desired)
	if len(f.violations) > 0 {
		t.Fatalf("documented rate limit exceeded: %v", f.violations)
	}
	// UPSERT counts twice: at most 500 records per request, so at least 20.
	if f.changeReqs < 20 || f.changeReqs > 25 {
		t.Errorf("%d ChangeResourceRecordSets requests for 10,000 records, want 20 to 25", f.changeReqs)
	}
	t.Logf("%d requests, %d of them changes, %s of fake time", f.requests, f.changeReqs, clock.Now().Sub(start))

	// Negative control: a fast bucket trips the check.
	f, _, clock = setup(t, 0)
	f.limit = DefaultRateLimit
	q, err := New(context.Background(), Settings{Endpoint: f.srv.URL, AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: testSecret, RateLimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	q.limiter.SetClock(clock)
	push(t, q, desired)
	if len(f.violations) == 0 {
		t.Fatal("negative control: 1,000 requests per second did not trip the 5 per second check")
	}
}

// TestValueCharacterLimit splits by value characters: 200 TXT sets of about
// 250 characters each are 100,000 counted characters, over three requests.
func TestValueCharacterLimit(t *testing.T) {
	f, p, _ := setup(t, 0)
	var b strings.Builder
	long := strings.Repeat("x", 240)
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "t%d 300 TXT \"%s-%03d\"\n", i, long, i)
	}
	desired := zone.MustParse(testZone, records(0)+b.String())
	push(t, p, desired)
	converged(t, p, desired)
	if f.changeReqs < 4 {
		t.Fatalf("%d change requests; 200 long TXT sets need at least 4 under 32,000 characters (UPSERT twice)", f.changeReqs)
	}
}

func TestRoute53Specifics(t *testing.T) {
	f, p, _ := setup(t, 0)
	// An alias record and a weighted set: not ours, never deleted.
	f.put("Z1", xmlRRSet{Name: "alias.example.test.", Type: "A", AliasTarget: &xmlAlias{HostedZoneId: "Z2FDTNDATAQYW2", DNSName: "d111.cloudfront.net."}})
	f.put("Z1", xmlRRSet{Name: "w.example.test.", Type: "A", SetIdentifier: "one", Weight: ptr(10), TTL: ptr(60), ResourceRecords: []xmlRR{{"192.0.2.9"}}})
	desired := zone.MustParse(testZone, `
@ 3600 NS ns1.example.net.
@ 3600 NS ns2.example.net.
* 300 A 192.0.2.1
txt 300 TXT "v=spf1 -all" "second \"quoted\" string" "h\195\169llo"
mx 300 MX 10 mail.example.net.
`)
	plan := push(t, p, desired)
	// The apex NS is editable on Route 53.
	var sawNS bool
	for _, c := range plan.Changes {
		sawNS = sawNS || (c.Key == zone.Key{Name: testZone, Type: dns.TypeNS})
	}
	if !sawNS {
		t.Errorf("plan did not update the apex NS set")
	}
	converged(t, p, desired)
	var alias, weighted, wildcard, txt bool
	for _, s := range f.snapshot("Z1") {
		switch {
		case s.AliasTarget != nil:
			alias = true
		case s.SetIdentifier != "":
			weighted = true
		case s.Name == "*.example.test.":
			wildcard = true
		case s.Type == "TXT":
			txt = true
			want := []string{`"v=spf1 -all" "second \"quoted\" string" "h\303\251llo"`}
			if len(s.ResourceRecords) != 1 || s.ResourceRecords[0].Value != want[0] {
				t.Errorf("TXT stored as %+v, want octal escapes %q", s.ResourceRecords, want)
			}
		}
	}
	if !alias || !weighted || !wildcard || !txt {
		t.Fatalf("alias %v weighted %v wildcard %v txt %v: want all", alias, weighted, wildcard, txt)
	}
	// SOA is read but never changed.
	rrs, _ := p.ReadZone(context.Background(), testZone)
	var soaRead bool
	for _, rr := range rrs {
		soaRead = soaRead || rr.Header().Rrtype == dns.TypeSOA
	}
	if !soaRead {
		t.Errorf("ReadZone returned no SOA")
	}
	soa := zone.MustParse(testZone, "@ 60 SOA a. b. 1 2 3 4 5").Sorted()[0]
	if _, err := p.ApplyChanges(context.Background(), testZone, []zone.Change{{Action: zone.Update, Key: soa.Key(), New: soa}}); err == nil || !strings.Contains(err.Error(), "SOA") {
		t.Errorf("SOA change: err = %v, want a refusal", err)
	}
	// Deleting everything but the apex leaves alias and weighted sets.
	push(t, p, zone.MustParse(testZone, "@ 3600 NS ns1.example.net.\n"))
	if got := len(f.snapshot("Z1")); got != 4 {
		t.Errorf("after deleting all managed sets the fake holds %d sets, want SOA, NS, alias and weighted", got)
	}
}

func TestThrottlingRetried(t *testing.T) {
	f, p, _ := setup(t, 0)
	cloudtest.Throttled(t, p, testZone, func(n int) { f.throttle = n }, 0, "Throttling")
}

func TestAuthError(t *testing.T) {
	f, p, _ := setup(t, 0)
	f.deny = true
	_, err := p.ReadZone(context.Background(), testZone)
	cloudtest.ErrorSays(t, err, []string{"not authorized", "example.test."}, testSecret, "AKIDEXAMPLE")
}

func TestFailedBatchIsAtomic(t *testing.T) {
	f, p, _ := setup(t, 0)
	before := f.snapshot("Z1")
	good := zone.MustParse(testZone, "a 300 A 192.0.2.1").Sorted()[0]
	missing := zone.MustParse(testZone, "gone 300 A 192.0.2.2").Sorted()[0]
	n, err := p.ApplyChanges(context.Background(), testZone, []zone.Change{
		{Action: zone.Create, Key: good.Key(), New: good},
		{Action: zone.Delete, Key: missing.Key(), Old: missing},
	})
	if err == nil || n != 0 || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("ApplyChanges = %d, %v; want 0 and the InvalidChangeBatch message", n, err)
	}
	if after := f.snapshot("Z1"); len(after) != len(before) {
		t.Fatalf("failed batch changed the zone: %d sets, was %d", len(after), len(before))
	}
}

func TestZoneLookup(t *testing.T) {
	f, p, _ := setup(t, 0)
	if _, err := p.ReadZone(context.Background(), "missing.test."); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Errorf("missing zone: err = %v, want ErrZoneNotFound", err)
	}
	f.addZone("Z9", "dup.test.", false)
	f.addZone("Z8", "dup.test.", false)
	f.addZone("Z7", "dup.test.", true) // private: ignored
	if _, err := p.ReadZone(context.Background(), "dup.test."); err == nil || !strings.Contains(err.Error(), "hosted_zone_ids") {
		t.Errorf("ambiguous zone: err = %v, want advice on hosted_zone_ids", err)
	}
	q, err := New(context.Background(), Settings{Endpoint: f.srv.URL, AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: testSecret, HostedZoneIDs: map[string]string{"dup.test": "Z8"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.ReadZone(context.Background(), "dup.test."); err != nil {
		t.Errorf("configured hosted zone ID: %v", err)
	}
}

// TestCredentialChain uses the standard AWS chain (here: environment
// variables) when the settings name no keys.
func TestCredentialChain(t *testing.T) {
	clock := cloud.NewFakeClock(time.Unix(0, 0))
	f := newFake(t, clock)
	f.addZone("Z1", testZone, false)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	p, err := New(context.Background(), Settings{Endpoint: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadZone(context.Background(), testZone); err != nil {
		t.Fatalf("read with credentials from the environment: %v", err)
	}
}

func TestSettingsRedacted(t *testing.T) {
	s := Settings{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: testSecret, SessionToken: "tok-SESSION", Region: "eu-west-1"}
	cloudtest.Redacted(t, s, "eu-west-1", testSecret, "tok-SESSION", "AKIDEXAMPLE")
}

func TestNameAndTXTEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`\052.example.test.`: `*.example.test.`,
		`WWW.Example.Test`:   `www.example.test.`,
		`a\040b.example.`:    `a\ b.example.`,
	} {
		if got := decodeName(in); got != want {
			t.Errorf("decodeName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := encodeName(`a\ b.example.`); got != `a\040b.example.` {
		t.Errorf("encodeName = %q", got)
	}
	for _, s := range []string{`"h\195\169llo"`, `"a\"b" "c\\d"`, `"\000\255"`} {
		if got := octalToDecimal(decimalToOctal(s)); got != s {
			t.Errorf("TXT escape round trip %q -> %q", s, got)
		}
	}
}

func TestConformance(t *testing.T) {
	_, p, _ := setup(t, 50) // small pages: the sizes cross page edges
	providertest.Run(t, providertest.Options{Provider: p, Zone: testZone, Short: testing.Short()})
}
