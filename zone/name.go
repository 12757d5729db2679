package zone

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"
)

// idnaProfile converts Unicode labels to their ASCII (punycode) form the way
// registries do for host names, but lets through the underscores and
// wildcards that DNS owner names legitimately carry.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// CanonicalName returns name as a lower-case FQDN with Unicode labels turned
// into punycode. Relative names are made absolute below origin; "@" and ""
// mean origin itself. It reports an error for names that are not valid
// domain names.
func CanonicalName(name, origin string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "@" || name == "" {
		if origin == "" {
			return "", fmt.Errorf("empty name without origin")
		}
		name = origin
	} else if !dns.IsFqdn(name) {
		if origin == "" {
			return "", fmt.Errorf("relative name %q without origin", name)
		}
		if origin == "." {
			name += "."
		} else {
			name = name + "." + dns.Fqdn(origin)
		}
	}
	if !isASCII(name) {
		ascii, err := idnaProfile.ToASCII(strings.TrimSuffix(name, "."))
		if err != nil {
			return "", fmt.Errorf("name %q: %v", name, err)
		}
		name = ascii + "."
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return "", fmt.Errorf("invalid domain name %q", name)
	}
	return dns.CanonicalName(name), nil
}

// RelativeName returns fqdn relative to origin ("@" for the origin itself),
// or fqdn unchanged when it is not inside origin.
func RelativeName(fqdn, origin string) string {
	fqdn, origin = dns.CanonicalName(fqdn), dns.CanonicalName(origin)
	if fqdn == origin {
		return "@"
	}
	if origin == "." {
		return strings.TrimSuffix(fqdn, ".")
	}
	if dns.IsSubDomain(origin, fqdn) {
		return strings.TrimSuffix(fqdn, "."+origin)
	}
	return fqdn
}

// InZone reports whether name is origin or below it.
func InZone(name, origin string) bool {
	return dns.IsSubDomain(dns.CanonicalName(origin), dns.CanonicalName(name))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// compareNames orders domain names canonically (RFC 4034 section 6.1):
// label by label from the right, so a name sorts right after its parent.
func compareNames(a, b string) int {
	if a == b {
		return 0
	}
	al, bl := dns.SplitDomainName(a), dns.SplitDomainName(b)
	for i, j := len(al)-1, len(bl)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := strings.Compare(al[i], bl[j]); c != 0 {
			return c
		}
	}
	return len(al) - len(bl)
}
