package zonefile

import (
	"context"
	"fmt"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// GetRecords implements libdns.RecordGetter: every record of the file, SOA
// included.
func (p *Provider) GetRecords(ctx context.Context, origin string) ([]libdns.Record, error) {
	rrs, err := p.ReadZone(ctx, origin)
	if err != nil {
		return nil, err
	}
	o := dns.CanonicalName(origin)
	out := make([]libdns.Record, len(rrs))
	for i, rr := range rrs {
		out[i] = providers.ToLibdns(rr, o)
	}
	return out, nil
}

// SetRecords implements libdns.RecordSetter: each (name, type) in recs ends
// up holding exactly the given records; one write, atomic.
func (p *Provider) SetRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	o := dns.CanonicalName(origin)
	want, err := toRRsets(o, recs)
	if err != nil {
		return nil, err
	}
	err = p.edit(ctx, o, func(z *zone.RRsets) (bool, error) {
		changed := false
		for _, s := range want.Sorted() {
			if !s.Equal(z.Get(s.Key())) {
				z.Put(s.Clone())
				changed = true
			}
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	return libdnsOf(o, want.Records()), nil
}

// AppendRecords implements libdns.RecordAppender: the records join their
// RRsets (an existing set keeps its TTL); records already there are not
// added twice. It returns the records added.
func (p *Provider) AppendRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	o := dns.CanonicalName(origin)
	add, err := toRRsets(o, recs)
	if err != nil {
		return nil, err
	}
	var added []dns.RR
	err = p.edit(ctx, o, func(z *zone.RRsets) (bool, error) {
		added = nil
		for _, s := range add.Sorted() {
			have := z.Get(s.Key())
			if have == nil {
				z.Put(s.Clone())
				added = append(added, s.Records...)
				continue
			}
			for _, rr := range s.Records {
				rr = dns.Copy(rr)
				rr.Header().Ttl = have.TTL
				if res, err := z.Add(rr); err != nil {
					return false, err
				} else if res != zone.Duplicate {
					added = append(added, rr)
				}
			}
		}
		return len(added) > 0, nil
	})
	if err != nil {
		return nil, err
	}
	return libdnsOf(o, added), nil
}

// DeleteRecords implements libdns.RecordDeleter, with its wildcard
// semantics: an empty type, a zero TTL or an empty value match anything.
// The SOA is never deleted.
func (p *Provider) DeleteRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	o := dns.CanonicalName(origin)
	var deleted []libdns.Record
	err := p.edit(ctx, o, func(z *zone.RRsets) (bool, error) {
		deleted = nil
		for _, rec := range recs {
			want := rec.RR()
			name, err := zone.CanonicalName(libdns.AbsoluteName(want.Name, o), ".")
			if err != nil {
				return false, fmt.Errorf("record %q: %v", want.Name, err)
			}
			for _, s := range z.Sorted() {
				if s.Name != name || s.Type == dns.TypeSOA || (want.Type != "" && s.TypeString() != want.Type) {
					continue
				}
				var keep []dns.RR
				for _, rr := range s.Records {
					got := providers.ToLibdns(rr, o).RR()
					if (want.TTL == 0 || want.TTL == got.TTL) && (want.Data == "" || want.Data == got.Data) {
						deleted = append(deleted, providers.ToLibdns(rr, o))
						continue
					}
					keep = append(keep, rr)
				}
				switch {
				case len(keep) == 0:
					z.Remove(s.Key())
				case len(keep) != len(s.Records):
					c := s.Clone()
					c.Records = keep
					z.Put(c)
				}
			}
		}
		return len(deleted) > 0, nil
	})
	if err != nil {
		return nil, err
	}
	return deleted, nil
}

// toRRsets converts libdns records to normalized RRsets. SOA records and
// names outside the zone are refused.
func toRRsets(origin string, recs []libdns.Record) (*zone.RRsets, error) {
	set := zone.NewRRsets()
	for _, rec := range recs {
		rr, err := providers.FromLibdns(rec, origin)
		if err != nil {
			return nil, err
		}
		h := rr.Header()
		if h.Rrtype == dns.TypeSOA {
			return nil, fmt.Errorf("record %s SOA: the SOA is managed by the zonefile adapter", h.Name)
		}
		if !zone.InZone(h.Name, origin) {
			return nil, fmt.Errorf("record %s %s: outside zone %s", h.Name, dns.Type(h.Rrtype), origin)
		}
		if _, err := set.Add(rr); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func libdnsOf(origin string, rrs []dns.RR) []libdns.Record {
	out := make([]libdns.Record, len(rrs))
	for i, rr := range rrs {
		out[i] = providers.ToLibdns(rr, origin)
	}
	return out
}
