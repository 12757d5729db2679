package rfc2136

import (
	"context"
	"fmt"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// GetRecords implements libdns.RecordGetter: the zone by AXFR, SOA and NS
// included, as the libdns struct of each type with names relative to the
// zone.
func (p *Provider) GetRecords(ctx context.Context, origin string) ([]libdns.Record, error) {
	return providers.GetRecords(ctx, p, origin)
}

// fromLibdns converts a libdns record of zone origin, refusing the SOA and
// names outside the zone.
func (p *Provider) fromLibdns(rec libdns.Record, origin string) (dns.RR, error) {
	rr, err := providers.FromLibdns(rec, origin)
	if err != nil {
		return nil, fmt.Errorf("rfc2136 %s: zone %s: %v", p.cfg.server, origin, err)
	}
	h := rr.Header()
	switch {
	case h.Rrtype == dns.TypeSOA:
		return nil, fmt.Errorf("rfc2136 %s: zone %s: %s SOA: the SOA is left to the server", p.cfg.server, origin, h.Name)
	case !zone.InZone(h.Name, origin):
		return nil, fmt.Errorf("rfc2136 %s: zone %s: %s %s: name is outside the zone", p.cfg.server, origin, h.Name, dns.Type(h.Rrtype))
	}
	return rr, nil
}

// AppendRecords implements libdns.RecordAppender: the records are added in
// one UPDATE message (several if they exceed 64 KiB), atomically per
// message. Adding a record whose data is already there only sets its TTL.
// Like SetRecords and DeleteRecords, it retries transient failures.
func (p *Provider) AppendRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin = dns.CanonicalName(origin)
	units := make([]unit, 0, len(recs))
	out := make([]libdns.Record, 0, len(recs))
	for _, rec := range recs {
		rr, err := p.fromLibdns(rec, origin)
		if err != nil {
			return nil, err
		}
		u := unit{desc: "+ " + rr.String(), name: rr.Header().Name, add: []dns.RR{addRR(rr, rr.Header().Ttl)}}
		u.measure()
		units = append(units, u)
		out = append(out, providers.ToLibdns(rr, origin))
	}
	if err := p.sendRetry(ctx, origin, units); err != nil {
		return nil, err
	}
	return out, nil
}

// SetRecords implements libdns.RecordSetter: each (name, type) of recs
// ends up holding exactly the given records, in one UPDATE message when
// they fit (atomic); other RRsets are untouched.
func (p *Provider) SetRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin = dns.CanonicalName(origin)
	sets := zone.NewRRsets()
	var order []zone.Key
	for _, rec := range recs {
		rr, err := p.fromLibdns(rec, origin)
		if err != nil {
			return nil, err
		}
		k := zone.Key{Name: rr.Header().Name, Type: rr.Header().Rrtype}
		if sets.Get(k) == nil {
			order = append(order, k)
		}
		if _, err := sets.Add(rr); err != nil {
			return nil, fmt.Errorf("rfc2136 %s: zone %s: %v", p.cfg.server, origin, err)
		}
	}
	var units []unit
	var out []libdns.Record
	for _, k := range order {
		c := zone.Change{Action: zone.Update, Key: k, New: sets.Get(k)}
		if k.Name == origin && k.Type == dns.TypeNS {
			// The apex NS set is edited record by record: learn the old one.
			old, err := p.currentRRset(ctx, origin, k)
			if err != nil {
				return nil, err
			}
			c.Old = old
		}
		u, err := changeUnit(origin, c)
		if err != nil {
			return nil, fmt.Errorf("rfc2136 %s: zone %s: %v", p.cfg.server, origin, err)
		}
		units = append(units, u)
		for _, rr := range c.New.Records {
			out = append(out, providers.ToLibdns(rr, origin))
		}
	}
	if err := p.sendRetry(ctx, origin, units); err != nil {
		return nil, err
	}
	return out, nil
}

// currentRRset asks the server for one RRset (nil when there is none).
func (p *Provider) currentRRset(ctx context.Context, origin string, k zone.Key) (*zone.RRset, error) {
	c, err := p.dial(ctx, "query", origin)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	rrs, err := c.queryRRset(ctx, origin, k.Name, k.Type)
	if err != nil {
		return nil, err
	}
	if len(rrs) == 0 {
		return nil, nil
	}
	set, err := zone.FromRecords(rrs)
	if err != nil {
		return nil, fmt.Errorf("rfc2136 %s: zone %s: %v", p.cfg.server, origin, err)
	}
	return set.Get(k), nil
}

// DeleteRecords implements libdns.RecordDeleter: it deletes the records
// matching recs, where an empty type, TTL or data matches any, and returns
// what it deleted. The SOA is never deleted, nor the apex NS set unless
// the type "NS" is given.
func (p *Provider) DeleteRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin = dns.CanonicalName(origin)
	current, err := p.axfr(ctx, origin)
	if err != nil {
		return nil, err
	}
	byName := map[string][]dns.RR{}
	for _, rr := range current {
		n := dns.CanonicalName(rr.Header().Name)
		byName[n] = append(byName[n], rr)
	}
	seen := map[string]bool{}
	var units []unit
	var out []libdns.Record
	for _, rec := range recs {
		want := rec.RR()
		name, err := zone.CanonicalName(libdns.AbsoluteName(want.Name, origin), origin)
		if err != nil {
			return nil, fmt.Errorf("rfc2136 %s: zone %s: record name %q: %v", p.cfg.server, origin, want.Name, err)
		}
		for _, rr := range byName[name] {
			if !providers.Matches(rr, want, origin) {
				continue
			}
			if h := rr.Header(); h.Name == origin && h.Rrtype == dns.TypeNS && want.Type == "" {
				continue
			}
			id := rr.String()
			if seen[id] {
				continue
			}
			seen[id] = true
			u := unit{desc: "- " + id, name: name, pre: []dns.RR{removeRR(rr)}}
			u.measure()
			units = append(units, u)
			out = append(out, providers.ToLibdns(rr, origin))
		}
	}
	if err := p.sendRetry(ctx, origin, units); err != nil {
		return nil, err
	}
	return out, nil
}
