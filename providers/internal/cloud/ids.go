package cloud

import (
	"context"
	"maps"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// IDTable maps a zone's records to their API IDs, by RRset key and
// presentation-format RDATA.
type IDTable[ID comparable] map[zone.Key]map[string]ID

// Set records the ID of rr (a normalized record).
func (t IDTable[ID]) Set(rr dns.RR, id ID) {
	k := zone.Key{Name: rr.Header().Name, Type: rr.Header().Rrtype}
	if t[k] == nil {
		t[k] = map[string]ID{}
	}
	t[k][zone.Rdata(rr)] = id
}

// RecordIDs remembers the API ID of every record of each zone, as last read
// or written, for APIs that change records by ID. It is safe for
// concurrent use; the zero value is empty and ready.
type RecordIDs[ID comparable] struct {
	mu    sync.Mutex
	zones map[string]IDTable[ID]
}

// Replace makes t the table of zone origin (after a full read).
func (c *RecordIDs[ID]) Replace(origin string, t IDTable[ID]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.zones == nil {
		c.zones = map[string]IDTable[ID]{}
	}
	c.zones[origin] = t
}

// Set records the ID of rr, a record of zone origin.
func (c *RecordIDs[ID]) Set(origin string, rr dns.RR, id ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.zones == nil {
		c.zones = map[string]IDTable[ID]{}
	}
	if c.zones[origin] == nil {
		c.zones[origin] = IDTable[ID]{}
	}
	c.zones[origin].Set(rr, id)
}

// Drop forgets the records of zone origin with key k for which gone
// reports true.
func (c *RecordIDs[ID]) Drop(origin string, k zone.Key, gone func(data string, id ID) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	maps.DeleteFunc(c.zones[origin][k], gone)
}

// For returns a copy of zone origin's table, first reading the zone with
// read (which calls Replace) when a change's old records hold one whose ID
// is not known: so the IDs of every record the changes remove or keep are
// in the table unless the zone no longer has them.
func (c *RecordIDs[ID]) For(ctx context.Context, origin string, changes []zone.Change, read func(ctx context.Context, origin string) error) (IDTable[ID], error) {
	if c.missing(origin, changes) {
		if err := read(ctx, origin); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := IDTable[ID]{}
	for k, m := range c.zones[origin] {
		t[k] = maps.Clone(m)
	}
	return t, nil
}

// missing reports whether a change's old records hold one whose ID is not
// known.
func (c *RecordIDs[ID]) missing(origin string, changes []zone.Change) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.zones[origin]
	for _, ch := range changes {
		if ch.Old == nil {
			continue
		}
		for _, rr := range ch.Old.Records {
			if _, ok := t[ch.Key][zone.Rdata(rr)]; !ok {
				return true
			}
		}
	}
	return false
}
