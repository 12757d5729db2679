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

// CanonicalNames returns each of names as CanonicalName does (relative
// names below origin), in order, as a non-nil slice; the error is the
// first name's that is not valid.
func CanonicalNames(names []string, origin string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		c, err := CanonicalName(n, origin)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
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
// Labels compare as their presentation text. It allocates nothing: plans
// and writers sort every RRset of a zone with it.
func compareNames(a, b string) int {
	if a == b {
		return 0
	}
	var al, bl [128][2]int // label bounds; a name has at most 127 labels
	na, nb := labelBounds(a, &al), labelBounds(b, &bl)
	for i, j := na-1, nb-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if c := strings.Compare(a[al[i][0]:al[i][1]], b[bl[j][0]:bl[j][1]]); c != 0 {
			return c
		}
	}
	return na - nb
}

// labelBounds stores the start and end of each label of name s (in
// presentation format, escapes kept) in b and returns how many there are,
// as dns.SplitDomainName would split it. Labels past len(b) are counted but
// not stored (no valid name has that many).
func labelBounds(s string, b *[128][2]int) int {
	if s == "." || s == "" {
		return 0
	}
	n, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // the escaped byte (or the first digit of \DDD) is no dot
		case '.':
			if n < len(b) {
				b[n] = [2]int{start, i}
			}
			n++
			start = i + 1
		}
	}
	if start < len(s) {
		if n < len(b) {
			b[n] = [2]int{start, len(s)}
		}
		n++
	}
	return min(n, len(b))
}
