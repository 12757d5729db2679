package check

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// Modes of content comparison.
const (
	// ModeQuery asks every server for every desired RRset.
	ModeQuery = "query"
	// ModeAXFR transfers the whole zone from every server (TSIG from the
	// provider's settings) and also finds records that exist only on a
	// server. A server that refuses the transfer is compared by queries.
	ModeAXFR = "axfr"
)

// Defaults for zero Options fields.
const (
	DefaultPort        = 53
	DefaultTimeout     = 2 * time.Second
	DefaultConcurrency = 64
	DefaultInterval    = time.Second
)

// Options control a check. The zero value checks in query mode on port 53
// with 2 s timeouts and no retries; DefaultOptions adds two retries.
type Options struct {
	// Parents are the parent zone's server addresses ("IP" or "IP:port";
	// without a port, Port applies). When empty, they are found through
	// Resolver.
	Parents []string
	// Resolver is a recursive resolver ("IP" or "IP:port", port 53 by
	// default) used to find the parent servers and to resolve nameserver
	// names that iteration from the parent servers cannot. Empty: none.
	Resolver string
	// Port is the port of every nameserver query (as dig -p); 0 means 53.
	Port int
	// Mode is ModeQuery (default) or ModeAXFR.
	Mode string
	// Timeout bounds each attempt of a query or transfer; 0 means 2 s.
	Timeout time.Duration
	// Retries is how many times a query without an answer is sent again.
	Retries int
	// Concurrency bounds the queries in flight at once (at least one per
	// address); 0 means 64.
	Concurrency int
	// TSIG returns the key for zone transfers from a provider's servers.
	// Nil means: the provider's "tsig: {name, algorithm, secret}" setting.
	TSIG func(provider string) (TSIGKey, bool)
	// Provider, when set, checks only that provider's nameservers (its
	// "nameservers:" setting) and skips the zone-wide delegation checks;
	// see WaitProvider.
	Provider string
	// Interval is the pause between two checks of Wait; 0 means 1 s.
	Interval time.Duration
}

// DefaultOptions returns the options the command line starts from.
func DefaultOptions() Options {
	return Options{Port: DefaultPort, Mode: ModeQuery, Timeout: DefaultTimeout, Retries: 2, Concurrency: DefaultConcurrency}
}

func (o Options) withDefaults() (Options, error) {
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Port < 0 || o.Port > 65535 {
		return o, fmt.Errorf("port %d out of range", o.Port)
	}
	if o.Mode == "" {
		o.Mode = ModeQuery
	}
	if o.Mode != ModeQuery && o.Mode != ModeAXFR {
		return o, fmt.Errorf("mode %q: want %s or %s", o.Mode, ModeQuery, ModeAXFR)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Retries < 0 {
		return o, fmt.Errorf("retries %d: must not be negative", o.Retries)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	for _, p := range o.Parents {
		if _, err := ParseServerAddr(p, o.Port); err != nil {
			return o, fmt.Errorf("parent: %w", err)
		}
	}
	if o.Resolver != "" {
		if _, err := ParseServerAddr(o.Resolver, 53); err != nil {
			return o, fmt.Errorf("resolver: %w", err)
		}
	}
	return o, nil
}

// nsInfo is one nameserver name and what is known about it.
type nsInfo struct {
	name     string
	provider string
	sources  []string
	glue     []netip.Addr
	auth     []netip.Addr
	authErr  error
	resolved bool
}

func (n *nsInfo) addSource(s string) {
	if !slices.Contains(n.sources, s) {
		n.sources = append(n.sources, s)
	}
}

func (n *nsInfo) has(s string) bool { return slices.Contains(n.sources, s) }

// blind reports whether the name has no address only because the servers
// the check starts from (parent servers, resolver) did not answer.
func (n *nsInfo) blind() bool {
	var be *blindError
	return len(n.addrs()) == 0 && errors.As(n.authErr, &be)
}

// addrs returns the union of glue and authoritative addresses.
func (n *nsInfo) addrs() []netip.Addr {
	out := slices.Concat(n.glue, n.auth)
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// server is one (nameserver, address) pair being checked.
type server struct {
	ServerResult
	ns       *nsInfo
	addr     netip.Addr
	hostport string
	// apexNS is the apex NS RRset the server serves (nil if unknown).
	apexNS *zone.RRset
	// problem is the classification finding for a status other than ok.
	problem  *Finding
	findings []Finding
}

// run is one check of one zone.
type run struct {
	opts     Options
	cfg      *zone.Config
	z        *zone.ZoneConfig
	zone     string
	x        *exchanger
	parents  []string
	resolver string
	lookups  sync.Map
	// nsProvider maps NS names to the provider that names them.
	nsProvider map[string]string
	desired    []*zone.RRset
	// wantRdata holds each desired RRset's RDATA, sorted.
	wantRdata [][]string
	plan      zone.PlanOptions
	sem       chan struct{}
}

// Run checks zone z of cfg once. The error is non-nil only when the check
// could not run at all (bad options, no desired records, no nameserver to
// ask): the caller reports UNKNOWN. Everything the check finds, including
// unreachable parents and servers, is in the Result.
func Run(ctx context.Context, cfg *zone.Config, z *zone.ZoneConfig, opts Options) (*Result, error) {
	r, err := newRun(cfg, z, opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

func newRun(cfg *zone.Config, z *zone.ZoneConfig, opts Options) (*run, error) {
	if z == nil {
		return nil, errors.New("no zone to check")
	}
	if cfg == nil {
		cfg = &zone.Config{}
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("zone %s: %w", z.Name, err)
	}
	if z.Records == nil {
		return nil, fmt.Errorf("zone %s: no desired records", z.Name)
	}
	r := &run{
		opts:       opts,
		cfg:        cfg,
		z:          z,
		zone:       dns.CanonicalName(z.Name),
		x:          &exchanger{timeout: opts.Timeout, attempts: opts.Retries + 1},
		nsProvider: map[string]string{},
		sem:        make(chan struct{}, opts.Concurrency),
	}
	if opts.Resolver != "" {
		r.resolver, _ = ParseServerAddr(opts.Resolver, 53)
	}
	if opts.Provider != "" {
		pc := cfg.Provider(opts.Provider)
		if pc == nil {
			return nil, fmt.Errorf("zone %s: unknown provider %q", r.zone, opts.Provider)
		}
		if len(pc.Nameservers) == 0 {
			return nil, fmt.Errorf("zone %s: provider %s declares no nameservers (its \"nameservers:\" setting): cannot tell which servers are its own", r.zone, opts.Provider)
		}
	}
	// Providers of the zone first, so their claim on a name wins.
	var pcs []*zone.ProviderConfig
	for _, name := range z.Providers {
		if pc := cfg.Provider(name); pc != nil {
			pcs = append(pcs, pc)
		}
	}
	pcs = append(pcs, cfg.Providers...)
	for _, pc := range pcs {
		for _, n := range pc.Nameservers {
			n = dns.CanonicalName(n)
			if _, taken := r.nsProvider[n]; !taken {
				r.nsProvider[n] = pc.Name
			}
		}
	}
	r.plan = zone.PlanOptions{Ignore: z.Ignore, ManageApexNS: true}
	for _, set := range z.Records.Sorted() {
		if r.plan.Managed(r.zone, set.Key()) {
			r.desired = append(r.desired, set)
			rd := set.Rdata()
			slices.Sort(rd)
			r.wantRdata = append(r.wantRdata, rd)
		}
	}
	return r, nil
}

// acquire and release bound the queries in flight.
func (r *run) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *run) release() { <-r.sem }

func (r *run) run(ctx context.Context) (*Result, error) {
	start := time.Now()
	res := &Result{Zone: r.zone, Mode: r.opts.Mode, Started: start, Attempts: 1, Parents: []string{}, Delegation: []string{}}
	var zoneFindings []Finding

	parents, err := r.findParents(ctx)
	if err != nil {
		zoneFindings = append(zoneFindings, Finding{Zone: r.zone, Check: CheckDelegation, Severity: Unknown,
			Message: "could not find the parent servers: " + err.Error()})
	}
	r.parents = parents
	res.Parents = append(res.Parents, parents...)
	del := &delegation{glue: map[string][]netip.Addr{}}
	if len(parents) > 0 {
		del = r.readDelegation(ctx, parents)
		if r.opts.Provider == "" {
			zoneFindings = append(zoneFindings, del.findings...)
		}
	} else if err == nil && r.opts.Provider == "" {
		zoneFindings = append(zoneFindings, Finding{Zone: r.zone, Check: CheckDelegation, Severity: Unknown,
			Message: "no parent servers and no resolver given: the delegation was not checked"})
	}
	res.Delegation = append(res.Delegation, del.ns...)

	names := map[string]*nsInfo{}
	add := func(name, source string) *nsInfo {
		n := names[name]
		if n == nil {
			n = &nsInfo{name: name, provider: r.nsProvider[name], glue: del.glue[name]}
			names[name] = n
		}
		n.addSource(source)
		return n
	}
	if r.opts.Provider != "" {
		for _, n := range r.cfg.Provider(r.opts.Provider).Nameservers {
			add(dns.CanonicalName(n), "provider")
		}
	} else {
		if set := r.z.Records.Get(zone.Key{Name: r.zone, Type: dns.TypeNS}); set != nil {
			for _, rr := range set.Records {
				add(dns.CanonicalName(rr.(*dns.NS).Ns), "declared")
			}
		}
		for _, n := range del.ns {
			add(n, "parent")
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("zone %s: no nameservers to check: the zone declares no apex NS records and the parent's delegation could not be read", r.zone)
	}

	servers := r.probeNames(ctx, names, nil)
	if r.opts.Provider == "" {
		// Names only the servers' apex NS sets carry: one more round.
		fresh := map[string]*nsInfo{}
		for _, s := range servers {
			if s.apexNS == nil {
				continue
			}
			for _, rr := range s.apexNS.Records {
				n := dns.CanonicalName(rr.(*dns.NS).Ns)
				if names[n] == nil {
					fresh[n] = add(n, "apex")
				}
				names[n].addSource("apex")
			}
		}
		if len(fresh) > 0 {
			servers = r.probeNames(ctx, fresh, servers)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("zone %s: %w", r.zone, err)
	}

	r.compareAll(ctx, servers)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("zone %s: %w", r.zone, err)
	}

	findings := slices.Clone(zoneFindings)
	findings = append(findings, r.serverFindings(names, servers)...)
	findings = append(findings, r.lagging(servers)...)
	if r.opts.Provider == "" {
		findings = append(findings, r.delegationFindings(del, names, servers)...)
	}
	sortFindings(findings)
	res.Findings = findings
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	for _, s := range servers {
		res.Servers = append(res.Servers, s.ServerResult)
	}
	if res.Servers == nil {
		res.Servers = []ServerResult{}
	}
	for _, f := range findings {
		res.Status = Worst(res.Status, f.Severity)
	}
	res.Duration = time.Since(start)
	return res, nil
}

// probeNames resolves the given names and probes each of their addresses;
// it returns those servers added to have, sorted.
func (r *run) probeNames(ctx context.Context, names map[string]*nsInfo, have []*server) []*server {
	var wg sync.WaitGroup
	for _, n := range names {
		if n.resolved {
			continue
		}
		wg.Go(func() {
			n.auth, n.authErr = r.lookup(ctx, n.name)
			n.resolved = true
		})
	}
	wg.Wait()
	var fresh []*server
	for _, n := range names {
		auth := n.auth
		for _, ip := range n.addrs() {
			if slices.ContainsFunc(have, func(s *server) bool { return s.ns == n && s.addr == ip }) {
				continue
			}
			s := &server{ns: n, addr: ip, hostport: hostPort(ip, r.opts.Port)}
			s.Nameserver, s.Address, s.Provider = n.name, ip.String(), n.provider
			if slices.Contains(n.glue, ip) {
				s.AddressSources = append(s.AddressSources, "glue")
			}
			if slices.Contains(auth, ip) {
				s.AddressSources = append(s.AddressSources, "authoritative")
			}
			fresh = append(fresh, s)
		}
	}
	for _, s := range fresh {
		wg.Go(func() {
			if r.acquire(ctx) != nil {
				return
			}
			defer r.release()
			r.probe(ctx, s)
		})
	}
	wg.Wait()
	out := append(have, fresh...)
	slices.SortFunc(out, func(a, b *server) int {
		if c := strings.Compare(a.Nameserver, b.Nameserver); c != 0 {
			return c
		}
		return a.addr.Compare(b.addr)
	})
	for _, s := range out {
		s.Sources = slices.Clone(s.ns.sources)
		slices.Sort(s.Sources)
	}
	return out
}

// probe asks one address for the zone's SOA and classifies it: ok,
// unreachable, lame or not authoritative. An ok server is asked for its
// apex NS set too.
func (r *run) probe(ctx context.Context, s *server) {
	c := r.x.conn(s.hostport)
	defer func() {
		s.TCP += c.tcps
		c.close()
	}()
	fail := func(status, detail, format string, args ...any) {
		s.Status, s.Detail = status, detail
		s.problem = &Finding{Zone: r.zone, Check: status, Severity: Critical, Nameserver: s.Nameserver,
			Address: s.Address, Provider: s.Provider, Record: r.zone + " SOA", Got: detail,
			Message: fmt.Sprintf(format, args...)}
	}
	s.Queries++
	resp, err := c.exchange(ctx, msg(r.zone, dns.TypeSOA, false))
	if err != nil {
		fail(StatusUnreachable, err.Error(), "no answer from %s after %d attempt(s): %v", s.Address, r.x.attempts, err)
		return
	}
	p := classify(resp, r.zone)
	s.Serial, s.HasSerial = p.serial, p.hasSerial
	if p.status != StatusOK {
		fail(p.status, p.detail, "%s", p.message)
		return
	}
	s.Status = StatusOK
	s.Queries++
	resp, err = c.exchange(ctx, msg(r.zone, dns.TypeNS, false))
	if err == nil && resp.Rcode == dns.RcodeSuccess {
		set, _ := rrsetFrom(resp.Answer, r.zone, dns.TypeNS)
		s.apexNS = set
	}
}

// probeResult is the classification of an answer to the apex SOA query.
type probeResult struct {
	status, detail, message string
	serial                  uint32
	hasSerial               bool
}

// classify reads an answer to "zone SOA" (RD=0): ok with the serial when
// authoritative; lame for an error rcode (NXDOMAIN included), a referral
// or an answer without the SOA; not authoritative without the AA bit.
func classify(resp *dns.Msg, zone string) probeResult {
	if resp.Rcode != dns.RcodeSuccess {
		rc := rcodeName(resp.Rcode)
		return probeResult{status: StatusLame, detail: rc, message: fmt.Sprintf("answers %s for the zone's apex: it does not serve the zone", rc)}
	}
	var soa *dns.SOA
	for _, rr := range resp.Answer {
		if t, ok := rr.(*dns.SOA); ok && strings.EqualFold(t.Hdr.Name, zone) {
			soa = t
		}
	}
	if soa == nil {
		if cut, _ := referral(resp, zone); cut != "" {
			return probeResult{status: StatusLame, detail: "referral to " + cut,
				message: fmt.Sprintf("answers the zone's apex with a referral to %s: it does not serve the zone", cut)}
		}
		return probeResult{status: StatusLame, detail: "no SOA", message: "answers the zone's apex without its SOA record: it does not serve the zone"}
	}
	p := probeResult{status: StatusOK, serial: soa.Serial, hasSerial: true}
	if !resp.Authoritative {
		p.status, p.detail, p.message = StatusNotAuthoritative, "AA=0", "answers for the zone without the authoritative (AA) bit"
	}
	return p
}

// serverFindings returns the classification findings and the content
// findings of every server. A failing address is CRITICAL, or WARNING when
// another address of the same nameserver is ok. A name without any address
// is CRITICAL.
func (r *run) serverFindings(names map[string]*nsInfo, servers []*server) []Finding {
	var out []Finding
	okByName := map[string]bool{}
	for _, s := range servers {
		if s.Status == StatusOK {
			okByName[s.Nameserver] = true
		}
	}
	for _, s := range servers {
		if s.problem != nil {
			f := *s.problem
			if okByName[s.Nameserver] {
				f.Severity = Warning
				f.Message += " (another address of this nameserver works)"
			}
			out = append(out, f)
		}
		out = append(out, s.findings...)
	}
	for _, n := range sortedNames(names) {
		if len(n.addrs()) > 0 {
			continue
		}
		sev, msg := Critical, "the name has no A or AAAA record (no glue, nothing authoritative)"
		if n.authErr != nil {
			msg = "could not resolve the name: " + n.authErr.Error()
		}
		if n.blind() {
			// The check could not see: not evidence that the name is broken.
			sev, msg = Unknown, "could not look the name up, nothing answered: "+n.authErr.Error()
		}
		out = append(out, Finding{Zone: r.zone, Check: CheckUnresolvable, Severity: sev, Nameserver: n.name,
			Provider: n.provider, Message: msg})
	}
	return out
}

func sortedNames(names map[string]*nsInfo) []*nsInfo {
	out := make([]*nsInfo, 0, len(names))
	for _, n := range names {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *nsInfo) int { return strings.Compare(a.name, b.name) })
	return out
}

// lagging compares the SOA serials of servers of the same provider (a
// nameserver no provider names is its own group): a serial behind the
// newest of its group (RFC 1982) is a WARNING. Serials of different
// providers are never compared.
func (r *run) lagging(servers []*server) []Finding {
	groups := map[string][]*server{}
	var keys []string
	for _, s := range servers {
		if s.Status != StatusOK || !s.HasSerial {
			continue
		}
		k := "provider " + s.Provider
		if s.Provider == "" {
			k = "nameserver " + s.Nameserver
		}
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], s)
	}
	slices.Sort(keys)
	var out []Finding
	for _, k := range keys {
		g := groups[k]
		serials := make([]uint32, len(g))
		for i, s := range g {
			serials[i] = s.Serial
		}
		newest, ok := NewestSerial(serials)
		for _, s := range g {
			if s.Serial == newest {
				continue
			}
			msg := fmt.Sprintf("SOA serial %d is behind %d, served by another server of %s", s.Serial, newest, k)
			if !ok {
				msg = fmt.Sprintf("SOA serial %d cannot be ordered against the other serials of %s (RFC 1982)", s.Serial, k)
			}
			out = append(out, Finding{Zone: r.zone, Check: CheckLagging, Severity: Warning, Nameserver: s.Nameserver,
				Address: s.Address, Provider: s.Provider, Record: r.zone + " SOA",
				Expected: fmt.Sprint(newest), Got: fmt.Sprint(s.Serial), Message: msg})
		}
	}
	return out
}

// delegationFindings compares the parent's NS set with the declared (or
// else the served) apex NS set, finds providers missing from the
// delegation, glue that differs from the authoritative addresses, and too
// little redundancy among the working nameservers.
func (r *run) delegationFindings(del *delegation, names map[string]*nsInfo, servers []*server) []Finding {
	var out []Finding
	ref, refName := []string{}, "declared apex NS set"
	for _, n := range sortedNames(names) {
		if n.has("declared") {
			ref = append(ref, n.name)
		}
	}
	if len(ref) == 0 {
		refName = "apex NS set the servers serve"
		for _, n := range sortedNames(names) {
			if n.has("apex") {
				ref = append(ref, n.name)
			}
		}
	}
	if del.ok && len(ref) > 0 {
		exp, got := strings.Join(ref, " "), strings.Join(del.ns, " ")
		for _, n := range sortedNames(names) {
			inParent, inRef := slices.Contains(del.ns, n.name), slices.Contains(ref, n.name)
			switch {
			case inParent && !inRef:
				out = append(out, Finding{Zone: r.zone, Check: CheckDelegation, Severity: Warning, Nameserver: n.name,
					Provider: n.provider, Record: r.zone + " NS", Expected: exp, Got: got,
					Message: fmt.Sprintf("the parent delegates to %s, which the %s does not name", n.name, refName)})
			case inRef && !inParent:
				out = append(out, Finding{Zone: r.zone, Check: CheckDelegation, Severity: Warning, Nameserver: n.name,
					Provider: n.provider, Record: r.zone + " NS", Expected: exp, Got: got,
					Message: fmt.Sprintf("the %s names %s, but the parent does not delegate to it", refName, n.name)})
			}
		}
	}
	if del.ok {
		for _, p := range r.z.Providers {
			pc := r.cfg.Provider(p)
			if pc == nil || len(pc.Nameservers) == 0 {
				continue
			}
			if slices.ContainsFunc(pc.Nameservers, func(n string) bool { return slices.Contains(del.ns, dns.CanonicalName(n)) }) {
				continue
			}
			out = append(out, Finding{Zone: r.zone, Check: CheckProviderMissing, Severity: Critical, Provider: p,
				Record: r.zone + " NS", Expected: "one of " + strings.Join(pc.Nameservers, " "), Got: strings.Join(del.ns, " "),
				Message: fmt.Sprintf("provider %s has no nameserver in the parent's delegation: resolvers never ask it", p)})
		}
	}
	for _, n := range sortedNames(names) {
		if len(n.glue) == 0 || n.authErr != nil || !n.resolved {
			continue
		}
		for _, is4 := range []bool{true, false} {
			glue := familyOf(n.glue, is4)
			if len(glue) == 0 {
				continue
			}
			auth := familyOf(n.auth, is4)
			if slices.Equal(glue, auth) {
				continue
			}
			rtype := "A"
			if !is4 {
				rtype = "AAAA"
			}
			out = append(out, Finding{Zone: r.zone, Check: CheckGlue, Severity: Warning, Nameserver: n.name,
				Provider: n.provider, Record: n.name + " " + rtype, Expected: addrList(auth), Got: addrList(glue),
				Message: "the parent's glue differs from the nameserver's authoritative addresses"})
		}
	}
	// Redundancy among the nameservers resolvers use: the delegation's, or
	// every known one when it could not be read.
	working := map[string]string{}
	for _, s := range servers {
		if s.Status != StatusOK || (del.ok && !slices.Contains(del.ns, s.Nameserver)) {
			continue
		}
		working[s.Nameserver] = s.Provider
	}
	// Names the check could not look up may be working ones.
	var unseen []string
	why := ""
	for _, n := range sortedNames(names) {
		if n.blind() && (!del.ok || slices.Contains(del.ns, n.name)) {
			unseen = append(unseen, n.name)
			why = n.authErr.Error()
		}
	}
	var wnames []string
	provs := map[string]bool{}
	unmapped := false
	for n, p := range working {
		wnames = append(wnames, n)
		if p == "" {
			unmapped = true
		} else {
			provs[p] = true
		}
	}
	slices.Sort(wnames)
	switch {
	case len(working) < 2 && len(working)+len(unseen) >= 2:
		out = append(out, Finding{Zone: r.zone, Check: CheckRedundancy, Severity: Unknown, Expected: "at least 2",
			Got: fmt.Sprint(len(working)), Message: fmt.Sprintf("cannot count the working nameservers: %d could not be looked up (%s), nothing answered: %s; working: %s",
				len(unseen), strings.Join(unseen, " "), why, orNone(strings.Join(wnames, " ")))})
	case len(working) < 2:
		out = append(out, Finding{Zone: r.zone, Check: CheckRedundancy, Severity: Critical, Expected: "at least 2",
			Got: fmt.Sprint(len(working)), Message: fmt.Sprintf("only %d working nameserver(s): %s", len(working), orNone(strings.Join(wnames, " ")))})
	case len(r.z.Providers) > 1 && len(provs) == 1 && !unmapped:
		var p string
		for p = range provs {
		}
		out = append(out, Finding{Zone: r.zone, Check: CheckRedundancy, Severity: Critical, Provider: p,
			Expected: "working nameservers at 2 or more providers", Got: "only at " + p,
			Message: fmt.Sprintf("every working nameserver belongs to provider %s: %s", p, strings.Join(wnames, " "))})
	}
	return out
}

func familyOf(addrs []netip.Addr, is4 bool) []netip.Addr {
	var out []netip.Addr
	for _, a := range addrs {
		if a.Is4() == is4 {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

func addrList(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// sortFindings orders findings: zone-wide ones first, then by nameserver,
// address, check and record.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		for _, c := range [][2]string{{a.Nameserver, b.Nameserver}, {a.Address, b.Address}, {a.Check, b.Check}, {a.Record, b.Record}, {a.Provider, b.Provider}} {
			if r := strings.Compare(c[0], c[1]); r != 0 {
				return r
			}
		}
		return 0
	})
}

// Wait runs the check until every server serves the desired data
// (Result.Converged) or the wait is over, pausing opts.Interval between
// runs, and returns the last result; its Attempts says how many runs it
// took. It fails only as Run does, or when ctx ends (with the last result).
func Wait(ctx context.Context, cfg *zone.Config, z *zone.ZoneConfig, opts Options, wait time.Duration) (*Result, error) {
	deadline := time.Now().Add(wait)
	interval := opts.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	for attempt := 1; ; attempt++ {
		res, err := Run(ctx, cfg, z, opts)
		if err != nil {
			return nil, err
		}
		res.Attempts = attempt
		pause := min(interval, time.Until(deadline))
		if res.Converged() || pause <= 0 {
			return res, nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, ctx.Err()
		case <-t.C:
		}
	}
}

// WaitProvider waits, as Wait does, until the nameservers of one provider
// (its "nameservers:" setting) serve the desired data of zone z; the other
// providers' servers are not asked. sync --staged calls it after applying
// to that provider. It fails when the provider declares no nameservers.
func WaitProvider(ctx context.Context, cfg *zone.Config, z *zone.ZoneConfig, provider string, opts Options, wait time.Duration) (*Result, error) {
	opts.Provider = provider
	return Wait(ctx, cfg, z, opts, wait)
}
