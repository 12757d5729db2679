package zonefile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

const origin = "example.test."

const initial = `$ORIGIN example.test.
$TTL 300
@ IN SOA ns1.example.net. hostmaster.example.net. ( 5 3600 600 86400 300 )
@ IN NS ns1.example.net.
@ IN NS ns2.example.net.
www IN A 192.0.2.1
`

// setup writes the initial zone file into a new directory and returns a
// provider for it whose reload command appends its arguments to a log.
func setup(t *testing.T, mod func(*Settings)) (*Provider, string, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, origin+"zone")
	if err := os.WriteFile(path, []byte(initial), 0o640); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "reload.log")
	s := Settings{
		Path:   filepath.Join(dir, "{zone}zone"),
		Reload: []string{"sh", "-c", `echo "$@" >> "$0"`, log, "reload", "{zone}"},
	}
	if mod != nil {
		mod(&s)
	}
	p, err := New(s, "/nonexistent", nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, path, log
}

// libdnsOf converts records of zone origin to libdns records.
func libdnsOf(origin string, rrs []dns.RR) []libdns.Record {
	out := make([]libdns.Record, len(rrs))
	for i, rr := range rrs {
		out[i] = providers.ToLibdns(rr, origin)
	}
	return out
}

func readSet(t *testing.T, p *Provider) *zone.RRsets {
	t.Helper()
	got, err := providers.Read(context.Background(), p, origin)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func serialOf(t *testing.T, p *Provider) uint32 {
	t.Helper()
	s := readSet(t, p).Get(zone.Key{Name: origin, Type: dns.TypeSOA})
	return s.Records[0].(*dns.SOA).Serial
}

// desired is the file's SOA and NS plus text.
func desired(t *testing.T, p *Provider, text string) *zone.RRsets {
	t.Helper()
	d := zone.MustParse(origin, text)
	for _, s := range readSet(t, p).Sorted() {
		if s.Name == origin && (s.Type == dns.TypeSOA || s.Type == dns.TypeNS) && d.Get(s.Key()) == nil {
			d.Put(s.Clone())
		}
	}
	return d
}

func plan(t *testing.T, p *Provider, d *zone.RRsets) *zone.Plan {
	t.Helper()
	return zone.NewPlan(origin, "nsd-file", d, readSet(t, p), zone.PlanOptions{ManageApexNS: true, SafetyThreshold: -1})
}

func apply(t *testing.T, p *Provider, text string) (*zone.Plan, error) {
	t.Helper()
	pl := plan(t, p, desired(t, p, text))
	_, err := providers.Apply(context.Background(), p, pl)
	return pl, err
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestApplyWritesBumpsReloads(t *testing.T) {
	p, path, log := setup(t, nil)
	pl, err := apply(t, p, "www 300 A 192.0.2.2\nmail 600 MX 10 mx.example.net.\n@ 300 TXT \"héllo\"")
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Changes) != 3 {
		t.Fatalf("planned %d changes, want 3", len(pl.Changes))
	}
	if got := serialOf(t, p); got != 6 {
		t.Errorf("serial %d, want 6", got)
	}
	if again := plan(t, p, desired(t, p, "www 300 A 192.0.2.2\nmail 600 MX 10 mx.example.net.\n@ 300 TXT \"héllo\"")); !again.Empty() {
		t.Errorf("not converged: %v", again.Changes)
	}
	b := fileBytes(t, path)
	for _, c := range b {
		if c >= 0x80 {
			t.Fatalf("raw non-ASCII byte in the file (Knot rejects it):\n%s", b)
		}
	}
	if !strings.Contains(string(b), `"h\195\169llo"`) {
		t.Errorf("TXT not written as \\DDD escapes:\n%s", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("file mode %v, want the old 0640 kept", st.Mode().Perm())
	}
	// The reload ran once, with the zone name without its final dot.
	if got := string(fileBytes(t, log)); got != "reload example.test\n" {
		t.Errorf("reload log %q", got)
	}
	// No temporary files left behind.
	ents, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func TestEmptyPlanWritesNothing(t *testing.T) {
	p, path, log := setup(t, nil)
	before := fileBytes(t, path)
	st0, _ := os.Stat(path)
	pl, err := apply(t, p, "www 300 A 192.0.2.1")
	if err != nil || !pl.Empty() {
		t.Fatalf("plan %v, %v", pl.Changes, err)
	}
	// libdns SetRecords with what is there already writes nothing either.
	if _, err := p.SetRecords(context.Background(), origin, libdnsOf(origin, zone.MustParse(origin, "www 300 A 192.0.2.1").Records())); err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(path)
	if string(fileBytes(t, path)) != string(before) || !st0.ModTime().Equal(st1.ModTime()) {
		t.Error("the file was rewritten for no change")
	}
	if _, err := os.Stat(log); !errors.Is(err, os.ErrNotExist) {
		t.Error("the reload ran for no change")
	}
}

func TestNextSerial(t *testing.T) {
	day := time.Date(2026, 11, 24, 23, 30, 0, 0, time.UTC)
	cases := []struct {
		old  uint32
		date bool
		want uint32
	}{
		{5, false, 6},
		{0, false, 1},
		{0xFFFFFFFF, false, 0}, // RFC 1982: wraps
		{2026112403, false, 2026112404},
		{5, true, 2026112400},
		{2026112300, true, 2026112400},
		{2026112400, true, 2026112401},
		{2026112499, true, 2026112500}, // a 100th change today borrows tomorrow's first
		{2099010100, true, 2099010101}, // far ahead: keep counting
		{0xFFFFFFF0, true, 2026112400}, // RFC 1982: today is ahead of 0xFFFFFFF1 (wraps)
		{3000000000, true, 3000000001}, // 3e9 - 2026112400 < 2^31: ahead
		{100, true, 2026112400},
	}
	for _, tc := range cases {
		if got := nextSerial(tc.old, tc.date, day); got != tc.want {
			t.Errorf("nextSerial(%d, date=%v) = %d, want %d", tc.old, tc.date, got, tc.want)
		}
	}
	// The day is taken in UTC.
	east := time.FixedZone("east", 10*3600)
	if got := nextSerial(1, true, time.Date(2026, 11, 25, 5, 0, 0, 0, east)); got != 2026112400 {
		t.Errorf("date serial in UTC: %d", got)
	}
}

func TestDateSerialWrite(t *testing.T) {
	p, _, _ := setup(t, func(s *Settings) { s.Serial = "date" })
	p.now = func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }
	if _, err := apply(t, p, "www 300 A 192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if got := serialOf(t, p); got != 2026112400 {
		t.Errorf("serial %d", got)
	}
	if _, err := apply(t, p, "www 300 A 192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	if got := serialOf(t, p); got != 2026112401 {
		t.Errorf("serial %d", got)
	}
}

// TestReloadFails: the error names the provider, the zone, the command and
// its stderr; the file keeps its old records with the serial bumped; the
// next sync converges.
func TestReloadFails(t *testing.T) {
	p, path, _ := setup(t, func(s *Settings) {
		s.Reload = []string{"sh", "-c", `echo "zone {zone} failed to load: syntax error" >&2; exit 1`}
	})
	pl, err := apply(t, p, "www 300 A 192.0.2.2\nnew 300 A 192.0.2.3")
	if err == nil {
		t.Fatal("no error from a failing reload")
	}
	var ae *providers.ApplyError
	if !errors.As(err, &ae) || ae.Applied != 0 {
		t.Fatalf("error %v: want an ApplyError with nothing applied", err)
	}
	for _, want := range []string{"provider nsd-file", "zone " + origin, "reload command sh: exit status 1",
		"stderr: zone example.test failed to load: syntax error", "restored to its previous records"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	// The file: old records, serial bumped past the one the failed write used.
	got := readSet(t, p)
	if w := got.Get(zone.Key{Name: "www." + origin, Type: dns.TypeA}); w == nil || zone.Rdata(w.Records[0]) != "192.0.2.1" {
		t.Errorf("www A after the failed reload: %v", w)
	}
	if got.Get(zone.Key{Name: "new." + origin, Type: dns.TypeA}) != nil {
		t.Error("the new record stayed in the file")
	}
	if s := serialOf(t, p); s != 6 {
		t.Errorf("serial %d, want 6", s)
	}
	// The plan is still the same; with the server back, it converges.
	if again := plan(t, p, desired(t, p, "www 300 A 192.0.2.2\nnew 300 A 192.0.2.3")); len(again.Changes) != len(pl.Changes) {
		t.Errorf("replan: %d changes, want %d", len(again.Changes), len(pl.Changes))
	}
	p.reload = []string{"true"}
	if _, err := apply(t, p, "www 300 A 192.0.2.2\nnew 300 A 192.0.2.3"); err != nil {
		t.Fatal(err)
	}
	if s := serialOf(t, p); s != 7 {
		t.Errorf("serial %d, want 7", s)
	}
	_ = path
}

func TestReloadTimeout(t *testing.T) {
	p, _, _ := setup(t, func(s *Settings) {
		s.Reload = []string{"sleep", "30"}
		s.ReloadTimeout = 100 * time.Millisecond
	})
	_, err := apply(t, p, "www 300 A 192.0.2.2")
	if err == nil || !strings.Contains(err.Error(), "reload command sleep: did not finish within 100ms") {
		t.Fatalf("error: %v", err)
	}
}

func TestReloadNotFound(t *testing.T) {
	p, _, _ := setup(t, func(s *Settings) { s.Reload = []string{"/nonexistent/nsd-control", "reload"} })
	_, err := apply(t, p, "www 300 A 192.0.2.2")
	if err == nil || !strings.Contains(err.Error(), "reload command nsd-control") {
		t.Fatalf("error: %v", err)
	}
}

// immutable makes dir refuse new entries, even to root.
func immutable(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return
	}
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		t.Fatalf("chattr +i (needed to make a directory unwritable for root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
}

// TestUnwritableDirectory: the write fails, the old file is untouched
// byte for byte, no reload runs.
func TestUnwritableDirectory(t *testing.T) {
	p, path, log := setup(t, nil)
	// One successful write first, so the lock file exists.
	if _, err := apply(t, p, "www 300 A 192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	os.Remove(log)
	before := fileBytes(t, path)
	immutable(t, filepath.Dir(path))
	_, err := apply(t, p, "www 300 A 192.0.2.3")
	if err == nil {
		t.Fatal("no error writing into an unwritable directory")
	}
	if !strings.Contains(err.Error(), "provider nsd-file: zone "+origin) || !strings.Contains(err.Error(), "writing "+path) {
		t.Errorf("error: %v", err)
	}
	if string(fileBytes(t, path)) != string(before) {
		t.Error("the old file changed")
	}
	if _, err := os.Stat(log); !errors.Is(err, os.ErrNotExist) {
		t.Error("the reload ran after a failed write")
	}
}

// TestStaleFile: a file edited between plan and apply is refused whole.
func TestStaleFile(t *testing.T) {
	p, path, _ := setup(t, nil)
	pl := plan(t, p, desired(t, p, "www 300 A 192.0.2.2\nnew 300 A 192.0.2.3"))
	edited := initial + "new IN A 192.0.2.99\n"
	if err := os.WriteFile(path, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := providers.Apply(context.Background(), p, pl)
	if err == nil || !strings.Contains(err.Error(), "edited since the plan") {
		t.Fatalf("error: %v", err)
	}
	if string(fileBytes(t, path)) != edited {
		t.Error("a refused batch changed the file")
	}
}

// TestLock: a held lock blocks a sync; concurrent syncs never lose each
// other's changes.
func TestLock(t *testing.T) {
	p, path, _ := setup(t, func(s *Settings) { s.Reload = nil })
	unlock, err := p.lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = p.AppendRecords(ctx, origin, libdnsOf(origin, zone.MustParse(origin, "locked 300 A 192.0.2.7").Records()))
	if err == nil || !strings.Contains(err.Error(), "held by another sync") {
		t.Fatalf("write while locked: %v", err)
	}
	unlock()

	// A second process (a separate provider value: its own lock file
	// descriptor) racing with this one.
	other, err := New(Settings{Path: p.path}, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const n = 12
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pp := p
			if i%2 == 1 {
				pp = other
			}
			rec := zone.MustParse(origin, fmt.Sprintf("c%d 300 A 192.0.2.%d", i, i+1)).Records()
			_, err := pp.AppendRecords(context.Background(), origin, libdnsOf(origin, rec))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := readSet(t, p)
	for i := range n {
		if got.Get(zone.Key{Name: fmt.Sprintf("c%d.%s", i, origin), Type: dns.TypeA}) == nil {
			t.Errorf("c%d lost by a concurrent write", i)
		}
	}
	if s := serialOf(t, p); s != 5+n {
		t.Errorf("serial %d after %d writes from 5", s, n)
	}
}

// TestLockTimeout: lock_timeout bounds the wait for a held lock, and the
// error says so.
func TestLockTimeout(t *testing.T) {
	p, path, _ := setup(t, func(s *Settings) { s.Reload, s.LockTimeout = nil, 50*time.Millisecond })
	unlock, err := p.lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, err = apply(t, p, "www 300 A 192.0.2.9")
	if err == nil || !strings.Contains(err.Error(), "held by another sync for over 50ms") {
		t.Fatalf("write while locked: %v", err)
	}
}

// TestCreateZone: a missing file plans as a zone to create; applying
// writes SOA (from the settings), apex NS and the records, then reloads.
func TestCreateZone(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "reload.log")
	p, err := New(Settings{
		Path:   "zones/{zone}db",
		Reload: []string{"sh", "-c", `echo "$@" >> "$0"`, log, "{zone}"},
		SOA:    SOASettings{RName: "dns-admin.example.net.", Minimum: 60},
	}, dir, []string{"ns9.example.net."})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "zones"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadZone(context.Background(), origin); !errors.Is(err, providers.ErrZoneNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	d := zone.MustParse(origin, "@ 3600 NS ns1.example.net.\n@ 3600 NS ns2.example.net.\nwww 300 A 192.0.2.1")
	target := providers.Target{Name: "nsd-file", Provider: p, Zone: &zone.ZoneConfig{Name: origin, Records: d}}
	pl, err := target.Plan(context.Background())
	if err != nil || !pl.CreateZone {
		t.Fatalf("plan: %v %+v", err, pl)
	}
	if _, err := target.Apply(context.Background(), pl); err != nil {
		t.Fatal(err)
	}
	got := readSet(t, p)
	soa := got.Get(zone.Key{Name: origin, Type: dns.TypeSOA}).Records[0].(*dns.SOA)
	if soa.Ns != "ns1.example.net." || soa.Mbox != "dns-admin.example.net." || soa.Minttl != 60 || soa.Serial != 2 {
		t.Errorf("SOA %v", soa)
	}
	if again, _ := target.Plan(context.Background()); again == nil || !again.Empty() {
		t.Errorf("not converged: %+v", again)
	}
	if b := string(fileBytes(t, log)); b != "example.test\nexample.test\n" {
		t.Errorf("reload log %q: want one reload for the creation, one for the records", b)
	}
	// EnsureZone on an existing file does nothing.
	before := fileBytes(t, filepath.Join(dir, "zones", origin+"db"))
	if err := p.EnsureZone(context.Background(), origin, nil); err != nil {
		t.Fatal(err)
	}
	if string(fileBytes(t, filepath.Join(dir, "zones", origin+"db"))) != string(before) {
		t.Error("EnsureZone rewrote an existing file")
	}

	// The provider's nameservers serve when the zone names none; a failed
	// reload takes the new file away again.
	p.reload = []string{"false"}
	err = p.EnsureZone(context.Background(), "other.test.", nil)
	if err == nil || !strings.Contains(err.Error(), "was removed") {
		t.Fatalf("EnsureZone with a failing reload: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "zones", "other.test.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the new file stayed after the failed reload")
	}
	p.reload = nil
	if err := p.EnsureZone(context.Background(), "other.test.", nil); err != nil {
		t.Fatal(err)
	}
	ns := readSetOf(t, p, "other.test.").Get(zone.Key{Name: "other.test.", Type: dns.TypeNS})
	if ns == nil || len(ns.Records) != 1 || ns.Records[0].(*dns.NS).Ns != "ns9.example.net." {
		t.Errorf("apex NS of a zone created without nameservers: %v", ns)
	}
	// Without nameservers or soa.mname a file cannot be made.
	bare, _ := New(Settings{Path: filepath.Join(dir, "zones", "{zone}db")}, dir, nil)
	if err := bare.EnsureZone(context.Background(), "bare.test.", nil); err == nil || !strings.Contains(err.Error(), "soa.mname") {
		t.Errorf("EnsureZone without any nameserver: %v", err)
	}
}

func readSetOf(t *testing.T, p *Provider, o string) *zone.RRsets {
	t.Helper()
	got, err := providers.Read(context.Background(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReadErrors(t *testing.T) {
	p, path, _ := setup(t, nil)
	for name, text := range map[string]string{
		"outside the zone": initial + "www.elsewhere.test. IN A 192.0.2.1\n",
		"no SOA":           "$ORIGIN example.test.\n@ 300 IN NS ns1.example.net.\n",
		"syntax":           initial + "bad IN A not-an-address\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := p.ReadZone(context.Background(), origin)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v, want an error naming %s", name, err, path)
		}
	}
}

func TestFilePath(t *testing.T) {
	p, err := New(Settings{Path: "/var/lib/nsd/{zone}zone"}, "/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"Example.COM": "/var/lib/nsd/example.com.zone", "a.b.": "/var/lib/nsd/a.b.zone"} {
		if got, err := p.FilePath(in); err != nil || got != want {
			t.Errorf("FilePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`a\/b.test.`, "..", "."} {
		if got, err := p.FilePath(bad); err == nil {
			t.Errorf("FilePath(%q) = %q, want an error", bad, got)
		}
	}
	if got := (&Provider{reload: []string{"knotc", "zone-reload", "{zone}"}}).reloadArgv("example.com."); strings.Join(got, " ") != "knotc zone-reload example.com" {
		t.Errorf("reload argv %v", got)
	}
}

func TestRegistration(t *testing.T) {
	decode := func(src string) (providers.Provider, error) {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatal(err)
		}
		pc := &zone.ProviderConfig{Name: "nsd", Type: TypeName, Settings: doc.Content[0], Pos: zone.Position{File: "/etc/dnsquorum/dnsquorum.yaml", Line: 2, Col: 3}}
		return providers.New(pc)
	}
	pp, err := decode("type: zonefile\npath: zones/{zone}zone\nreload: [nsd-control, reload, '{zone}']\nreload_timeout: 5s\nserial: date\nsoa: {mname: NS1.example.net, minimum: 60}\n")
	if err != nil {
		t.Fatal(err)
	}
	p := pp.(*Provider)
	if p.path != "/etc/dnsquorum/zones/{zone}zone" || !p.dateSerial || p.reloadTimeout != 5*time.Second || p.soa.MName != "ns1.example.net." || p.soa.Minimum != 60 {
		t.Errorf("decoded: %+v", p)
	}
	if c := p.Capabilities(); !c.ApexNS || !c.CreateZone || !c.AtomicBatch {
		t.Errorf("capabilities %+v", c)
	}
	for src, want := range map[string]string{
		"type: zonefile\nreload: [x]\n":                      "path is required",
		"type: zonefile\npath: x\nserial: weekly\n":          `serial "weekly"`,
		"type: zonefile\npath: x\nsoa: {mnam: a.}\n":         `soa.mnam`,
		"type: zonefile\npath: x\nreloads: [x]\n":            `reloads`,
		"type: zonefile\npath: x\nreload: ['', x]\n":         "command name is empty",
		"type: zonefile\npath: '{zone}/{zone}'\n":            "may appear once",
		"type: zonefile\npath: x\nsoa: {rname: 'a..b'}\n":    "soa:",
		"type: zonefile\npath: x\nreload_timeout: -1s\n":     "must not be negative",
		"type: zonefile\npath: x\nsoa: {ttl: many}\n":        "uint32",
		"type: zonefile\npath: x\nreload: nsd-control\n":     "cannot unmarshal",
		"type: zonefile\npath: x\nlock_timeout: sometimes\n": "time.Duration",
	} {
		_, err := decode(src)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `provider "nsd"`) {
			t.Errorf("%q: %v, want an error naming the provider and containing %q", src, err, want)
		}
	}
}

// TestConformanceFile runs the conformance suite on a plain file (no
// server); the lab test runs it against NSD.
func TestConformanceFile(t *testing.T) {
	p, _, _ := setup(t, func(s *Settings) { s.Reload = []string{"true"} })
	providertest.Run(t, providertest.Options{Provider: p, Zone: origin, Short: testing.Short()})
}

// TestRelativePath: a relative path setting is relative to the config
// file's directory (regression: its directory was joined twice on read).
func TestRelativePath(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "zones"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zones", origin+"zone"), []byte(initial), 0o640); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // not the working directory
	p, err := New(Settings{Path: "zones/{zone}zone", Reload: []string{"true"}}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := readSet(t, p)
	if got.Get(zone.Key{Name: "www." + origin, Type: dns.TypeA}) == nil {
		t.Fatalf("www A not read from the relative path; got %d sets", got.Len())
	}
}
