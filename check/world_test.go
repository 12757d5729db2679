package check

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/zone"
)

// The fake world: zone fake.test., delegated from a fake parent to two
// providers with two nameservers each.
//
//	ns1.a.test. 127.0.44.11  ns2.a.test. 127.0.44.12   provider a (serial 10)
//	ns1.b.test. 127.0.44.21  ns2.b.test. 127.0.44.22   provider b (serial 500)
//	parent      127.0.44.1   (also answers A/AAAA for the ns names)
const fakeOrigin = "fake.test."

var fakeNS = []string{"ns1.a.test.", "ns2.a.test.", "ns1.b.test.", "ns2.b.test."}

var fakeAddr = map[string]string{
	"ns1.a.test.": fakeIP(11), "ns2.a.test.": fakeIP(12),
	"ns1.b.test.": fakeIP(21), "ns2.b.test.": fakeIP(22),
}

// fakeContent is the zone's desired content (apex NS included).
var fakeContent = []string{
	"@ NS ns1.a.test.", "@ NS ns2.a.test.", "@ NS ns1.b.test.", "@ NS ns2.b.test.",
	"@ A 192.0.2.1",
	"@ MX 10 mail.fake.test.",
	`@ TXT "v=spf1 -all"`,
	"www A 192.0.2.2",
	"www AAAA 2001:db8::2",
	"mail A 192.0.2.25",
	"mail A 192.0.2.26",
	`café TXT "héllo wörld"`,
	"alias CNAME www",
	"*.apps A 192.0.2.40",
}

type world struct {
	t      testing.TB
	parent *fakeParent
	// servers by NS name; extra fakes by IP.
	servers map[string]*fakeZone
	extra   map[string]fakeSpec
	// override replaces a server's handler (wrapping it).
	override map[string]dns.Handler
	tsig     map[string]*TSIGKey
	cfg      *zone.Config
	z        *zone.ZoneConfig
	opts     Options
	port     int
}

// newWorld builds the fake world; the test changes it before start.
func newWorld(t testing.TB) *world {
	w := &world{t: t, servers: map[string]*fakeZone{}, extra: map[string]fakeSpec{}, override: map[string]dns.Handler{}, tsig: map[string]*TSIGKey{}}
	w.parent = &fakeParent{
		delegations: map[string][]string{fakeOrigin: slices.Clone(fakeNS)},
		glue:        map[string][]string{},
		hosts:       map[string][]string{},
	}
	for _, ns := range fakeNS {
		w.parent.glue[ns] = []string{fakeAddr[ns]}
		w.parent.hosts[ns] = []string{fakeAddr[ns]}
		serial := 10
		if strings.Contains(ns, ".b.") {
			serial = 500
		}
		soa := fmt.Sprintf("@ 3600 SOA %s hostmaster.fake.test. %d 3600 600 86400 300", ns, serial)
		w.servers[ns] = newFakeZone(t, fakeOrigin, append([]string{soa}, fakeContent...)...)
	}
	desired := zone.MustParse(fakeOrigin, "$TTL 300\n"+strings.Join(fakeContent, "\n"))
	w.z = &zone.ZoneConfig{Name: fakeOrigin, Providers: []string{"a", "b"}, DefaultTTL: 300, Records: desired}
	w.cfg = &zone.Config{
		Providers: []*zone.ProviderConfig{
			{Name: "a", Type: "rfc2136", Nameservers: []string{"ns1.a.test.", "ns2.a.test."}},
			{Name: "b", Type: "powerdns", Nameservers: []string{"ns1.b.test.", "ns2.b.test."}},
		},
		Zones: []*zone.ZoneConfig{w.z},
	}
	w.opts = Options{Mode: ModeQuery, Timeout: 300 * time.Millisecond, Retries: 1, Concurrency: 16}
	return w
}

// setSerial replaces the SOA serial a server serves.
func (w *world) setSerial(ns string, serial uint32) {
	for _, rr := range w.servers[ns].records {
		if soa, ok := rr.(*dns.SOA); ok {
			soa.Serial = serial
		}
	}
}

// providerTSIG gives provider p a "tsig:" setting.
func (w *world) providerTSIG(p string, k TSIGKey) {
	var doc yaml.Node
	text := fmt.Sprintf("type: rfc2136\ntsig: {name: %q, algorithm: %q, secret: %q}\n", k.Name, k.Algorithm, k.Secret)
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		w.t.Fatal(err)
	}
	w.cfg.Provider(p).Settings = doc.Content[0]
}

// start starts every fake on one port and points the options at them.
func (w *world) start() {
	w.t.Helper()
	specs := []fakeSpec{{ip: fakeIP(1), h: w.parent}}
	for _, ns := range fakeNS {
		var h dns.Handler = w.servers[ns]
		if o := w.override[ns]; o != nil {
			h = o
		}
		specs = append(specs, fakeSpec{ip: fakeAddr[ns], h: h, tsig: w.tsig[ns]})
	}
	for ip, sp := range w.extra {
		sp.ip = ip
		specs = append(specs, sp)
	}
	w.port = startFakes(w.t, 0, specs...)
	w.opts.Port = w.port
	w.opts.Parents = []string{fakeIP(1)}
}

func (w *world) run() *Result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := Run(ctx, w.cfg, w.z, w.opts)
	if err != nil {
		w.t.Fatalf("Run: %v", err)
	}
	return res
}

// want is an expected finding: the fields a scenario pins.
type want struct {
	check    string
	severity Severity
	ns, addr string
	record   string
	expected string
	got      string
}

// assertFindings checks the result's findings above OK are exactly these
// (in order), and the exit code.
func assertFindings(t *testing.T, res *Result, exit int, wants ...want) {
	t.Helper()
	probs := res.Problems()
	ok := len(probs) == len(wants)
	for i := 0; ok && i < len(wants); i++ {
		f, w := probs[i], wants[i]
		ok = f.Check == w.check && f.Severity == w.severity && f.Nameserver == w.ns && f.Address == w.addr &&
			(w.record == "" || f.Record == w.record) &&
			(w.expected == "" || f.Expected == w.expected) && (w.got == "" || f.Got == w.got)
	}
	if !ok {
		var b strings.Builder
		for _, f := range probs {
			fmt.Fprintf(&b, "\n  got  %s|%s|%s|%s|%s exp=%q got=%q", f.Severity, f.Check, f.Nameserver, f.Address, f.Record, f.Expected, f.Got)
		}
		for _, w := range wants {
			fmt.Fprintf(&b, "\n  want %s|%s|%s|%s|%s exp=%q got=%q", w.severity, w.check, w.ns, w.addr, w.record, w.expected, w.got)
		}
		t.Errorf("findings differ:%s", b.String())
	}
	if got := res.Status.ExitCode(); got != exit {
		t.Errorf("exit code %d (%s), want %d", got, res.Status, exit)
	}
}

func serverOf(t *testing.T, res *Result, ns, addr string) ServerResult {
	t.Helper()
	for _, s := range res.Servers {
		if s.Nameserver == ns && s.Address == addr {
			return s
		}
	}
	t.Fatalf("no server %s %s in %+v", ns, addr, res.Servers)
	return ServerResult{}
}
