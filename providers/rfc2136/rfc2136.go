// Package rfc2136 is the provider adapter for any primary server that
// takes RFC 2136 dynamic updates and serves AXFR: BIND 9, Knot DNS,
// PowerDNS and others.
//
// Reads are AXFR over TCP; writes are UPDATE messages over TCP, many RRset
// changes per message (each message is atomic on BIND, Knot and PowerDNS),
// split at the 64 KiB message limit by encoded size. Every message is
// signed with the configured TSIG key (hmac-sha256, -384 or -512). The SOA
// is never touched: the server bumps its serial.
//
// Config:
//
//	providers:
//	  bind:
//	    type: rfc2136
//	    server: 192.0.2.53:53
//	    tsig: { name: dnsquorum., algorithm: hmac-sha256, secret: ${TSIG_SECRET} }
//	    timeout: 10s              # per exchange
//	    serial_prerequisite: true # detect concurrent edits
package rfc2136

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

func init() {
	providers.Register(providers.Registration{
		Type:     "rfc2136",
		Doc:      "a primary server taking RFC 2136 dynamic updates and AXFR (BIND, Knot, PowerDNS), TSIG-signed",
		Settings: func() any { return &Settings{} },
		New: func(pc *zone.ProviderConfig) (providers.Provider, error) {
			return New(pc)
		},
	})
}

// Provider talks RFC 2136 UPDATE and AXFR to one primary server. It is safe
// for concurrent use. Printing it never shows the TSIG secret.
type Provider struct {
	cfg *config
	// soas holds, per zone, the SOA of the last read: the serial
	// prerequisite of the next UPDATE.
	soas *soaCache
}

type soaCache struct {
	mu sync.Mutex
	m  map[string]*dns.SOA
	// lost marks zones whose last prerequisite UPDATE got no answer.
	lost map[string]bool
}

func newSOACache() *soaCache {
	return &soaCache{m: map[string]*dns.SOA{}, lost: map[string]bool{}}
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.ZoneReader = (*Provider)(nil)
	_ providers.Batcher    = (*Provider)(nil)
)

// New builds a provider from its config entry. Errors name the file, line
// and column of the bad setting and never contain the TSIG secret.
func New(pc *zone.ProviderConfig) (*Provider, error) {
	cfg, err := parseConfig(pc)
	if err != nil {
		return nil, err
	}
	return &Provider{cfg: cfg, soas: newSOACache()}, nil
}

// NewFromSettings builds a provider from settings given in code (tests,
// embedding); name is used in error messages.
func NewFromSettings(name string, s Settings) (*Provider, error) {
	pc := &zone.ProviderConfig{Name: name, Type: "rfc2136", Pos: zone.Position{File: "(settings)"}}
	cfg, err := parseSettings(pc, s)
	if err != nil {
		return nil, err
	}
	return &Provider{cfg: cfg, soas: newSOACache()}, nil
}

// String names the provider by its server.
func (p *Provider) String() string { return "rfc2136 " + p.cfg.server }

// Format prints the provider by its server, whatever the verb.
func (p *Provider) Format(f fmt.State, verb rune) { fmt.Fprint(f, p.String()) }

// Capabilities: every type, the apex NS set, atomic messages of up to
// 65,535 octets.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{ApexNS: true, AtomicBatch: true, MaxBatchBytes: dns.MaxMsgSize}
}

func (c *soaCache) get(origin string) *dns.SOA {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[origin]
}

func (c *soaCache) set(origin string, soa *dns.SOA) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[origin] = soa
	delete(c.lost, origin)
}

func (c *soaCache) markUnanswered(origin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lost[origin] = true
}

func (c *soaCache) clearUnanswered(origin string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.lost, origin)
}

func (c *soaCache) unanswered(origin string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost[origin]
}

// conn is one TCP connection to the server, reused for several exchanges.
type conn struct {
	p  *Provider
	dc *dns.Conn
}

// dial opens a TCP connection to the server.
func (p *Provider) dial(ctx context.Context, op, origin string) (*conn, error) {
	d := net.Dialer{Timeout: p.cfg.timeout}
	c, err := d.DialContext(ctx, "tcp", p.cfg.server)
	if err != nil {
		return nil, p.netError(ctx, op, origin, err)
	}
	return &conn{p: p, dc: &dns.Conn{Conn: c}}, nil
}

func (c *conn) Close() error { return c.dc.Close() }

// exchange sends m and reads its response, checking the TSIG. A network
// failure is transient; a response other than NOERROR maps to a
// ServerError. Messages are signed here, not by dns.Conn, which would chain
// each request's MAC to the previous one on a reused connection (as in a
// zone transfer) and so break every request after the first.
func (c *conn) exchange(ctx context.Context, op, origin string, m *dns.Msg, prereq bool) (*dns.Msg, error) {
	p := c.p
	wire, requestMAC, err := p.pack(m)
	if err != nil {
		return nil, fmt.Errorf("rfc2136 %s: zone %s: %s: %v", p.cfg.server, origin, op, err)
	}
	deadline := time.Now().Add(p.cfg.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.dc.SetDeadline(deadline)
	if _, err := c.dc.Write(wire); err != nil {
		return nil, p.netError(ctx, op, origin, err)
	}
	for {
		raw, err := c.dc.ReadMsgHeader(nil)
		if err != nil {
			return nil, p.netError(ctx, op, origin, err)
		}
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			return nil, &ServerError{Server: p.cfg.server, Zone: origin, Op: op, Detail: fmt.Sprintf("malformed response: %v", err)}
		}
		if r.Id != m.Id {
			continue // a late answer to an earlier, timed-out exchange
		}
		if r.Rcode != dns.RcodeSuccess {
			// TSIG failures come back unsigned: the code says why.
			return r, p.responseError(op, origin, r, prereq)
		}
		if p.cfg.key != nil {
			if r.IsTsig() == nil {
				return r, &ServerError{Server: p.cfg.server, Zone: origin, Op: op, Rcode: r.Rcode,
					Detail: "the response is not signed although the request was"}
			}
			if err := dns.TsigVerifyWithProvider(raw, p.cfg.key, requestMAC, false); err != nil {
				return r, &ServerError{Server: p.cfg.server, Zone: origin, Op: op, Rcode: r.Rcode,
					Detail: fmt.Sprintf("the response's TSIG signature does not verify (%v)", err)}
			}
		}
		return r, nil
	}
}

// pack encodes m, signed when a key is configured, and returns the MAC the
// response's signature covers.
func (p *Provider) pack(m *dns.Msg) (wire []byte, mac string, err error) {
	if p.cfg.key == nil {
		wire, err = m.Pack()
		return wire, "", err
	}
	m.SetTsig(p.cfg.key.name, p.cfg.key.alg, 300, time.Now().Unix())
	return dns.TsigGenerateWithProvider(m, p.cfg.key, "", false)
}

// querySOA asks the server for the zone's SOA over c.
func (c *conn) querySOA(ctx context.Context, origin string) (*dns.SOA, error) {
	m := new(dns.Msg)
	m.SetQuestion(origin, dns.TypeSOA)
	m.RecursionDesired = false
	r, err := c.exchange(ctx, "SOA query", origin, m, false)
	if err != nil {
		return nil, err
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok && dns.CanonicalName(soa.Hdr.Name) == origin {
			return soa, nil
		}
	}
	return nil, &ServerError{Server: c.p.cfg.server, Zone: origin, Op: "SOA query", Rcode: r.Rcode,
		Detail: "no SOA in the answer: the server does not serve the zone"}
}

// queryRRset asks the server for one RRset over c.
func (c *conn) queryRRset(ctx context.Context, origin, name string, qtype uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	r, err := c.exchange(ctx, dns.Type(qtype).String()+" query", origin, m, false)
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == qtype && dns.CanonicalName(rr.Header().Name) == name {
			out = append(out, rr)
		}
	}
	return out, nil
}

// ReadZone reads the zone by AXFR over TCP (TSIG-signed), SOA included,
// and remembers its SOA for the serial prerequisite.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	origin = dns.CanonicalName(origin)
	rrs, err := p.axfr(ctx, origin)
	if err != nil {
		return nil, err
	}
	p.soas.set(origin, dns.Copy(rrs[0]).(*dns.SOA))
	return rrs, nil
}

// axfr transfers the zone; the result starts with the SOA and does not
// repeat it at the end.
func (p *Provider) axfr(ctx context.Context, origin string) ([]dns.RR, error) {
	const op = "AXFR"
	c, err := p.dial(ctx, op, origin)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	q := new(dns.Msg)
	q.SetAxfr(origin)
	buf, requestMAC, err := p.pack(q)
	if err != nil {
		return nil, fmt.Errorf("rfc2136 %s: zone %s: AXFR: %v", p.cfg.server, origin, err)
	}
	c.dc.SetDeadline(time.Now().Add(p.cfg.timeout))
	if _, err := c.dc.Write(buf); err != nil {
		return nil, p.netError(ctx, op, origin, err)
	}
	var out []dns.RR
	for first := true; ; first = false {
		if err := ctx.Err(); err != nil {
			return nil, p.netError(ctx, op, origin, err)
		}
		c.dc.SetReadDeadline(time.Now().Add(p.cfg.timeout))
		raw, err := c.dc.ReadMsgHeader(nil)
		if err != nil {
			return nil, p.netError(ctx, op, origin, err)
		}
		r := new(dns.Msg)
		if err := r.Unpack(raw); err != nil {
			return nil, fmt.Errorf("rfc2136 %s: zone %s: AXFR: malformed response: %v", p.cfg.server, origin, err)
		}
		if r.Id != q.Id {
			return nil, fmt.Errorf("rfc2136 %s: zone %s: AXFR: response ID %d does not match the query's %d", p.cfg.server, origin, r.Id, q.Id)
		}
		if r.Rcode != dns.RcodeSuccess {
			return nil, p.responseError(op, origin, r, false)
		}
		if p.cfg.key != nil {
			t := r.IsTsig()
			if t == nil {
				return nil, &ServerError{Server: p.cfg.server, Zone: origin, Op: op, Detail: "a transfer message is not signed although the request was"}
			}
			if err := dns.TsigVerifyWithProvider(raw, p.cfg.key, requestMAC, !first); err != nil {
				return nil, &ServerError{Server: p.cfg.server, Zone: origin, Op: op,
					Detail: fmt.Sprintf("a transfer message's TSIG signature does not verify (%v)", err)}
			}
			requestMAC = t.MAC
		}
		if first && (len(r.Answer) == 0 || r.Answer[0].Header().Rrtype != dns.TypeSOA) {
			return nil, &ServerError{Server: p.cfg.server, Zone: origin, Op: op, Detail: "the transfer does not start with the SOA"}
		}
		out = append(out, r.Answer...)
		if n := len(out); n > 1 && out[n-1].Header().Rrtype == dns.TypeSOA {
			return out[:n-1], nil
		}
	}
}
