package check

import (
	"context"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// Scenarios on fake servers: each asserts the exact findings (check,
// severity, nameserver, address, record) and the exit code.

func TestFakeHealthy(t *testing.T) {
	w := newWorld(t)
	w.start()
	res := w.run()
	assertFindings(t, res, 0)
	if len(res.Servers) != 4 {
		t.Fatalf("servers: %+v", res.Servers)
	}
	for _, s := range res.Servers {
		if s.Status != StatusOK || s.Mode != ModeQuery || s.RRsets != len(w.z.Records.Sorted()) || !s.HasSerial {
			t.Errorf("server %+v", s)
		}
		if !slicesEqual(s.Sources, []string{"declared", "parent"}) || !slicesEqual(s.AddressSources, []string{"glue", "authoritative"}) {
			t.Errorf("sources of %s: %v %v", s.Nameserver, s.Sources, s.AddressSources)
		}
	}
	if got := strings.Join(res.Delegation, " "); got != "ns1.a.test. ns1.b.test. ns2.a.test. ns2.b.test." {
		t.Errorf("delegation %q", got)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// Servers of different providers carry unrelated serials, and each
// server's own SOA: never an alarm. Names, IPv6 addresses and TXT octets
// that are written differently but mean the same are not drift either.
func TestFakeEquivalentFormsAreNotDrift(t *testing.T) {
	w := newWorld(t)
	w.setSerial("ns1.b.test.", 2026010101)
	w.setSerial("ns2.b.test.", 2026010101)
	// ns2.b serves the data in other spellings, as a server may.
	w.servers["ns2.b.test."].lie = map[string][]dns.RR{
		"www.fake.test. AAAA":        rrs(t, fakeOrigin, "WWW.Fake.Test. 300 AAAA 2001:0DB8:0:0:0:0:0:2"),
		"fake.test. MX":              rrs(t, fakeOrigin, "FAKE.TEST. 300 MX 10 MAIL.Fake.TEST."),
		"xn--caf-dma.fake.test. TXT": rrs(t, fakeOrigin, `xn--caf-dma 300 TXT "h\195\169llo w\195\182rld"`),
		"fake.test. NS":              rrs(t, fakeOrigin, "@ 300 NS NS2.B.TEST.", "@ 300 NS ns1.b.test.", "@ 300 NS ns2.a.test.", "@ 300 NS Ns1.A.Test."),
		"mail.fake.test. A":          rrs(t, fakeOrigin, "mail 300 A 192.0.2.26", "mail 300 A 192.0.2.25"),
		"alias.fake.test. CNAME":     rrs(t, fakeOrigin, "Alias 300 CNAME WWW.FAKE.TEST."),
		"*.apps.fake.test. A":        rrs(t, fakeOrigin, "*.APPS 300 A 192.0.2.40"),
	}
	w.start()
	assertFindings(t, w.run(), 0)
}

func TestFakeNoAA(t *testing.T) {
	w := newWorld(t)
	w.servers["ns2.b.test."].noAA = true
	w.start()
	res := w.run()
	assertFindings(t, res, 2,
		want{check: CheckNotAuthoritative, severity: Critical, ns: "ns2.b.test.", addr: fakeIP(22), record: "fake.test. SOA"})
	if s := serverOf(t, res, "ns2.b.test.", fakeIP(22)); s.Status != StatusNotAuthoritative || s.Mode != "" {
		t.Errorf("server %+v", s)
	}
}

func TestFakeTruncationFallsBackToTCP(t *testing.T) {
	w := newWorld(t)
	big := `big TXT`
	for i := 0; i < 30; i++ {
		big += ` "` + strings.Repeat(string(rune('a'+i%26)), 200) + `"`
	}
	w.z.Records = zone.MustParse(fakeOrigin, "$TTL 300\n"+strings.Join(fakeContent, "\n")+"\n"+big)
	for _, ns := range fakeNS {
		f := w.servers[ns]
		f.records = append(f.records, rrs(t, fakeOrigin, big)...)
	}
	w.servers["ns1.a.test."].truncUDP = true // TC=1 on every UDP answer
	w.start()
	res := w.run()
	assertFindings(t, res, 0)
	a := serverOf(t, res, "ns1.a.test.", fakeIP(11))
	if a.TCP < len(w.z.Records.Sorted()) || w.servers["ns1.a.test."].tcpQueries.Load() == 0 {
		t.Errorf("ns1.a: %d answers over TCP, %d TCP queries; want every one", a.TCP, w.servers["ns1.a.test."].tcpQueries.Load())
	}
	// The others truncate only the big RRset (over 1232 octets).
	if b := serverOf(t, res, "ns1.b.test.", fakeIP(21)); b.TCP != 1 {
		t.Errorf("ns1.b: %d answers over TCP, want 1 (the big TXT)", b.TCP)
	}
}

func TestFakeTruncatedWithoutTCP(t *testing.T) {
	w := newWorld(t)
	w.servers["ns1.a.test."].truncUDP = true
	w.start()
	// Replace ns1.a with a UDP-only fake on another address.
	w.parent.edit(func() {
		w.parent.glue["ns1.a.test."] = []string{fakeIP(13)}
		w.parent.hosts["ns1.a.test."] = []string{fakeIP(13)}
	})
	startFakes(t, w.port, fakeSpec{ip: fakeIP(13), h: w.servers["ns1.a.test."], noTCP: true})
	res := w.run()
	assertFindings(t, res, 2,
		want{check: CheckUnreachable, severity: Critical, ns: "ns1.a.test.", addr: fakeIP(13), record: "fake.test. SOA",
			got: "truncated over UDP; over TCP: connection refused"})
}

func TestFakeLiesDriftAndTTL(t *testing.T) {
	w := newWorld(t)
	w.servers["ns1.b.test."].lie = map[string][]dns.RR{
		"www.fake.test. A": rrs(t, fakeOrigin, "www 300 A 192.0.2.99"),
	}
	w.servers["ns2.a.test."].lie = map[string][]dns.RR{
		"fake.test. TXT": rrs(t, fakeOrigin, `@ 60 TXT "v=spf1 -all"`),
	}
	// A record gone from one server, and a CNAME where an A should be.
	w.servers["ns2.b.test."].lie = map[string][]dns.RR{
		"mail.fake.test. A": nil,
		"www.fake.test. A":  rrs(t, fakeOrigin, "www 300 CNAME elsewhere.test."),
	}
	w.start()
	res := w.run()
	assertFindings(t, res, 2,
		want{check: CheckDrift, severity: Critical, ns: "ns1.b.test.", addr: fakeIP(21), record: "www.fake.test. A", expected: "192.0.2.2", got: "192.0.2.99"},
		want{check: CheckTTL, severity: Warning, ns: "ns2.a.test.", addr: fakeIP(12), record: "fake.test. TXT", expected: "300", got: "60"},
		want{check: CheckDrift, severity: Critical, ns: "ns2.b.test.", addr: fakeIP(22), record: "mail.fake.test. A", expected: "192.0.2.25, 192.0.2.26", got: "NODATA"},
		want{check: CheckDrift, severity: Critical, ns: "ns2.b.test.", addr: fakeIP(22), record: "www.fake.test. A", expected: "192.0.2.2", got: "CNAME elsewhere.test."},
	)
}

func TestFakeSilentServer(t *testing.T) {
	w := newWorld(t)
	w.servers["ns2.b.test."].silent = true
	w.start()
	res := w.run()
	assertFindings(t, res, 2,
		want{check: CheckUnreachable, severity: Critical, ns: "ns2.b.test.", addr: fakeIP(22), record: "fake.test. SOA", got: "timeout"})
}

func TestFakeRefusedIsLame(t *testing.T) {
	for _, rc := range []int{dns.RcodeRefused, dns.RcodeServerFailure, dns.RcodeNotAuth, dns.RcodeNameError} {
		t.Run(dns.RcodeToString[rc], func(t *testing.T) {
			w := newWorld(t)
			w.servers["ns2.b.test."].rcode = rc
			w.start()
			assertFindings(t, w.run(), 2,
				want{check: CheckLame, severity: Critical, ns: "ns2.b.test.", addr: fakeIP(22), record: "fake.test. SOA", got: dns.RcodeToString[rc]})
		})
	}
}

func TestFakeReferralIsLame(t *testing.T) {
	w := newWorld(t)
	// ns2.b's address is the parent's: it answers the apex with a referral.
	w.parent.glue["ns2.b.test."] = []string{fakeIP(1)}
	w.parent.hosts["ns2.b.test."] = []string{fakeIP(1)}
	w.start()
	assertFindings(t, w.run(), 2,
		want{check: CheckLame, severity: Critical, ns: "ns2.b.test.", addr: fakeIP(1), record: "fake.test. SOA", got: "referral to fake.test."})
}

func TestFakeLaggingSerial(t *testing.T) {
	w := newWorld(t)
	w.setSerial("ns2.a.test.", 9)
	w.setSerial("ns1.b.test.", 1) // provider b: ns2.b (500) wraps ahead of it? no: 1 < 500
	w.start()
	assertFindings(t, w.run(), 1,
		want{check: CheckLagging, severity: Warning, ns: "ns1.b.test.", addr: fakeIP(21), record: "fake.test. SOA", expected: "500", got: "1"},
		want{check: CheckLagging, severity: Warning, ns: "ns2.a.test.", addr: fakeIP(12), record: "fake.test. SOA", expected: "10", got: "9"},
	)
}

func TestFakeLaggingSerialWraps(t *testing.T) {
	w := newWorld(t)
	w.setSerial("ns1.a.test.", 4294967295)
	w.setSerial("ns2.a.test.", 2) // 2 is after 4294967295 in RFC 1982
	w.start()
	assertFindings(t, w.run(), 1,
		want{check: CheckLagging, severity: Warning, ns: "ns1.a.test.", addr: fakeIP(11), expected: "2", got: "4294967295"})
}

func TestFakeParentMissesProvider(t *testing.T) {
	w := newWorld(t)
	w.parent.delegations[fakeOrigin] = []string{"ns1.a.test.", "ns2.a.test."}
	w.start()
	res := w.run()
	assertFindings(t, res, 2,
		want{check: CheckProviderMissing, severity: Critical, record: "fake.test. NS"},
		want{check: CheckRedundancy, severity: Critical},
		want{check: CheckDelegation, severity: Warning, ns: "ns1.b.test.", record: "fake.test. NS"},
		want{check: CheckDelegation, severity: Warning, ns: "ns2.b.test.", record: "fake.test. NS"},
	)
	if f := res.Problems()[0]; f.Provider != "b" {
		t.Errorf("provider-missing names %q, want b", f.Provider)
	}
}

func TestFakeParentNamesExtraNameserver(t *testing.T) {
	w := newWorld(t)
	w.parent.delegations[fakeOrigin] = append(w.parent.delegations[fakeOrigin], "ns1.c.test.")
	w.parent.glue["ns1.c.test."] = []string{fakeIP(31)}
	w.parent.hosts["ns1.c.test."] = []string{fakeIP(31)}
	w.extra[fakeIP(31)] = fakeSpec{h: newFakeZone(t, fakeOrigin,
		append([]string{"@ SOA ns1.c.test. h.fake.test. 7 3600 600 86400 300"}, fakeContent...)...)}
	w.start()
	res := w.run()
	assertFindings(t, res, 1,
		want{check: CheckDelegation, severity: Warning, ns: "ns1.c.test.", record: "fake.test. NS",
			expected: "ns1.a.test. ns1.b.test. ns2.a.test. ns2.b.test.", got: "ns1.a.test. ns1.b.test. ns1.c.test. ns2.a.test. ns2.b.test."})
	if s := serverOf(t, res, "ns1.c.test.", fakeIP(31)); s.Status != StatusOK || s.Provider != "" || !slicesEqual(s.Sources, []string{"parent"}) {
		t.Errorf("ns1.c: %+v", s)
	}
}

func TestFakeApexNamesUnknownNameserver(t *testing.T) {
	w := newWorld(t)
	// Every server's apex NS set names ns3.b.test., which neither the
	// config nor the parent knows: it is found and checked anyway.
	for _, ns := range fakeNS {
		f := w.servers[ns]
		f.records = append(f.records, rrs(t, fakeOrigin, "@ 300 NS ns3.b.test.")...)
	}
	w.parent.hosts["ns3.b.test."] = []string{fakeIP(23)}
	w.extra[fakeIP(23)] = fakeSpec{h: &fakeZone{rcode: dns.RcodeRefused}}
	w.start()
	res := w.run()
	assertFindings(t, res, 2,
		want{check: CheckDrift, severity: Critical, ns: "ns1.a.test.", addr: fakeIP(11), record: "fake.test. NS"},
		want{check: CheckDrift, severity: Critical, ns: "ns1.b.test.", addr: fakeIP(21), record: "fake.test. NS"},
		want{check: CheckDrift, severity: Critical, ns: "ns2.a.test.", addr: fakeIP(12), record: "fake.test. NS"},
		want{check: CheckDrift, severity: Critical, ns: "ns2.b.test.", addr: fakeIP(22), record: "fake.test. NS"},
		want{check: CheckLame, severity: Critical, ns: "ns3.b.test.", addr: fakeIP(23), got: "REFUSED"},
	)
	if s := serverOf(t, res, "ns3.b.test.", fakeIP(23)); !slicesEqual(s.Sources, []string{"apex"}) || !slicesEqual(s.AddressSources, []string{"authoritative"}) {
		t.Errorf("ns3.b: %+v", s)
	}
}

func TestFakeGlueDiffers(t *testing.T) {
	w := newWorld(t)
	w.parent.glue["ns1.a.test."] = []string{fakeIP(99)}
	w.start()
	assertFindings(t, w.run(), 1,
		want{check: CheckGlue, severity: Warning, ns: "ns1.a.test.", record: "ns1.a.test. A", expected: fakeIP(11), got: fakeIP(99)},
		want{check: CheckUnreachable, severity: Warning, ns: "ns1.a.test.", addr: fakeIP(99)},
	)
}

func TestFakeUnreachableIPv6BesideIPv4(t *testing.T) {
	for _, v6 := range []string{"::ffff:127.0.44.99", "::1"} {
		t.Run(v6, func(t *testing.T) {
			w := newWorld(t)
			w.parent.hosts["ns1.a.test."] = []string{fakeIP(11), v6}
			w.start()
			res := w.run()
			assertFindings(t, res, 1,
				want{check: CheckUnreachable, severity: Warning, ns: "ns1.a.test.", addr: v6, record: "fake.test. SOA"})
			if s := serverOf(t, res, "ns1.a.test.", v6); !slicesEqual(s.AddressSources, []string{"authoritative"}) {
				t.Errorf("sources %v", s.AddressSources)
			}
		})
	}
}

func TestFakeUnresolvableNameserver(t *testing.T) {
	w := newWorld(t)
	w.z.Records.Put(withNS(t, w.z.Records, "ns9.gone.test."))
	for _, ns := range fakeNS {
		f := w.servers[ns]
		f.records = append(f.records, rrs(t, fakeOrigin, "@ 300 NS ns9.gone.test.")...)
	}
	w.start()
	assertFindings(t, w.run(), 2,
		want{check: CheckDelegation, severity: Warning, ns: "ns9.gone.test."},
		want{check: CheckUnresolvable, severity: Critical, ns: "ns9.gone.test."},
	)
}

// withNS returns the apex NS set of z plus one more name.
func withNS(t *testing.T, z *zone.RRsets, name string) *zone.RRset {
	set := z.Get(zone.Key{Name: fakeOrigin, Type: dns.TypeNS})
	rs := zone.NewRRsets()
	for _, rr := range set.Records {
		rs.Add(rr)
	}
	rs.Add(rrs(t, fakeOrigin, "@ 300 NS "+name)[0])
	return rs.Get(set.Key())
}

func TestFakeParentRefusesResolverResolves(t *testing.T) {
	w := newWorld(t)
	w.extra[fakeIP(2)] = fakeSpec{h: &fakeParent{rcode: dns.RcodeRefused}}
	w.start()
	w.opts.Parents = []string{fakeIP(2)}
	// The parent fake answers A queries for the names: use it as resolver.
	w.opts.Resolver = hostPortString(fakeIP(1), w.port)
	res := w.run()
	assertFindings(t, res, 3,
		want{check: CheckDelegation, severity: Unknown},
		want{check: CheckParent, severity: Warning, addr: hostPortString(fakeIP(2), w.port), got: ""},
	)
	if len(res.Servers) != 4 {
		t.Errorf("servers %+v", res.Servers)
	}
}

func hostPortString(ip string, port int) string {
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// resolverFake answers like a recursive resolver for the fake world:
// test.'s SOA and NS, and the parent server's address.
type resolverFake struct{ parentIP string }

func (r *resolverFake) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	name := dns.CanonicalName(q.Question[0].Name)
	switch {
	case name == "test." && q.Question[0].Qtype == dns.TypeSOA:
		m.Answer = append(m.Answer, mustRR("test. 300 SOA ns.parent.test. h.test. 1 3600 600 86400 300"))
	case name == "test." && q.Question[0].Qtype == dns.TypeNS:
		m.Answer = append(m.Answer, mustRR("test. 300 NS ns.parent.test."))
	case name == "ns.parent.test." && q.Question[0].Qtype == dns.TypeA:
		m.Answer = append(m.Answer, mustRR("ns.parent.test. 300 A "+r.parentIP))
	case name == "ns.parent.test.":
	default:
		m.Rcode = dns.RcodeNameError
	}
	w.WriteMsg(m)
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

func TestFakeParentsFoundThroughResolver(t *testing.T) {
	w := newWorld(t)
	w.extra[fakeIP(3)] = fakeSpec{h: &resolverFake{parentIP: fakeIP(1)}}
	w.start()
	w.opts.Parents = nil
	w.opts.Resolver = hostPortString(fakeIP(3), w.port)
	res := w.run()
	assertFindings(t, res, 0)
	if got := strings.Join(res.Parents, " "); got != hostPortString(fakeIP(1), w.port) {
		t.Errorf("parents %q", got)
	}
}

func TestFakeInZoneNameserverResolvedThroughReferral(t *testing.T) {
	// ns1.fake.test. lives inside the zone: the parent has only glue for
	// it, and iteration follows the referral to the zone's servers, whose
	// authoritative answer differs from the glue.
	w := newWorld(t)
	w.parent.delegations[fakeOrigin] = append(w.parent.delegations[fakeOrigin], "ns1.fake.test.")
	w.parent.glue["ns1.fake.test."] = []string{fakeIP(41)}
	w.z.Records.Put(withNS(t, w.z.Records, "ns1.fake.test."))
	w.z.Records.Add(mustRR("ns1.fake.test. 300 A " + fakeIP(42)))
	for _, ns := range fakeNS {
		f := w.servers[ns]
		f.records = append(f.records, rrs(t, fakeOrigin, "@ 300 NS ns1.fake.test.", "ns1 300 A "+fakeIP(42))...)
	}
	inZone := newFakeZone(t, fakeOrigin, append([]string{"@ SOA ns1.fake.test. h.fake.test. 3 3600 600 86400 300",
		"@ 300 NS ns1.fake.test.", "ns1 300 A " + fakeIP(42)}, fakeContent...)...)
	w.extra[fakeIP(41)] = fakeSpec{h: inZone}
	w.extra[fakeIP(42)] = fakeSpec{h: inZone}
	w.start()
	res := w.run()
	assertFindings(t, res, 1,
		want{check: CheckGlue, severity: Warning, ns: "ns1.fake.test.", record: "ns1.fake.test. A", expected: fakeIP(42), got: fakeIP(41)})
	for _, ip := range []string{fakeIP(41), fakeIP(42)} {
		if s := serverOf(t, res, "ns1.fake.test.", ip); s.Status != StatusOK {
			t.Errorf("%s: %+v", ip, s)
		}
	}
}

func TestFakeAXFR(t *testing.T) {
	w := newWorld(t)
	key := TSIGKey{Name: "xfr.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="}
	w.providerTSIG("a", key)
	for _, ns := range []string{"ns1.a.test.", "ns2.a.test."} {
		w.tsig[ns] = &key
		w.servers[ns].requireTSIG = true
	}
	w.servers["ns2.b.test."].requireTSIG = true // provider b has no key: refused
	w.servers["ns1.b.test."].records = append(w.servers["ns1.b.test."].records,
		rrs(t, fakeOrigin, `only-here 300 TXT "extra"`, `_acme-challenge 300 TXT "ignored"`)...)
	w.z.Ignore = []zone.IgnoreRule{{Name: "_acme-challenge.*"}, {Name: "_acme-challenge"}}
	w.opts.Mode = ModeAXFR
	w.start()
	res := w.run()
	assertFindings(t, res, 2,
		want{check: CheckExtra, severity: Critical, ns: "ns1.b.test.", addr: fakeIP(21), record: "only-here.fake.test. TXT", got: `"extra"`})
	for ns, mode := range map[string]string{"ns1.a.test.": ModeAXFR, "ns2.a.test.": ModeAXFR, "ns1.b.test.": ModeAXFR, "ns2.b.test.": ModeQuery} {
		if s := serverOf(t, res, ns, fakeAddr[ns]); s.Mode != mode {
			t.Errorf("%s compared by %q, want %q", ns, s.Mode, mode)
		}
	}
	var note *Finding
	for i, f := range res.Findings {
		if f.Check == CheckAXFR {
			note = &res.Findings[i]
		}
	}
	if note == nil || note.Severity != OK || note.Nameserver != "ns2.b.test." || note.Got != "NOTAUTH" {
		t.Errorf("fallback note: %+v", note)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.String(), key.Secret) {
			t.Errorf("secret in finding %s", f)
		}
	}
}

func TestFakeAXFRWrongKeyFallsBack(t *testing.T) {
	w := newWorld(t)
	key := TSIGKey{Name: "xfr.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ="}
	wrong := TSIGKey{Name: "xfr.", Algorithm: "hmac-sha256", Secret: "d3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmctd3Jvbmc="}
	w.tsig["ns1.a.test."] = &key
	w.servers["ns1.a.test."].requireTSIG = true
	w.opts.Mode = ModeAXFR
	w.opts.TSIG = func(p string) (TSIGKey, bool) { return wrong, p == "a" }
	w.start()
	res := w.run()
	assertFindings(t, res, 0)
	if s := serverOf(t, res, "ns1.a.test.", fakeIP(11)); s.Mode != ModeQuery {
		t.Errorf("mode %q", s.Mode)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.String(), wrong.Secret) || strings.Contains(f.String(), key.Secret) {
			t.Errorf("secret in %s", f)
		}
	}
}

func TestFakeWaitConverges(t *testing.T) {
	w := newWorld(t)
	// ns1.b serves a stale www A to the first run only, then catches up.
	left := &atomic.Int32{}
	left.Store(1)
	w.override["ns1.b.test."] = &lieCounter{fakeZone: w.servers["ns1.b.test."],
		lie: rrs(t, fakeOrigin, "www 300 A 192.0.2.99"), left: left}
	w.start()
	w.opts.Interval = 20 * time.Millisecond
	res, err := Wait(context.Background(), w.cfg, w.z, w.opts, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, res, 0)
	if res.Attempts != 2 {
		t.Errorf("attempts %d, want 2", res.Attempts)
	}
}

// lieCounter lies about www A while left > 0, counting down per query.
type lieCounter struct {
	*fakeZone
	lie  []dns.RR
	left *atomic.Int32
}

func (l *lieCounter) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if r.Question[0].Qtype == dns.TypeA && strings.EqualFold(r.Question[0].Name, "www.fake.test.") && l.left.Add(-1) >= 0 {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		m.Answer = l.lie
		w.WriteMsg(m)
		return
	}
	l.fakeZone.ServeDNS(w, r)
}

func TestFakeWaitGivesUp(t *testing.T) {
	w := newWorld(t)
	w.servers["ns1.b.test."].lie = map[string][]dns.RR{"www.fake.test. A": rrs(t, fakeOrigin, "www 300 A 192.0.2.99")}
	w.start()
	w.opts.Interval = 50 * time.Millisecond
	res, err := Wait(context.Background(), w.cfg, w.z, w.opts, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, res, 2, want{check: CheckDrift, severity: Critical, ns: "ns1.b.test.", addr: fakeIP(21)})
	if res.Attempts < 2 || res.Converged() {
		t.Errorf("attempts %d converged %v", res.Attempts, res.Converged())
	}
}

func TestFakeWaitProviderAsksOnlyItsServers(t *testing.T) {
	w := newWorld(t)
	w.servers["ns1.b.test."].lie = map[string][]dns.RR{"www.fake.test. A": rrs(t, fakeOrigin, "www 300 A 192.0.2.99")}
	w.start()
	res, err := WaitProvider(context.Background(), w.cfg, w.z, "a", w.opts, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, res, 0)
	if len(res.Servers) != 2 || res.Servers[0].Provider != "a" || res.Servers[1].Provider != "a" {
		t.Errorf("servers %+v", res.Servers)
	}
	if b := w.servers["ns1.b.test."]; b.udpQueries.Load()+b.tcpQueries.Load() != 0 {
		t.Errorf("provider b's server was asked")
	}
	res, err = WaitProvider(context.Background(), w.cfg, w.z, "b", w.opts, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	assertFindings(t, res, 2, want{check: CheckDrift, severity: Critical, ns: "ns1.b.test.", addr: fakeIP(21)})
	w.cfg.Provider("b").Nameservers = nil
	if _, err := WaitProvider(context.Background(), w.cfg, w.z, "b", w.opts, time.Second); err == nil || !strings.Contains(err.Error(), "declares no nameservers") {
		t.Errorf("provider without nameservers: %v", err)
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		mut  func(*Options)
		want string
	}{
		{func(o *Options) { o.Mode = "zonewalk" }, `mode "zonewalk"`},
		{func(o *Options) { o.Parents = []string{"parent.example."} }, "parent: server address"},
		{func(o *Options) { o.Port = 70000 }, "port 70000"},
		{func(o *Options) { o.Retries = -1 }, "retries"},
		{func(o *Options) { o.Resolver = "1.2.3.4:0" }, "resolver"},
		{func(o *Options) { o.Provider = "nope" }, `unknown provider "nope"`},
	} {
		o := w.opts
		tc.mut(&o)
		_, err := Run(context.Background(), w.cfg, w.z, o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v", tc.want, err)
		}
	}
	if _, err := Run(context.Background(), w.cfg, nil, w.opts); err == nil {
		t.Error("nil zone accepted")
	}
}

func TestRunCanceled(t *testing.T) {
	w := newWorld(t)
	w.servers["ns1.a.test."].silent = true
	w.start()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, w.cfg, w.z, w.opts); err == nil {
		t.Error("canceled run succeeded")
	}
}

// When nothing the check asks answers (the parent servers and the resolver
// are silent), no nameserver address can be found: the check could not
// see the zone, which is UNKNOWN (Nagios: the check could not run), not
// CRITICAL. Every finding names what did not answer.
func TestFakeNothingAnswersIsUnknown(t *testing.T) {
	w := newWorld(t)
	w.start()
	// Nothing listens on these addresses: every query is refused at once.
	parent, resolver := hostPortString(fakeIP(99), w.port), hostPortString(fakeIP(98), w.port)
	w.opts.Parents, w.opts.Resolver = []string{parent}, resolver
	res := w.run()
	unresolvable := func(ns string) want { return want{check: CheckUnresolvable, severity: Unknown, ns: ns} }
	assertFindings(t, res, 3,
		want{check: CheckDelegation, severity: Unknown},
		want{check: CheckRedundancy, severity: Unknown, expected: "at least 2", got: "0"},
		want{check: CheckParent, severity: Warning, addr: parent},
		unresolvable("ns1.a.test."), unresolvable("ns1.b.test."), unresolvable("ns2.a.test."), unresolvable("ns2.b.test."),
	)
	silent := "parent server " + parent + " gave no answer (connection refused); resolver " + resolver + " gave no answer (connection refused)"
	for _, f := range res.Problems() {
		switch f.Check {
		case CheckUnresolvable:
			if f.Message != "could not look the name up, nothing answered: "+silent {
				t.Errorf("%s: message %q", f.Nameserver, f.Message)
			}
		case CheckRedundancy:
			if want := "cannot count the working nameservers: 4 could not be looked up (ns1.a.test. ns1.b.test. ns2.a.test. ns2.b.test.), nothing answered: " + silent + "; working: (none)"; f.Message != want {
				t.Errorf("redundancy: message %q\nwant %q", f.Message, want)
			}
		}
	}
	if len(res.Servers) != 0 {
		t.Errorf("servers %+v", res.Servers)
	}
}

// Without a resolver, a name the parent servers do not answer for is
// unknown too.
func TestFakeSilentParentNoResolverIsUnknown(t *testing.T) {
	w := newWorld(t)
	w.start()
	parent := hostPortString(fakeIP(99), w.port)
	w.opts.Parents, w.opts.Resolver = []string{parent}, ""
	res := w.run()
	unresolvable := func(ns string) want { return want{check: CheckUnresolvable, severity: Unknown, ns: ns} }
	assertFindings(t, res, 3,
		want{check: CheckDelegation, severity: Unknown},
		want{check: CheckRedundancy, severity: Unknown},
		want{check: CheckParent, severity: Warning, addr: parent},
		unresolvable("ns1.a.test."), unresolvable("ns1.b.test."), unresolvable("ns2.a.test."), unresolvable("ns2.b.test."),
	)
	if f := res.Problems()[3]; !strings.HasSuffix(f.Message, "gave no answer (connection refused); no resolver to ask") {
		t.Errorf("message %q", f.Message)
	}
}

// The parent answers and delegates, without glue, to names it refuses to
// resolve (they are outside its zone), and the resolver is silent: the
// addresses are still unknown to the check, so UNKNOWN.
func TestFakeParentDelegatesWithoutGlueResolverSilentIsUnknown(t *testing.T) {
	w := newWorld(t)
	w.parent.glue = map[string][]string{}
	w.parent.refuseHosts = true
	w.start()
	w.opts.Resolver = hostPortString(fakeIP(98), w.port)
	res := w.run()
	unresolvable := func(ns string) want { return want{check: CheckUnresolvable, severity: Unknown, ns: ns} }
	assertFindings(t, res, 3,
		want{check: CheckRedundancy, severity: Unknown},
		unresolvable("ns1.a.test."), unresolvable("ns1.b.test."), unresolvable("ns2.a.test."), unresolvable("ns2.b.test."),
	)
	parent := hostPortString(fakeIP(1), w.port)
	if f := res.Problems()[1]; !strings.Contains(f.Message, "parent server "+parent+" answered REFUSED; resolver ") {
		t.Errorf("message %q", f.Message)
	}
	// With a resolver that answers, the same world is fine.
	w2 := newWorld(t)
	w2.parent.glue = map[string][]string{}
	w2.parent.refuseHosts = true
	w2.extra[fakeIP(3)] = fakeSpec{h: &fakeParent{hosts: maps.Clone(w2.parent.hosts)}}
	w2.start()
	w2.opts.Resolver = hostPortString(fakeIP(3), w2.port)
	assertFindings(t, w2.run(), 0)
}

// The parent answers and delegates to nameservers (with glue) that do not
// answer: the zone is broken, CRITICAL, even though the resolver is silent
// too.
func TestFakeParentDelegatesToDeadServersIsCritical(t *testing.T) {
	w := newWorld(t)
	for i, ns := range fakeNS {
		dead := fakeIP(60 + i) // nothing listens there
		w.parent.glue[ns] = []string{dead}
		w.parent.hosts[ns] = []string{dead}
	}
	w.start()
	w.opts.Resolver = hostPortString(fakeIP(98), w.port)
	res := w.run()
	unreachable := func(ns string, i int) want {
		return want{check: CheckUnreachable, severity: Critical, ns: ns, addr: fakeIP(60 + i), got: "connection refused"}
	}
	assertFindings(t, res, 2,
		want{check: CheckRedundancy, severity: Critical, got: "0"},
		unreachable("ns1.a.test.", 0), unreachable("ns1.b.test.", 2), unreachable("ns2.a.test.", 1), unreachable("ns2.b.test.", 3),
	)
}
