package cloud

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// RRsetStore is an adapter that reads a whole zone and applies RRset
// changes: enough to implement the libdns record interfaces on top.
type RRsetStore interface {
	providers.ZoneReader
	providers.Batcher
}

// GetRecords implements libdns.RecordGetter on s.
func GetRecords(ctx context.Context, s RRsetStore, origin string) ([]libdns.Record, error) {
	rrs, err := s.ReadZone(ctx, origin)
	if err != nil {
		return nil, err
	}
	out := make([]libdns.Record, len(rrs))
	for i, rr := range rrs {
		out[i] = providers.ToLibdns(rr, origin)
	}
	return out, nil
}

// current reads the zone as RRsets.
func current(ctx context.Context, s RRsetStore, origin string) (*zone.RRsets, error) {
	rrs, err := s.ReadZone(ctx, origin)
	if err != nil {
		return nil, err
	}
	return zone.FromRecords(rrs)
}

// group converts libdns records to normalized RRsets, keeping input order of
// the keys.
func group(recs []libdns.Record, origin string) (*zone.RRsets, []zone.Key, error) {
	set := zone.NewRRsets()
	var keys []zone.Key
	for _, rec := range recs {
		rr, err := providers.FromLibdns(rec, origin)
		if err != nil {
			return nil, nil, err
		}
		k := zone.Key{Name: rr.Header().Name, Type: rr.Header().Rrtype}
		if set.Get(k) == nil {
			keys = append(keys, k)
		}
		if _, err := set.Add(rr); err != nil {
			return nil, nil, err
		}
	}
	return set, keys, nil
}

// change returns the change turning have into want (either may be nil), and
// whether there is one.
func change(k zone.Key, have, want *zone.RRset) (zone.Change, bool) {
	switch {
	case have == nil && want == nil:
		return zone.Change{}, false
	case have == nil:
		return zone.Change{Action: zone.Create, Key: k, New: want}, true
	case want == nil:
		return zone.Change{Action: zone.Delete, Key: k, Old: have}, true
	case have.Equal(want):
		return zone.Change{}, false
	}
	return zone.Change{Action: zone.Update, Key: k, Old: have, New: want}, true
}

// apply applies changes in one call, or in MaxBatchChanges-sized calls.
func apply(ctx context.Context, s RRsetStore, origin string, changes []zone.Change) error {
	if len(changes) == 0 {
		return nil
	}
	plan := &zone.Plan{Zone: dns.CanonicalName(origin), Changes: changes}
	p, ok := s.(providers.Provider)
	if !ok {
		_, err := s.ApplyChanges(ctx, origin, changes)
		return err
	}
	_, err := providers.Apply(ctx, p, plan)
	return err
}

// AppendRecords implements libdns.RecordAppender on s: each record joins its
// RRset (the set takes the lowest TTL).
func AppendRecords(ctx context.Context, s RRsetStore, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	cur, err := current(ctx, s, origin)
	if err != nil {
		return nil, err
	}
	add, keys, err := group(recs, origin)
	if err != nil {
		return nil, err
	}
	var changes []zone.Change
	var out []libdns.Record
	for _, k := range keys {
		have := cur.Get(k)
		next := zone.NewRRsets()
		if have != nil {
			for _, rr := range have.Records {
				next.Add(rr)
			}
		}
		for _, rr := range add.Get(k).Records {
			res, err := next.Add(rr)
			if err != nil {
				return nil, err
			}
			if res != zone.Duplicate {
				out = append(out, providers.ToLibdns(rr, origin))
			}
		}
		if c, ok := change(k, have, next.Get(k)); ok {
			changes = append(changes, c)
		}
	}
	if err := apply(ctx, s, origin, changes); err != nil {
		return nil, err
	}
	return out, nil
}

// SetRecords implements libdns.RecordSetter on s: each (name, type) in recs
// ends up holding exactly the given records.
func SetRecords(ctx context.Context, s RRsetStore, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	cur, err := current(ctx, s, origin)
	if err != nil {
		return nil, err
	}
	want, keys, err := group(recs, origin)
	if err != nil {
		return nil, err
	}
	var changes []zone.Change
	var out []libdns.Record
	for _, k := range keys {
		w := want.Get(k)
		if c, ok := change(k, cur.Get(k), w); ok {
			changes = append(changes, c)
		}
		for _, rr := range w.Records {
			out = append(out, providers.ToLibdns(rr, origin))
		}
	}
	if err := apply(ctx, s, origin, changes); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRecords implements libdns.RecordDeleter on s, with libdns's
// wildcard semantics: an empty type, zero TTL or empty value matches any.
func DeleteRecords(ctx context.Context, s RRsetStore, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	cur, err := current(ctx, s, origin)
	if err != nil {
		return nil, err
	}
	origin = dns.CanonicalName(origin)
	next := cur.Clone()
	var deleted []libdns.Record
	touched := map[zone.Key]bool{}
	for _, rec := range recs {
		want := rec.RR()
		name, err := zone.CanonicalName(libdns.AbsoluteName(want.Name, origin), "")
		if err != nil {
			return nil, err
		}
		var wantRdata string
		if want.Type != "" && want.Data != "" {
			if rr, err := providers.FromLibdns(rec, origin); err == nil {
				wantRdata = zone.Rdata(rr)
			}
		}
		for _, set := range next.Sorted() {
			if set.Name != name || (want.Type != "" && !strings.EqualFold(set.TypeString(), want.Type)) {
				continue
			}
			if set.Type == dns.TypeSOA {
				continue
			}
			var keep []dns.RR
			for _, rr := range set.Records {
				got := providers.ToLibdns(rr, origin).RR()
				match := want.TTL == 0 || want.TTL == got.TTL
				if match && want.Data != "" {
					match = want.Data == got.Data || (wantRdata != "" && wantRdata == zone.Rdata(rr))
				}
				if match {
					deleted = append(deleted, providers.ToLibdns(rr, origin))
					continue
				}
				keep = append(keep, rr)
			}
			if len(keep) == len(set.Records) {
				continue
			}
			touched[set.Key()] = true
			if len(keep) == 0 {
				next.Remove(set.Key())
			} else {
				set.Records = keep
			}
		}
	}
	var keys []zone.Key
	for k := range touched {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b zone.Key) int { return a.Compare(b) })
	var changes []zone.Change
	for _, k := range keys {
		if c, ok := change(k, cur.Get(k), next.Get(k)); ok {
			changes = append(changes, c)
		}
	}
	if err := apply(ctx, s, origin, changes); err != nil {
		return nil, err
	}
	return deleted, nil
}

// ParseRR builds a normalized record from an API's pieces: an absolute
// owner name, a TTL, a type mnemonic and presentation-format RDATA.
func ParseRR(name string, ttl uint32, typ, data string) (dns.RR, error) {
	if _, ok := dns.StringToType[strings.ToUpper(typ)]; !ok && !strings.HasPrefix(strings.ToUpper(typ), "TYPE") {
		return nil, fmt.Errorf("record %s: unknown type %q", name, typ)
	}
	zp := dns.NewZoneParser(strings.NewReader(fmt.Sprintf("%s %d IN %s %s\n", name, ttl, typ, data)), ".", "")
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("record %s %s %q: %v", name, typ, data, err)
	}
	if !ok || rr == nil {
		return nil, fmt.Errorf("record %s %s %q: no data", name, typ, data)
	}
	return zone.Normalize(rr)
}
