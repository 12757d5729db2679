package rfc2136

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

// TestConformance runs the conformance suite against BIND, Knot and
// PowerDNS, one after the other (they share the zone name scratch.test.).
func TestConformance(t *testing.T) {
	env := labtest.Load(t)
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			p := newProvider(t, labSettings(env, srv.key))
			providertest.Run(t, providertest.Options{Provider: p, Zone: scratch, Short: testing.Short()})
		})
	}
}

// TestConformanceSerialPrerequisite runs a short part of the suite with
// serial_prerequisite on: every message carries the SOA prerequisite.
func TestConformanceSerialPrerequisite(t *testing.T) {
	env := labtest.Load(t)
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			s := labSettings(env, srv.key)
			s.SerialPrerequisite = true
			p := newProvider(t, s)
			// Three messages in one apply: the prerequisite follows the serial.
			syncZone(t, p, scratch, bigTXT(3000, 200))
			syncZone(t, p, scratch, "")
		})
	}
}

// bigTXT returns n TXT records of size octets each, at distinct names.
func bigTXT(n, size int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "t%05d 300 TXT \"%s\"\n", i, strings.Repeat(string(rune('a'+i%26)), size))
	}
	return b.String()
}

// TestBadSecret: a wrong TSIG secret is refused with a clear error that
// never shows the secret, and changes nothing.
func TestBadSecret(t *testing.T) {
	env := labtest.Load(t)
	const wrong = "d3JvbmcgYnV0IHZhbGlkIGJhc2U2NCBrZXkgbWF0ZXJpYWw="
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			good := newProvider(t, labSettings(env, srv.key))
			before := read(t, good, scratch)
			s := labSettings(env, srv.key)
			s.TSIG.Secret = wrong
			bad := newProvider(t, s)

			_, rerr := bad.ReadZone(ctxT(t), scratch)
			plan := zone.NewPlan(scratch, "bad", withBase(before, scratch, "badsig 300 A 192.0.2.66"), before, planOpts)
			_, aerr := providers.Apply(ctxT(t), bad, plan)
			for what, err := range map[string]error{"AXFR": rerr, "UPDATE": aerr} {
				if err == nil {
					t.Fatalf("%s with a wrong secret succeeded", what)
				}
				msg := err.Error()
				t.Logf("%s: %s", what, msg)
				for _, secret := range []string{wrong, env["LAB_TSIG_SECRET"]} {
					if strings.Contains(msg, secret) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), secret) {
						t.Errorf("%s error shows a secret: %s", what, msg)
					}
				}
				var se *ServerError
				if !errors.As(err, &se) {
					t.Fatalf("%s: want a *ServerError, got %T: %v", what, err, err)
				}
				if se.TSIGError != dns.RcodeBadSig && se.Rcode != dns.RcodeNotAuth && se.Rcode != dns.RcodeRefused {
					t.Errorf("%s: want BADSIG, NOTAUTH or REFUSED, got %v", what, err)
				}
				if !strings.Contains(msg, env.Addr(srv.key)) || !strings.Contains(msg, scratch) {
					t.Errorf("%s: the error does not name the server and zone: %s", what, msg)
				}
				var te *providers.TransientError
				if errors.As(err, &te) {
					t.Errorf("%s: a TSIG failure is not transient", what)
				}
			}
			after := read(t, good, scratch)
			if p := zone.NewPlan(scratch, "t", before, after, planOpts); !p.Empty() {
				t.Errorf("the refused update changed the zone: %s", p.Changes[0])
			}
		})
	}
}

// TestUnknownZone: a zone the server does not serve is refused with an
// error naming server, zone and code.
func TestUnknownZone(t *testing.T) {
	env := labtest.Load(t)
	const unknown = "no-such-zone.test."
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			p := newProvider(t, labSettings(env, srv.key))
			_, rerr := p.ReadZone(ctxT(t), unknown)
			set := zone.MustParse(unknown, "www 300 A 192.0.2.1")
			_, aerr := p.ApplyChanges(ctxT(t), unknown, []zone.Change{{Action: zone.Create, Key: zone.Key{Name: "www." + unknown, Type: dns.TypeA}, New: set.Sorted()[0]}})
			for what, err := range map[string]error{"AXFR": rerr, "UPDATE": aerr} {
				var se *ServerError
				if !errors.As(err, &se) {
					t.Fatalf("%s: want a *ServerError, got %T: %v", what, err, err)
				}
				t.Logf("%s: %v", what, err)
				if se.Rcode != dns.RcodeRefused && se.Rcode != dns.RcodeNotAuth {
					t.Errorf("%s: want REFUSED or NOTAUTH, got %v", what, err)
				}
				if msg := err.Error(); !strings.Contains(msg, unknown) || !strings.Contains(msg, env.Addr(srv.key)) {
					t.Errorf("%s: error does not name zone and server: %s", what, msg)
				}
			}
		})
	}
}

// TestLargeBatch: 3,000 TXT records of 200 octets cross 64 KiB: they land
// in several messages, each split by size, and the zone converges.
func TestLargeBatch(t *testing.T) {
	env := labtest.Load(t)
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			px := startProxy(t, env.Addr(srv.key))
			s := labSettings(env, srv.key)
			s.Server = px.addr
			p := newProvider(t, s)
			syncZone(t, p, scratch, "")
			px.failOn("")
			syncZone(t, p, scratch, bigTXT(3000, 200))
			sizes := px.updates()
			t.Logf("%d UPDATE messages, octets: %v", len(sizes), sizes)
			if len(sizes) < 2 {
				t.Fatalf("3,000 x 200-octet TXT records went in %d message(s)", len(sizes))
			}
			for i, n := range sizes {
				if n > dns.MaxMsgSize {
					t.Errorf("message %d is %d octets", i+1, n)
				}
				if i < len(sizes)-1 && n < dns.MaxMsgSize*3/4 {
					t.Errorf("message %d is only %d octets: split by count, not size?", i+1, n)
				}
			}
			syncZone(t, p, scratch, "")
		})
	}
}

// TestSecondMessageFails: when the second UPDATE message is refused (by a
// proxy in front of the server), the
// error reports exactly the changes of the first message as applied, the
// server holds exactly those, and the next sync converges.
func TestSecondMessageFails(t *testing.T) {
	env := labtest.Load(t)
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			px := startProxy(t, env.Addr(srv.key))
			s := labSettings(env, srv.key)
			s.Server = px.addr
			p := newProvider(t, s)
			syncZone(t, p, scratch, "")

			actual := read(t, p, scratch)
			desired := withBase(actual, scratch, bigTXT(3000, 200))
			plan := zone.NewPlan(scratch, "px", desired, actual, planOpts)
			units := make([]unit, len(plan.Changes))
			for i, c := range plan.Changes {
				units[i], _ = changeUnit(scratch, c)
			}
			msgs, err := p.split(scratch, units, nil)
			if err != nil || len(msgs) < 3 {
				t.Fatalf("split: %d messages, %v", len(msgs), err)
			}
			px.failOn(units[msgs[1][0]].name)
			n, err := providers.Apply(ctxT(t), p, plan)
			var ae *providers.ApplyError
			if !errors.As(err, &ae) {
				t.Fatalf("want an ApplyError, got %v", err)
			}
			t.Logf("error: %v", err)
			if want := msgs[0][1]; n != want || ae.Applied != want {
				t.Fatalf("reported %d (ApplyError.Applied %d) changes applied, want %d (the first message)", n, ae.Applied, want)
			}
			if ae.Change.Key != plan.Changes[n].Key {
				t.Errorf("the error names change %s, want %s", ae.Change, plan.Changes[n])
			}
			if !strings.Contains(err.Error(), "REFUSED") || !strings.Contains(err.Error(), fmt.Sprintf("changes %d to", n+1)) {
				t.Errorf("error does not say which message was refused: %v", err)
			}
			// Exactly the first message's changes are on the server.
			rest := zone.NewPlan(scratch, "px", desired, read(t, p, scratch), planOpts)
			if len(rest.Changes) != len(plan.Changes)-n {
				t.Fatalf("after the failure %d changes remain, want %d", len(rest.Changes), len(plan.Changes)-n)
			}
			for i, c := range rest.Changes {
				if c.Key != plan.Changes[n+i].Key {
					t.Fatalf("remaining change %d is %s, want %s", i, c, plan.Changes[n+i])
				}
			}
			// The next sync converges.
			px.failOn("")
			if got := syncZone(t, p, scratch, bigTXT(3000, 200)); len(got.Changes) != len(plan.Changes)-n {
				t.Errorf("the next sync applied %d changes, want %d", len(got.Changes), len(plan.Changes)-n)
			}
			syncZone(t, p, scratch, "")
		})
	}
}

// TestConcurrentEdit: with serial_prerequisite, an edit made by someone
// else after the read is detected and nothing of the stale plan lands.
func TestConcurrentEdit(t *testing.T) {
	env := labtest.Load(t)
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			other := newProvider(t, labSettings(env, srv.key))
			syncZone(t, other, scratch, "")
			s := labSettings(env, srv.key)
			s.SerialPrerequisite = true
			p := newProvider(t, s)

			actual := read(t, p, scratch) // remembers the SOA
			plan := zone.NewPlan(scratch, "p", withBase(actual, scratch, "mine 300 A 192.0.2.1"), actual, planOpts)
			syncZone(t, other, scratch, "theirs 300 A 192.0.2.2") // the concurrent edit
			_, err := providers.Apply(ctxT(t), p, plan)
			if !errors.Is(err, ErrConcurrentEdit) {
				t.Fatalf("want ErrConcurrentEdit, got %v", err)
			}
			t.Logf("error: %v", err)
			got := read(t, other, scratch)
			if got.Get(zone.Key{Name: "mine." + scratch, Type: dns.TypeA}) != nil {
				t.Errorf("the stale plan landed")
			}
			// Planned again from a fresh read, it applies.
			syncZone(t, p, scratch, "mine 300 A 192.0.2.1\ntheirs 300 A 192.0.2.2")
			syncZone(t, p, scratch, "")
		})
	}
}

// TestApexNSTTL: changing only the TTL of the apex NS set loses no
// nameserver, on PowerDNS above all (DNSControl lost one there, FIELD-NOTES), checked
// by AXFR and by a plain query after each step.
func TestApexNSTTL(t *testing.T) {
	env := labtest.Load(t)
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			p := newProvider(t, labSettings(env, srv.key))
			syncZone(t, p, scratch, "")
			k := zone.Key{Name: scratch, Type: dns.TypeNS}
			base := read(t, p, scratch).Get(k)
			if base == nil || len(base.Records) < 2 {
				t.Fatalf("want several apex NS records, have %v", base)
			}
			for _, ttl := range []uint32{base.TTL * 2, 60, base.TTL} {
				actual := read(t, p, scratch)
				desired := actual.Clone()
				desired.Put(base.WithTTL(ttl))
				plan := zone.NewPlan(scratch, "p", desired, actual, planOpts)
				if len(plan.Changes) != 1 || !plan.Changes[0].TTLOnly() {
					t.Fatalf("want one TTL-only change, got %v", plan.Changes)
				}
				if _, err := providers.Apply(ctxT(t), p, plan); err != nil {
					t.Fatal(err)
				}
				got := read(t, p, scratch).Get(k)
				if !got.Equal(base.WithTTL(ttl)) {
					t.Fatalf("TTL %d: apex NS read back by AXFR:\n%swant:\n%s", ttl, got, base.WithTTL(ttl))
				}
				m := new(dns.Msg)
				m.SetQuestion(scratch, dns.TypeNS)
				r, _, err := (&dns.Client{Net: "tcp"}).Exchange(m, env.Addr(srv.key))
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Answer) != len(base.Records) {
					t.Fatalf("TTL %d: the server answers %d NS records, want %d:\n%v", ttl, len(r.Answer), len(base.Records), r.Answer)
				}
				for _, rr := range r.Answer {
					if rr.Header().Ttl != ttl {
						t.Errorf("TTL %d: answered %s", ttl, rr)
					}
				}
			}
		})
	}
}

// TestSetRecordsApexNS: libdns SetRecords on the apex NS set (record by
// record under the hood) and DeleteRecords never touching it without an
// explicit type.
func TestSetRecordsApexNS(t *testing.T) {
	env := labtest.Load(t)
	for _, srv := range labServers {
		t.Run(srv.name, func(t *testing.T) {
			p := newProvider(t, labSettings(env, srv.key))
			syncZone(t, p, scratch, "@ 300 TXT \"apex\"")
			k := zone.Key{Name: scratch, Type: dns.TypeNS}
			base := read(t, p, scratch).Get(k)
			var recs []libdns.Record
			for _, rr := range base.Records[1:] {
				recs = append(recs, libdns.NS{Name: "@", TTL: 600 * time.Second, Target: rr.(*dns.NS).Ns})
			}
			recs = append(recs, libdns.NS{Name: "@", TTL: 600 * time.Second, Target: "ns-set.example.net."})
			if _, err := p.SetRecords(ctxT(t), scratch, recs); err != nil {
				t.Fatal(err)
			}
			got := read(t, p, scratch).Get(k)
			if got.TTL != 600 || len(got.Records) != len(base.Records) || zone.Rdata(got.Records[0]) == zone.Rdata(base.Records[0]) {
				t.Errorf("after SetRecords:\n%s", got)
			}
			// Everything at the apex, no type: the NS set stays.
			del, err := p.DeleteRecords(ctxT(t), scratch, []libdns.Record{libdns.RR{Name: "@"}})
			if err != nil || len(del) != 1 || del[0].RR().Type != "TXT" {
				t.Errorf("DeleteRecords(@) deleted %v, %v; want the TXT only", del, err)
			}
			if now := read(t, p, scratch).Get(k); !now.Equal(got) {
				t.Errorf("DeleteRecords(@) changed the NS set:\n%s", now)
			}
			// Back to the original set.
			recs = nil
			for _, rr := range base.Records {
				recs = append(recs, libdns.NS{Name: "@", TTL: time.Duration(base.TTL) * time.Second, Target: rr.(*dns.NS).Ns})
			}
			if _, err := p.SetRecords(ctxT(t), scratch, recs); err != nil {
				t.Fatal(err)
			}
			if now := read(t, p, scratch).Get(k); !now.Equal(base) {
				t.Errorf("apex NS not restored:\n%s", now)
			}
		})
	}
}
