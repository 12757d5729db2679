// Package memory is an in-memory provider adapter: the reference adapter
// for the conformance suite and for tests that need no server.
//
// Config:
//
//	providers:
//	  mem: { type: memory }
package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

func init() {
	providers.Register(providers.Adapter("memory",
		"an in-memory zone store, for tests and dry runs",
		func(s Settings, _ *zone.ProviderConfig) (*Provider, error) {
			if s.Store != "" {
				return Shared(s.Store), nil
			}
			return New(), nil
		}))
}

// Settings are the memory adapter's settings.
type Settings struct {
	// Store names a store shared by every provider of this process that
	// names it, so that separate command runs in one test see the same
	// zones. Empty: a fresh, private store.
	Store string `yaml:"store"`
}

var (
	sharedMu sync.Mutex
	shared   = map[string]*Provider{}
)

// Shared returns the process-wide store called name, creating it empty.
func Shared(name string) *Provider {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	p := shared[name]
	if p == nil {
		p = New()
		shared[name] = p
	}
	return p
}

// Provider keeps zones in memory. It is safe for concurrent use.
type Provider struct {
	// LibdnsMethods are the libdns record methods, on ReadZone and
	// ApplyChanges.
	providers.LibdnsMethods

	mu    sync.Mutex
	zones map[string]*zone.RRsets
}

var (
	_ providers.Provider    = (*Provider)(nil)
	_ providers.ZoneReader  = (*Provider)(nil)
	_ providers.Batcher     = (*Provider)(nil)
	_ providers.ZoneCreator = (*Provider)(nil)
)

// New returns an empty in-memory provider.
func New() *Provider {
	p := &Provider{zones: map[string]*zone.RRsets{}}
	p.Store = p
	return p
}

// Capabilities: everything, atomically.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{ApexNS: true, CreateZone: true, AtomicBatch: true}
}

// EnsureZone creates zone with a SOA and the given apex NS set when missing.
func (p *Provider) EnsureZone(ctx context.Context, origin string, nameservers []string) error {
	origin = dns.CanonicalName(origin)
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.zones[origin]; ok {
		return nil
	}
	z := zone.NewRRsets()
	soa, err := dns.NewRR(fmt.Sprintf("%s 3600 IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 604800 300", origin))
	if err != nil {
		return err
	}
	if _, err := z.Add(soa); err != nil {
		return err
	}
	for _, ns := range nameservers {
		if _, err := z.Add(&dns.NS{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: dns.Fqdn(ns)}); err != nil {
			return err
		}
	}
	p.zones[origin] = z
	return nil
}

func (p *Provider) zone(origin string) (*zone.RRsets, error) {
	z, ok := p.zones[dns.CanonicalName(origin)]
	if !ok {
		return nil, fmt.Errorf("zone %s: %w", origin, providers.ErrZoneNotFound)
	}
	return z, nil
}

// ReadZone returns every record of the zone.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	z, err := p.zone(origin)
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	for _, rr := range z.Records() {
		out = append(out, dns.Copy(rr))
	}
	return out, nil
}

// ApplyChanges applies all changes or none.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	z, err := p.zone(origin)
	if err != nil {
		return 0, err
	}
	next := z.Clone()
	for _, c := range changes {
		cur := next.Get(c.Key)
		switch c.Action {
		case zone.Create:
			if cur != nil {
				return 0, fmt.Errorf("%s: already exists", c)
			}
			next.Put(c.New.Clone())
		case zone.Update:
			if cur == nil || !cur.Equal(c.Old) {
				return 0, fmt.Errorf("%s: current records differ from the plan's", c)
			}
			next.Put(c.New.Clone())
		case zone.Delete:
			if cur == nil {
				return 0, fmt.Errorf("%s: does not exist", c)
			}
			next.Remove(c.Key)
		}
	}
	p.zones[dns.CanonicalName(origin)] = next
	return len(changes), nil
}
