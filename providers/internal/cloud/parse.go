package cloud

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

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
