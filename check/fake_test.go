package check

// Fake authoritative servers in the style of CoreDNS's dnstest.NewServer:
// real miekg/dns servers on loopback, with handlers that do what real
// servers will not do on demand (drop AA, truncate, lie, stay silent,
// refuse).

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// fakeIP returns the i-th address of the loopback range the check tests
// use for fake servers (127.0.44.0/24), so they never collide with the
// lab's 127.0.0.x servers.
func fakeIP(i int) string { return fmt.Sprintf("127.0.44.%d", i) }

// fakeNet starts fake servers that share one port, as every nameserver of
// a check does (--port).
type fakeNet struct {
	t    testing.TB
	port int
	srvs []*dns.Server
}

// fakeSpec is one fake server: its IP and handler.
type fakeSpec struct {
	ip string
	h  dns.Handler
	// tsig, when set, is the key the server accepts (for AXFR).
	tsig *TSIGKey
	// noTCP leaves TCP closed.
	noTCP bool
}

// startFakes starts every spec on one port: the given one, or a random
// free one (retrying on collisions). It returns the port.
func startFakes(t testing.TB, port int, specs ...fakeSpec) int {
	t.Helper()
	for try := 0; try < 20; try++ {
		p := port
		if p == 0 {
			p = 20000 + rand.IntN(40000)
		}
		srvs, err := listenAll(p, specs)
		if err == nil {
			t.Cleanup(func() {
				for _, s := range srvs {
					s.Shutdown()
				}
			})
			return p
		}
		if port != 0 || !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("fake servers on port %d: %v", p, err)
		}
	}
	t.Fatal("no free port for the fake servers")
	return 0
}

func listenAll(port int, specs []fakeSpec) ([]*dns.Server, error) {
	var srvs []*dns.Server
	fail := func(err error) ([]*dns.Server, error) {
		for _, s := range srvs {
			s.Shutdown()
		}
		return nil, err
	}
	for _, sp := range specs {
		addr := net.JoinHostPort(sp.ip, strconv.Itoa(port))
		var secret map[string]string
		if sp.tsig != nil {
			secret = map[string]string{dns.CanonicalName(sp.tsig.Name): sp.tsig.Secret}
		}
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return fail(err)
		}
		us := &dns.Server{PacketConn: pc, Handler: sp.h, TsigSecret: secret}
		srvs = append(srvs, us)
		if !sp.noTCP {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return fail(err)
			}
			ts := &dns.Server{Listener: l, Handler: sp.h, TsigSecret: secret}
			srvs = append(srvs, ts)
		}
	}
	for _, s := range srvs {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go s.ActivateAndServe()
		<-started
	}
	return srvs, nil
}

// rrs parses master-file lines (absolute names, or relative to origin).
func rrs(t testing.TB, origin string, lines ...string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		zp := dns.NewZoneParser(strings.NewReader(l), origin, "")
		zp.SetDefaultTTL(300)
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			out = append(out, rr)
		}
		if err := zp.Err(); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
	return out
}

// fakeZone is an authoritative server for one zone, with knobs to
// misbehave.
type fakeZone struct {
	origin  string
	records []dns.RR
	// noAA answers without the AA bit.
	noAA bool
	// truncUDP answers every UDP query with TC=1 and no records.
	truncUDP bool
	// rcode, when not 0, is the answer to every query.
	rcode int
	// silent never answers.
	silent bool
	// lie replaces the answer for "name TYPE" keys (lower case).
	lie map[string][]dns.RR
	// requireTSIG refuses unsigned AXFR with NOTAUTH.
	requireTSIG bool
	// queries counts queries by transport ("udp", "tcp").
	udpQueries, tcpQueries atomic.Int64

	indexOnce sync.Once
	index     map[string][]dns.RR
	names     map[string]bool
}

// newFakeZone serves the records as a provider would have stored them:
// normalized (owner names in punycode, lower case).
func newFakeZone(t testing.TB, origin string, lines ...string) *fakeZone {
	f := &fakeZone{origin: dns.CanonicalName(origin)}
	for _, rr := range rrs(t, origin, lines...) {
		n, err := zone.Normalize(rr)
		if err != nil {
			t.Fatal(err)
		}
		f.records = append(f.records, n)
	}
	return f
}

func (f *fakeZone) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	tcp := w.RemoteAddr().Network() == "tcp"
	if tcp {
		f.tcpQueries.Add(1)
	} else {
		f.udpQueries.Add(1)
	}
	if f.silent || len(r.Question) != 1 {
		return
	}
	q := r.Question[0]
	m := new(dns.Msg)
	m.SetReply(r)
	if f.rcode != 0 {
		m.Rcode = f.rcode
		w.WriteMsg(m)
		return
	}
	if q.Qtype == dns.TypeAXFR {
		f.axfr(w, r)
		return
	}
	if !dns.IsSubDomain(f.origin, q.Name) {
		m.Rcode = dns.RcodeRefused
		w.WriteMsg(m)
		return
	}
	m.Authoritative = !f.noAA
	name := dns.CanonicalName(q.Name)
	if lie, ok := f.lie[name+" "+dns.TypeToString[q.Qtype]]; ok {
		m.Answer = lie
	} else {
		byName, exists := f.lookup(name)
		for _, rr := range byName {
			if t := rr.Header().Rrtype; t == q.Qtype || (t == dns.TypeCNAME && q.Qtype != dns.TypeCNAME) {
				m.Answer = append(m.Answer, rr)
			}
		}
		if len(m.Answer) == 0 {
			if !exists {
				m.Rcode = dns.RcodeNameError
			}
			m.Ns = f.soa()
		}
	}
	if opt := r.IsEdns0(); opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
	}
	if !tcp && f.truncUDP {
		m.Answer, m.Ns, m.Truncated = nil, nil, true
	}
	if !tcp {
		size := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

// lookup returns the records owned by name, and whether the name exists
// (owning records, or an empty non-terminal above some).
func (f *fakeZone) lookup(name string) ([]dns.RR, bool) {
	f.indexOnce.Do(func() {
		f.index = map[string][]dns.RR{}
		f.names = map[string]bool{}
		for _, rr := range f.records {
			n := dns.CanonicalName(rr.Header().Name)
			f.index[n] = append(f.index[n], rr)
			for off, end := 0, false; !end; off, end = dns.NextLabel(n, off) {
				f.names[n[off:]] = true
			}
		}
	})
	return f.index[name], f.names[name]
}

func (f *fakeZone) soa() []dns.RR {
	for _, rr := range f.records {
		if rr.Header().Rrtype == dns.TypeSOA {
			return []dns.RR{rr}
		}
	}
	return nil
}

// axfr sends the zone SOA first and last, in messages of 100 records.
func (f *fakeZone) axfr(w dns.ResponseWriter, r *dns.Msg) {
	signed := r.IsTsig() != nil
	if w.RemoteAddr().Network() != "tcp" || (f.requireTSIG && (!signed || w.TsigStatus() != nil)) {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeNotAuth)
		w.WriteMsg(m)
		return
	}
	soa := f.soa()
	var body []dns.RR
	for _, rr := range f.records {
		if rr.Header().Rrtype != dns.TypeSOA {
			body = append(body, rr)
		}
	}
	all := append(append(append([]dns.RR{}, soa...), body...), soa...)
	ch := make(chan *dns.Envelope)
	tr := new(dns.Transfer)
	var wg sync.WaitGroup
	wg.Go(func() { tr.Out(w, r, ch) })
	for i := 0; i < len(all); i += 100 {
		ch <- &dns.Envelope{RR: all[i:min(i+100, len(all))]}
	}
	close(ch)
	wg.Wait()
	w.Close()
}

// fakeParent serves a parent zone: referrals (NS in authority, glue in
// additional) for the delegated zones, authoritative A/AAAA for hosts.
type fakeParent struct {
	// delegations maps a zone to its NS names.
	delegations map[string][]string
	// glue maps NS names to the addresses in the referral's additional
	// section.
	glue map[string][]string
	// hosts maps names to the addresses of authoritative answers.
	hosts map[string][]string
	// rcode, when not 0, answers every query.
	rcode int
	// refuseHosts answers REFUSED to every question that is not about a
	// delegated zone, as a TLD server does for names outside it.
	refuseHosts bool
	// mu guards the maps against edit.
	mu sync.Mutex
}

// edit changes the parent while it serves.
func (p *fakeParent) edit(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
}

func (p *fakeParent) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := r.Question[0]
	m := new(dns.Msg)
	m.SetReply(r)
	if p.rcode != 0 {
		m.Rcode = p.rcode
		w.WriteMsg(m)
		return
	}
	name := dns.CanonicalName(q.Name)
	for z, nss := range p.delegations {
		if !dns.IsSubDomain(z, name) {
			continue
		}
		for _, ns := range nss {
			m.Ns = append(m.Ns, &dns.NS{Hdr: dns.RR_Header{Name: z, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 300}, Ns: ns})
			for _, a := range p.glue[ns] {
				m.Extra = append(m.Extra, addrRR(ns, a))
			}
		}
		w.WriteMsg(m)
		return
	}
	if p.refuseHosts {
		m.Rcode = dns.RcodeRefused
		w.WriteMsg(m)
		return
	}
	m.Authoritative = true
	addrs, ok := p.hosts[name]
	if !ok {
		m.Rcode = dns.RcodeNameError
	}
	for _, a := range addrs {
		rr := addrRR(name, a)
		if rr.Header().Rrtype == q.Qtype {
			m.Answer = append(m.Answer, rr)
		}
	}
	w.WriteMsg(m)
}

func addrRR(name, addr string) dns.RR {
	ip := netip.MustParseAddr(addr)
	h := dns.RR_Header{Name: name, Class: dns.ClassINET, Ttl: 300}
	if ip.Is4() {
		h.Rrtype = dns.TypeA
		return &dns.A{Hdr: h, A: ip.AsSlice()}
	}
	h.Rrtype = dns.TypeAAAA
	return &dns.AAAA{Hdr: h, AAAA: ip.AsSlice()}
}

// proxy forwards every query to upstream over the same transport and lets
// mutate change the answer.
type proxy struct {
	upstream string
	mutate   func(*dns.Msg)
}

func (p *proxy) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	c := &dns.Client{Net: w.RemoteAddr().Network(), Timeout: 2 * time.Second, UDPSize: 65535}
	resp, _, err := c.Exchange(r, p.upstream)
	if err != nil {
		return
	}
	if p.mutate != nil {
		p.mutate(resp)
	}
	w.WriteMsg(resp)
}
