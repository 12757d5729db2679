package rfc2136

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// A test key: base64 of "dnsquorum test key material, 32B".
const (
	testKeyName = "test-key."
	testSecret  = "ZG5zcXVvcnVtIHRlc3Qga2V5IG1hdGVyaWFsLCAzMkI="
)

// shortBackoff makes the retries of a fault test quick.
func shortBackoff(t *testing.T) {
	old := providers.BaseBackoff
	providers.BaseBackoff = 10 * time.Millisecond
	t.Cleanup(func() { providers.BaseBackoff = old })
}

// providerConfig builds a config entry from YAML text, as the loader would.
func providerConfig(t testing.TB, text string) *zone.ProviderConfig {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	pc := &zone.ProviderConfig{Name: "ns", Type: "rfc2136", Pos: zone.Position{File: "dnsquorum.yaml", Line: 3, Col: 3}}
	if len(doc.Content) > 0 {
		pc.Settings = doc.Content[0]
	}
	return pc
}

func TestNewSettings(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		err        string // substring; empty: must succeed
	}{
		{"full", "type: rfc2136\nserver: 127.0.0.1:5353\ntsig: {name: k., algorithm: hmac-sha512, secret: " + testSecret + "}\ntimeout: 3s\nserial_prerequisite: true", ""},
		{"default port", "server: 127.0.0.1", ""},
		{"ipv6", "server: '[::1]:53'", ""},
		{"no server", "timeout: 3s", "dnsquorum.yaml:3:3: provider \"ns\": server: required"},
		{"bad port", "server: 127.0.0.1:99999", "dnsquorum.yaml:1:9: provider \"ns\": server:"},
		{"bad timeout", "server: 127.0.0.1\ntimeout: soon", "dnsquorum.yaml:2:10: provider \"ns\": timeout: \"soon\" is not a positive duration"},
		{"negative timeout", "server: 127.0.0.1\ntimeout: -1s", "timeout"},
		{"unknown key", "server: 127.0.0.1\nport: 53", "unknown setting \"port\""},
		{"unknown tsig key", "server: 127.0.0.1\ntsig: {name: k., secret: " + testSecret + ", algo: x}", "dnsquorum.yaml:2:72: provider \"ns\": tsig: unknown setting \"algo\""},
		{"bad algorithm", "server: 127.0.0.1\ntsig: {name: k., algorithm: hmac-md5, secret: " + testSecret + "}", "algorithm \"hmac-md5\" is not supported"},
		{"bad secret", "server: 127.0.0.1\ntsig: {name: k., secret: not*base64*" + testSecret + "}", "secret is not valid base64"},
		{"no secret", "server: 127.0.0.1\ntsig: {name: k.}", "secret is required"},
		{"no name", "server: 127.0.0.1\ntsig: {secret: " + testSecret + "}", "name is required"},
		{"secret not a string", "server: 127.0.0.1\ntsig: {name: k., secret: [" + testSecret + "]}", "dnsquorum.yaml:2: provider \"ns\": cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(providerConfig(t, tc.yaml))
			if tc.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if p.Capabilities().MaxBatchBytes != 65535 || !p.Capabilities().ApexNS || !p.Capabilities().AtomicBatch {
					t.Errorf("capabilities: %+v", p.Capabilities())
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.err)
			}
			if !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %q does not contain %q", err, tc.err)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	r, ok := providers.Lookup("rfc2136")
	if !ok {
		t.Fatal("type rfc2136 is not registered")
	}
	if _, ok := r.Settings().(*Settings); !ok {
		t.Errorf("Settings() returns %T", r.Settings())
	}
	p, err := providers.New(providerConfig(t, "type: rfc2136\nserver: 127.0.0.1:53"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(providers.Batcher); !ok {
		t.Error("not a Batcher")
	}
	if _, ok := p.(providers.ZoneReader); !ok {
		t.Error("not a ZoneReader")
	}
}

// TestSecretRedacted: no fmt verb shows the secret, on the settings, the
// key or the provider.
func TestSecretRedacted(t *testing.T) {
	s := Settings{Server: "127.0.0.1:53", TSIG: TSIG{Name: testKeyName, Algorithm: "hmac-sha256", Secret: testSecret}, Timeout: "2s"}
	p := newProvider(t, s)
	var out []string
	for _, v := range []any{s, &s, s.TSIG, &s.TSIG, p, p.cfg, p.cfg.key, *p.cfg, []Settings{s}, map[string]any{"s": s}, struct{ S Settings }{s}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
	}
	out = append(out, s.String(), s.GoString(), s.TSIG.String(), s.TSIG.GoString(), p.String())
	secretBytes, _ := base64.StdEncoding.DecodeString(testSecret)
	for _, o := range out {
		if strings.Contains(o, testSecret) || strings.Contains(o, string(secretBytes)) || strings.Contains(o, fmt.Sprintf("%x", secretBytes)) ||
			strings.Contains(o, strings.Trim(fmt.Sprint(secretBytes), "[]")) {
			t.Errorf("printed the secret: %s", o)
		}
	}
	if got := fmt.Sprintf("%+v", s); !strings.Contains(got, "Secret:[redacted]") || !strings.Contains(got, "Server:127.0.0.1:53") {
		t.Errorf("%%+v = %s: want the other fields and a visible redaction", got)
	}
	if got := fmt.Sprintf("%#v", s); !strings.Contains(got, `Secret:"[redacted]"`) {
		t.Errorf("%%#v = %s", got)
	}
}

// testChanges returns n create changes of TXT records of size octets at
// distinct names.
func testChanges(t testing.TB, origin string, n, size int) []zone.Change {
	t.Helper()
	set := zone.MustParse(origin, bigTXT(n, size))
	var out []zone.Change
	for _, s := range set.Sorted() {
		out = append(out, zone.Change{Action: zone.Create, Key: s.Key(), New: s})
	}
	return out
}

func TestSplit(t *testing.T) {
	const origin = "split.test."
	for _, alg := range []string{"hmac-sha256", "hmac-sha384", "hmac-sha512", ""} {
		t.Run(alg, func(t *testing.T) {
			s := Settings{Server: "127.0.0.1:53"}
			if alg != "" {
				s.TSIG = TSIG{Name: "a-rather-long-key-name.for.the.limit.", Algorithm: alg, Secret: testSecret}
			}
			p := newProvider(t, s)
			changes := testChanges(t, origin, 3000, 200)
			units := make([]unit, len(changes))
			for i, c := range changes {
				units[i], _ = changeUnit(origin, c)
			}
			soa, _ := dns.NewRR(origin + " 300 IN SOA ns.example. host.example. 1 2 3 4 5")
			for _, prereq := range []*dns.SOA{nil, soa.(*dns.SOA)} {
				msgs, err := p.split(origin, units, prereq)
				if err != nil {
					t.Fatal(err)
				}
				next := 0
				for i, r := range msgs {
					if r[0] != next || r[1] <= r[0] {
						t.Fatalf("message %d covers %v after %d", i, r, next)
					}
					next = r[1]
					wire, _, err := p.pack(p.updateMsg(origin, units[r[0]:r[1]], prereq))
					if err != nil {
						t.Fatal(err)
					}
					if len(wire) > dns.MaxMsgSize {
						t.Errorf("message %d is %d octets signed", i, len(wire))
					}
					if i < len(msgs)-1 && len(wire) < dns.MaxMsgSize-300 {
						t.Errorf("message %d is %d octets: room left for another change", i, len(wire))
					}
				}
				if next != len(units) {
					t.Fatalf("messages cover %d of %d changes", next, len(units))
				}
				if len(msgs) < 5 {
					t.Errorf("%d messages for ~700 KB", len(msgs))
				}
			}
		})
	}
}

// TestSplitKeepsOwnerTogether: a type change at one name (delete A, create
// CNAME) never straddles two messages.
func TestSplitKeepsOwnerTogether(t *testing.T) {
	const origin = "split.test."
	p := newProvider(t, Settings{Server: "127.0.0.1:53"})
	var units []unit
	for i := 0; i < 2000; i++ {
		name := fmt.Sprintf("n%04d.%s", i, origin)
		a, _ := zone.NewRR(name+" 300 A 192.0.2.1", origin)
		cn, _ := zone.NewRR(name+" 300 CNAME "+strings.Repeat("x", 60)+".example.", origin)
		as, _ := zone.FromRecords([]dns.RR{a})
		cs, _ := zone.FromRecords([]dns.RR{cn})
		for _, c := range []zone.Change{
			{Action: zone.Delete, Key: zone.Key{Name: name, Type: dns.TypeA}, Old: as.Sorted()[0]},
			{Action: zone.Create, Key: zone.Key{Name: name, Type: dns.TypeCNAME}, New: cs.Sorted()[0]},
		} {
			u, err := changeUnit(origin, c)
			if err != nil {
				t.Fatal(err)
			}
			units = append(units, u)
		}
	}
	msgs, err := p.split(origin, units, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	for _, r := range msgs {
		if r[0] > 0 && units[r[0]].name == units[r[0]-1].name {
			t.Errorf("message boundary at %d splits owner %s", r[0], units[r[0]].name)
		}
	}
}

func TestSplitRefusesOversizeChange(t *testing.T) {
	const origin = "split.test."
	p := newProvider(t, Settings{Server: "127.0.0.1:53"})
	// One RRset of 400 TXT records of 200 octets: ~85 KB, one change.
	var b strings.Builder
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&b, "big 300 TXT \"%03d%s\"\n", i, strings.Repeat("z", 197))
	}
	set := zone.MustParse(origin, b.String()).Sorted()[0]
	u, err := changeUnit(origin, zone.Change{Action: zone.Create, Key: set.Key(), New: set})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.split(origin, []unit{u}, nil)
	if err == nil || !strings.Contains(err.Error(), "+ big.split.test. TXT") || !strings.Contains(err.Error(), "never split") {
		t.Fatalf("want an error naming the change, got %v", err)
	}
}

func TestChangeUnit(t *testing.T) {
	const origin = "unit.test."
	set := func(text string) *zone.RRset { return zone.MustParse(origin, text).Sorted()[0] }
	ns := zone.Key{Name: origin, Type: dns.TypeNS}
	for _, tc := range []struct {
		name   string
		change zone.Change
		want   string // the update section, one RR per line, in order
		err    string
	}{
		{"update", zone.Change{Action: zone.Update, Key: zone.Key{Name: "www." + origin, Type: dns.TypeA},
			Old: set("www 300 A 192.0.2.1"), New: set("www 600 A 192.0.2.2\nwww 600 A 192.0.2.3")},
			"www.unit.test.\t0\tCLASS255\tA\t\nwww.unit.test.\t600\tIN\tA\t192.0.2.2\nwww.unit.test.\t600\tIN\tA\t192.0.2.3\n", ""},
		{"delete", zone.Change{Action: zone.Delete, Key: zone.Key{Name: "www." + origin, Type: dns.TypeA}, Old: set("www 300 A 192.0.2.1")},
			"www.unit.test.\t0\tCLASS255\tA\t\n", ""},
		{"apex NS replace", zone.Change{Action: zone.Update, Key: ns,
			Old: set("@ 300 NS a.example.\n@ 300 NS b.example."), New: set("@ 300 NS b.example.\n@ 300 NS c.example.")},
			"unit.test.\t300\tIN\tNS\tb.example.\nunit.test.\t300\tIN\tNS\tc.example.\nunit.test.\t0\tNONE\tNS\ta.example.\n", ""},
		{"apex NS TTL", zone.Change{Action: zone.Update, Key: ns,
			Old: set("@ 300 NS a.example.\n@ 300 NS b.example."), New: set("@ 900 NS a.example.\n@ 900 NS b.example.")},
			"unit.test.\t900\tIN\tNS\ta.example.\nunit.test.\t900\tIN\tNS\tb.example.\nunit.test.\t900\tIN\tNS\tdnsquorum-ttl-change.invalid.\nunit.test.\t0\tNONE\tNS\tdnsquorum-ttl-change.invalid.\n", ""},
		{"apex NS TTL and data", zone.Change{Action: zone.Update, Key: ns,
			Old: set("@ 300 NS a.example.\n@ 300 NS b.example."), New: set("@ 900 NS a.example.\n@ 900 NS c.example.")},
			"unit.test.\t900\tIN\tNS\ta.example.\nunit.test.\t900\tIN\tNS\tc.example.\nunit.test.\t0\tNONE\tNS\tb.example.\n", ""},
		{"SOA", zone.Change{Action: zone.Update, Key: zone.Key{Name: origin, Type: dns.TypeSOA}, New: set("@ SOA a. b. 1 2 3 4 5")}, "", "SOA is left to the server"},
		{"outside", zone.Change{Action: zone.Create, Key: zone.Key{Name: "www.other.test.", Type: dns.TypeA}, New: set("www.other.test. 300 A 192.0.2.1")}, "", "outside zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := changeUnit(origin, tc.change)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want error %q, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, rr := range (&Provider{cfg: &config{}}).updateMsg(origin, []unit{u}, nil).Ns {
				b.WriteString(rr.String() + "\n")
			}
			if b.String() != tc.want {
				t.Errorf("update section:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

// fakeServer runs a miekg/dns TCP server on 127.0.0.1:0 with the test key.
func fakeServer(t testing.TB, h dns.HandlerFunc, secret string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: h, TsigSecret: map[string]string{testKeyName: secret},
		// The default refuses opcodes other than QUERY and NOTIFY.
		MsgAcceptFunc: func(dns.Header) dns.MsgAcceptAction { return dns.MsgAccept }}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

func testSettings(addr string) Settings {
	return Settings{Server: addr, TSIG: TSIG{Name: testKeyName, Algorithm: "hmac-sha256", Secret: testSecret}, Timeout: "2s"}
}

// TestRetryAfterServfail: a SERVFAIL is transient; providers.Apply retries
// and the second attempt lands.
func TestRetryAfterServfail(t *testing.T) {
	shortBackoff(t)
	var calls atomic.Int32
	var unsigned atomic.Int32
	addr := fakeServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		if r.IsTsig() == nil || w.TsigStatus() != nil {
			unsigned.Add(1)
		}
		if r.Opcode == dns.OpcodeUpdate && calls.Add(1) == 1 {
			m.SetRcode(r, dns.RcodeServerFailure)
		} else {
			m.SetReply(r)
		}
		if t := r.IsTsig(); t != nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
		}
		w.WriteMsg(m)
	}, testSecret)
	p := newProvider(t, testSettings(addr))
	changes := testChanges(t, "fake.test.", 3, 50)

	// ApplyChanges alone: SERVFAIL is a transient error, nothing landed.
	n, err := p.ApplyChanges(context.Background(), "fake.test.", changes)
	var te *providers.TransientError
	var se *ServerError
	if n != 0 || !errors.As(err, &te) || !errors.As(err, &se) || se.Rcode != dns.RcodeServerFailure {
		t.Fatalf("first attempt: %d applied, %v; want 0 and a transient SERVFAIL", n, err)
	}
	if msg := err.Error(); !strings.Contains(msg, addr) || !strings.Contains(msg, "fake.test.") || !strings.Contains(msg, "SERVFAIL") {
		t.Errorf("error does not name server, zone and code: %s", msg)
	}
	// Through providers.Apply: SERVFAIL, then retried to NOERROR.
	calls.Store(0)
	plan := &zone.Plan{Zone: "fake.test.", Provider: "fake", Changes: changes}
	n, err = providers.Apply(context.Background(), p, plan)
	if err != nil || n != len(changes) {
		t.Fatalf("Apply: %d applied, %v", n, err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("%d UPDATE messages, want 2 (SERVFAIL, then the retry)", got)
	}
	// The libdns methods retry on their own.
	calls.Store(0)
	if _, err := p.SetRecords(context.Background(), "fake.test.", []libdns.Record{libdns.TXT{Name: "x", Text: "y", TTL: time.Minute}}); err != nil {
		t.Fatalf("SetRecords: %v", err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("SetRecords: %d UPDATE messages, want 2 (SERVFAIL, then the retry)", got)
	}
	if unsigned.Load() != 0 {
		t.Errorf("%d requests were not signed with a valid TSIG", unsigned.Load())
	}
}

// TestUnsignedAnswerRefused: a NOERROR answer without TSIG to a signed
// request is not taken as success.
func TestUnsignedAnswerRefused(t *testing.T) {
	addr := fakeServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		w.WriteMsg(m)
	}, testSecret)
	p := newProvider(t, testSettings(addr))
	_, err := p.ApplyChanges(context.Background(), "fake.test.", testChanges(t, "fake.test.", 1, 10))
	if err == nil || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("want an unsigned-response error, got %v", err)
	}
}

// TestBadSigFake: a BADSIG answer maps to a clear, non-transient error
// that does not show the secret.
func TestBadSigFake(t *testing.T) {
	addr := fakeServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeNotAuth)
		if t := r.IsTsig(); t != nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
			m.Extra[0].(*dns.TSIG).Error = dns.RcodeBadSig
		}
		w.WriteMsg(m)
	}, testSecret)
	p := newProvider(t, testSettings(addr))
	_, err := p.ApplyChanges(context.Background(), "fake.test.", testChanges(t, "fake.test.", 1, 10))
	var se *ServerError
	if !errors.As(err, &se) {
		t.Fatalf("want a ServerError, got %v", err)
	}
	t.Logf("%v", err)
	if se.Rcode != dns.RcodeNotAuth || !strings.Contains(err.Error(), "NOTAUTH") || !strings.Contains(err.Error(), testKeyName) {
		t.Errorf("error: %v", err)
	}
	var te *providers.TransientError
	if errors.As(err, &te) || strings.Contains(err.Error(), testSecret) {
		t.Errorf("error is transient or shows the secret: %v", err)
	}
}

// TestTimeout: a server that accepts and never answers gives a transient
// timeout error within the configured timeout.
func TestTimeout(t *testing.T) {
	shortBackoff(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // read nothing, answer nothing
		}
	}()
	s := testSettings(ln.Addr().String())
	s.Timeout = "200ms"
	p := newProvider(t, s)
	for name, op := range map[string]func() error{
		"AXFR": func() error { _, err := p.ReadZone(context.Background(), "fake.test."); return err },
		"UPDATE": func() error {
			_, err := p.ApplyChanges(context.Background(), "fake.test.", testChanges(t, "fake.test.", 1, 10))
			return err
		},
	} {
		err := op()
		var te *providers.TransientError
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "timeout") || !strings.Contains(err.Error(), ln.Addr().String()) {
			t.Errorf("%s: want a transient timeout naming the server, got %v", name, err)
		}
	}
	// Apply retries, then gives up with the transient error.
	old := providers.MaxAttempts
	providers.MaxAttempts = 2
	defer func() { providers.MaxAttempts = old }()
	plan := &zone.Plan{Zone: "fake.test.", Provider: "silent", Changes: testChanges(t, "fake.test.", 1, 10)}
	n, err := providers.Apply(context.Background(), p, plan)
	var ae *providers.ApplyError
	if n != 0 || !errors.As(err, &ae) || ae.Provider != "silent" {
		t.Errorf("Apply: %d, %v", n, err)
	}
}

// TestConnectionRefused: nothing listening is a transient error.
func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := newProvider(t, testSettings(addr))
	_, err = p.ReadZone(context.Background(), "fake.test.")
	var te *providers.TransientError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), addr) {
		t.Errorf("want a transient error naming %s, got %v", addr, err)
	}
}

// TestAXFRFake: a transfer over several messages, each signed, verifies;
// a transfer signed with another key of the same name is rejected.
func TestAXFRFake(t *testing.T) {
	const origin = "fake.test."
	recs := zone.MustParse(origin, "@ 300 SOA ns. host. 7 1 1 1 1\n@ 300 NS ns.example.\n"+bigTXT(500, 100)).Records()
	handler := func(w dns.ResponseWriter, r *dns.Msg) {
		if r.Question[0].Qtype != dns.TypeAXFR {
			return
		}
		ch := make(chan *dns.Envelope)
		go func() {
			var soa dns.RR
			var body []dns.RR
			for _, rr := range recs {
				if rr.Header().Rrtype == dns.TypeSOA {
					soa = rr
				} else {
					body = append(body, rr)
				}
			}
			for i := 0; i < len(body); i += 100 {
				env := &dns.Envelope{RR: body[i:min(i+100, len(body))]}
				if i == 0 {
					env.RR = append([]dns.RR{soa}, env.RR...)
				}
				ch <- env
			}
			ch <- &dns.Envelope{RR: []dns.RR{soa}}
			close(ch)
		}()
		new(dns.Transfer).Out(w, r, ch)
		w.Hijack()
	}
	p := newProvider(t, testSettings(fakeServer(t, handler, testSecret)))
	got, err := p.ReadZone(context.Background(), origin)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(recs) || got[0].Header().Rrtype != dns.TypeSOA {
		t.Fatalf("read %d records starting with %v, want %d starting with the SOA", len(got), got[0], len(recs))
	}
	forged := newProvider(t, testSettings(fakeServer(t, handler, "b3RoZXIga2V5IG1hdGVyaWFs")))
	_, err = forged.ReadZone(context.Background(), origin)
	var se *ServerError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "not signed") {
		t.Fatalf("a server with another key: want an unsigned-transfer error, got %v", err)
	}
}

// TestTSIGKey: our HMAC provider signs like miekg/dns's own and rejects a
// MAC made with another secret.
func TestTSIGKey(t *testing.T) {
	for _, alg := range []string{"hmac-sha256", "hmac-sha384", "hmac-sha512"} {
		k, err := newTSIGKey(TSIG{Name: testKeyName, Algorithm: alg, Secret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		m.SetQuestion("example.test.", dns.TypeSOA)
		m.SetTsig(testKeyName, k.alg, 300, time.Now().Unix())
		wire, mac, err := dns.TsigGenerateWithProvider(m, k, "", false)
		if err != nil {
			t.Fatal(err)
		}
		if len(mac) != 2*k.macSize() {
			t.Errorf("%s: MAC of %d hex digits", alg, len(mac))
		}
		if err := dns.TsigVerify(append([]byte(nil), wire...), testSecret, "", false); err != nil {
			t.Errorf("%s: miekg/dns does not verify our signature: %v", alg, err)
		}
		other, _ := newTSIGKey(TSIG{Name: testKeyName, Algorithm: alg, Secret: "b3RoZXIga2V5IG1hdGVyaWFs"})
		if err := dns.TsigVerifyWithProvider(append([]byte(nil), wire...), other, "", false); !errors.Is(err, dns.ErrSig) {
			t.Errorf("%s: another secret verifies: %v", alg, err)
		}
	}
}

// TestPrerequisiteAfterLostAnswer: when an UPDATE with the SOA
// prerequisite goes unanswered (it may have landed) and its retry fails
// the prerequisite, the error says both.
func TestPrerequisiteAfterLostAnswer(t *testing.T) {
	shortBackoff(t)
	const origin = "fake.test."
	var updates atomic.Int32
	addr := fakeServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		switch {
		case r.Opcode == dns.OpcodeUpdate && updates.Add(1) == 1:
			return // lands, but the answer is lost
		case r.Opcode == dns.OpcodeUpdate:
			m.SetRcode(r, dns.RcodeNXRrset)
		default:
			m.SetReply(r)
			soa, _ := dns.NewRR(origin + " 300 IN SOA ns. host. 8 1 1 1 1")
			m.Answer = []dns.RR{soa}
		}
		if t := r.IsTsig(); t != nil {
			m.SetTsig(t.Hdr.Name, t.Algorithm, 300, time.Now().Unix())
		}
		w.WriteMsg(m)
	}, testSecret)
	s := testSettings(addr)
	s.Timeout = "300ms"
	s.SerialPrerequisite = true
	p := newProvider(t, s)
	// Without a read, there is no serial to require.
	if _, err := p.ApplyChanges(context.Background(), origin, testChanges(t, origin, 1, 10)); err == nil || !strings.Contains(err.Error(), "read it first") {
		t.Fatalf("apply without a read: %v", err)
	}
	soa, _ := dns.NewRR(origin + " 300 IN SOA ns. host. 7 1 1 1 1")
	p.soas.set(origin, soa.(*dns.SOA))
	plan := &zone.Plan{Zone: origin, Provider: "fake", Changes: testChanges(t, origin, 2, 10)}
	_, err := providers.Apply(context.Background(), p, plan)
	if !errors.Is(err, ErrConcurrentEdit) || !strings.Contains(err.Error(), "went unanswered") || !strings.Contains(err.Error(), "required SOA serial 7, the server now has 8") {
		t.Fatalf("want a concurrent-edit error naming the lost answer and both serials, got %v", err)
	}
	if got := updates.Load(); got != 2 {
		t.Errorf("%d UPDATE attempts, want 2", got)
	}
}
