package zone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// changes renders a plan's changes as "+ name TYPE" lines.
func changes(p *Plan) string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, c.String())
	}
	return strings.Join(out, "\n")
}

func TestNewPlanEdgeCases(t *testing.T) {
	const origin = "example.com."
	actualText := `@ 3600 SOA ns1 hostmaster 1 2 3 4 5
@ 3600 NS ns1.provider.net.
@ 3600 A 192.0.2.1
@ 3600 RRSIG A 8 2 3600 20300101000000 20200101000000 1 example.com. AAAA
www 300 A 192.0.2.10
old 300 A 192.0.2.20
ttl 300 TXT "same"
_acme-challenge 60 TXT "token"
_acme-challenge.www 60 TXT "token"
legacy 300 TXT "keep me"
legacy 300 A 192.0.2.30
caa 300 CAA 0 issue "ca.example"
`
	desiredText := `@ 3600 NS ns1.example.net.
@ 3600 A 192.0.2.1
WWW.Example.COM. 300 A 192.0.2.11
new 300 AAAA 2001:DB8:0:0::1
ttl 600 TXT "same"
legacy 300 A 192.0.2.31
caa 300 CAA 0 issue "other.example"
`
	ignore := []IgnoreRule{{Name: "_acme-challenge*"}, {Name: "legacy", Type: "TXT"}}
	tests := []struct {
		name string
		opts PlanOptions
		want string
	}{{
		name: "defaults: SOA, DNSSEC and apex NS left alone, no ignore rules",
		want: "- _acme-challenge.example.com. TXT\n~ caa.example.com. CAA\n~ legacy.example.com. A\n- legacy.example.com. TXT\n+ new.example.com. AAAA\n- old.example.com. A\n~ ttl.example.com. TXT\n~ www.example.com. A\n- _acme-challenge.www.example.com. TXT",
	}, {
		name: "apex NS managed, ignore rules",
		opts: PlanOptions{ManageApexNS: true, Ignore: ignore},
		want: "~ example.com. NS\n~ caa.example.com. CAA\n~ legacy.example.com. A\n+ new.example.com. AAAA\n- old.example.com. A\n~ ttl.example.com. TXT\n~ www.example.com. A",
	}, {
		name: "unsupported types left alone",
		opts: PlanOptions{Ignore: ignore, SupportedTypes: []uint16{dns.TypeA, dns.TypeTXT, dns.TypeNS}},
		want: "~ legacy.example.com. A\n- old.example.com. A\n~ ttl.example.com. TXT\n~ www.example.com. A",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desired, actual := MustParse(origin, desiredText), MustParse(origin, actualText)
			d0, a0 := desired.Clone(), actual.Clone()
			p := NewPlan("Example.COM", "prov", desired, actual, tt.opts)
			if got := changes(p); got != tt.want {
				t.Errorf("changes:\n%s\nwant:\n%s", got, tt.want)
			}
			if !desired.Equal(d0) || !actual.Equal(a0) {
				t.Errorf("NewPlan modified its inputs")
			}
			if p.Zone != origin || p.Provider != "prov" {
				t.Errorf("zone %q provider %q", p.Zone, p.Provider)
			}
			// Deterministic: the same inputs give the same plan.
			again := NewPlan(origin, "prov", desired, actual, tt.opts)
			j1, _ := json.Marshal(p.JSON())
			j2, _ := json.Marshal(again.JSON())
			if !bytes.Equal(j1, j2) {
				t.Errorf("two plans of the same inputs differ:\n%s\n%s", j1, j2)
			}
		})
	}
}

func TestNewPlanChangeDetails(t *testing.T) {
	desired := MustParse("example.com.", "a 300 A 192.0.2.1\na 300 A 192.0.2.3\nt 600 TXT x\nb 60 MX 10 mx\n")
	actual := MustParse("example.com.", "a 300 A 192.0.2.1\na 300 A 192.0.2.2\nt 300 TXT x\nb 300 MX 20 mx\n")
	p := NewPlan("example.com.", "p", desired, actual, PlanOptions{})
	if len(p.Changes) != 3 {
		t.Fatalf("changes: %s", changes(p))
	}
	byName := map[string]Change{}
	for _, c := range p.Changes {
		byName[c.Key.Name] = c
	}
	a := byName["a.example.com."]
	if a.TTLOnly() || fmt.Sprint(a.Added()) != "[a.example.com.\t300\tIN\tA\t192.0.2.3]" || fmt.Sprint(a.Removed()) != "[a.example.com.\t300\tIN\tA\t192.0.2.2]" {
		t.Errorf("a: ttl-only %v added %v removed %v", a.TTLOnly(), a.Added(), a.Removed())
	}
	tc := byName["t.example.com."]
	if !tc.TTLOnly() || len(tc.Added()) != 0 || len(tc.Removed()) != 0 {
		t.Errorf("t: ttl-only %v added %v removed %v", tc.TTLOnly(), tc.Added(), tc.Removed())
	}
	b := byName["b.example.com."]
	if b.TTLOnly() || len(b.Added()) != 1 || len(b.Removed()) != 1 {
		t.Errorf("b: ttl-only %v added %v removed %v", b.TTLOnly(), b.Added(), b.Removed())
	}
	if s := p.Summary; s.Create != 0 || s.Update != 3 || s.Delete != 0 || s.Existing != 4 || s.Desired != 4 {
		t.Errorf("summary %+v", s)
	}
}

func TestNewPlanSafety(t *testing.T) {
	zoneOf := func(n int) *RRsets {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "h%d 300 A 192.0.2.%d\n", i, i%250+1)
		}
		return MustParse("example.com.", b.String())
	}
	// without removes the first k records.
	without := func(n, k int) *RRsets {
		z := zoneOf(n)
		for i := range k {
			z.Remove(Key{fmt.Sprintf("h%d.example.com.", i), dns.TypeA})
		}
		return z
	}
	tests := []struct {
		name        string
		actual      *RRsets
		desired     *RRsets
		opts        PlanOptions
		force       bool
		affected    int
		wantReason  string
		wantExisted int
	}{
		{"3 of 10 deleted: exactly 30%, allowed", zoneOf(10), without(10, 3), PlanOptions{}, false, 3, "", 10},
		{"4 of 10 deleted: over 30%", zoneOf(10), without(10, 4), PlanOptions{}, true, 4, "updates and deletes touch 4 of 10 existing records (40%), over the 30% threshold", 10},
		{"9 of 9 deleted: zone too small to judge", zoneOf(9), without(9, 9), PlanOptions{}, false, 9, "", 9},
		{"creates never count", NewRRsets(), zoneOf(20), PlanOptions{}, false, 0, "", 0},
		{"custom threshold", zoneOf(10), without(10, 2), PlanOptions{SafetyThreshold: 0.1}, true, 2, "updates and deletes touch 2 of 10 existing records (20%), over the 10% threshold", 10},
		{"custom minimum", zoneOf(5), without(5, 5), PlanOptions{SafetyMinRecords: 5}, true, 5, "updates and deletes touch 5 of 5 existing records (100%), over the 30% threshold", 5},
		{"check disabled", zoneOf(10), NewRRsets(), PlanOptions{SafetyThreshold: -1}, false, 10, "", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan("example.com.", "p", tt.desired, tt.actual, tt.opts)
			s := p.Safety
			if s.RequiresForce != tt.force || s.Affected != tt.affected || s.Reason != tt.wantReason || p.Summary.Existing != tt.wantExisted {
				t.Errorf("safety %+v existing %d; want force %v affected %d reason %q existing %d", s, p.Summary.Existing, tt.force, tt.affected, tt.wantReason, tt.wantExisted)
			}
		})
	}
}

func TestPlanBasis(t *testing.T) {
	desired := MustParse("example.com.", "www 300 A 192.0.2.1\n")
	base := "@ 3600 SOA ns1 hostmaster %d 2 3 4 5\nwww 300 A 192.0.2.%d\n_acme-challenge 60 TXT %q\n"
	plan := func(serial, last int, token string) *Plan {
		actual := MustParse("example.com.", fmt.Sprintf(base, serial, last, token))
		return NewPlan("example.com.", "p", desired, actual, PlanOptions{Ignore: []IgnoreRule{{Name: "_acme-challenge"}}})
	}
	p := plan(1, 2, "a")
	if !strings.HasPrefix(p.Basis, "sha256:") || len(p.Basis) != len("sha256:")+64 {
		t.Fatalf("basis %q", p.Basis)
	}
	if q := plan(2, 2, "b"); q.Basis != p.Basis {
		t.Errorf("a serial bump or an ignored record changed the basis")
	}
	if q := plan(1, 3, "a"); q.Basis == p.Basis {
		t.Errorf("a managed record changed but the basis did not")
	}
	// The basis is the fingerprint of the managed actual records.
	managed := MustParse("example.com.", "www 300 A 192.0.2.2\n")
	if managed.Fingerprint() != p.Basis {
		t.Errorf("basis %s, fingerprint of the managed records %s", p.Basis, managed.Fingerprint())
	}
	// TTLs count; set order and letter case do not.
	a := MustParse("example.com.", "a 300 A 192.0.2.1\nb 300 A 192.0.2.2\nb 300 A 192.0.2.3\n")
	b := MustParse("example.com.", "B 300 A 192.0.2.3\nb 300 A 192.0.2.2\nA 300 A 192.0.2.1\n")
	c := MustParse("example.com.", "a 301 A 192.0.2.1\nb 300 A 192.0.2.2\nb 300 A 192.0.2.3\n")
	if a.Fingerprint() != b.Fingerprint() || a.Fingerprint() == c.Fingerprint() {
		t.Errorf("fingerprints: a %s b %s c %s", a.Fingerprint(), b.Fingerprint(), c.Fingerprint())
	}
	if NewRRsets().Fingerprint() != "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("empty fingerprint %s", NewRRsets().Fingerprint())
	}
}

func TestPlanJSON(t *testing.T) {
	desired := MustParse("example.com.", "new 300 A 192.0.2.1\nupd 300 TXT \"a b\" \"c\"\nttl 600 MX 10 mx\n")
	actual := MustParse("example.com.", "@ 3600 SOA ns1 hostmaster 1 2 3 4 5\nold 300 AAAA 2001:db8::1\nupd 300 TXT \"old\"\nttl 300 MX 10 mx\n")
	p := NewPlan("example.com.", "bind", desired, actual, PlanOptions{})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p.JSON()); err != nil {
		t.Fatal(err)
	}
	golden(t, "plan.golden.json", buf.Bytes())

	back, err := ReadPlanJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Changes) != len(p.Changes) {
		t.Fatalf("read back %d changes, want %d", len(back.Changes), len(p.Changes))
	}
	for i, c := range p.Changes {
		b := back.Changes[i]
		if b.Action != c.Action || b.Key != c.Key || !b.Old.Equal(c.Old) || !b.New.Equal(c.New) {
			t.Errorf("change %d: read back %v, want %v", i, b, c)
		}
	}
	if back.Basis != p.Basis || back.Summary != p.Summary || back.Safety != p.Safety || back.Zone != p.Zone || back.Provider != p.Provider {
		t.Errorf("read back %+v, want %+v", back, p)
	}

	empty := NewPlan("example.com.", "bind", desired, desired, PlanOptions{})
	j, err := json.Marshal(empty.JSON())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(j, []byte(`"changes":[]`)) {
		t.Errorf("empty plan: %s, want \"changes\":[]", j)
	}
}

func TestReadPlanJSONErrors(t *testing.T) {
	ok := `{"format_version":1,"zone":"example.com.","provider":"p","create_zone":false,"basis":"","changes":[%s],"summary":{"create":0,"update":0,"delete":0,"existing_records":0,"desired_records":0},"safety":{"threshold":0.3,"min_records":10,"affected_records":0,"requires_force":false}}`
	tests := []struct{ name, in, want string }{
		{"future version", `{"format_version":2}`, "plan: unsupported plan format_version 2 (this build reads 1)"},
		{"unknown field", `{"format_version":1,"surprise":true}`, `plan: json: unknown field "surprise"`},
		{"not JSON", `plan`, "plan: invalid character 'p' looking for beginning of value"},
		{"bad record", fmt.Sprintf(ok, `{"action":"create","name":"a.example.com.","type":"A","old":null,"new":{"ttl":300,"records":["192.0.2.300"]}}`),
			`plan: changes[0] (a.example.com. A): new: record "192.0.2.300": bad A A: "192.0.2.300"`},
		{"unknown action", fmt.Sprintf(ok, `{"action":"replace","name":"a.example.com.","type":"A","old":null,"new":null}`),
			`plan: changes[0] (a.example.com. A): unknown action "replace"`},
		{"create with old", fmt.Sprintf(ok, `{"action":"create","name":"a.example.com.","type":"A","old":{"ttl":1,"records":["192.0.2.1"]},"new":{"ttl":1,"records":["192.0.2.1"]}}`),
			`plan: changes[0] (a.example.com. A): create with old true and new true`},
		{"unknown type", fmt.Sprintf(ok, `{"action":"delete","name":"a.example.com.","type":"BOGUS","old":null,"new":null}`),
			`plan: changes[0] (a.example.com. BOGUS): unknown type "BOGUS"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPlanJSON(strings.NewReader(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
	_, err := ReadPlanJSON(strings.NewReader(`{"format_version":7}`))
	if !errors.Is(err, ErrPlanFormat) {
		t.Errorf("%v does not wrap ErrPlanFormat", err)
	}
}

// TestCompareNames checks the allocation-free canonical order against the
// obvious implementation over dns.SplitDomainName.
func TestCompareNames(t *testing.T) {
	ref := func(a, b string) int {
		al, bl := dns.SplitDomainName(a), dns.SplitDomainName(b)
		for i, j := len(al)-1, len(bl)-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
			if c := strings.Compare(al[i], bl[j]); c != 0 {
				return c
			}
		}
		return len(al) - len(bl)
	}
	names := []string{".", "com.", "example.com.", "a.example.com.", "z.example.com.", "*.example.com.", "_sip._tcp.example.com.",
		`a\.b.example.com.`, `a\\.b.example.com.`, `a\\\.b.example.com.`, `\000.example.com.`, `h\195\169.example.com.`, "a.b.c.d.e.f.g.",
		"example.com", "a-.example.com.", "xn--caf-dma.example.", "example.org."}
	sign := func(x int) int { return max(-1, min(1, x)) }
	for _, a := range names {
		for _, b := range names {
			if got, want := sign(compareNames(a, b)), sign(ref(a, b)); got != want {
				t.Errorf("compareNames(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { compareNames("www.example.com.", "mail.example.com.") }); n != 0 {
		t.Errorf("compareNames allocates %v times", n)
	}
}
