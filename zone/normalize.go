package zone

import (
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Normalize returns a canonical copy of rr, so that equivalent inputs, and a
// record read back from a server, compare equal:
//   - the owner and every domain name in the RDATA that RFC 4034 section 6.2
//     lower-cases are lower-cased (Unicode owners become punycode);
//   - the class is IN;
//   - a TXT or SPF string over 255 octets is split into 255-octet strings,
//     while strings written separately stay as written;
//   - the RDATA is passed through wire format and back, so every type reads
//     back in the one form miekg/dns prints for data it received (IPv6
//     compressed, non-ASCII TXT octets as \DDD escapes, and so on).
func Normalize(rr dns.RR) (dns.RR, error) {
	if rr == nil {
		return nil, fmt.Errorf("nil record")
	}
	h := rr.Header()
	name, err := CanonicalName(h.Name, "")
	if err != nil {
		return nil, err
	}
	if h.Class != dns.ClassINET && h.Class != 0 {
		return nil, fmt.Errorf("%s: class %s is not supported, only IN", name, dns.Class(h.Class))
	}
	// Packing does not modify rr: copy it only when the header or the
	// strings must change first (the common record needs no copy).
	c := rr
	switch rr.(type) {
	case *dns.TXT, *dns.SPF:
		c = dns.Copy(rr)
	default:
		if name != h.Name || h.Class != dns.ClassINET {
			c = dns.Copy(rr)
		}
	}
	if c != rr {
		ch := c.Header()
		ch.Name, ch.Class = name, dns.ClassINET
		switch t := c.(type) {
		case *dns.TXT:
			t.Txt = splitStrings(t.Txt)
		case *dns.SPF:
			t.Txt = splitStrings(t.Txt)
		}
	}
	// Through wire format and back: one presentation for every type.
	bp := packBuffers.Get().(*[]byte)
	defer packBuffers.Put(bp)
	off, err := dns.PackRR(c, *bp, 0, nil, false)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", name, dns.Type(h.Rrtype), err)
	}
	back, _, err := dns.UnpackRR((*bp)[:off], 0)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", name, dns.Type(h.Rrtype), err)
	}
	lowerRdataNames(back)
	back.Header().Name = name
	return back, nil
}

// packBuffers holds buffers large enough for any record (RDATA is at most
// 65,535 octets), reused across Normalize calls.
var packBuffers = sync.Pool{New: func() any {
	b := make([]byte, 65535+512)
	return &b
}}

// lowerRdataNames lower-cases the domain names inside RDATA for the types
// RFC 4034 section 6.2 lists (and the later ones with plain target names).
func lowerRdataNames(rr dns.RR) {
	l := dns.CanonicalName
	switch t := rr.(type) {
	case *dns.NS:
		t.Ns = l(t.Ns)
	case *dns.CNAME:
		t.Target = l(t.Target)
	case *dns.DNAME:
		t.Target = l(t.Target)
	case *dns.PTR:
		t.Ptr = l(t.Ptr)
	case *dns.MX:
		t.Mx = l(t.Mx)
	case *dns.SRV:
		t.Target = l(t.Target)
	case *dns.SOA:
		t.Ns, t.Mbox = l(t.Ns), l(t.Mbox)
	case *dns.NAPTR:
		t.Replacement = l(t.Replacement)
	case *dns.KX:
		t.Exchanger = l(t.Exchanger)
	case *dns.AFSDB:
		t.Hostname = l(t.Hostname)
	case *dns.RT:
		t.Host = l(t.Host)
	case *dns.RP:
		t.Mbox, t.Txt = l(t.Mbox), l(t.Txt)
	case *dns.MINFO:
		t.Rmail, t.Email = l(t.Rmail), l(t.Email)
	case *dns.PX:
		t.Map822, t.Mapx400 = l(t.Map822), l(t.Mapx400)
	case *dns.MB:
		t.Mb = l(t.Mb)
	case *dns.MG:
		t.Mg = l(t.Mg)
	case *dns.MR:
		t.Mr = l(t.Mr)
	case *dns.SVCB:
		t.Target = l(t.Target)
	case *dns.HTTPS:
		t.Target = l(t.Target)
	}
}

// splitStrings splits every character-string longer than 255 octets into
// 255-octet strings. The strings are in miekg/dns's escaped form, where a
// "\DDD" or "\X" escape stands for one octet; splits never fall inside one.
func splitStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		for {
			cut := escapedOffset(s, 255)
			if cut >= len(s) {
				out = append(out, s)
				break
			}
			out = append(out, s[:cut])
			s = s[cut:]
		}
	}
	return out
}

// escapedOffset returns the byte offset in s after n octets, counting an
// escape sequence as one octet; len(s) when s holds n octets or fewer.
func escapedOffset(s string, n int) int {
	i := 0
	for octets := 0; i < len(s) && octets < n; octets++ {
		if s[i] == '\\' && i+1 < len(s) {
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				i += 4
			} else {
				i += 2
			}
		} else {
			i++
		}
	}
	return i
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// NewRR parses one record in master-file presentation format, relative names
// completed with origin, and normalizes it.
func NewRR(text, origin string) (dns.RR, error) {
	zp := dns.NewZoneParser(strings.NewReader(text), dns.Fqdn(origin), "")
	zp.SetDefaultTTL(3600)
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no record in %q", text)
	}
	return Normalize(rr)
}
