package providertest

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// testLibdns checks the libdns interface semantics on their own, without
// plans: what other libdns consumers rely on.
func (s *suite) testLibdns(t *testing.T) {
	s.need(t, dns.TypeA, dns.TypeTXT, dns.TypeMX, dns.TypeCNAME)
	t.Run("GetRecords", s.testGetRecords)
	t.Run("SetRecords", s.testSetRecords)
	t.Run("AppendRecords", s.testAppendRecords)
	t.Run("DeleteRecords", s.testDeleteRecords)
}

// expect checks the zone holds the base plus text, nothing else.
func (s *suite) expect(t *testing.T, text string) {
	t.Helper()
	want, got := s.desired(t, text), s.read(t)
	if d := s.diff(want, got); d != "" {
		t.Errorf("zone content (- expected, + read back):\n%s", d)
	}
}

const libdnsBase = `www 300 A 192.0.2.1
www 300 A 192.0.2.2
www 300 TXT "keep me"
@ 300 MX 10 mail.example.net.
@ 300 TXT "say \"hi\" héllo"
alias 300 CNAME www
other 300 A 192.0.2.3`

func (s *suite) testGetRecords(t *testing.T) {
	s.start(t)
	s.step(t, libdnsBase)
	ctx, cancel := s.ctx()
	defer cancel()
	recs, err := s.o.Provider.GetRecords(ctx, s.origin)
	if err != nil {
		t.Fatalf("GetRecords: %v", err)
	}
	seen := map[string]bool{}
	for _, rec := range recs {
		rr := rec.RR()
		if rr.Name == "" || strings.HasSuffix(rr.Name, ".") || strings.HasSuffix(rr.Name, strings.TrimSuffix(s.origin, ".")) {
			t.Errorf("record %s %s %q: name is not relative to the zone (\"@\" for the apex)", rr.Name, rr.Type, rr.Data)
		}
		ok := true
		switch rr.Type {
		case "A", "AAAA":
			_, ok = rec.(libdns.Address)
		case "TXT":
			_, ok = rec.(libdns.TXT)
		case "MX":
			_, ok = rec.(libdns.MX)
		case "CNAME":
			_, ok = rec.(libdns.CNAME)
		case "NS":
			_, ok = rec.(libdns.NS)
		}
		if !ok {
			t.Errorf("record %s %s: got %T, want the libdns struct for its type", rr.Name, rr.Type, rec)
		}
		seen[rr.Name+" "+rr.Type+" "+rr.Data] = true
	}
	for _, want := range []string{
		"www A 192.0.2.1", "www A 192.0.2.2", "www TXT keep me", "other A 192.0.2.3",
		`@ TXT say "hi" héllo`,
	} {
		if !seen[want] {
			t.Errorf("GetRecords lacks %q (relative name, type, unescaped data)", want)
		}
	}
	// Every record GetRecords returns converts back to what Read returns.
	got := zone.NewRRsets()
	for _, rec := range recs {
		rr, err := providers.FromLibdns(rec, s.origin)
		if err != nil {
			t.Fatalf("record %v from GetRecords does not convert back: %v", rec.RR(), err)
		}
		if _, err := got.Add(rr); err != nil {
			t.Fatal(err)
		}
	}
	if d := s.diff(s.read(t), got); d != "" {
		t.Errorf("GetRecords differs from Read (- Read, + GetRecords):\n%s", d)
	}
}

func (s *suite) testSetRecords(t *testing.T) {
	s.start(t)
	s.step(t, libdnsBase)
	ctx, cancel := s.ctx()
	defer cancel()
	in := []libdns.Record{
		libdns.Address{Name: "www", TTL: 600 * time.Second, IP: netip.MustParseAddr("192.0.2.9")},
		libdns.TXT{Name: "new", TTL: 300 * time.Second, Text: `a "quoted" \ value`},
		libdns.MX{Name: "@", TTL: 300 * time.Second, Preference: 20, Target: "mx2.example.net."},
		libdns.MX{Name: "@", TTL: 300 * time.Second, Preference: 30, Target: "mx3.example.net."},
	}
	out, err := s.o.Provider.SetRecords(ctx, s.origin, in)
	if err != nil {
		t.Fatalf("SetRecords: %v", err)
	}
	if len(out) != len(in) {
		t.Errorf("SetRecords returned %d records, want the %d it set", len(out), len(in))
	}
	s.expect(t, `www 600 A 192.0.2.9
www 300 TXT "keep me"
@ 300 MX 20 mx2.example.net.
@ 300 MX 30 mx3.example.net.
@ 300 TXT "say \"hi\" héllo"
alias 300 CNAME www
other 300 A 192.0.2.3
new 300 TXT "a \"quoted\" \\ value"`)
}

func (s *suite) testAppendRecords(t *testing.T) {
	s.start(t)
	s.step(t, libdnsBase)
	ctx, cancel := s.ctx()
	defer cancel()
	in := []libdns.Record{
		libdns.Address{Name: "www", TTL: 300 * time.Second, IP: netip.MustParseAddr("192.0.2.10")},
		libdns.TXT{Name: "@", TTL: 300 * time.Second, Text: "second apex text"},
		libdns.RR{Name: "appended", TTL: 300 * time.Second, Type: "A", Data: "192.0.2.11"},
	}
	out, err := s.o.Provider.AppendRecords(ctx, s.origin, in)
	if err != nil {
		t.Fatalf("AppendRecords: %v", err)
	}
	if len(out) != len(in) {
		t.Errorf("AppendRecords returned %d records, want the %d it added", len(out), len(in))
	}
	s.expect(t, libdnsBase+`
www 300 A 192.0.2.10
@ 300 TXT "second apex text"
appended 300 A 192.0.2.11`)
}

func (s *suite) testDeleteRecords(t *testing.T) {
	s.start(t)
	s.step(t, libdnsBase)
	del := func(recs ...libdns.Record) []libdns.Record {
		t.Helper()
		ctx, cancel := s.ctx()
		defer cancel()
		out, err := s.o.Provider.DeleteRecords(ctx, s.origin, recs)
		if err != nil {
			t.Fatalf("DeleteRecords: %v", err)
		}
		return out
	}
	names := func(recs []libdns.Record) []string {
		var out []string
		for _, r := range recs {
			rr := r.RR()
			out = append(out, rr.Name+" "+rr.Type+" "+rr.Data)
		}
		slices.Sort(out)
		return out
	}
	// Exact match (name, type, TTL, data): one record.
	got := del(libdns.Address{Name: "www", TTL: 300 * time.Second, IP: netip.MustParseAddr("192.0.2.1")})
	if want := []string{"www A 192.0.2.1"}; !slices.Equal(names(got), want) {
		t.Errorf("exact delete returned %q, want %q", names(got), want)
	}
	// A record that does not exist (wrong TTL, wrong data): nothing.
	got = del(
		libdns.Address{Name: "www", TTL: 999 * time.Second, IP: netip.MustParseAddr("192.0.2.2")},
		libdns.Address{Name: "www", TTL: 300 * time.Second, IP: netip.MustParseAddr("192.0.2.99")},
		libdns.RR{Name: "missing", Type: "A"},
	)
	if len(got) != 0 {
		t.Errorf("deleting absent records returned %q, want nothing", names(got))
	}
	s.expect(t, `www 300 A 192.0.2.2
www 300 TXT "keep me"
@ 300 MX 10 mail.example.net.
@ 300 TXT "say \"hi\" héllo"
alias 300 CNAME www
other 300 A 192.0.2.3`)
	// Empty TTL and data: every record of that name and type.
	got = del(libdns.RR{Name: "@", Type: "TXT"})
	if want := []string{`@ TXT say "hi" héllo`}; !slices.Equal(names(got), want) {
		t.Errorf("wildcard TTL/data delete returned %q, want %q", names(got), want)
	}
	// Empty type, TTL and data: everything at the name.
	got = del(libdns.RR{Name: "www"})
	if want := []string{"www A 192.0.2.2", "www TXT keep me"}; !slices.Equal(names(got), want) {
		t.Errorf("wildcard type delete returned %q, want %q", names(got), want)
	}
	// Data given, TTL empty.
	got = del(libdns.RR{Name: "other", Type: "A", Data: "192.0.2.3"})
	if want := []string{"other A 192.0.2.3"}; !slices.Equal(names(got), want) {
		t.Errorf("delete without TTL returned %q, want %q", names(got), want)
	}
	s.expect(t, `@ 300 MX 10 mail.example.net.
alias 300 CNAME www`)
}
