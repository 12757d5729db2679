package check

// The scenario matrix on the lab's real servers (BIND 9, Knot, PowerDNS,
// NSD and the NSD parent for test.), zone check.test. Fakes stand in only
// for what the shared lab must not or cannot do: a parent that lies, a
// stopped server, a server without AA. Each scenario asserts the exact
// findings and the exit code, and restores what it changed.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/zone"
)

// labSetup loads the baseline and returns the env, config and options.
func labSetup(t *testing.T) (labtest.Env, *lab) {
	env := labtest.Load(t)
	labBaseline(t, env)
	cfg, z := labConfig(t, env)
	return env, &lab{t: t, env: env, cfg: cfg, z: z, opts: labOptions(env)}
}

type lab struct {
	t    *testing.T
	env  labtest.Env
	cfg  *zone.Config
	z    *zone.ZoneConfig
	opts Options
}

func (l *lab) run() *Result {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, l.cfg, l.z, l.opts)
	if err != nil {
		l.t.Fatalf("Run: %v", err)
	}
	return res
}

// ns and ip return a lab server's NS name and address.
func (l *lab) ns(provider string) string { return l.env[labKeyOf(provider).nsKey] }
func (l *lab) ip(provider string) string { return l.env[labKeyOf(provider).addrKey] }

func labKeyOf(provider string) struct{ provider, addrKey, nsKey string } {
	for _, s := range labServers {
		if s.provider == provider {
			return s
		}
	}
	panic(provider)
}

// fakeParent returns a fake parent that mirrors the real one: the lab's
// delegation with glue, and the NS names' addresses.
func (l *lab) fakeParent() *fakeParent {
	p := &fakeParent{delegations: map[string][]string{labZone: nil}, glue: map[string][]string{}, hosts: map[string][]string{}}
	for _, s := range labServers {
		n := l.env[s.nsKey]
		p.delegations[labZone] = append(p.delegations[labZone], n)
		p.glue[n] = []string{l.env[s.addrKey]}
		p.hosts[n] = []string{l.env[s.addrKey]}
	}
	return p
}

// useFakes starts the fake parent (and other fakes) on the lab port and
// points the check at the fake parent.
func (l *lab) useFakes(p *fakeParent, extra ...fakeSpec) {
	port, _ := strconv.Atoi(l.env["LAB_PORT"])
	startFakes(l.t, port, append([]fakeSpec{{ip: fakeIP(1), h: p}}, extra...)...)
	l.opts.Parents = []string{fakeIP(1)}
}

func TestLabHealthy(t *testing.T) {
	env, l := labSetup(t)
	serials := map[uint32]bool{}
	for _, s := range labServers {
		serials[labSerial(t, env, s.addrKey)] = true
	}
	if len(serials) != 4 {
		t.Fatalf("the scenario wants four different serials, got %v", serials)
	}
	res := l.run()
	assertFindings(t, res, 0)
	if len(res.Servers) != 4 || strings.Join(res.Delegation, " ") != "ns1.bind.lab.test. ns1.knot.lab.test. ns1.nsd.lab.test. ns1.pdns.lab.test." {
		t.Fatalf("servers %+v delegation %v", res.Servers, res.Delegation)
	}
	for _, s := range res.Servers {
		if s.Status != StatusOK || s.Mode != ModeQuery || s.RRsets != len(l.z.Records.Sorted())-1 {
			t.Errorf("%s: %+v", s.Nameserver, s)
		}
		// The 40-record TXT RRset does not fit in UDP: TCP was needed.
		if s.TCP < 1 {
			t.Errorf("%s: no answer over TCP; the big RRset was not compared over TCP", s.Nameserver)
		}
	}
	t.Run("axfr", func(t *testing.T) {
		l.opts.Mode = ModeAXFR
		key := labKey(env)
		l.opts.TSIG = func(string) (TSIGKey, bool) { return key, true }
		res := l.run()
		assertFindings(t, res, 0)
		for _, s := range res.Servers {
			if s.Mode != ModeAXFR {
				t.Errorf("%s compared by %s", s.Nameserver, s.Mode)
			}
		}
	})
}

// The config has TSIG keys for the rfc2136 providers only: PowerDNS
// (NOTAUTH) and NSD (REFUSED) refuse the unsigned transfer and are
// compared by queries, which the result says.
func TestLabAXFRKeysFromConfig(t *testing.T) {
	_, l := labSetup(t)
	l.opts.Mode = ModeAXFR
	res := l.run()
	assertFindings(t, res, 0)
	modes := map[string]string{}
	notes := map[string]string{}
	for _, s := range res.Servers {
		modes[s.Provider] = s.Mode
	}
	for _, f := range res.Findings {
		if f.Check == CheckAXFR {
			notes[f.Provider] = f.Got
		}
	}
	if modes["bind"] != ModeAXFR || modes["knot"] != ModeAXFR || modes["pdns"] != ModeQuery || modes["nsd"] != ModeQuery {
		t.Errorf("modes %v", modes)
	}
	if notes["pdns"] != "NOTAUTH" || notes["nsd"] != "REFUSED" || len(notes) != 2 {
		t.Errorf("fallback notes %v", notes)
	}
}

func TestLabChangedBehindOurBack(t *testing.T) {
	env, l := labSetup(t)
	labReplace(t, env, "LAB_KNOT", "mail 300 A 192.0.2.99")
	labReplace(t, env, "LAB_BIND", "v6 600 AAAA 2001:db8::1")
	t.Cleanup(func() {
		labReplace(t, env, "LAB_KNOT", "mail 300 A 192.0.2.25", "mail 300 A 192.0.2.26")
		labReplace(t, env, "LAB_BIND", "v6 300 AAAA 2001:db8::1")
	})
	for _, mode := range []string{ModeQuery, ModeAXFR} {
		t.Run(mode, func(t *testing.T) {
			l.opts.Mode = mode
			key := labKey(env)
			l.opts.TSIG = func(string) (TSIGKey, bool) { return key, true }
			assertFindings(t, l.run(), 2,
				want{check: CheckTTL, severity: Warning, ns: l.ns("bind"), addr: l.ip("bind"), record: "v6.check.test. AAAA", expected: "300", got: "600"},
				want{check: CheckDrift, severity: Critical, ns: l.ns("knot"), addr: l.ip("knot"), record: "mail.check.test. A",
					expected: "192.0.2.25, 192.0.2.26", got: "192.0.2.99"})
		})
	}
}

func TestLabExtraRecordAXFR(t *testing.T) {
	env, l := labSetup(t)
	labReplace(t, env, "LAB_PDNS", `extra 300 TXT "only on powerdns"`, `_acme-challenge.www 300 TXT "ignored"`)
	t.Cleanup(func() { labRemove(t, env, "LAB_PDNS", "extra TXT", "_acme-challenge.www TXT") })
	key := labKey(env)
	l.opts.TSIG = func(string) (TSIGKey, bool) { return key, true }
	l.opts.Mode = ModeAXFR
	assertFindings(t, l.run(), 2,
		want{check: CheckExtra, severity: Critical, ns: l.ns("pdns"), addr: l.ip("pdns"), record: "extra.check.test. TXT", got: `"only on powerdns"`})
	// Query mode asks only for desired RRsets: it cannot see the extra one.
	l.opts.Mode = ModeQuery
	assertFindings(t, l.run(), 0)
}

func TestLabServerStopped(t *testing.T) {
	_, l := labSetup(t)
	p := l.fakeParent()
	// NSD's name points at an address nothing listens on (the shared lab's
	// servers are never stopped), and at a server that never answers.
	p.glue[l.ns("nsd")] = []string{fakeIP(99)}
	p.hosts[l.ns("nsd")] = []string{fakeIP(99)}
	l.useFakes(p)
	assertFindings(t, l.run(), 2,
		want{check: CheckUnreachable, severity: Critical, ns: l.ns("nsd"), addr: fakeIP(99), record: "check.test. SOA", got: "connection refused"})

	p.edit(func() {
		p.glue[l.ns("nsd")] = []string{fakeIP(98)}
		p.hosts[l.ns("nsd")] = []string{fakeIP(98)}
	})
	port, _ := strconv.Atoi(l.env["LAB_PORT"])
	startFakes(t, port, fakeSpec{ip: fakeIP(98), h: &fakeZone{silent: true}})
	l.opts.Timeout = 200 * time.Millisecond
	assertFindings(t, l.run(), 2,
		want{check: CheckUnreachable, severity: Critical, ns: l.ns("nsd"), addr: fakeIP(98), record: "check.test. SOA", got: "timeout"})
}

func TestLabZoneRemovedIsLame(t *testing.T) {
	env, l := labSetup(t)
	p := l.fakeParent()
	// The real parent server does not serve check.test.: it answers the
	// apex with its referral.
	p.glue[l.ns("nsd")] = []string{env["LAB_PARENT"]}
	p.hosts[l.ns("nsd")] = []string{env["LAB_PARENT"]}
	l.useFakes(p)
	assertFindings(t, l.run(), 2,
		want{check: CheckLame, severity: Critical, ns: l.ns("nsd"), addr: env["LAB_PARENT"], record: "check.test. SOA", got: "referral to check.test."})
}

func TestLabAnswerWithoutAA(t *testing.T) {
	env, l := labSetup(t)
	p := l.fakeParent()
	p.glue[l.ns("nsd")] = []string{fakeIP(20)}
	p.hosts[l.ns("nsd")] = []string{fakeIP(20)}
	// NSD's real answers, with the AA bit cleared.
	l.useFakes(p, fakeSpec{ip: fakeIP(20), h: &proxy{upstream: env.Addr("LAB_NSD"), mutate: func(m *dns.Msg) { m.Authoritative = false }}})
	assertFindings(t, l.run(), 2,
		want{check: CheckNotAuthoritative, severity: Critical, ns: l.ns("nsd"), addr: fakeIP(20), record: "check.test. SOA", got: "AA=0"})
}

func TestLabParentMissesProvider(t *testing.T) {
	_, l := labSetup(t)
	p := l.fakeParent()
	p.delegations[labZone] = []string{l.ns("bind"), l.ns("knot"), l.ns("pdns")}
	l.useFakes(p)
	res := l.run()
	assertFindings(t, res, 2,
		want{check: CheckProviderMissing, severity: Critical, record: "check.test. NS", expected: "one of " + l.ns("nsd")},
		want{check: CheckDelegation, severity: Warning, ns: l.ns("nsd"), record: "check.test. NS"})
	if f := res.Problems()[0]; f.Provider != "nsd" {
		t.Errorf("provider %q", f.Provider)
	}
	// NSD is still checked: the declared and apex NS sets name it.
	if s := serverOf(t, res, l.ns("nsd"), l.ip("nsd")); s.Status != StatusOK || slicesEqual(s.Sources, []string{"parent"}) {
		t.Errorf("nsd: %+v", s)
	}
}

func TestLabParentNamesUnknownNameserver(t *testing.T) {
	env, l := labSetup(t)
	p := l.fakeParent()
	extra := "ns2.bind.lab.test."
	p.delegations[labZone] = append(p.delegations[labZone], extra)
	p.glue[extra] = []string{env["LAB_BIND"]}
	p.hosts[extra] = []string{env["LAB_BIND"]}
	l.useFakes(p)
	res := l.run()
	assertFindings(t, res, 1,
		want{check: CheckDelegation, severity: Warning, ns: extra, record: "check.test. NS"})
	if s := serverOf(t, res, extra, env["LAB_BIND"]); s.Status != StatusOK || !slicesEqual(s.Sources, []string{"parent"}) {
		t.Errorf("%s: %+v", extra, s)
	}
}

func TestLabGlueDiffers(t *testing.T) {
	_, l := labSetup(t)
	p := l.fakeParent()
	p.glue[l.ns("knot")] = []string{fakeIP(97)}
	l.useFakes(p)
	assertFindings(t, l.run(), 1,
		want{check: CheckGlue, severity: Warning, ns: l.ns("knot"), record: l.ns("knot") + " A", expected: l.ip("knot"), got: fakeIP(97)},
		want{check: CheckUnreachable, severity: Warning, ns: l.ns("knot"), addr: fakeIP(97)})
}

func TestLabStaleSerial(t *testing.T) {
	env, l := labSetup(t)
	serial := labSerial(t, env, "LAB_KNOT")
	p := l.fakeParent()
	// Knot's name gets a second server: a copy of Knot one serial behind.
	p.hosts[l.ns("knot")] = []string{l.ip("knot"), fakeIP(21)}
	p.glue[l.ns("knot")] = []string{l.ip("knot"), fakeIP(21)}
	stale := &proxy{upstream: env.Addr("LAB_KNOT"), mutate: func(m *dns.Msg) {
		for _, rr := range m.Answer {
			if soa, ok := rr.(*dns.SOA); ok {
				soa.Serial--
			}
		}
	}}
	l.useFakes(p, fakeSpec{ip: fakeIP(21), h: stale})
	assertFindings(t, l.run(), 1,
		want{check: CheckLagging, severity: Warning, ns: l.ns("knot"), addr: fakeIP(21), record: "check.test. SOA",
			expected: strconv.FormatUint(uint64(serial), 10), got: strconv.FormatUint(uint64(serial-1), 10)})
}

func TestLabUnreachableIPv6BesideIPv4(t *testing.T) {
	for _, v6 := range []string{"::1", "::ffff:127.0.44.99"} {
		t.Run(v6, func(t *testing.T) {
			_, l := labSetup(t)
			p := l.fakeParent()
			p.hosts[l.ns("bind")] = []string{l.ip("bind"), v6}
			l.useFakes(p)
			assertFindings(t, l.run(), 1,
				want{check: CheckUnreachable, severity: Warning, ns: l.ns("bind"), addr: v6, record: "check.test. SOA"})
		})
	}
}

// The zone as the lab leaves it: only SOA and NS. Against the desired
// content that is drift on every server for every RRset, and the check
// says exactly that.
func TestLabDesiredMissingEverywhere(t *testing.T) {
	env, l := labSetup(t)
	l.z.Records.Add(mustRR("nowhere.check.test. 300 A 192.0.2.77"))
	res := l.run()
	var ws []want
	for _, s := range labServers {
		ws = append(ws, want{check: CheckDrift, severity: Critical, ns: env[s.nsKey], addr: env[s.addrKey], record: "nowhere.check.test. A", got: "NXDOMAIN"})
	}
	sortWants(ws)
	assertFindings(t, res, 2, ws...)
}

func sortWants(ws []want) {
	for i := range ws {
		for j := i + 1; j < len(ws); j++ {
			if ws[j].ns < ws[i].ns {
				ws[i], ws[j] = ws[j], ws[i]
			}
		}
	}
}

// The fallback of TestMain's restore (when lab.sh reset cannot get
// through to PowerDNS) leaves only the SOA and apex NS on every server.
func TestLabCleanRestoresZone(t *testing.T) {
	env, l := labSetup(t)
	defer labForget()
	if err := labClean(env); err != nil {
		t.Fatal(err)
	}
	key := labKey(env)
	l.opts.Mode = ModeAXFR
	l.opts.TSIG = func(string) (TSIGKey, bool) { return key, true }
	l.z.Records = zone.MustParse(labZone, "$TTL 300\n"+strings.Join(labNS(env), "\n"))
	assertFindings(t, l.run(), 0)
}
