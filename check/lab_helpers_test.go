package check

// Helpers for the scenarios on the lab's real servers (zone check.test.,
// which the check tests own): the desired config, loading the zone onto
// the four servers (RFC 2136 UPDATE with TSIG for BIND, Knot and
// PowerDNS; the zone file and nsd-control for NSD), and restoring it.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/zone"
)

const labZone = "check.test."

// labServers are the lab's four servers: provider name, address key in
// lab.env, NS name key.
var labServers = []struct{ provider, addrKey, nsKey string }{
	{"bind", "LAB_BIND", "LAB_NS_BIND"},
	{"knot", "LAB_KNOT", "LAB_NS_KNOT"},
	{"pdns", "LAB_PDNS", "LAB_NS_PDNS"},
	{"nsd", "LAB_NSD", "LAB_NS_NSD"},
}

// labBigTXT is an RRset of 40 TXT records (about 6.5 KB): UDP answers
// truncate, TCP is needed.
func labBigTXT() []string {
	var out []string
	for i := 0; i < 40; i++ {
		out = append(out, fmt.Sprintf(`big 300 TXT "%02d-%s"`, i, strings.Repeat("x", 150)))
	}
	return out
}

// labContent is check.test.'s desired content, apart from the apex NS set
// (which the lab creates) and the SOA.
func labContent() []string {
	return append([]string{
		"@ 300 A 192.0.2.1",
		"@ 300 MX 10 mail.check.test.",
		`@ 300 TXT "v=spf1 mx -all"`,
		"www 300 CNAME check.test.",
		"mail 300 A 192.0.2.25",
		"mail 300 A 192.0.2.26",
		"v6 300 AAAA 2001:db8::1",
		"api 60 A 192.0.2.10",
		"api 60 A 192.0.2.11",
		`café 300 TXT "héllo wörld"`,
		"*.apps 300 A 192.0.2.40",
		"_sip._tcp 600 SRV 10 60 5060 sip.check.test.",
		"sip 300 A 192.0.2.30",
		`_acme-challenge 300 TXT "ignored-by-rule"`,
	}, labBigTXT()...)
}

// labNS returns the apex NS lines.
func labNS(env labtest.Env) []string {
	var out []string
	for _, s := range labServers {
		out = append(out, "@ 300 NS "+env[s.nsKey])
	}
	return out
}

// labKey is the lab's TSIG key.
func labKey(env labtest.Env) TSIGKey {
	return TSIGKey{Name: env["LAB_TSIG_NAME"], Algorithm: env["LAB_TSIG_ALG"], Secret: env["LAB_TSIG_SECRET"]}
}

// labConfig returns the config of check.test. served by the four lab
// servers; bind and knot carry the TSIG key in their settings, as the
// rfc2136 adapter's config does.
func labConfig(t testing.TB, env labtest.Env) (*zone.Config, *zone.ZoneConfig) {
	t.Helper()
	k := labKey(env)
	settings := map[string]string{
		"bind": fmt.Sprintf("type: rfc2136\nserver: %s\ntsig: {name: %q, algorithm: %q, secret: %q}\n", env.Addr("LAB_BIND"), k.Name, k.Algorithm, k.Secret),
		"knot": fmt.Sprintf("type: rfc2136\nserver: %s\ntsig: {name: %q, algorithm: %q, secret: %q}\n", env.Addr("LAB_KNOT"), k.Name, k.Algorithm, k.Secret),
		"pdns": fmt.Sprintf("type: powerdns\nurl: %s\n", env["LAB_PDNS_URL"]),
		"nsd":  fmt.Sprintf("type: zonefile\npath: %s/{zone}zone\n", env["LAB_NSD_ZONEDIR"]),
	}
	cfg := &zone.Config{Path: "lab.yaml", Secrets: []string{k.Secret}}
	for _, s := range labServers {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(settings[s.provider]), &doc); err != nil {
			t.Fatal(err)
		}
		cfg.Providers = append(cfg.Providers, &zone.ProviderConfig{Name: s.provider, Type: strings.Fields(settings[s.provider])[1],
			Nameservers: []string{env[s.nsKey]}, Settings: doc.Content[0], Pos: zone.Position{File: "lab.yaml", Line: 1}})
	}
	text := "$TTL 300\n" + strings.Join(append(labNS(env), labContent()...), "\n")
	z := &zone.ZoneConfig{Name: labZone, Providers: []string{"bind", "knot", "pdns", "nsd"}, DefaultTTL: 300,
		Ignore: []zone.IgnoreRule{{Name: "_acme-challenge"}, {Name: "_acme-challenge.*"}}, Records: zone.MustParse(labZone, text)}
	cfg.Zones = []*zone.ZoneConfig{z}
	return cfg, z
}

// labOptions are the options of a lab scenario: the real parent, the lab
// port, short timeouts.
func labOptions(env labtest.Env) Options {
	o := DefaultOptions()
	o.Parents = []string{env["LAB_PARENT"]}
	fmt.Sscan(env["LAB_PORT"], &o.Port)
	o.Timeout = 500 * time.Millisecond
	o.Retries = 1
	return o
}

// update sends one signed RFC 2136 UPDATE for check.test. to server key.
func labUpdate(t testing.TB, env labtest.Env, addrKey string, build func(m *dns.Msg)) {
	t.Helper()
	if err := labUpdateErr(env, addrKey, build); err != nil {
		t.Fatal(err)
	}
}

func labUpdateErr(env labtest.Env, addrKey string, build func(m *dns.Msg)) error {
	k, err := labKey(env).normalize()
	if err != nil {
		return err
	}
	c := &dns.Client{Net: "tcp", Timeout: 10 * time.Second, TsigSecret: map[string]string{k.Name: k.Secret}}
	// PowerDNS answers SERVFAIL while its SQLite database is locked by
	// another package's test: try again for a while.
	for try := 1; ; try++ {
		m := new(dns.Msg)
		m.SetUpdate(labZone)
		build(m)
		m.SetTsig(k.Name, k.Algorithm, 300, time.Now().Unix())
		r, _, err := c.Exchange(m, env.Addr(addrKey))
		if err != nil {
			return fmt.Errorf("UPDATE %s: %v", addrKey, err)
		}
		if r.Rcode == dns.RcodeSuccess {
			return nil
		}
		if r.Rcode != dns.RcodeServerFailure || try == 20 {
			return fmt.Errorf("UPDATE %s: %s", addrKey, dns.RcodeToString[r.Rcode])
		}
		time.Sleep(time.Duration(try) * 50 * time.Millisecond)
	}
}

// labReplace replaces RRsets on one UPDATE server: every RRset the lines
// touch is removed, then the lines are added.
func labReplace(t testing.TB, env labtest.Env, addrKey string, lines ...string) {
	t.Helper()
	records := rrs(t, labZone, lines...)
	labUpdate(t, env, addrKey, func(m *dns.Msg) {
		seen := map[string]bool{}
		for _, rr := range records {
			k := dns.CanonicalName(rr.Header().Name) + "/" + dns.TypeToString[rr.Header().Rrtype]
			if !seen[k] {
				seen[k] = true
				m.RemoveRRset([]dns.RR{rr})
			}
		}
		m.Insert(records)
	})
}

// labRemove removes RRsets (name TYPE pairs, e.g. "extra TXT").
func labRemove(t testing.TB, env labtest.Env, addrKey string, keys ...string) {
	t.Helper()
	labUpdate(t, env, addrKey, func(m *dns.Msg) {
		for _, k := range keys {
			f := strings.Fields(k)
			name, err := zone.CanonicalName(f[0], labZone)
			if err != nil {
				t.Fatal(err)
			}
			m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: name, Rrtype: dns.StringToType[f[1]], Class: dns.ClassINET}}})
		}
	})
}

// labServe makes one server serve lines as check.test.'s content (the SOA
// and apex NS stay).
func labServe(t testing.TB, env labtest.Env, provider string, lines []string) {
	t.Helper()
	// What an adapter sends: IDN owners in punycode.
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, "café ", "xn--caf-dma ")
	}
	if provider == "nsd" {
		labWriteNSD(t, env, lines)
		return
	}
	for _, s := range labServers {
		if s.provider == provider {
			// In batches: one UPDATE per 500 records stays far below
			// the 64 KiB message limit.
			for i := 0; i < len(lines); i += 500 {
				labReplace(t, env, s.addrKey, lines[i:min(i+500, len(lines))]...)
			}
		}
	}
}

// labWriteNSD rewrites NSD's zone file (SOA serial + 1, other SOA TTL and
// minimum than the other servers) and reloads it, then waits until NSD
// serves the new serial.
func labWriteNSD(t testing.TB, env labtest.Env, lines []string) {
	t.Helper()
	if err := labWriteNSDErr(env, rrs(t, labZone, append(labNS(env), lines...)...)); err != nil {
		t.Fatal(err)
	}
}

func labWriteNSDErr(env labtest.Env, records []dns.RR) error {
	serial, err := labSerialErr(env, "LAB_NSD")
	if err != nil {
		return err
	}
	serial++
	var b strings.Builder
	fmt.Fprintf(&b, "$ORIGIN %s\n$TTL 300\n@ 3600 IN SOA %s hostmaster.lab.test. ( %d 3600 600 86400 60 )\n", labZone, env["LAB_NS_NSD"], serial)
	for _, rr := range records {
		b.WriteString(rr.String() + "\n")
	}
	path := filepath.Join(env["LAB_NSD_ZONEDIR"], labZone+"zone")
	tmp := path + ".check-tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	args := append(env.Words("LAB_NSD_RELOAD"), labZone)
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v: %s", args, err, out)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if got, err := labSerialErr(env, "LAB_NSD"); err == nil && got == serial {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("NSD does not serve serial %d", serial)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// labSerial returns the SOA serial a lab server serves for check.test.
func labSerial(t testing.TB, env labtest.Env, addrKey string) uint32 {
	t.Helper()
	serial, err := labSerialErr(env, addrKey)
	if err != nil {
		t.Fatal(err)
	}
	return serial
}

func labSerialErr(env labtest.Env, addrKey string) (uint32, error) {
	x := &exchanger{timeout: 2 * time.Second, attempts: 2}
	r, err := x.exchange(context.Background(), env.Addr(addrKey), msg(labZone, dns.TypeSOA, false))
	if err != nil {
		return 0, fmt.Errorf("SOA from %s: %v", addrKey, err)
	}
	for _, rr := range r.Answer {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("no SOA from %s (%s)", addrKey, dns.RcodeToString[r.Rcode])
}

var (
	labLoadMu   sync.Mutex
	labLoaded   bool
	labModified bool
)

// labBaseline makes the four servers serve the desired check.test.
// content, once per test binary (scenarios that change it restore it).
// Per-server spelling differs on purpose: BIND gets mixed-case owners.
func labBaseline(t testing.TB, env labtest.Env) {
	t.Helper()
	labLoadMu.Lock()
	defer labLoadMu.Unlock()
	labModified = true
	if labLoaded {
		return
	}
	for _, s := range labServers {
		lines := labContent()
		if s.provider == "bind" {
			for i, l := range lines {
				if strings.HasPrefix(l, "mail ") {
					lines[i] = "MAIL.Check.TEST. " + strings.TrimPrefix(l, "mail ")
				}
			}
		}
		labServe(t, env, s.provider, lines)
	}
	labLoaded = true
}

// labForget marks the baseline as gone (the benchmark replaced it).
func labForget() {
	labLoadMu.Lock()
	labLoaded = false
	labLoadMu.Unlock()
}

// labReset puts check.test. back as the lab made it: SOA and apex NS only.
// It uses lab.sh reset, which fails while PowerDNS's SQLite database is
// locked by another package's test; after a few tries it removes what the
// tests added itself instead (UPDATE on BIND, Knot and PowerDNS, the zone
// file on NSD).
func labReset() error {
	var err error
	var out []byte
	for try := 1; try <= 3; try++ {
		out, err = exec.Command("../testdata/lab/lab.sh", "reset", labZone).CombinedOutput()
		if err == nil {
			return nil
		}
		time.Sleep(time.Duration(try) * 500 * time.Millisecond)
	}
	env, eerr := labtest.Read(filepath.Join(labtest.Dir(), "lab.env"))
	if eerr != nil {
		return fmt.Errorf("lab.sh reset: %v\n%s", err, out)
	}
	if cerr := labClean(env); cerr != nil {
		return fmt.Errorf("lab.sh reset: %v\n%s\nand removing the records by UPDATE: %v", err, out, cerr)
	}
	return nil
}

// labClean removes every RRset but the SOA and the apex NS set from
// check.test. on the four servers.
func labClean(env labtest.Env) error {
	key, err := labKey(env).normalize()
	if err != nil {
		return err
	}
	for _, s := range labServers {
		if s.provider == "nsd" {
			ns := make([]dns.RR, 0, 4)
			for _, l := range labNS(env) {
				rr, err := dns.NewRR("$ORIGIN " + labZone + "\n" + l)
				if err != nil {
					return err
				}
				ns = append(ns, rr)
			}
			if err := labWriteNSDErr(env, ns); err != nil {
				return err
			}
			continue
		}
		r := &run{zone: labZone, opts: Options{Timeout: 10 * time.Second}}
		got, err := r.axfr(context.Background(), &server{hostport: env.Addr(s.addrKey)}, key, true)
		if err != nil {
			return fmt.Errorf("%s: AXFR: %v", s.provider, err)
		}
		var keys []zone.Key
		for k := range got {
			if k.Type != dns.TypeNS || k.Name != labZone {
				keys = append(keys, k)
			}
		}
		for i := 0; i < len(keys); i += 500 {
			batch := keys[i:min(i+500, len(keys))]
			err := labUpdateErr(env, s.addrKey, func(m *dns.Msg) {
				for _, k := range batch {
					m.RemoveRRset([]dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: k.Name, Rrtype: k.Type, Class: dns.ClassINET}}})
				}
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// TestMain restores check.test. on the lab (lab.sh reset) when a test
// changed it.
func TestMain(m *testing.M) {
	code := m.Run()
	if labModified {
		if err := labReset(); err != nil {
			fmt.Fprintf(os.Stderr, "restoring %s on the lab: %v\n", labZone, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}
