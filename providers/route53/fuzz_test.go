package route53

import (
	"testing"

	"github.com/miekg/dns"
)

// FuzzNames feeds Route 53 names and TXT values through the escape
// converters: no panic, and decoded names are valid or rejected cleanly.
func FuzzNames(f *testing.F) {
	for _, s := range []string{`\052.example.com.`, `a\040b.example.`, `"h\303\251llo" "x"`, `\`, `\7`, `\777`, `"\\"`, "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name := decodeName(s)
		if _, ok := dns.IsDomainName(name); ok {
			_ = encodeName(name)
		}
		d := octalToDecimal(s)
		if back := octalToDecimal(decimalToOctal(d)); back != d {
			t.Fatalf("TXT escapes do not round trip: %q -> %q -> %q", s, d, back)
		}
	})
}
