package powerdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Zones these tests create through the API and delete when done (see
// DEVELOPERS.md: pdns-*.test. zones belong to this adapter's tests).
const (
	zoneConformance = "pdns-api.test."
	zoneTypes       = "pdns-types.test."
	zoneFaults      = "pdns-faults.test."
	zoneCreate      = "pdns-create.test."
	zoneAtomic      = "pdns-atomic.test."
	zoneSplit       = "pdns-split.test."
	zoneBig         = "pdns-big.test."
)

// labNS is the apex NS set the tests give the zones they create.
var labNS = []string{"ns1.pdns.lab.test.", "ns1.bind.lab.test."}

func labSettings(t testing.TB) (Settings, labtest.Env) {
	t.Helper()
	env := labtest.Load(t)
	if env["LAB_PDNS_URL"] == "" || env["LAB_PDNS_API_KEY"] == "" {
		t.Fatal("lab.env has no LAB_PDNS_URL / LAB_PDNS_API_KEY")
	}
	s := Settings{URL: env["LAB_PDNS_URL"], APIKey: "", ServerID: env["LAB_PDNS_SERVER_ID"], Timeout: 30 * time.Second}
	s.APIKey = secret(env["LAB_PDNS_API_KEY"])
	return s, env
}

func labProvider(t testing.TB, mod func(*Settings)) (*Provider, labtest.Env) {
	t.Helper()
	s, env := labSettings(t)
	if mod != nil {
		mod(&s)
	}
	p, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, env
}

// deleteZone removes a zone through the API (a missing zone is fine),
// retrying transient failures: the lab's PowerDNS answers 500 "database is
// locked" while other packages' tests write to its SQLite backend.
func deleteZone(ctx context.Context, p *Provider, name string) error {
	return providers.Retry(ctx, func() error {
		err := p.api.Do(ctx, http.MethodDelete, p.zonePath(name), nil, nil)
		if notFound(err) {
			return nil
		}
		return err
	})
}

// freshZone (re)creates name with the lab apex NS set, and deletes it when
// the test ends.
func freshZone(t testing.TB, p *Provider, name string) {
	t.Helper()
	ctx := context.Background()
	if err := deleteZone(ctx, p, name); err != nil {
		t.Fatalf("deleting %s: %v", name, err)
	}
	if err := p.EnsureZone(ctx, name, labNS); err != nil {
		t.Fatalf("creating %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := deleteZone(context.Background(), p, name); err != nil {
			t.Errorf("deleting %s: %v", name, err)
		}
	})
}

func read(t testing.TB, p providers.Provider, origin string) *zone.RRsets {
	t.Helper()
	got, err := providers.Read(context.Background(), p, origin)
	if err != nil {
		t.Fatalf("read %s: %v", origin, err)
	}
	return got
}

// desiredOf returns the zone's current SOA and apex NS plus text.
func desiredOf(t testing.TB, p providers.Provider, origin, text string) *zone.RRsets {
	t.Helper()
	d := zone.MustParse(origin, text)
	for _, s := range read(t, p, origin).Sorted() {
		if s.Name == origin && (s.Type == dns.TypeSOA || s.Type == dns.TypeNS) && d.Get(s.Key()) == nil {
			d.Put(s.Clone())
		}
	}
	return d
}

func planFor(t testing.TB, p providers.Provider, origin string, desired *zone.RRsets) *zone.Plan {
	t.Helper()
	return zone.NewPlan(origin, "pdns-lab", desired, read(t, p, origin), zone.PlanOptions{ManageApexNS: true, SafetyThreshold: -1})
}

// converge applies the plan to desired and checks a new plan is empty.
func converge(t testing.TB, p providers.Provider, origin string, desired *zone.RRsets) {
	t.Helper()
	pl := planFor(t, p, origin, desired)
	if _, err := providers.Apply(context.Background(), p, pl); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if again := planFor(t, p, origin, desired); !again.Empty() {
		t.Fatalf("not converged: %d changes left, first %s", len(again.Changes), again.Changes[0])
	}
}

func TestLabConformance(t *testing.T) {
	p, _ := labProvider(t, nil)
	freshZone(t, p, zoneConformance)
	providertest.Run(t, providertest.Options{
		Provider: p,
		Zone:     zoneConformance,
		Short:    testing.Short(),
		Reset: func(t *testing.T) {
			ctx := context.Background()
			if err := deleteZone(ctx, p, zoneConformance); err != nil {
				t.Fatal(err)
			}
			if err := p.EnsureZone(ctx, zoneConformance, labNS); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// TestLabTypesRoundTrip pushes the types whose PowerDNS content differs
// from miekg/dns's presentation (and a few rarer ones) and reads them back.
func TestLabTypesRoundTrip(t *testing.T) {
	p, _ := labProvider(t, nil)
	freshZone(t, p, zoneTypes)
	text := `
loc   300 LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
loc2  300 LOC 33 40 31 S 106 28 29 W 10m
cert  300 CERT PGP 0 0 AQID
cert  300 CERT 1 12345 8 AQIDBA==
h     300 HTTPS 1 . mandatory=alpn,port alpn="h2,h3" no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech="AEP+DQA/BAAgACBYeZuE" ipv6hint=2001:db8::1
h2    300 HTTPS 1 . key65000="abc" dohpath="/q{?dns}"
s     300 SVCB 0 svc.example.net.
hinfo 300 HINFO "PC" "Linux"
rp    300 RP mbox.example.net. txt.example.net.
uri   300 URI 10 1 "https://example.net/"
dname 300 DNAME target.example.net.
ssh   300 SSHFP 4 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789
eui   300 EUI48 00-00-5e-00-53-2a
oddity 300 TYPE65534 \# 3 0A0B0C
ninfo 300 NINFO "not known to PowerDNS by name"
txt   300 TXT "" "tab\009and\010newline" "\\backslash \"quote\"" "日本"
txt0  0   TXT "zero TTL"
afsdb 300 AFSDB 1 afs.example.net.
naptr 300 NAPTR 100 50 "s" "SIP+D2U" "" _sip._udp.example.net.
`
	converge(t, p, zoneTypes, desiredOf(t, p, zoneTypes, text))
}

// TestLabPatchIsAtomic sends one valid and one invalid RRset in one batch:
// PowerDNS must reject the PATCH as a whole.
func TestLabPatchIsAtomic(t *testing.T) {
	p, _ := labProvider(t, nil)
	freshZone(t, p, zoneAtomic)
	good := zone.MustParse(zoneAtomic, "ok 300 A 192.0.2.1")
	// A CNAME at the apex conflicts with the SOA and NS there.
	bad := zone.MustParse(zoneAtomic, "@ 300 CNAME target.example.net.")
	changes := []zone.Change{
		{Action: zone.Create, Key: good.Sorted()[0].Key(), New: good.Sorted()[0]},
		{Action: zone.Create, Key: bad.Sorted()[0].Key(), New: bad.Sorted()[0]},
	}
	n, err := p.ApplyChanges(context.Background(), zoneAtomic, changes)
	if err == nil {
		t.Fatal("PowerDNS accepted a CNAME at the apex")
	}
	if n != 0 {
		t.Errorf("applied = %d, want 0", n)
	}
	if !strings.Contains(err.Error(), "PATCH /api/v1/servers/localhost/zones/pdns-atomic.test.: HTTP 422") {
		t.Errorf("error does not name the request and status: %v", err)
	}
	if got := read(t, p, zoneAtomic); got.Get(zone.Key{Name: "ok." + zoneAtomic, Type: dns.TypeA}) != nil {
		t.Fatal("the valid half of the rejected PATCH landed: the PATCH is not atomic")
	}
}

// TestLabCreateZone creates a zone through a Target: POST with the apex NS
// of the desired zone and SOA-EDIT-API INCREASE, then the records, served
// on port 53 at once.
func TestLabCreateZone(t *testing.T) {
	p, env := labProvider(t, nil)
	ctx := context.Background()
	if err := deleteZone(ctx, p, zoneCreate); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = deleteZone(context.Background(), p, zoneCreate) })

	if _, err := p.ReadZone(ctx, zoneCreate); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Fatalf("reading a missing zone: %v, want ErrZoneNotFound", err)
	}
	desired := zone.MustParse(zoneCreate, `
@   3600 NS ns1.pdns.lab.test.
@   3600 NS ns1.nsd.lab.test.
www  300 A 192.0.2.80
`)
	target := providers.Target{Name: "pdns-lab", Provider: p, Zone: &zone.ZoneConfig{Name: zoneCreate, Records: desired}}
	pl, err := target.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !pl.CreateZone {
		t.Fatal("the plan does not say the zone must be created")
	}
	if _, err := target.Apply(ctx, pl); err != nil {
		t.Fatal(err)
	}
	// Creating it again is a no-op.
	if err := p.EnsureZone(ctx, zoneCreate, nil); err != nil {
		t.Fatalf("EnsureZone on an existing zone: %v", err)
	}
	again, err := target.Plan(ctx)
	if err != nil || !again.Empty() {
		t.Fatalf("after creation the plan is not empty: %v %+v", err, again)
	}
	var z struct {
		SOAEditAPI string `json:"soa_edit_api"`
		Kind       string `json:"kind"`
		Serial     uint32 `json:"serial"`
	}
	if err := p.api.Do(ctx, http.MethodGet, p.zonePath(zoneCreate)+"?rrsets=false", nil, &z); err != nil {
		t.Fatal(err)
	}
	if z.SOAEditAPI != "INCREASE" || z.Kind != "Native" {
		t.Errorf("zone created with soa_edit_api %q, kind %q", z.SOAEditAPI, z.Kind)
	}
	// A later change bumps the serial (SOA-EDIT-API), the SOA never sent.
	before := z.Serial
	converge(t, p, zoneCreate, zone.MustParse(zoneCreate, "@ 3600 NS ns1.pdns.lab.test.\n@ 3600 NS ns1.nsd.lab.test.\nwww 300 A 192.0.2.81"))
	if err := p.api.Do(ctx, http.MethodGet, p.zonePath(zoneCreate)+"?rrsets=false", nil, &z); err != nil {
		t.Fatal(err)
	}
	if z.Serial <= before {
		t.Errorf("serial %d -> %d: SOA-EDIT-API did not bump it", before, z.Serial)
	}

	// Served over DNS right away (a zone made with pdnsutil would be
	// REFUSED until a restart).
	m := new(dns.Msg)
	m.SetQuestion("www."+zoneCreate, dns.TypeA)
	r, err := dns.Exchange(m, env.Addr("LAB_PDNS"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "192.0.2.81" {
		t.Fatalf("PowerDNS answers %s", r)
	}
}

// TestLabNeverSendsSOA: the adapter refuses SOA changes before sending
// anything, so the zone can never be left without its SOA (REFUSED).
func TestLabNeverSendsSOA(t *testing.T) {
	p, env := labProvider(t, nil)
	freshZone(t, p, zoneAtomic)
	soa := read(t, p, zoneAtomic).Get(zone.Key{Name: zoneAtomic, Type: dns.TypeSOA})
	if soa == nil {
		t.Fatal("no SOA read back")
	}
	for _, c := range []zone.Change{
		{Action: zone.Delete, Key: soa.Key(), Old: soa},
		{Action: zone.Update, Key: soa.Key(), Old: soa, New: soa.WithTTL(60)},
	} {
		if _, err := p.ApplyChanges(context.Background(), zoneAtomic, []zone.Change{c}); err == nil || !strings.Contains(err.Error(), "SOA") {
			t.Errorf("%s: %v, want a refusal", c, err)
		}
	}
	if _, err := p.DeleteRecords(context.Background(), zoneAtomic, nil); err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	m.SetQuestion(zoneAtomic, dns.TypeSOA)
	r, err := dns.Exchange(m, env.Addr("LAB_PDNS"))
	if err != nil || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Fatalf("SOA query after the refused changes: %v %v", r, err)
	}
}

// TestLabBodySplit: a batch over max_body_bytes goes in several PATCHes
// and still converges.
func TestLabBodySplit(t *testing.T) {
	proxy := newFaultProxy(t)
	p, _ := labProvider(t, func(s *Settings) { s.URL = proxy.URL(); s.MaxBodyBytes = 4000 })
	freshZone(t, p, zoneSplit)
	var text strings.Builder
	for i := range 300 {
		fmt.Fprintf(&text, "host%03d 300 A 192.0.2.%d\n", i, i%250+1)
	}
	proxy.reset()
	converge(t, p, zoneSplit, desiredOf(t, p, zoneSplit, text.String()))
	if n := proxy.count(http.MethodPatch); n < 5 {
		t.Errorf("%d PATCHes for ~24 kB of RRsets with max_body_bytes 4000", n)
	}
	if _, err := (&Provider{api: p.api, serverID: p.serverID, maxBody: 30}).ApplyChanges(context.Background(), zoneSplit,
		[]zone.Change{{Action: zone.Create, Key: zone.Key{Name: "x." + zoneSplit, Type: dns.TypeA}, New: zone.MustParse(zoneSplit, "x 1 A 192.0.2.1").Sorted()[0]}}); err == nil {
		t.Error("an RRset larger than max_body_bytes was sent")
	}
}

// faultProxy is a reverse proxy in front of the lab's API that injects
// faults into PATCH requests, one queued fault per request.
type faultProxy struct {
	t      testing.TB
	srv    *httptest.Server
	rp     *httputil.ReverseProxy
	mu     sync.Mutex
	faults []fault
	log    []hit
}

type fault int

const (
	pass fault = iota
	fail500
	tooMany  // 429 with Retry-After: 1
	reset    // connection reset before forwarding
	slow     // forwarded, then the response held past the client's timeout
	failLast // 500 for this and every later request
)

type hit struct {
	method string
	at     time.Time
	status int
	fault  fault
}

func newFaultProxy(t testing.TB) *faultProxy {
	_, env := labSettings(t)
	target, err := url.Parse(env["LAB_PDNS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	fp := &faultProxy{t: t, rp: httputil.NewSingleHostReverseProxy(target)}
	fp.srv = httptest.NewServer(http.HandlerFunc(fp.serve))
	t.Cleanup(fp.srv.Close)
	return fp
}

func (fp *faultProxy) URL() string { return fp.srv.URL }

// inject queues faults for the next PATCH requests.
func (fp *faultProxy) inject(fs ...fault) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.faults = append(fp.faults, fs...)
}

func (fp *faultProxy) reset() {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	fp.faults, fp.log = nil, nil
}

func (fp *faultProxy) count(method string) int {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	n := 0
	for _, h := range fp.log {
		if h.method == method {
			n++
		}
	}
	return n
}

func (fp *faultProxy) hits(method string) []hit {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	var out []hit
	for _, h := range fp.log {
		if h.method == method {
			out = append(out, h)
		}
	}
	return out
}

func (fp *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	f := pass
	fp.mu.Lock()
	if r.Method == http.MethodPatch && len(fp.faults) > 0 {
		f = fp.faults[0]
		if f != failLast {
			fp.faults = fp.faults[1:]
		}
	}
	h := hit{method: r.Method, at: time.Now(), fault: f}
	fp.mu.Unlock()
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	switch f {
	case fail500, failLast:
		rec.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(rec, `{"error": "injected failure"}`)
	case tooMany:
		rec.Header().Set("Retry-After", "1")
		rec.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(rec, `{"error": "slow down"}`)
	case reset:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
		rec.status = 0
	case slow:
		// Let PowerDNS apply the change, then hold the answer back until the
		// client gives up: the change landed, the client cannot know.
		buf := &bufferedWriter{header: http.Header{}}
		fp.rp.ServeHTTP(buf, r)
		<-r.Context().Done()
		rec.status = buf.status
	default:
		fp.rp.ServeHTTP(rec, r)
	}
	h.status = rec.status
	fp.mu.Lock()
	fp.log = append(fp.log, h)
	fp.mu.Unlock()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// bufferedWriter swallows a response.
type bufferedWriter struct {
	header http.Header
	status int
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return len(p), nil }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }

// TestLabFaults drives the adapter through a proxy that fails PATCHes in
// the ways real APIs do (PowerDNS itself may add a 500 "database is locked"
// retry when the shared lab is busy, hence "a 204 last" rather than exact
// sequences), and checks each time: the error (when it surfaces)
// names the provider and the zone, retries honor Retry-After, nothing
// outside the plan changes, and the next apply converges.
func TestLabFaults(t *testing.T) {
	proxy := newFaultProxy(t)
	p, _ := labProvider(t, func(s *Settings) { s.URL = proxy.URL(); s.Timeout = 2 * time.Second })
	freshZone(t, p, zoneFaults)
	base := "keep1 300 A 192.0.2.1\nkeep2 300 TXT \"untouched\"\nchg 300 A 192.0.2.10\ngone 300 A 192.0.2.11\n"
	next := "keep1 300 A 192.0.2.1\nkeep2 300 TXT \"untouched\"\nchg 300 A 192.0.2.20\nnew 300 AAAA 2001:db8::20\n"

	// Something outside the plan: a record the desired zone ignores.
	outside := zone.MustParse(zoneFaults, "ignored 300 TXT \"not in any plan\"").Sorted()[0]

	// The attempts for the case where the fault outlasts them.
	const failAttempts = 4
	cases := []struct {
		name   string
		faults []fault
		// fails: the fault outlasts the retries.
		fails bool
		check func(t *testing.T, patches []hit)
	}{
		{"500 once", []fault{fail500}, false, func(t *testing.T, h []hit) {
			if len(h) < 2 || h[0].status != 500 || h[len(h)-1].status != 204 {
				t.Errorf("PATCHes: %+v, want a 500, then a 204 last", h)
			}
		}},
		{"429 with Retry-After 1", []fault{tooMany}, false, func(t *testing.T, h []hit) {
			if len(h) < 2 || h[0].status != 429 || h[len(h)-1].status != 204 {
				t.Fatalf("PATCHes: %+v, want a 429, then a 204 last", h)
			}
			if gap := h[1].at.Sub(h[0].at); gap < time.Second {
				t.Errorf("retried %v after a 429 with Retry-After: 1", gap)
			}
		}},
		{"connection reset", []fault{reset}, false, func(t *testing.T, h []hit) {
			if len(h) < 2 || h[0].fault != reset || h[len(h)-1].status != 204 {
				t.Errorf("PATCHes: %+v, want a reset, then a 204 last", h)
			}
		}},
		{"response slower than the timeout", []fault{slow}, false, func(t *testing.T, h []hit) {
			if len(h) < 2 || h[0].fault != slow || h[len(h)-1].status != 204 {
				t.Errorf("PATCHes: %+v, want the slow one, then a 204 last", h)
			}
		}},
		{"500 every time", []fault{failLast}, true, func(t *testing.T, h []hit) {
			if len(h) != failAttempts {
				t.Errorf("%d PATCHes, want %d attempts", len(h), failAttempts)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proxy.reset()
			converge(t, p, zoneFaults, desiredOf(t, p, zoneFaults, base))
			// Put the outside record in place behind the plan's back.
			if _, err := p.SetRecords(context.Background(), zoneFaults, libdnsOf(outside)); err != nil {
				t.Fatal(err)
			}
			before := read(t, p, zoneFaults)
			desired := desiredOf(t, p, zoneFaults, next)
			opts := zone.PlanOptions{ManageApexNS: true, SafetyThreshold: -1, Ignore: []zone.IgnoreRule{{Name: "ignored"}}}
			pl := zone.NewPlan(zoneFaults, "pdns-lab", desired, before, opts)
			if len(pl.Changes) != 3 {
				t.Fatalf("plan: %d changes, want 3", len(pl.Changes))
			}
			proxy.reset()
			proxy.inject(tc.faults...)
			attempts := providers.MaxAttempts
			if tc.fails {
				providers.MaxAttempts = failAttempts
			}
			n, err := providers.Apply(context.Background(), p, pl)
			providers.MaxAttempts = attempts
			tc.check(t, proxy.hits(http.MethodPatch))
			proxy.reset()
			after := read(t, p, zoneFaults)
			if tc.fails {
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				for _, want := range []string{"provider pdns-lab", "zone " + zoneFaults, "HTTP 500", "injected failure", "0 changes applied"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not contain %q", msg, want)
					}
				}
				if n != 0 || !after.Equal(before) {
					t.Errorf("a failed atomic batch changed the zone (applied %d)", n)
				}
			} else if err != nil || n != 3 {
				t.Fatalf("apply: %d, %v", n, err)
			}
			// Nothing outside the plan changed.
			planned := map[zone.Key]bool{}
			for _, c := range pl.Changes {
				planned[c.Key] = true
			}
			for _, s := range before.Sorted() {
				if !planned[s.Key()] && s.Type != dns.TypeSOA && !s.Equal(after.Get(s.Key())) {
					t.Errorf("%s changed though it is not in the plan", s.Key())
				}
			}
			if !outside.Equal(after.Get(outside.Key())) {
				t.Errorf("the ignored record changed")
			}
			// The next run converges, and holds no duplicates.
			converge(t, p, zoneFaults, desired)
			if got := read(t, p, zoneFaults).Get(zone.Key{Name: "chg." + zoneFaults, Type: dns.TypeA}); got == nil || len(got.Records) != 1 {
				t.Errorf("chg A after convergence: %v", got)
			}
		})
	}
}

// TestLabWrongKey: a 401 names the request and status, never the key (the
// wrong one or the right one), and is not retried.
func TestLabWrongKey(t *testing.T) {
	proxy := newFaultProxy(t)
	right, _ := labSettings(t)
	wrong := "wrong-" + right.APIKey.Value()
	p, _ := labProvider(t, func(s *Settings) { s.URL = proxy.URL(); s.APIKey = secret(wrong) })
	target := providers.Target{Name: "pdns-lab", Provider: p, Zone: &zone.ZoneConfig{Name: zoneFaults, Records: zone.MustParse(zoneFaults, "a 300 A 192.0.2.1")}}
	_, err := target.Plan(context.Background())
	if err == nil {
		t.Fatal("a wrong key was accepted")
	}
	msg := err.Error()
	if !strings.Contains(msg, "GET /api/v1/servers/localhost/zones/"+zoneFaults+": HTTP 401 Unauthorized") {
		t.Errorf("error: %s", msg)
	}
	if strings.Contains(msg, wrong) || strings.Contains(msg, right.APIKey.Value()) || strings.Contains(msg, "http://") {
		t.Errorf("error shows a key or a URL: %s", msg)
	}
	if n := proxy.count(http.MethodGet); n != 1 {
		t.Errorf("%d GETs: a 401 must not be retried", n)
	}
	pl := zone.NewPlan(zoneFaults, "pdns-lab", zone.MustParse(zoneFaults, "a 300 A 192.0.2.1"), zone.NewRRsets(), zone.PlanOptions{})
	_, err = providers.Apply(context.Background(), p, pl)
	if err == nil || !strings.Contains(err.Error(), "provider pdns-lab: zone "+zoneFaults) || !strings.Contains(err.Error(), "401") {
		t.Errorf("apply with a wrong key: %v", err)
	}
	if err != nil && (strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), right.APIKey.Value())) {
		t.Errorf("apply error shows a key: %v", err)
	}
}
