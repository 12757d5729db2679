package check

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// maxReferrals bounds how many referrals one name resolution follows.
const maxReferrals = 8

// ParseServerAddr parses a server address given as "IP", "IP:port" or
// "[IPv6]:port"; port 0 means defaultPort. Host names are refused: a check
// must know exactly which server it asks.
func ParseServerAddr(s string, defaultPort int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty server address")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return "", fmt.Errorf("server address %q: port 0", s)
		}
		return ap.String(), nil
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return "", fmt.Errorf("server address %q: want IP, IP:port or [IPv6]:port", s)
	}
	if ip.Zone() != "" {
		return "", fmt.Errorf("server address %q: zoned addresses are not supported", s)
	}
	if defaultPort <= 0 || defaultPort > 65535 {
		return "", fmt.Errorf("server address %q: bad port %d", s, defaultPort)
	}
	return netip.AddrPortFrom(ip, uint16(defaultPort)).String(), nil
}

// hostPort joins an address with the nameserver port.
func hostPort(ip netip.Addr, port int) string {
	return net.JoinHostPort(ip.String(), strconv.Itoa(port))
}

// delegation is what the parent servers say about the zone.
type delegation struct {
	// ok is true when at least one parent server answered with a
	// delegation (or with an authoritative apex NS set).
	ok bool
	// ns is the union of the parents' NS names, sorted.
	ns []string
	// glue holds the parents' A/AAAA for the NS names.
	glue map[string][]netip.Addr
	// findings about the parent servers themselves.
	findings []Finding
}

// parentAnswer is one parent server's view of the delegation.
type parentAnswer struct {
	server string
	ns     []string
	glue   map[string][]netip.Addr
	// problem is set when the answer holds no delegation.
	problem *Finding
}

// readDelegation asks every parent server for the zone's NS set with RD=0
// and reads the referral: NS records in the authority section (or, from a
// parent that also serves the zone, the answer), glue in the additional
// section.
func (r *run) readDelegation(ctx context.Context, parents []string) *delegation {
	answers := make([]parentAnswer, len(parents))
	var wg sync.WaitGroup
	for i, p := range parents {
		wg.Go(func() {
			answers[i] = r.askParent(ctx, p)
		})
	}
	wg.Wait()
	d := &delegation{glue: map[string][]netip.Addr{}}
	var sets []string
	for _, a := range answers {
		if a.problem != nil {
			d.findings = append(d.findings, *a.problem)
			continue
		}
		d.ok = true
		sets = append(sets, strings.Join(a.ns, " "))
		for _, n := range a.ns {
			if !slices.Contains(d.ns, n) {
				d.ns = append(d.ns, n)
			}
		}
		for n, addrs := range a.glue {
			for _, ip := range addrs {
				if !slices.Contains(d.glue[n], ip) {
					d.glue[n] = append(d.glue[n], ip)
				}
			}
		}
	}
	slices.Sort(d.ns)
	for _, addrs := range d.glue {
		slices.SortFunc(addrs, netip.Addr.Compare)
	}
	if !d.ok {
		msg := "no parent server answered with a delegation: the delegation was not checked"
		if len(parents) == 0 {
			msg = "no parent servers: the delegation was not checked"
		}
		d.findings = append(d.findings, Finding{Zone: r.zone, Check: CheckDelegation, Severity: Unknown, Message: msg})
		return d
	}
	slices.Sort(sets)
	if sets = slices.Compact(sets); len(sets) > 1 {
		var views []string
		for _, a := range answers {
			if a.problem == nil {
				views = append(views, a.server+": "+strings.Join(a.ns, " "))
			}
		}
		d.findings = append(d.findings, Finding{Zone: r.zone, Check: CheckDelegation, Severity: Warning,
			Record: r.zone + " NS", Message: "the parent servers disagree on the delegation: " + strings.Join(views, "; ")})
	}
	return d
}

// askParent reads the delegation from one parent server.
func (r *run) askParent(ctx context.Context, server string) parentAnswer {
	a := parentAnswer{server: server, glue: map[string][]netip.Addr{}}
	bad := func(sev Severity, format string, args ...any) parentAnswer {
		a.problem = &Finding{Zone: r.zone, Check: CheckParent, Severity: sev, Address: server,
			Record: r.zone + " NS", Message: fmt.Sprintf(format, args...)}
		return a
	}
	resp, err := r.x.exchange(ctx, server, msg(r.zone, dns.TypeNS, false))
	if err != nil {
		return bad(Warning, "parent server %s gave no answer (%v)", server, err)
	}
	if resp.Rcode == dns.RcodeNameError {
		return bad(Critical, "parent server %s says the zone does not exist (NXDOMAIN)", server)
	}
	if resp.Rcode != dns.RcodeSuccess {
		return bad(Warning, "parent server %s answered %s", server, rcodeName(resp.Rcode))
	}
	section := resp.Ns
	if resp.Authoritative && hasType(resp.Answer, r.zone, dns.TypeNS) {
		// The parent's server also serves the zone itself.
		section = resp.Answer
	}
	for _, rr := range section {
		if ns, ok := rr.(*dns.NS); ok && strings.EqualFold(ns.Hdr.Name, r.zone) {
			n := dns.CanonicalName(ns.Ns)
			if !slices.Contains(a.ns, n) {
				a.ns = append(a.ns, n)
			}
		}
	}
	if len(a.ns) == 0 {
		return bad(Critical, "parent server %s has no delegation for the zone (answer without NS records for it)", server)
	}
	slices.Sort(a.ns)
	for _, rr := range resp.Extra {
		name := dns.CanonicalName(rr.Header().Name)
		if !slices.Contains(a.ns, name) {
			continue
		}
		if ip, ok := addrOf(rr); ok && !slices.Contains(a.glue[name], ip) {
			a.glue[name] = append(a.glue[name], ip)
		}
	}
	return a
}

func hasType(rrs []dns.RR, name string, t uint16) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == t && strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// addrOf returns the address of an A or AAAA record. A records give plain
// IPv4 addresses; AAAA records stay IPv6, IPv4-mapped ones included.
func addrOf(rr dns.RR) (netip.Addr, bool) {
	switch t := rr.(type) {
	case *dns.A:
		ip, ok := netip.AddrFromSlice(t.A)
		return ip.Unmap(), ok
	case *dns.AAAA:
		ip, ok := netip.AddrFromSlice(t.AAAA)
		if ok && ip.Is4() {
			ip = netip.AddrFrom16(ip.As16())
		}
		return ip, ok
	}
	return netip.Addr{}, false
}

// findParents returns the parent servers to ask: the given ones, or those
// found through the recursive resolver (the NS set of the zone enclosing
// the zone's parent name, resolved to addresses).
func (r *run) findParents(ctx context.Context) ([]string, error) {
	if len(r.opts.Parents) > 0 {
		var out []string
		for _, p := range r.opts.Parents {
			a, err := ParseServerAddr(p, r.opts.Port)
			if err != nil {
				return nil, fmt.Errorf("parent: %w", err)
			}
			out = append(out, a)
		}
		return out, nil
	}
	if r.resolver == "" {
		return nil, nil
	}
	labels := dns.SplitDomainName(r.zone)
	if len(labels) == 0 {
		return nil, errors.New("the root zone has no parent")
	}
	parentName := dns.Fqdn(strings.Join(labels[1:], "."))
	resp, err := r.x.exchange(ctx, r.resolver, msg(parentName, dns.TypeSOA, true))
	if err != nil {
		return nil, fmt.Errorf("resolver %s: SOA %s: %v", r.resolver, parentName, err)
	}
	parentZone := ""
	for _, rr := range append(slices.Clone(resp.Answer), resp.Ns...) {
		if rr.Header().Rrtype == dns.TypeSOA && dns.IsSubDomain(rr.Header().Name, parentName) {
			parentZone = dns.CanonicalName(rr.Header().Name)
			break
		}
	}
	if parentZone == "" {
		return nil, fmt.Errorf("resolver %s: no SOA for %s or above (%s)", r.resolver, parentName, rcodeName(resp.Rcode))
	}
	resp, err = r.x.exchange(ctx, r.resolver, msg(parentZone, dns.TypeNS, true))
	if err != nil {
		return nil, fmt.Errorf("resolver %s: NS %s: %v", r.resolver, parentZone, err)
	}
	var out []string
	for _, rr := range resp.Answer {
		ns, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		addrs, err := r.recursiveLookup(ctx, dns.CanonicalName(ns.Ns))
		if err != nil {
			continue
		}
		for _, ip := range addrs {
			if a := hostPort(ip, r.opts.Port); !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resolver %s: no addresses for the servers of the parent zone %s", r.resolver, parentZone)
	}
	return out, nil
}

// lookupResult is the authoritative A and AAAA addresses of a name.
type lookupResult struct {
	once  sync.Once
	addrs []netip.Addr
	err   error
}

// lookup resolves name to all its A and AAAA addresses, once per run: by
// iteration from the parent servers (RD=0, following referrals through
// glue), which finds the authoritative data without a recursive resolver;
// then, for what that cannot answer, through the resolver if there is one.
func (r *run) lookup(ctx context.Context, name string) ([]netip.Addr, error) {
	v, _ := r.lookups.LoadOrStore(name, &lookupResult{})
	lr := v.(*lookupResult)
	lr.once.Do(func() { lr.addrs, lr.err = r.doLookup(ctx, name, 0) })
	return lr.addrs, lr.err
}

func (r *run) doLookup(ctx context.Context, name string, depth int) ([]netip.Addr, error) {
	var (
		wg   sync.WaitGroup
		res  [2][]netip.Addr
		errs [2]error
	)
	for i, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		wg.Go(func() {
			res[i], errs[i] = r.iterate(ctx, name, t, r.parents, "", depth)
			if errs[i] == nil {
				return
			}
			var first *firstHopError
			firstHop := errors.As(errs[i], &first)
			if r.resolver == "" {
				if firstHop {
					errs[i] = &blindError{what: append(first.problems, "no resolver to ask")}
				}
				return
			}
			got, err := r.recursive(ctx, name, t)
			var qe *queryError
			switch {
			case err == nil:
				res[i], errs[i] = got, nil
			case firstHop && errors.As(err, &qe):
				errs[i] = &blindError{what: append(first.problems, fmt.Sprintf("resolver %s gave no answer (%v)", r.resolver, err))}
			default:
				errs[i] = fmt.Errorf("%v; resolver: %v", errs[i], err)
			}
		})
	}
	wg.Wait()
	addrs := append(res[0], res[1]...)
	if errs[0] != nil && errs[1] != nil {
		var be *blindError
		if errors.As(errs[0], &be) {
			// A lookup that got somewhere says more than a blind one.
			return nil, errs[1]
		}
		return nil, errs[0]
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return slices.Compact(addrs), nil
}

// iterate asks servers for name's records of type t with RD=0 and follows
// referrals to more specific zone cuts than cut. It returns the addresses
// of an authoritative answer (none for NXDOMAIN or NODATA).
func (r *run) iterate(ctx context.Context, name string, t uint16, servers []string, cut string, depth int) ([]netip.Addr, error) {
	if depth > maxReferrals {
		return nil, errors.New("too many referrals")
	}
	if len(servers) == 0 {
		if cut == "" {
			return nil, &firstHopError{problems: []string{"no parent servers to ask"}}
		}
		return nil, errors.New("no servers to ask")
	}
	var last error
	// silent collects, for the first hop (the parent servers), why each
	// server told nothing; a server that answered or referred clears it.
	var silent []string
	informed := false
	for _, s := range servers {
		resp, err := r.x.exchange(ctx, s, msg(name, t, false))
		if err != nil {
			last = fmt.Errorf("%s: %v", s, err)
			silent = append(silent, fmt.Sprintf("parent server %s gave no answer (%v)", s, err))
			continue
		}
		if resp.Rcode == dns.RcodeNameError && resp.Authoritative {
			return nil, nil
		}
		if resp.Rcode != dns.RcodeSuccess {
			last = fmt.Errorf("%s: %s", s, rcodeName(resp.Rcode))
			silent = append(silent, fmt.Sprintf("parent server %s answered %s", s, rcodeName(resp.Rcode)))
			continue
		}
		if resp.Authoritative {
			addrs, cname := addrsFromAnswer(resp.Answer, name, t)
			if len(addrs) == 0 && cname != "" {
				return r.iterate(ctx, cname, t, r.parents, "", depth+1)
			}
			return addrs, nil
		}
		zoneCut, nsNames := referral(resp, name)
		if zoneCut == "" || (cut != "" && (zoneCut == cut || !dns.IsSubDomain(cut, zoneCut))) {
			last = fmt.Errorf("%s: neither an answer nor a referral closer to %s", s, name)
			silent = append(silent, fmt.Sprintf("parent server %s gave neither an answer nor a referral", s))
			continue
		}
		informed = true
		var next []string
		for _, rr := range resp.Extra {
			if !slices.Contains(nsNames, dns.CanonicalName(rr.Header().Name)) {
				continue
			}
			if ip, ok := addrOf(rr); ok {
				next = append(next, hostPort(ip, r.opts.Port))
			}
		}
		if len(next) == 0 {
			// A referral without glue: resolve the servers' names first
			// (never ones inside the cut, which would need the glue).
			for _, n := range nsNames {
				if dns.IsSubDomain(zoneCut, n) {
					continue
				}
				addrs, err := r.doLookup(ctx, n, depth+1)
				if err != nil {
					continue
				}
				for _, ip := range addrs {
					next = append(next, hostPort(ip, r.opts.Port))
				}
			}
		}
		if len(next) == 0 {
			last = fmt.Errorf("%s: referral to %s without usable addresses", s, zoneCut)
			continue
		}
		return r.iterate(ctx, name, t, next, zoneCut, depth+1)
	}
	if cut == "" && !informed {
		return nil, &firstHopError{problems: silent, err: last}
	}
	return nil, last
}

// firstHopError is a lookup by iteration that failed at its first hop:
// none of the parent servers answered the question or referred it
// elsewhere. problems says, per server, why.
type firstHopError struct {
	problems []string
	err      error
}

func (e *firstHopError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return strings.Join(e.problems, "; ")
}

// blindError is a name lookup that failed because none of the servers the
// check starts from said anything about the name: the parent servers gave
// no answer or referral, and the resolver no answer (or there is none).
// Whether the name resolves is unknown; resolvers elsewhere may well find
// it. what names each silent server and why.
type blindError struct {
	what []string
}

func (e *blindError) Error() string { return strings.Join(e.what, "; ") }

// referral returns the zone cut and NS names of a referral response for
// name: NS records in the authority section owned by an ancestor of name
// (or name itself).
func referral(resp *dns.Msg, name string) (string, []string) {
	cut := ""
	var names []string
	for _, rr := range resp.Ns {
		ns, ok := rr.(*dns.NS)
		if !ok || !dns.IsSubDomain(ns.Hdr.Name, name) {
			continue
		}
		owner := dns.CanonicalName(ns.Hdr.Name)
		if cut == "" {
			cut = owner
		}
		if owner == cut {
			names = append(names, dns.CanonicalName(ns.Ns))
		}
	}
	return cut, names
}

// addrsFromAnswer returns the addresses of type t for name in an answer
// section, following a CNAME chain inside it; when the chain leaves the
// answer, it returns the name to look up next.
func addrsFromAnswer(answer []dns.RR, name string, t uint16) ([]netip.Addr, string) {
	cur := name
	for hops := 0; hops < 8; hops++ {
		var addrs []netip.Addr
		next := ""
		for _, rr := range answer {
			if !strings.EqualFold(rr.Header().Name, cur) {
				continue
			}
			if rr.Header().Rrtype == t {
				if ip, ok := addrOf(rr); ok {
					addrs = append(addrs, ip)
				}
			} else if c, ok := rr.(*dns.CNAME); ok {
				next = c.Target
			}
		}
		if len(addrs) > 0 || next == "" {
			return addrs, ""
		}
		cur = next
		if !hasOwner(answer, cur) {
			return nil, cur
		}
	}
	return nil, ""
}

func hasOwner(rrs []dns.RR, name string) bool {
	for _, rr := range rrs {
		if strings.EqualFold(rr.Header().Name, name) {
			return true
		}
	}
	return false
}

// recursive asks the recursive resolver (RD=1) for name's records of type
// t.
func (r *run) recursive(ctx context.Context, name string, t uint16) ([]netip.Addr, error) {
	resp, err := r.x.exchange(ctx, r.resolver, msg(name, t, true))
	if err != nil {
		return nil, err
	}
	if resp.Rcode == dns.RcodeNameError {
		return nil, nil
	}
	if resp.Rcode != dns.RcodeSuccess {
		return nil, errors.New(rcodeName(resp.Rcode))
	}
	addrs, _ := addrsFromAnswer(resp.Answer, name, t)
	return addrs, nil
}

// recursiveLookup resolves name to A and AAAA through the resolver only.
func (r *run) recursiveLookup(ctx context.Context, name string) ([]netip.Addr, error) {
	a, errA := r.recursive(ctx, name, dns.TypeA)
	aaaa, errAAAA := r.recursive(ctx, name, dns.TypeAAAA)
	if errA != nil && errAAAA != nil {
		return nil, errA
	}
	return append(a, aaaa...), nil
}
