package powerdns

import (
	"context"
	"fmt"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// GetRecords implements libdns.RecordGetter: every enabled record, SOA
// included.
func (p *Provider) GetRecords(ctx context.Context, origin string) ([]libdns.Record, error) {
	rrs, err := p.ReadZone(ctx, origin)
	if err != nil {
		return nil, err
	}
	out := make([]libdns.Record, 0, len(rrs))
	for _, rr := range rrs {
		n, err := zone.Normalize(rr)
		if err != nil {
			return nil, err
		}
		out = append(out, providers.ToLibdns(n, dns.CanonicalName(origin)))
	}
	return out, nil
}

// SetRecords implements libdns.RecordSetter: each (name, type) in recs ends
// up holding exactly the given records, all in one PATCH (atomic: on error
// nothing changed).
func (p *Provider) SetRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	want, order, err := toRRsets(origin, recs)
	if err != nil {
		return nil, err
	}
	changes := make([]zone.Change, 0, len(order))
	for _, k := range order {
		changes = append(changes, zone.Change{Action: zone.Update, Key: k, New: want.Get(k)})
	}
	if err := p.applyAll(ctx, origin, changes); err != nil {
		return nil, err
	}
	return fromRRsets(origin, want, order), nil
}

// AppendRecords implements libdns.RecordAppender: the records join their
// RRsets (which keep their TTL when they exist already); records already
// present are not added twice. It returns the records that were added.
func (p *Provider) AppendRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	add, order, err := toRRsets(origin, recs)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, err := p.current(ctx, origin)
	if err != nil {
		return nil, err
	}
	var changes []zone.Change
	var added []libdns.Record
	for _, k := range order {
		have := cur.Get(k)
		next := add.Get(k).Clone()
		if have != nil {
			next = have.Clone()
			for _, rr := range add.Get(k).Records {
				if !containsData(have, rr) {
					rr = dns.Copy(rr)
					rr.Header().Ttl = have.TTL
					next.Records = append(next.Records, rr)
					added = append(added, providers.ToLibdns(rr, origin))
				}
			}
			if len(next.Records) == len(have.Records) {
				continue
			}
		} else {
			for _, rr := range next.Records {
				added = append(added, providers.ToLibdns(rr, origin))
			}
		}
		changes = append(changes, zone.Change{Action: zone.Update, Key: k, Old: have, New: next})
	}
	if err := p.applyAll(ctx, origin, changes); err != nil {
		return nil, err
	}
	return added, nil
}

// DeleteRecords implements libdns.RecordDeleter, with its wildcard
// semantics: an empty type, a zero TTL or an empty value match anything.
// Sets left empty are deleted, the others replaced, in one PATCH. The SOA is
// never deleted.
func (p *Provider) DeleteRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	cur, err := p.current(ctx, origin)
	if err != nil {
		return nil, err
	}
	next := cur.Clone()
	var deleted []libdns.Record
	touched := map[zone.Key]bool{}
	var order []zone.Key
	for _, rec := range recs {
		want := rec.RR()
		name, err := zone.CanonicalName(libdns.AbsoluteName(want.Name, origin), ".")
		if err != nil {
			return nil, fmt.Errorf("record %q: %v", want.Name, err)
		}
		for _, s := range next.Sorted() {
			if s.Name != name || (want.Type != "" && s.TypeString() != want.Type) || s.Type == dns.TypeSOA {
				continue
			}
			var keep []dns.RR
			for _, rr := range s.Records {
				got := providers.ToLibdns(rr, origin).RR()
				if (want.TTL == 0 || want.TTL == got.TTL) && (want.Data == "" || want.Data == got.Data) {
					deleted = append(deleted, providers.ToLibdns(rr, origin))
					continue
				}
				keep = append(keep, rr)
			}
			if len(keep) == len(s.Records) {
				continue
			}
			if !touched[s.Key()] {
				touched[s.Key()] = true
				order = append(order, s.Key())
			}
			if len(keep) == 0 {
				next.Remove(s.Key())
			} else {
				s.Records = keep
			}
		}
	}
	changes := make([]zone.Change, 0, len(order))
	for _, k := range order {
		if s := next.Get(k); s != nil {
			changes = append(changes, zone.Change{Action: zone.Update, Key: k, Old: cur.Get(k), New: s})
		} else {
			changes = append(changes, zone.Change{Action: zone.Delete, Key: k, Old: cur.Get(k)})
		}
	}
	if err := p.applyAll(ctx, origin, changes); err != nil {
		return nil, err
	}
	return deleted, nil
}

// current reads the zone as a normalized collection.
func (p *Provider) current(ctx context.Context, origin string) (*zone.RRsets, error) {
	rrs, err := p.ReadZone(ctx, origin)
	if err != nil {
		return nil, err
	}
	set, err := zone.FromRecords(rrs)
	if err != nil {
		return nil, fmt.Errorf("zone %s: record read back: %v", origin, err)
	}
	return set, nil
}

// applyAll applies changes and fails unless all of them landed.
func (p *Provider) applyAll(ctx context.Context, origin string, changes []zone.Change) error {
	if len(changes) == 0 {
		return nil
	}
	// REPLACE and DELETE are idempotent: transient failures are retried,
	// resending what did not land.
	return providers.Retry(ctx, func() error {
		n, err := p.ApplyChanges(ctx, origin, changes)
		changes = changes[n:]
		if err == nil && len(changes) > 0 {
			return fmt.Errorf("zone %s: %d RRsets not applied", origin, len(changes))
		}
		return err
	})
}

// toRRsets converts libdns records to normalized RRsets, keeping the order
// in which their keys first appear. SOA records are refused.
func toRRsets(origin string, recs []libdns.Record) (*zone.RRsets, []zone.Key, error) {
	set := zone.NewRRsets()
	var order []zone.Key
	for _, rec := range recs {
		rr, err := providers.FromLibdns(rec, origin)
		if err != nil {
			return nil, nil, err
		}
		h := rr.Header()
		if h.Rrtype == dns.TypeSOA {
			return nil, nil, fmt.Errorf("record %s SOA: the SOA is managed by PowerDNS", h.Name)
		}
		if !zone.InZone(h.Name, origin) {
			return nil, nil, fmt.Errorf("record %s %s: outside zone %s", h.Name, dns.Type(h.Rrtype), origin)
		}
		k := zone.Key{Name: h.Name, Type: h.Rrtype}
		if set.Get(k) == nil {
			order = append(order, k)
		}
		if _, err := set.Add(rr); err != nil {
			return nil, nil, err
		}
	}
	return set, order, nil
}

// fromRRsets returns the records of the given sets as libdns records.
func fromRRsets(origin string, set *zone.RRsets, order []zone.Key) []libdns.Record {
	var out []libdns.Record
	for _, k := range order {
		for _, rr := range set.Get(k).Records {
			out = append(out, providers.ToLibdns(rr, origin))
		}
	}
	return out
}

// containsData reports whether s holds a record with rr's data.
func containsData(s *zone.RRset, rr dns.RR) bool {
	d := zone.Rdata(rr)
	for _, x := range s.Records {
		if zone.Rdata(x) == d {
			return true
		}
	}
	return false
}
