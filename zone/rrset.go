package zone

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Key identifies an RRset: its owner as a canonical (lower-case, absolute)
// name and its type.
type Key struct {
	Name string
	Type uint16
}

// String renders the key as "owner TYPE".
func (k Key) String() string { return k.Name + " " + dns.TypeToString[k.Type] }

// Compare orders keys canonically: by owner name (RFC 4034 order), then by
// type number.
func (k Key) Compare(o Key) int {
	if c := compareNames(k.Name, o.Name); c != 0 {
		return c
	}
	return int(k.Type) - int(o.Type)
}

// RRset is the set of records sharing one owner name and type. Records are
// normalized (see Normalize), carry the set's TTL, hold no duplicates and are
// sorted by their presentation-format RDATA, so two RRsets holding the same
// data are equal field by field.
type RRset struct {
	Name    string
	Type    uint16
	TTL     uint32
	Records []dns.RR
}

// Key returns the set's (owner, type) key.
func (s *RRset) Key() Key { return Key{s.Name, s.Type} }

// TypeString returns the mnemonic of the set's type ("A", "TYPE65534").
func (s *RRset) TypeString() string { return dns.Type(s.Type).String() }

// Rdata returns the presentation-format RDATA of each record, in order.
func (s *RRset) Rdata() []string {
	out := make([]string, len(s.Records))
	for i, rr := range s.Records {
		out[i] = Rdata(rr)
	}
	return out
}

// SameData reports whether both sets hold exactly the same records,
// regardless of TTL. Records are compared field by field as
// dns.IsDuplicate does (no presentation text is built: plans compare every
// RRset of a zone); for normalized records this is equality of their RDATA,
// except that domain names in types Normalize leaves in their case compare
// without regard to case, as DNS compares names.
func (s *RRset) SameData(o *RRset) bool {
	if s == nil || o == nil {
		return s == o
	}
	if len(s.Records) != len(o.Records) {
		return false
	}
	for i := range s.Records {
		if !dns.IsDuplicate(s.Records[i], o.Records[i]) {
			return false
		}
	}
	return true
}

// Equal reports whether both sets hold the same records with the same TTL.
func (s *RRset) Equal(o *RRset) bool {
	return s.SameData(o) && (s == nil || s.TTL == o.TTL)
}

// Clone returns a deep copy of the set.
func (s *RRset) Clone() *RRset {
	c := &RRset{Name: s.Name, Type: s.Type, TTL: s.TTL, Records: make([]dns.RR, len(s.Records))}
	for i, rr := range s.Records {
		c.Records[i] = dns.Copy(rr)
	}
	return c
}

// WithTTL returns a copy of the set with every record's TTL set to ttl.
func (s *RRset) WithTTL(ttl uint32) *RRset {
	c := s.Clone()
	c.TTL = ttl
	for _, rr := range c.Records {
		rr.Header().Ttl = ttl
	}
	return c
}

// String renders the set as master-file lines.
func (s *RRset) String() string {
	var b strings.Builder
	for _, rr := range s.Records {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Rdata returns the presentation-format RDATA of rr: its text after the
// header's four tab-terminated fields (owner, TTL, class, type). Cutting at
// the tabs rather than at Header().String() also handles records of unknown
// types, which print their header as "CLASS1 TYPEnnn" (RFC 3597); owner
// names never hold a raw tab (miekg/dns prints it as \009).
func Rdata(rr dns.RR) string {
	s := rr.String()
	for range 4 {
		i := strings.IndexByte(s, '\t')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	return s
}

// RRsets is a collection of RRsets keyed by (owner, type): a zone's content
// as desired or as served. The zero value is not usable; call NewRRsets.
type RRsets struct {
	sets map[Key]*RRset
}

// NewRRsets returns an empty collection.
func NewRRsets() *RRsets { return &RRsets{sets: make(map[Key]*RRset)} }

// Len returns the number of RRsets.
func (z *RRsets) Len() int { return len(z.sets) }

// RecordCount returns the number of records in all sets.
func (z *RRsets) RecordCount() int {
	n := 0
	for _, s := range z.sets {
		n += len(s.Records)
	}
	return n
}

// Get returns the set with key k, or nil.
func (z *RRsets) Get(k Key) *RRset { return z.sets[k] }

// Names returns whether any set exists at name, and the types present there.
func (z *RRsets) TypesAt(name string) []uint16 {
	var types []uint16
	for k := range z.sets {
		if k.Name == name {
			types = append(types, k.Type)
		}
	}
	slices.Sort(types)
	return types
}

// Put stores s, replacing any set with the same key. s must already be
// normalized (as produced by Add or NewRRset).
func (z *RRsets) Put(s *RRset) { z.sets[s.Key()] = s }

// Remove deletes the set with key k.
func (z *RRsets) Remove(k Key) { delete(z.sets, k) }

// Sorted returns the sets in canonical order.
func (z *RRsets) Sorted() []*RRset {
	out := make([]*RRset, 0, len(z.sets))
	for _, s := range z.sets {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *RRset) int { return a.Key().Compare(b.Key()) })
	return out
}

// Records returns every record of every set, in canonical order.
func (z *RRsets) Records() []dns.RR {
	var out []dns.RR
	for _, s := range z.Sorted() {
		out = append(out, s.Records...)
	}
	return out
}

// AddResult tells what Add did with a record.
type AddResult int

const (
	// Added means the record joined its RRset.
	Added AddResult = iota
	// Duplicate means an identical record was already in the set.
	Duplicate
	// TTLMismatch means the record joined a set whose TTL differed; the set
	// keeps the lowest TTL of its records (RFC 2181 section 5.2).
	TTLMismatch
)

// Add normalizes rr and adds it to its RRset. The set keeps the lowest TTL of
// its records.
func (z *RRsets) Add(rr dns.RR) (AddResult, error) {
	n, err := Normalize(rr)
	if err != nil {
		return Added, err
	}
	return z.addNormalized(n), nil
}

func (z *RRsets) addNormalized(n dns.RR) AddResult {
	h := n.Header()
	k := Key{h.Name, h.Rrtype}
	s := z.sets[k]
	if s == nil {
		z.sets[k] = &RRset{Name: h.Name, Type: h.Rrtype, TTL: h.Ttl, Records: []dns.RR{n}}
		return Added
	}
	data := Rdata(n)
	i, found := slices.BinarySearchFunc(s.Records, data, func(rr dns.RR, d string) int { return strings.Compare(Rdata(rr), d) })
	if found {
		return Duplicate
	}
	s.Records = slices.Insert(s.Records, i, n)
	res := Added
	if h.Ttl != s.TTL {
		res = TTLMismatch
		if h.Ttl < s.TTL {
			s.TTL = h.Ttl
		}
		for _, rr := range s.Records {
			rr.Header().Ttl = s.TTL
		}
	} else {
		n.Header().Ttl = s.TTL
	}
	return res
}

// FromRecords builds a collection from records, normalizing each one.
// Duplicates are dropped.
func FromRecords(rrs []dns.RR) (*RRsets, error) {
	z := NewRRsets()
	for _, rr := range rrs {
		if _, err := z.Add(rr); err != nil {
			return nil, err
		}
	}
	return z, nil
}

// Clone returns a deep copy of the collection.
func (z *RRsets) Clone() *RRsets {
	c := &RRsets{sets: make(map[Key]*RRset, len(z.sets))}
	for k, s := range z.sets {
		c.sets[k] = s.Clone()
	}
	return c
}

// Equal reports whether both collections hold the same sets with the same
// TTLs.
func (z *RRsets) Equal(o *RRsets) bool {
	if len(z.sets) != len(o.sets) {
		return false
	}
	for k, s := range z.sets {
		if !s.Equal(o.sets[k]) {
			return false
		}
	}
	return true
}

// MustParse builds a collection from master-file text with the given origin
// and a default TTL of 3600; it panics on error. For tests and examples.
func MustParse(origin, text string) *RRsets {
	z := NewRRsets()
	zp := dns.NewZoneParser(strings.NewReader(text), dns.Fqdn(origin), "")
	zp.SetDefaultTTL(3600)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if _, err := z.Add(rr); err != nil {
			panic(err)
		}
	}
	if err := zp.Err(); err != nil {
		panic(fmt.Sprintf("MustParse: %v", err))
	}
	return z
}
