package zone

import (
	"testing"

	"github.com/miekg/dns"
)

func TestEscapeText(t *testing.T) {
	for _, tc := range []struct{ raw, escaped string }{
		{"", ""},
		{"v=spf1 -all", "v=spf1 -all"},
		{`say "hi" \o/`, `say \"hi\" \\o/`},
		{"tab\tnl\nnul\x00del\x7f", `tab\009nl\010nul\000del\127`},
		{"héllo", `h\195\169llo`},
		{"\xff", `\255`},
	} {
		if got := EscapeText(tc.raw); got != tc.escaped {
			t.Errorf("EscapeText(%q) = %q, want %q", tc.raw, got, tc.escaped)
		}
		if got := UnescapeStrings(tc.escaped); got != tc.raw {
			t.Errorf("UnescapeStrings(%q) = %q, want %q", tc.escaped, got, tc.raw)
		}
	}
}

func TestUnescapeStrings(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"plain"}, "plain"},
		{[]string{"a", "b", ""}, "ab"},
		{[]string{`\065\066`, `C\.`}, "ABC."},
		{[]string{`\12`}, "12"},           // not three digits: an escaped '1'
		{[]string{`end\`}, `end\`},        // a final backslash stands for itself
		{[]string{`\0651`}, "A1"},         // three digits at most
		{[]string{`\"q\"`, `\\`}, `"q"\`}, // each string on its own
	} {
		if got := UnescapeStrings(tc.in...); got != tc.want {
			t.Errorf("UnescapeStrings(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzEscapeText: EscapeText and UnescapeStrings are inverses, and what
// EscapeText writes, quoted, is master-file text miekg/dns reads back as
// the same octets.
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"", "plain", `q"b\`, "héllo\x00\x7f\xff", `\065`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		esc := EscapeText(raw)
		if got := UnescapeStrings(esc); got != raw {
			t.Fatalf("UnescapeStrings(EscapeText(%q)) = %q", raw, got)
		}
		if len(raw) > 255 {
			return
		}
		rr, err := dns.NewRR(`x. 300 IN TXT "` + esc + `"`)
		if err != nil {
			t.Fatalf("EscapeText(%q) = %q does not parse: %v", raw, esc, err)
		}
		if got := UnescapeStrings(rr.(*dns.TXT).Txt...); got != raw {
			t.Fatalf("EscapeText(%q) = %q parses as %q", raw, esc, got)
		}
	})
}
