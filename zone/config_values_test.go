package zone

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

var valueSeeds = []struct{ typ, value string }{
	{"A", "192.0.2.1"}, {"A", "01.2.3.4"}, {"A", "::1"}, {"A", "1.2.3"}, {"A", "255.255.255.255"},
	{"AAAA", "2001:DB8::1"}, {"AAAA", "::ffff:192.0.2.1"}, {"AAAA", "192.0.2.1"}, {"AAAA", "fe80::1%eth0"}, {"AAAA", "::"},
	{"CNAME", "@"}, {"CNAME", "www"}, {"CNAME", "WWW.Example.NET."}, {"CNAME", "*.x"}, {"CNAME", "a..b"}, {"CNAME", "."},
	{"NS", "ns1"}, {"NS", "ns1.example.net."}, {"PTR", "_x._tcp"},
	{"MX", "10 mail"}, {"MX", "0 ."}, {"MX", "+10 mail"}, {"MX", "65536 mail"}, {"MX", "10  mail"}, {"MX", "010 mail"},
	{"TXT", "hello"}, {"TXT", `quote " and \ backslash`}, {"TXT", "héllo\ttab\nnl"}, {"TXT", ""}, {"TXT", "semi;colon (paren)"},
	{"TXT", strings.Repeat("y", 254)}, {"TXT", strings.Repeat("y", 300)},
}

// TestFastValue: the shortcut for common types gives exactly the record
// the zone parser gives.
func TestFastValue(t *testing.T) {
	for _, s := range valueSeeds {
		checkFast(t, s.typ, s.value)
	}
}

func checkFast(t *testing.T, mnemonic, value string) {
	t.Helper()
	typ := dns.StringToType[mnemonic]
	origin, owner := "example.com.", "x.example.com."
	text := strings.TrimSpace(value)
	if typ == dns.TypeTXT && !strings.HasPrefix(value, `"`) {
		text = quoteTXT(value)
	}
	fast := fastValue(origin, owner, 300, typ, value, text)
	if fast == nil {
		return
	}
	fn, ferr := Normalize(fast)
	zp := dns.NewZoneParser(strings.NewReader("@ 300 IN "+mnemonic+" "+text), origin, "")
	slow, _ := zp.Next()
	if zp.Err() != nil || slow == nil {
		t.Errorf("%s %q: fast path accepts %v, parser refuses: %v", mnemonic, value, fast, zp.Err())
		return
	}
	slow.Header().Name = owner
	sn, serr := Normalize(slow)
	if ferr != nil || serr != nil {
		if (ferr == nil) != (serr == nil) {
			t.Errorf("%s %q: normalize errors differ: %v / %v", mnemonic, value, ferr, serr)
		}
		return
	}
	if fn.String() != sn.String() {
		t.Errorf("%s %q: fast %q, parser %q", mnemonic, value, fn.String(), sn.String())
	}
}

// FuzzFastValue compares the shortcut with the zone parser on any value.
func FuzzFastValue(f *testing.F) {
	for _, s := range valueSeeds {
		f.Add(s.typ, s.value)
	}
	f.Fuzz(func(t *testing.T, mnemonic, value string) {
		if _, ok := dns.StringToType[mnemonic]; !ok {
			return
		}
		checkFast(t, mnemonic, value)
	})
}
