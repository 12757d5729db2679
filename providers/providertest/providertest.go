// Package providertest is the conformance suite every provider adapter
// passes, in the manner of rclone's fstests: an adapter's test file builds
// its provider, names a zone the backend holds (SOA and apex NS only), and
// calls Run.
//
// Every step of every scenario builds the desired records from zone-file
// text, plans against what providers.Read returns, applies the plan with
// providers.Apply, then reads the zone again: the new plan must be empty and
// the records read back must equal the desired ones. What an adapter's
// Capabilities say it cannot do is skipped with a reason, never failed.
package providertest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Options describe the adapter under test and its known gaps.
type Options struct {
	// Provider is the adapter under test.
	Provider providers.Provider
	// Zone is a zone that exists on the backend, holding only SOA and apex
	// NS records.
	Zone string
	// Reset, when set, brings the zone back to SOA and apex NS; it is called
	// before each scenario. When nil, the suite cleans up by applying a plan
	// back to the SOA and apex NS it found at the start.
	Reset func(t *testing.T)
	// SkipTypes lists types the backend cannot serve, declared here instead
	// of forking the suite. Prefer Capabilities().Types.
	SkipTypes []uint16
	// SkipScenarios names scenarios the backend cannot pass, as their path
	// below the suite ("Types/TXT/multi"), each with the reason.
	SkipScenarios map[string]string
	// Short selects smaller zone sizes (for go test -short).
	Short bool
	// Timeout bounds each read or apply (default 2 minutes).
	Timeout time.Duration
}

// suite is one run of the conformance scenarios.
type suite struct {
	o      Options
	caps   providers.Capabilities
	origin string
	// base holds the SOA and apex NS sets found at the start (or after
	// Reset): what every step keeps unless it says otherwise.
	base *zone.RRsets
	opts zone.PlanOptions
}

// Run runs every conformance scenario against o.Provider, each as a
// subtest. Scenarios run one after the other: they share the zone.
func Run(t *testing.T, o Options) {
	t.Helper()
	if o.Provider == nil || o.Zone == "" {
		t.Fatal("providertest: Options.Provider and Options.Zone are required")
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	s := &suite{o: o, caps: o.Provider.Capabilities(), origin: dns.CanonicalName(o.Zone)}
	s.opts = zone.PlanOptions{ManageApexNS: s.caps.ApexNS, SupportedTypes: s.caps.Types, SafetyThreshold: -1}
	if o.Reset != nil {
		o.Reset(t)
	}
	s.loadBase(t)
	s.clean(t)
	t.Cleanup(func() { s.clean(t) })

	t.Run("Libdns", s.testLibdns)
	t.Run("Apex", s.testApex)
	t.Run("Names", s.testNames)
	t.Run("Wildcard", s.testWildcard)
	t.Run("Types", s.testTypes)
	t.Run("TTLOnly", s.testTTLOnly)
	t.Run("TypeChange", s.testTypeChange)
	t.Run("Sizes", s.testSizes)
	t.Run("ApexNS", s.testApexNS)
	t.Run("Idempotence", s.testIdempotence)
}

func (s *suite) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), s.o.Timeout)
}

// loadBase reads the zone and keeps its SOA and apex NS sets as the base.
func (s *suite) loadBase(t *testing.T) {
	t.Helper()
	got := s.read(t)
	s.base = zone.NewRRsets()
	for _, set := range got.Sorted() {
		if set.Name == s.origin && (set.Type == dns.TypeSOA || set.Type == dns.TypeNS) {
			s.base.Put(set.Clone())
		}
	}
}

// start brings the zone back to its base before a scenario.
func (s *suite) start(t *testing.T) {
	t.Helper()
	if s.o.Reset != nil {
		s.o.Reset(t)
		s.loadBase(t)
		if got := s.read(t); !s.equalManaged(s.base, got) {
			t.Fatalf("Reset left more than SOA and apex NS in %s:\n%s", s.origin, s.diff(s.base, got))
		}
		return
	}
	s.clean(t)
}

// clean applies the plan back to the base.
func (s *suite) clean(t *testing.T) {
	t.Helper()
	s.applyDesired(t, s.base.Clone())
}

// need skips the test when the adapter cannot serve one of types, or the
// options declare the scenario out of reach.
func (s *suite) need(t *testing.T, types ...uint16) {
	t.Helper()
	for name, why := range s.o.SkipScenarios {
		if strings.HasSuffix(t.Name(), "/"+name) {
			t.Skipf("declared in Options.SkipScenarios: %s", why)
		}
	}
	for _, ty := range types {
		if !s.caps.Supports(ty) {
			t.Skipf("%s: the adapter's Capabilities().Types leave it out", dns.Type(ty))
		}
		if slices.Contains(s.o.SkipTypes, ty) {
			t.Skipf("%s: declared unsupported in Options.SkipTypes", dns.Type(ty))
		}
	}
}

// parse reads zone-file text relative to the zone (default TTL 3600).
func (s *suite) parse(t *testing.T, text string) *zone.RRsets {
	t.Helper()
	set := zone.NewRRsets()
	zp := dns.NewZoneParser(strings.NewReader(text), s.origin, "scenario")
	zp.SetDefaultTTL(3600)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if _, err := set.Add(rr); err != nil {
			t.Fatalf("scenario record %q: %v", rr, err)
		}
	}
	if err := zp.Err(); err != nil {
		t.Fatalf("scenario text: %v", err)
	}
	return set
}

// desired returns the base plus the records of text; apex NS records in
// text replace the base's apex NS set.
func (s *suite) desired(t *testing.T, text string) *zone.RRsets {
	t.Helper()
	d := s.parse(t, text)
	for _, set := range s.base.Sorted() {
		if d.Get(set.Key()) == nil {
			d.Put(set.Clone())
		}
	}
	return d
}

// read returns what the provider serves.
func (s *suite) read(t *testing.T) *zone.RRsets {
	t.Helper()
	ctx, cancel := s.ctx()
	defer cancel()
	got, err := providers.Read(ctx, s.o.Provider, s.origin)
	if err != nil {
		t.Fatalf("read %s: %v", s.origin, err)
	}
	return got
}

// plan plans from actual to desired.
func (s *suite) plan(desired, actual *zone.RRsets) *zone.Plan {
	return zone.NewPlan(s.origin, "providertest", desired, actual, s.opts)
}

// step makes the zone hold the base plus text, and checks it converged.
// It returns the plan it applied.
func (s *suite) step(t *testing.T, text string) *zone.Plan {
	t.Helper()
	return s.applyDesired(t, s.desired(t, text))
}

// applyDesired plans, applies, re-reads and checks.
func (s *suite) applyDesired(t *testing.T, desired *zone.RRsets) *zone.Plan {
	t.Helper()
	p := s.plan(desired, s.read(t))
	ctx, cancel := s.ctx()
	defer cancel()
	n, err := providers.Apply(ctx, s.o.Provider, p)
	if err != nil {
		t.Fatalf("apply %d changes:\n%s\nerror: %v", len(p.Changes), describe(p, 20), err)
	}
	if n != len(p.Changes) {
		t.Fatalf("apply reported %d of %d changes applied without an error", n, len(p.Changes))
	}
	s.verify(t, desired)
	return p
}

// verify re-reads the zone: the plan must be empty and the managed records
// equal to desired.
func (s *suite) verify(t *testing.T, desired *zone.RRsets) {
	t.Helper()
	got := s.read(t)
	if p := s.plan(desired, got); !p.Empty() {
		t.Errorf("after apply, a new plan still has %d changes:\n%s", len(p.Changes), describe(p, 20))
	}
	if !s.equalManaged(desired, got) {
		t.Errorf("records read back differ from the desired ones (- desired, + read back):\n%s", s.diff(desired, got))
	}
}

// compared reports whether the suite compares the set with key k: every
// set but the SOA, DNSSEC records and, when the adapter does not manage
// it, the apex NS set.
func (s *suite) compared(k zone.Key) bool {
	switch k.Type {
	case dns.TypeSOA, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY:
		return false
	case dns.TypeNS:
		return k.Name != s.origin || s.caps.ApexNS
	}
	return true
}

// equalManaged compares the compared sets of both collections.
func (s *suite) equalManaged(want, got *zone.RRsets) bool {
	return s.diff(want, got) == ""
}

// diff lists the compared sets that differ, as "-" and "+" lines.
func (s *suite) diff(want, got *zone.RRsets) string {
	keys := map[zone.Key]bool{}
	for _, set := range want.Sorted() {
		keys[set.Key()] = true
	}
	for _, set := range got.Sorted() {
		keys[set.Key()] = true
	}
	var sorted []zone.Key
	for k := range keys {
		if s.compared(k) {
			sorted = append(sorted, k)
		}
	}
	slices.SortFunc(sorted, zone.Key.Compare)
	var b strings.Builder
	for _, k := range sorted {
		w, g := want.Get(k), got.Get(k)
		if w != nil && g != nil && w.Equal(g) {
			continue
		}
		if w != nil {
			for _, rr := range w.Records {
				fmt.Fprintf(&b, "- %s\n", rr)
			}
		}
		if g != nil {
			for _, rr := range g.Records {
				fmt.Fprintf(&b, "+ %s\n", rr)
			}
		}
	}
	return b.String()
}

// describe renders up to max changes of p, one per line.
func describe(p *zone.Plan, max int) string {
	var b strings.Builder
	for i, c := range p.Changes {
		if i == max {
			fmt.Fprintf(&b, "  ... and %d more\n", len(p.Changes)-max)
			break
		}
		fmt.Fprintf(&b, "  %s\n", c)
		if c.Old != nil {
			for _, rr := range c.Old.Records {
				fmt.Fprintf(&b, "    old %s\n", rr)
			}
		}
		if c.New != nil {
			for _, rr := range c.New.Records {
				fmt.Fprintf(&b, "    new %s\n", rr)
			}
		}
	}
	return b.String()
}

// lifecycle creates, updates and deletes: each of steps is applied in turn,
// then the zone goes back to the base.
func (s *suite) lifecycle(t *testing.T, steps ...string) {
	t.Helper()
	s.start(t)
	for i, text := range steps {
		p := s.step(t, text)
		if i == 0 && p.Empty() {
			t.Fatalf("the first step planned no change: the scenario tests nothing")
		}
		if t.Failed() {
			return
		}
	}
	p := s.step(t, "")
	if p.Empty() {
		t.Errorf("deleting the scenario's records planned no change")
	}
}

func (s *suite) testApex(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeTXT, dns.TypeMX)
	s.lifecycle(t,
		`@ 300 A 192.0.2.1
@ 300 TXT "v=spf1 -all"
@ 300 MX 10 mail
mail 300 A 192.0.2.25`,
		`@ 300 A 192.0.2.1
@ 300 A 192.0.2.2
@ 600 TXT "v=spf1 mx -all"
@ 300 MX 10 mail
@ 300 MX 20 mail2.example.net.
mail 300 A 192.0.2.25`,
		`@ 300 A 192.0.2.2`,
	)
}

func (s *suite) testNames(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeAAAA, dns.TypeTXT)
	s.lifecycle(t,
		`www 300 A 192.0.2.10
a.b.c.deep 300 AAAA 2001:db8::10
UPPER.Case 300 TXT "mixed case owner"`,
		`www 300 A 192.0.2.11
www 300 A 192.0.2.12
a.b.c.deep 300 AAAA 2001:db8::11
upper.case 300 TXT "mixed case owner, updated"`,
		`www 300 A 192.0.2.11`,
	)
}

func (s *suite) testWildcard(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeTXT)
	s.lifecycle(t,
		`*.wild 300 A 192.0.2.20
*.wild 300 TXT "wildcard"
* 300 A 192.0.2.21`,
		`*.wild 300 A 192.0.2.22
*.wild 300 TXT "wildcard, updated"
* 300 A 192.0.2.21
* 300 A 192.0.2.23`,
		`*.wild 300 TXT "wildcard, updated"`,
	)
}

// typeCase is one type's create and update steps.
type typeCase struct {
	name  string
	types []uint16
	steps []string
}

var long300 = strings.Repeat("0123456789", 30)

var typeCases = []typeCase{
	{"A", []uint16{dns.TypeA}, []string{
		"a 300 A 192.0.2.1\na 300 A 192.0.2.2",
		"a 300 A 192.0.2.3",
	}},
	{"AAAA", []uint16{dns.TypeAAAA}, []string{
		"aaaa 300 AAAA 2001:db8::1\naaaa 300 AAAA 2001:DB8:0:0:0:0:0:2",
		"aaaa 300 AAAA 2001:db8:0:1::3",
	}},
	{"CNAME", []uint16{dns.TypeCNAME}, []string{
		"cname 300 CNAME target.example.net.",
		"cname 300 CNAME Other.Example.NET.",
	}},
	{"MX", []uint16{dns.TypeMX, dns.TypeA}, []string{
		"mx 300 MX 10 mail1.example.net.\nmx 300 MX 20 mail2\nmail2 300 A 192.0.2.25",
		"mx 300 MX 5 mail3.example.net.\nmx 300 MX 20 mail2\nmail2 300 A 192.0.2.25",
	}},
	{"TXT/long", []uint16{dns.TypeTXT}, []string{
		`txt 300 TXT "` + long300 + `"`,
		`txt 300 TXT "` + long300 + `-and-more-` + long300 + `"`,
	}},
	{"TXT/multi", []uint16{dns.TypeTXT}, []string{
		`txt 300 TXT "first" "second" "third"`,
		`txt 300 TXT "first" "second"` + "\n" + `txt 300 TXT "another record"`,
	}},
	{"TXT/quotes", []uint16{dns.TypeTXT}, []string{
		`txt 300 TXT "say \"hi\" and a back\\slash"`,
		`txt 300 TXT "semi;colon \\\\ two backslashes \"quoted\""`,
	}},
	{"TXT/unicode", []uint16{dns.TypeTXT}, []string{
		`txt 300 TXT "héllo wörld"`,
		`txt 300 TXT "naïve café ☕" "日本語"`,
	}},
	{"SRV", []uint16{dns.TypeSRV}, []string{
		"_sip._tcp 300 SRV 10 60 5060 sip1.example.net.\n_sip._tcp 300 SRV 10 40 5060 sip2.example.net.",
		"_sip._tcp 300 SRV 20 0 5061 sip3.example.net.",
	}},
	{"CAA", []uint16{dns.TypeCAA}, []string{
		`caa 300 CAA 0 issue "letsencrypt.org"` + "\n" + `caa 300 CAA 0 issuewild ";"`,
		`caa 300 CAA 128 iodef "mailto:security@example.net"` + "\n" + `caa 300 CAA 0 issue "letsencrypt.org"`,
	}},
	{"NS", []uint16{dns.TypeNS, dns.TypeA, dns.TypeAAAA}, []string{
		"sub 300 NS ns1.sub\nsub 300 NS ns2.example.net.\nns1.sub 300 A 192.0.2.53",
		"sub 300 NS ns1.sub\nns1.sub 300 A 192.0.2.54\nns1.sub 300 AAAA 2001:db8::53",
	}},
	{"PTR", []uint16{dns.TypePTR}, []string{
		"1.ptr 300 PTR host1.example.net.",
		"1.ptr 300 PTR host2.example.net.",
	}},
	{"SSHFP", []uint16{dns.TypeSSHFP}, []string{
		"ssh 300 SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\nssh 300 SSHFP 4 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
		"ssh 300 SSHFP 4 2 fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
	}},
	{"TLSA", []uint16{dns.TypeTLSA}, []string{
		"_443._tcp.www 300 TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"_443._tcp.www 300 TLSA 2 0 1 fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
	}},
	{"HTTPS", []uint16{dns.TypeHTTPS}, []string{
		`svc 300 HTTPS 1 . alpn="h2,h3" port=8443 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1` + "\n" + `svc2 300 HTTPS 0 svc.example.net.`,
		`svc 300 HTTPS 2 svc.example.net. alpn=h2`,
	}},
	{"SVCB", []uint16{dns.TypeSVCB}, []string{
		`_dns.resolver 300 SVCB 1 dot.example.net. alpn=dot port=853`,
		`_dns.resolver 300 SVCB 1 dot.example.net. alpn="h2,dot" port=853` + "\n" + `_dns.resolver 300 SVCB 2 doh.example.net. alpn=h2`,
	}},
	{"DS", []uint16{dns.TypeDS, dns.TypeNS}, []string{
		"sec 300 NS ns1.example.net.\nsec 300 DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"sec 300 NS ns1.example.net.\nsec 300 DS 54321 13 2 fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
	}},
	{"NAPTR", []uint16{dns.TypeNAPTR}, []string{
		`naptr 300 NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.net!" .`,
		`naptr 300 NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.net.` + "\n" + `naptr 300 NAPTR 102 10 "U" "E2U+email" "!^.*$!mailto:info@example.net!" .`,
	}},
}

func (s *suite) testTypes(t *testing.T) {
	for _, tc := range typeCases {
		t.Run(tc.name, func(t *testing.T) {
			s.need(t, tc.types...)
			s.lifecycle(t, tc.steps...)
		})
	}
}

func (s *suite) testTTLOnly(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeTXT)
	s.start(t)
	s.step(t, "ttl 300 A 192.0.2.1\nttl 300 A 192.0.2.2\nttl 300 TXT \"same\"")
	p := s.step(t, "ttl 600 A 192.0.2.1\nttl 600 A 192.0.2.2\nttl 300 TXT \"same\"")
	if len(p.Changes) != 1 || !p.Changes[0].TTLOnly() {
		t.Fatalf("want one TTL-only update, planned:\n%s", describe(p, 5))
	}
	s.step(t, "ttl 60 A 192.0.2.1\nttl 60 A 192.0.2.2\nttl 86400 TXT \"same\"")
	s.step(t, "")
}

func (s *suite) testTypeChange(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeCNAME, dns.TypeTXT)
	s.start(t)
	s.step(t, "swap 300 A 192.0.2.1\nswap 300 A 192.0.2.2\nswap 300 TXT \"goes too\"")
	p := s.step(t, "swap 300 CNAME target.example.net.")
	if p.Summary.Delete != 2 || p.Summary.Create != 1 {
		t.Errorf("A+TXT -> CNAME: want 2 deletes and 1 create, planned:\n%s", describe(p, 5))
	}
	s.step(t, "swap 300 A 192.0.2.3")
	s.step(t, "swap 300 CNAME other.example.net.\nswap2 300 A 192.0.2.4")
	s.step(t, "")
}

// sizedZone returns text for n records: mostly A records, one in ten an
// AAAA and one in ten a TXT, a few RRsets holding several records. salt
// changes the data of one record in salt.
func sizedZone(n, salt int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		v := i
		if salt > 0 && i%salt == 0 {
			v += 100000
		}
		switch {
		case i%10 == 3:
			fmt.Fprintf(&b, "h%05d 300 AAAA 2001:db8::%x\n", i, v%65536)
		case i%10 == 7:
			fmt.Fprintf(&b, "h%05d 300 TXT \"record %d\"\n", i, v)
		case i%50 == 9 && i+1 < n:
			// two records in one RRset
			fmt.Fprintf(&b, "multi%05d 300 A 198.51.%d.%d\n", i, (v/250)%250, v%250+1)
			fmt.Fprintf(&b, "multi%05d 300 A 198.51.%d.%d\n", i, (v/250)%250, v%250+2)
			i++
		default:
			fmt.Fprintf(&b, "h%05d 300 A 10.%d.%d.%d\n", i, (v/62500)%250, (v/250)%250, v%250+1)
		}
	}
	return b.String()
}

func (s *suite) testSizes(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeAAAA, dns.TypeTXT)
	sizes := []int{1, 99, 100, 101, 1500}
	if s.o.Short {
		sizes = []int{1, 99, 100, 101, 300}
	}
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s.start(t)
			d := s.desired(t, sizedZone(n, 0))
			if got := d.RecordCount() - s.base.RecordCount(); got != n {
				t.Fatalf("generated %d records, want %d", got, n)
			}
			s.applyDesired(t, d)
			if t.Failed() {
				return
			}
			// change one record in seven
			p := s.step(t, sizedZone(n, 7))
			if want := (n + 6) / 7; len(p.Changes) < want/2 {
				t.Errorf("changing every 7th record planned only %d changes", len(p.Changes))
			}
			s.step(t, "")
		})
	}
}

func (s *suite) testApexNS(t *testing.T) {
	if !s.caps.ApexNS {
		t.Skip("Capabilities().ApexNS is false: the apex NS set is not editable")
	}
	s.need(t, dns.TypeNS)
	s.start(t)
	k := zone.Key{Name: s.origin, Type: dns.TypeNS}
	var orig []string
	ttl := uint32(3600)
	if set := s.base.Get(k); set != nil {
		ttl = set.TTL
		for _, rr := range set.Records {
			orig = append(orig, rr.(*dns.NS).Ns)
		}
	}
	ns := func(ttl uint32, names ...string) string {
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "@ %d NS %s\n", ttl, n)
		}
		return b.String()
	}
	extra := []string{"ns-extra1.example.net.", "ns-extra2.example.net."}
	check := func(p *zone.Plan, what string) {
		t.Helper()
		if len(p.Changes) != 1 || p.Changes[0].Key != k {
			t.Errorf("%s: want one change of the apex NS set, planned:\n%s", what, describe(p, 5))
		}
	}
	// add two nameservers
	check(s.step(t, ns(ttl, append(slices.Clone(orig), extra...)...)), "add")
	// drop one of the original ones (when there are several), keep the others
	keep := slices.Clone(orig)
	if len(keep) > 1 {
		keep = keep[1:]
	}
	check(s.step(t, ns(ttl, append(slices.Clone(keep), extra...)...)), "replace")
	// TTL only: no nameserver may be lost on the way
	p := s.step(t, ns(ttl*2, append(slices.Clone(keep), extra...)...))
	check(p, "TTL change")
	if len(p.Changes) == 1 && !p.Changes[0].TTLOnly() {
		t.Errorf("the TTL change planned more than a TTL change:\n%s", describe(p, 5))
	}
	// TTL and data at once
	check(s.step(t, ns(ttl, append(slices.Clone(keep), extra[0])...)), "TTL and data change")
	// back to the original set
	s.step(t, ns(ttl, orig...))
}

func (s *suite) testIdempotence(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeTXT, dns.TypeMX)
	s.start(t)
	d := s.desired(t, "idem 300 A 192.0.2.1\nidem 300 TXT \"twice\"\n@ 300 MX 10 idem")
	s.applyDesired(t, d)
	second := s.plan(d, s.read(t))
	if !second.Empty() {
		t.Fatalf("the second plan is not empty:\n%s", describe(second, 10))
	}
	ctx, cancel := s.ctx()
	defer cancel()
	if n, err := providers.Apply(ctx, s.o.Provider, second); err != nil || n != 0 {
		t.Fatalf("applying the empty plan: %d changes, %v", n, err)
	}
	s.verify(t, d)
	s.step(t, "")
}
