package zone

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// recordType parses a record type key: a mnemonic miekg/dns knows (any
// case) or TYPEnnn (RFC 3597). It returns the type and its mnemonic.
func recordType(s string) (uint16, string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	t, ok := dns.StringToType[u]
	if !ok {
		if n, found := strings.CutPrefix(u, "TYPE"); found {
			v, err := strconv.ParseUint(n, 10, 16)
			if err == nil {
				t, ok = uint16(v), true
			}
		}
	}
	if !ok {
		return 0, "", fmt.Errorf("unknown record type")
	}
	switch t {
	case dns.TypeNone, dns.TypeANY, dns.TypeAXFR, dns.TypeIXFR, dns.TypeOPT, dns.TypeTSIG, dns.TypeTKEY, dns.TypeMAILA, dns.TypeMAILB, dns.TypeReserved:
		return 0, "", fmt.Errorf("%s is not a type of record a zone holds", u)
	}
	if _, known := dns.TypeToString[t]; known && !strings.HasPrefix(u, "TYPE") {
		u = dns.TypeToString[t]
	}
	return t, u, nil
}

// parseErrorSuffix is the position miekg/dns appends to parse errors; it
// refers to the line Load builds, not to the file.
var parseErrorSuffix = regexp.MustCompile(` at line: \d+:\d+$`)

// parseValue parses one record value written under owner and type in zone
// origin, and normalizes the record.
func parseValue(origin, owner string, ttl uint32, typ uint16, mnemonic, value string) (dns.RR, error) {
	text := strings.TrimSpace(value)
	if (typ == dns.TypeTXT || typ == dns.TypeSPF) && !strings.HasPrefix(value, `"`) {
		text = quoteTXT(value)
	}
	if text == "" {
		return nil, fmt.Errorf("empty value")
	}
	if rr := fastValue(origin, owner, ttl, typ, value, text); rr != nil {
		if n, err := Normalize(rr); err == nil {
			return n, nil
		}
	}
	line := "@ " + strconv.FormatUint(uint64(ttl), 10) + " IN " + mnemonic + " " + text
	zp := dns.NewZoneParser(strings.NewReader(line), origin, "")
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return nil, errors.New(parseErrorSuffix.ReplaceAllString(err.Error(), ""))
	}
	if !ok || rr == nil {
		return nil, fmt.Errorf("no record in the value")
	}
	if _, more := zp.Next(); more {
		return nil, fmt.Errorf("the value holds more than one record")
	}
	if err := zp.Err(); err != nil {
		return nil, errors.New(parseErrorSuffix.ReplaceAllString(err.Error(), ""))
	}
	rr.Header().Name = owner
	return Normalize(rr)
}

// quoteTXT turns text into one quoted character-string in presentation
// format: quotes and backslashes escaped, control characters as \DDD.
// Non-ASCII bytes pass through (Normalize turns them into \DDD).
func quoteTXT(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c == 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// fastValue builds the most common records (A, AAAA, CNAME, NS, PTR, MX,
// a plain TXT string) without the zone parser, which dominates the cost of
// loading a large zone. It returns nil whenever the value is anything but
// plain, so that the parser decides (and words the error); a test checks
// that both ways give the same record.
func fastValue(origin, owner string, ttl uint32, typ uint16, value, text string) dns.RR {
	hdr := dns.RR_Header{Name: owner, Rrtype: typ, Class: dns.ClassINET, Ttl: ttl}
	switch typ {
	case dns.TypeA:
		a, err := netip.ParseAddr(text)
		if err != nil || !a.Is4() {
			return nil
		}
		return &dns.A{Hdr: hdr, A: net.IP(a.AsSlice())}
	case dns.TypeAAAA:
		a, err := netip.ParseAddr(text)
		if err != nil || !a.Is6() || a.Zone() != "" || !strings.Contains(text, ":") {
			return nil
		}
		return &dns.AAAA{Hdr: hdr, AAAA: net.IP(a.AsSlice())}
	case dns.TypeCNAME, dns.TypeNS, dns.TypePTR:
		name, ok := fastName(text, origin)
		if !ok {
			return nil
		}
		switch typ {
		case dns.TypeCNAME:
			return &dns.CNAME{Hdr: hdr, Target: name}
		case dns.TypeNS:
			return &dns.NS{Hdr: hdr, Ns: name}
		}
		return &dns.PTR{Hdr: hdr, Ptr: name}
	case dns.TypeMX:
		pref, host, ok := strings.Cut(text, " ")
		if !ok {
			return nil
		}
		p, err := strconv.ParseUint(pref, 10, 16)
		if err != nil || pref[0] == '+' {
			return nil
		}
		name, ok := fastName(host, origin)
		if !ok {
			return nil
		}
		return &dns.MX{Hdr: hdr, Preference: uint16(p), Mx: name}
	case dns.TypeTXT:
		if strings.HasPrefix(value, `"`) || len(text) > 255 {
			return nil
		}
		return &dns.TXT{Hdr: hdr, Txt: []string{text[1 : len(text)-1]}}
	}
	return nil
}

// fastName completes a plain host name (letters, digits, '-', '_', '*',
// dots) with origin; ok is false for anything else.
func fastName(s, origin string) (string, bool) {
	if s == "@" {
		return origin, true
	}
	if s == "" || s[0] == '.' || strings.Contains(s, "..") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '*') {
			return "", false
		}
	}
	if s[len(s)-1] != '.' {
		if origin == "." {
			s += "."
		} else {
			s += "." + origin
		}
	}
	if _, ok := dns.IsDomainName(s); !ok || len(s) > 254 {
		return "", false
	}
	return s, true
}
