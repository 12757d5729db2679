package providers

import (
	"fmt"
	"strconv"
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
		r.Data = unescapeStrings(t.Txt)
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
		t := &dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: ttl}, Txt: []string{escapeString(r.Data)}}
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

// unescapeStrings joins miekg/dns character-strings (in escaped
// presentation form) into their raw octets.
func unescapeStrings(ss []string) string {
	var b strings.Builder
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '\\' || i+1 >= len(s) {
				b.WriteByte(c)
				continue
			}
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				n, _ := strconv.Atoi(s[i+1 : i+4])
				b.WriteByte(byte(n))
				i += 3
				continue
			}
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}

// escapeString turns raw octets into miekg/dns's escaped presentation form.
func escapeString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }
