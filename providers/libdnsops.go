package providers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// RecordStore is an adapter that reads a zone losslessly and applies RRset
// changes: enough for GetRecords, AppendRecords, SetRecords and
// DeleteRecords here to implement the libdns record interfaces on top.
// Adapters get those methods by embedding LibdnsMethods (or call the
// functions themselves, as rfc2136 does for GetRecords).
type RecordStore interface {
	Provider
	ZoneReader
	Batcher
}

// ZoneEditor is implemented by stores that run one read-modify-write of a
// zone as a unit (under a lock, in one transaction). EditZone reads the
// zone, calls plan with its content (which plan must not modify), and
// applies the changes plan returns, all or none; when plan returns no
// changes, nothing is written. Without it, the libdns functions here read
// with ReadZone and apply with Apply, and a concurrent writer may make the
// apply fail (adapters that check a change's Old) or be overwritten.
type ZoneEditor interface {
	EditZone(ctx context.Context, zone string, plan func(current *zone.RRsets) ([]zone.Change, error)) error
}

// LibdnsMethods gives an adapter the four libdns record methods, built on
// the functions below: embed it in the adapter's struct and set Store to
// the adapter itself in its constructor. The writes of one adapter value
// run one at a time (each is a read-modify-write of the zone), so they are
// safe for concurrent use as libdns asks.
type LibdnsMethods struct {
	// Store is the adapter that embeds this value.
	Store RecordStore
	mu    sync.Mutex
}

// GetRecords implements libdns.RecordGetter (see the function GetRecords).
func (m *LibdnsMethods) GetRecords(ctx context.Context, zone string) ([]libdns.Record, error) {
	return GetRecords(ctx, m.Store, zone)
}

// AppendRecords implements libdns.RecordAppender (see the function
// AppendRecords).
func (m *LibdnsMethods) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return AppendRecords(ctx, m.Store, zone, recs)
}

// SetRecords implements libdns.RecordSetter (see the function SetRecords).
func (m *LibdnsMethods) SetRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return SetRecords(ctx, m.Store, zone, recs)
}

// DeleteRecords implements libdns.RecordDeleter (see the function
// DeleteRecords).
func (m *LibdnsMethods) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return DeleteRecords(ctx, m.Store, zone, recs)
}

// GetRecords implements libdns.RecordGetter on s: every record of the zone,
// SOA included, normalized, as the libdns struct of its type with a name
// relative to the zone.
func GetRecords(ctx context.Context, s RecordStore, origin string) ([]libdns.Record, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	rrs, err := s.ReadZone(ctx, origin)
	if err != nil {
		return nil, err
	}
	out := make([]libdns.Record, len(rrs))
	for i, rr := range rrs {
		n, err := zone.Normalize(rr)
		if err != nil {
			return nil, fmt.Errorf("zone %s: record read back: %v", origin, err)
		}
		out[i] = ToLibdns(n, origin)
	}
	return out, nil
}

// AppendRecords implements libdns.RecordAppender on s: the records join
// their RRsets and never change existing records, so a record joining an
// existing set takes that set's TTL, and a record whose data is already
// there is not added again. It returns the records it added, with the TTL
// they got. Names outside the zone are refused before anything is read.
func AppendRecords(ctx context.Context, s RecordStore, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	add, keys, err := groupLibdns(recs, origin)
	if err != nil {
		return nil, err
	}
	var added []dns.RR
	err = editZone(ctx, s, origin, func(cur *zone.RRsets) ([]zone.Change, error) {
		added = nil
		var changes []zone.Change
		for _, k := range keys {
			have, more := cur.Get(k), add.Get(k)
			if have == nil {
				changes = append(changes, zone.Change{Action: zone.Create, Key: k, New: more})
				added = append(added, more.Records...)
				continue
			}
			next := zone.NewRRsets()
			next.Put(have.Clone())
			for _, rr := range more.Records {
				rr = dns.Copy(rr)
				rr.Header().Ttl = have.TTL
				res, err := next.Add(rr)
				if err != nil {
					return nil, err
				}
				if res != zone.Duplicate {
					added = append(added, rr)
				}
			}
			if c, ok := change(k, have, next.Get(k)); ok {
				changes = append(changes, c)
			}
		}
		return changes, nil
	})
	if err != nil {
		return nil, err
	}
	return toLibdnsAll(added, origin), nil
}

// SetRecords implements libdns.RecordSetter on s: each (name, type) in recs
// ends up holding exactly the given records (one TTL per set: the lowest
// given); every other RRset is left alone. It returns the records set. A
// set already holding exactly those records is not written.
func SetRecords(ctx context.Context, s RecordStore, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	want, keys, err := groupLibdns(recs, origin)
	if err != nil {
		return nil, err
	}
	err = editZone(ctx, s, origin, func(cur *zone.RRsets) ([]zone.Change, error) {
		var changes []zone.Change
		for _, k := range keys {
			if c, ok := change(k, cur.Get(k), want.Get(k)); ok {
				changes = append(changes, c)
			}
		}
		return changes, nil
	})
	if err != nil {
		return nil, err
	}
	var out []libdns.Record
	for _, k := range keys {
		out = append(out, toLibdnsAll(want.Get(k).Records, origin)...)
	}
	return out, nil
}

// DeleteRecords implements libdns.RecordDeleter on s, with libdns's
// wildcard semantics (see Matches): an empty type, zero TTL or empty data
// matches any. Sets left empty are deleted, the others replaced; the SOA is
// never deleted. It returns the records it deleted.
func DeleteRecords(ctx context.Context, s RecordStore, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	wants := make([]libdns.RR, len(recs))
	names := make([]string, len(recs))
	for i, rec := range recs {
		wants[i] = rec.RR()
		names[i], err = zone.CanonicalName(libdns.AbsoluteName(wants[i].Name, origin), ".")
		if err != nil {
			return nil, fmt.Errorf("record %q: %v", wants[i].Name, err)
		}
	}
	var deleted []dns.RR
	err = editZone(ctx, s, origin, func(cur *zone.RRsets) ([]zone.Change, error) {
		deleted = nil
		next := cur.Clone()
		touched := map[zone.Key]bool{}
		for i, want := range wants {
			for _, set := range next.Sorted() {
				if set.Name != names[i] {
					continue
				}
				var keep []dns.RR
				for _, rr := range set.Records {
					if Matches(rr, want, origin) {
						deleted = append(deleted, rr)
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
		keys := make([]zone.Key, 0, len(touched))
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
		return changes, nil
	})
	if err != nil {
		return nil, err
	}
	return toLibdnsAll(deleted, origin), nil
}

// Matches reports whether record rr of zone origin is one that libdns
// DeleteRecords deletes for want (its name aside, which the caller
// compares): an empty type, a zero TTL or empty data in want match any;
// a type compares without regard to case; data matches either as the
// text ToLibdns gives, or as normalized RDATA (so "2001:DB8::1" matches
// 2001:db8::1). The SOA never matches: no libdns call deletes it.
func Matches(rr dns.RR, want libdns.RR, origin string) bool {
	h := rr.Header()
	if h.Rrtype == dns.TypeSOA {
		return false
	}
	typ := dns.Type(h.Rrtype).String()
	if want.Type != "" && !strings.EqualFold(want.Type, typ) {
		return false
	}
	if want.TTL != 0 && ttlOf(want.TTL) != h.Ttl {
		return false
	}
	if want.Data == "" {
		return true
	}
	if got := ToLibdns(rr, origin).RR().Data; got == want.Data {
		return true
	}
	w, err := FromLibdns(libdns.RR{Name: h.Name, Type: typ, Data: want.Data}, origin)
	if err != nil {
		return false
	}
	n, err := zone.Normalize(rr)
	return err == nil && zone.Rdata(n) == zone.Rdata(w)
}

// canonicalZone checks and canonicalizes a zone name given to a libdns
// method.
func canonicalZone(origin string) (string, error) {
	z, err := zone.CanonicalName(origin, ".")
	if err != nil {
		return "", fmt.Errorf("zone %q: %v", origin, err)
	}
	return z, nil
}

// groupLibdns converts libdns records of zone origin to normalized RRsets,
// returning their keys in the order they first appear. Names outside the
// zone are refused.
func groupLibdns(recs []libdns.Record, origin string) (*zone.RRsets, []zone.Key, error) {
	set := zone.NewRRsets()
	var keys []zone.Key
	for _, rec := range recs {
		rr, err := FromLibdns(rec, origin)
		if err != nil {
			return nil, nil, err
		}
		h := rr.Header()
		if !zone.InZone(h.Name, origin) {
			return nil, nil, fmt.Errorf("record %s %s: outside zone %s", h.Name, dns.Type(h.Rrtype), origin)
		}
		k := zone.Key{Name: h.Name, Type: h.Rrtype}
		if set.Get(k) == nil {
			keys = append(keys, k)
		}
		if _, err := set.Add(rr); err != nil {
			return nil, nil, err
		}
	}
	return set, keys, nil
}

// change returns the change turning have into want (either may be nil),
// and whether there is one.
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

// editZone runs one read-modify-write of the zone: through the store's
// ZoneEditor when it has one; otherwise it reads with ReadZone and applies
// the changes with Apply (batched as the store's capabilities say, transient
// failures retried).
func editZone(ctx context.Context, s RecordStore, origin string, plan func(*zone.RRsets) ([]zone.Change, error)) error {
	if e, ok := s.(ZoneEditor); ok {
		return e.EditZone(ctx, origin, plan)
	}
	rrs, err := s.ReadZone(ctx, origin)
	if err != nil {
		return err
	}
	cur, err := zone.FromRecords(rrs)
	if err != nil {
		return fmt.Errorf("zone %s: record read back: %v", origin, err)
	}
	changes, err := plan(cur)
	if err != nil || len(changes) == 0 {
		return err
	}
	_, err = Apply(ctx, s, &zone.Plan{Zone: origin, Changes: changes})
	var ae *ApplyError
	if errors.As(err, &ae) {
		// The plan has no provider name: say where without it.
		where := "zone " + origin
		if ae.Change.Action != 0 {
			where += ": " + ae.Change.String()
		}
		return fmt.Errorf("%s: %w (%d of %d changes applied)", where, ae.Err, ae.Applied, len(changes))
	}
	return err
}

// toLibdnsAll converts records of zone origin to libdns records.
func toLibdnsAll(rrs []dns.RR, origin string) []libdns.Record {
	out := make([]libdns.Record, len(rrs))
	for i, rr := range rrs {
		out[i] = ToLibdns(rr, origin)
	}
	return out
}
