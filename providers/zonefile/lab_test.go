package zonefile

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

// labZone is the zone of the lab's NSD this adapter's tests own
// (DEVELOPERS.md: scratch.test. is the zonefile conformance zone on NSD).
const labZone = "scratch.test."

// splitArgs turns a lab.env command into its words: the value is one
// string in bash's printf %q quoting ("nsd-control\ -c\ /x\ reload"),
// which holds the command line; words are separated by whitespace.
func splitArgs(s string) []string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return strings.Fields(b.String())
}

// nsdProvider returns a provider writing the lab NSD's zone files and
// reloading NSD, and the NSD address.
func nsdProvider(t *testing.T) (*Provider, string) {
	t.Helper()
	env := labtest.Load(t)
	dir, reload := env["LAB_NSD_ZONEDIR"], splitArgs(env["LAB_NSD_RELOAD"])
	if dir == "" || len(reload) == 0 {
		t.Fatal("lab.env has no LAB_NSD_ZONEDIR / LAB_NSD_RELOAD")
	}
	p, err := New(Settings{Path: filepath.Join(dir, "{zone}zone"), Reload: append(reload, "{zone}")}, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, env.Addr("LAB_NSD")
}

// query asks NSD and returns its answer section.
func query(t *testing.T, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	c := &dns.Client{Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s at %s: %v", name, dns.Type(qtype), addr, err)
	}
	return r
}

// waitServed waits until NSD serves the file's serial: nsd-control reload
// returns before the reload is done.
func waitServed(t *testing.T, p *Provider, addr string) uint32 {
	t.Helper()
	want := fileSerial(t, p)
	var got uint32
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r := query(t, addr, labZone, dns.TypeSOA)
		if len(r.Answer) == 1 {
			if got = r.Answer[0].(*dns.SOA).Serial; got == want {
				return got
			}
		}
	}
	t.Fatalf("NSD serves serial %d, the file holds %d", got, want)
	return 0
}

func fileSerial(t *testing.T, p *Provider) uint32 {
	t.Helper()
	got, err := providers.Read(context.Background(), p, labZone)
	if err != nil {
		t.Fatal(err)
	}
	return got.Get(zone.Key{Name: labZone, Type: dns.TypeSOA}).Records[0].(*dns.SOA).Serial
}

// converge makes the file (and NSD) hold the file's SOA and NS plus text.
func labConverge(t *testing.T, p *Provider, text string) *zone.RRsets {
	t.Helper()
	got, err := providers.Read(context.Background(), p, labZone)
	if err != nil {
		t.Fatal(err)
	}
	d := zone.MustParse(labZone, text)
	for _, s := range got.Sorted() {
		if s.Name == labZone && (s.Type == dns.TypeSOA || s.Type == dns.TypeNS) {
			d.Put(s.Clone())
		}
	}
	pl := zone.NewPlan(labZone, "nsd", d, got, zone.PlanOptions{ManageApexNS: true, SafetyThreshold: -1})
	if _, err := providers.Apply(context.Background(), p, pl); err != nil {
		t.Fatal(err)
	}
	return d
}

// checkServed compares what NSD answers for every set of want but the SOA
// with the set itself.
func checkServed(t *testing.T, addr string, want *zone.RRsets) {
	t.Helper()
	for _, s := range want.Sorted() {
		if s.Type == dns.TypeSOA || (s.Type == dns.TypeNS && s.Name != labZone) {
			continue
		}
		r := query(t, addr, s.Name, s.Type)
		got := zone.NewRRsets()
		for _, rr := range r.Answer {
			if _, err := got.Add(rr); err != nil {
				t.Fatal(err)
			}
		}
		if g := got.Get(s.Key()); !s.Equal(g) {
			t.Errorf("NSD serves for %s:\n%v\nwant:\n%v", s.Key(), g, s)
		}
	}
}

func TestLabNSDConformance(t *testing.T) {
	p, addr := nsdProvider(t)
	providertest.Run(t, providertest.Options{Provider: p, Zone: labZone, Short: testing.Short()})
	// The suite put the zone back to its SOA and NS: NSD serves that.
	waitServed(t, p, addr)
	if r := query(t, addr, "www."+labZone, dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("after the suite NSD still answers %s for www", dns.RcodeToString[r.Rcode])
	}
}

// TestLabNSDServes: after each sync NSD answers the new records, also when
// two syncs come less than a second apart.
func TestLabNSDServes(t *testing.T) {
	p, addr := nsdProvider(t)
	t.Cleanup(func() { labConverge(t, p, ""); waitServed(t, p, addr) })
	want := labConverge(t, p, `
www    300 A    192.0.2.1
www    300 AAAA 2001:db8::1
@      300 MX   10 mail.example.net.
txt    300 TXT  "héllo wörld" "second string"
*.wild 300 A    192.0.2.9
_sip._tcp 300 SRV 10 60 5060 sip.example.net.
`)
	waitServed(t, p, addr)
	checkServed(t, addr, want)

	start := time.Now()
	labConverge(t, p, "www 300 A 192.0.2.2")
	first := fileSerial(t, p)
	want = labConverge(t, p, "www 300 A 192.0.2.3\nnew 60 TXT \"second edit\"")
	gap := time.Since(start)
	if fileSerial(t, p) != first+1 {
		t.Errorf("serial %d after %d", fileSerial(t, p), first)
	}
	waitServed(t, p, addr)
	checkServed(t, addr, want)
	t.Logf("two syncs %v apart, NSD serves the second", gap)
}

// TestLabNSDReloadFails: NSD refuses to reload a zone it does not have;
// the error carries nsd-control's message, and the file is taken back.
func TestLabNSDReloadFails(t *testing.T) {
	p, _ := nsdProvider(t)
	dir := t.TempDir()
	p.path = filepath.Join(dir, "{zone}zone")
	const unknown = "h5-not-in-nsd.test."
	text := "$ORIGIN " + unknown + "\n@ 300 IN SOA ns1.nsd.lab.test. hostmaster.lab.test. 1 3600 600 86400 300\n@ 300 IN NS ns1.nsd.lab.test.\n"
	path := filepath.Join(dir, unknown+"zone")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d := zone.MustParse(unknown, "@ 300 NS ns1.nsd.lab.test.\nwww 300 A 192.0.2.1")
	target := providers.Target{Name: "nsd", Provider: p, Zone: &zone.ZoneConfig{Name: unknown, Records: d}}
	pl, err := target.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = target.Apply(context.Background(), pl)
	if err == nil {
		t.Fatal("nsd-control reload of an unknown zone succeeded")
	}
	for _, want := range []string{"provider nsd", "zone " + unknown, "reload command nsd-control: exit status 1", "not configured"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	got, rerr := providers.Read(context.Background(), p, unknown)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if got.Get(zone.Key{Name: "www." + unknown, Type: dns.TypeA}) != nil {
		t.Error("the record stayed in the file after the failed reload")
	}
	if s := got.Get(zone.Key{Name: unknown, Type: dns.TypeSOA}).Records[0].(*dns.SOA).Serial; s != 2 {
		t.Errorf("serial %d, want 2 (bumped, records taken back)", s)
	}
}

func TestSplitArgs(t *testing.T) {
	got := splitArgs(`nsd-control\ -c\ /tmp/dnsquorum-lab/nsd/nsd.conf\ reload`)
	if want := []string{"nsd-control", "-c", "/tmp/dnsquorum-lab/nsd/nsd.conf", "reload"}; !slices.Equal(got, want) {
		t.Errorf("splitArgs = %q", got)
	}
}
