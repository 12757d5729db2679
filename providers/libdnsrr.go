package providers

import (
	"fmt"
	"strings"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// ToLibdns converts a record of zone origin to the libdns struct for its
// type (libdns.Address, libdns.TXT, ...), or a libdns.RR for types libdns
// does not model. TXT strings are joined and unescaped, as libdns wants.
func ToLibdns(rr dns.RR, origin string) libdns.Record {
	h := rr.Header()
	r := libdns.RR{
		Name: zone.RelativeName(h.Name, origin),
		TTL:  time.Duration(h.Ttl) * time.Second,
		Type: dns.Type(h.Rrtype).String(),
		Data: zone.Rdata(rr),
	}
	if t, ok := rr.(*dns.TXT); ok {
		r.Data = zone.UnescapeStrings(t.Txt...)
	}
	if parsed, err := r.Parse(); err == nil {
		return parsed
	}
	return r
}

// FromLibdns converts a libdns record of zone origin to a normalized
// miekg/dns record.
func FromLibdns(rec libdns.Record, origin string) (dns.RR, error) {
	r := rec.RR()
	name := libdns.AbsoluteName(r.Name, origin)
	ttl := uint32(r.TTL / time.Second)
	if strings.EqualFold(r.Type, "TXT") {
		t := &dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: ttl}, Txt: []string{zone.EscapeText(r.Data)}}
		return zone.Normalize(t)
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", name, ttl, r.Type, r.Data))
	if err != nil {
		return nil, fmt.Errorf("record %s %s %q: %v", name, r.Type, r.Data, err)
	}
	if rr == nil {
		return nil, fmt.Errorf("record %s %s: empty", name, r.Type)
	}
	return zone.Normalize(rr)
}
