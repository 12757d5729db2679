package providers_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/memory"
	"github.com/dnsquorum/dnsquorum/zone"
)

const opsZone = "ops.test."

// counting is the memory adapter counting its ApplyChanges calls: the
// store the libdns functions run on in these tests.
type counting struct {
	*memory.Provider
	applies int
}

func (c *counting) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	c.applies++
	return c.Provider.ApplyChanges(ctx, origin, changes)
}

// editor adds a ZoneEditor that records the changes it was handed.
type editor struct {
	*counting
	edits [][]zone.Change
}

func (e *editor) EditZone(ctx context.Context, origin string, plan func(*zone.RRsets) ([]zone.Change, error)) error {
	cur, err := providers.Read(ctx, e, origin)
	if err != nil {
		return err
	}
	changes, err := plan(cur)
	e.edits = append(e.edits, changes)
	if err != nil || len(changes) == 0 {
		return err
	}
	_, err = e.counting.ApplyChanges(ctx, origin, changes)
	return err
}

// newStore returns a store holding the SOA, apex NS and text.
func newStore(t *testing.T, text string) *counting {
	t.Helper()
	p := memory.New()
	ctx := context.Background()
	if err := p.EnsureZone(ctx, opsZone, []string{"ns1.example.net."}); err != nil {
		t.Fatal(err)
	}
	if text != "" {
		cur, err := providers.Read(ctx, p, opsZone)
		if err != nil {
			t.Fatal(err)
		}
		pl := zone.NewPlan(opsZone, "mem", withBase(t, p, text), cur, zone.PlanOptions{ManageApexNS: true, SafetyThreshold: -1})
		if _, err := providers.Apply(ctx, p, pl); err != nil {
			t.Fatal(err)
		}
	}
	return &counting{Provider: p}
}

// withBase returns text's records plus the SOA and apex NS p holds.
func withBase(t *testing.T, p providers.Provider, text string) *zone.RRsets {
	t.Helper()
	cur, err := providers.Read(context.Background(), p, opsZone)
	if err != nil {
		t.Fatal(err)
	}
	want := zone.MustParse(opsZone, text)
	for _, s := range cur.Sorted() {
		if s.Name == opsZone && (s.Type == dns.TypeSOA || s.Type == dns.TypeNS) {
			want.Put(s.Clone())
		}
	}
	return want
}

// expectZone checks the store holds the SOA and apex NS plus text.
func expectZone(t *testing.T, p providers.Provider, text string) {
	t.Helper()
	got, err := providers.Read(context.Background(), p, opsZone)
	if err != nil {
		t.Fatal(err)
	}
	if want := withBase(t, p, text); !want.Equal(got) {
		t.Errorf("zone holds:\n%s\nwant:\n%s", dump(got), dump(want))
	}
}

func dump(z *zone.RRsets) string {
	var b strings.Builder
	for _, s := range z.Sorted() {
		b.WriteString(s.String())
	}
	return b.String()
}

// strs renders libdns records as "name TYPE ttl data", sorted.
func strs(recs []libdns.Record) []string {
	var out []string
	for _, r := range recs {
		rr := r.RR()
		out = append(out, fmt.Sprintf("%s %s %d %s", rr.Name, rr.Type, int(rr.TTL/time.Second), rr.Data))
	}
	slices.Sort(out)
	return out
}

func TestGetRecordsRelativeTyped(t *testing.T) {
	s := newStore(t, "www 300 A 192.0.2.1\nwww 300 TXT \"a \\\"b\\\" c\"\n")
	recs, err := providers.GetRecords(context.Background(), s, "OPS.test")
	if err != nil {
		t.Fatal(err)
	}
	got := strs(recs)
	for _, want := range []string{"www A 300 192.0.2.1", `www TXT 300 a "b" c`, "@ NS 3600 ns1.example.net."} {
		if !slices.Contains(got, want) {
			t.Errorf("GetRecords lacks %q: %q", want, got)
		}
	}
	for _, r := range recs {
		if r.RR().Type == "A" {
			if _, ok := r.(libdns.Address); !ok {
				t.Errorf("A record as %T, want libdns.Address", r)
			}
		}
	}
}

// TestAppendRecordsNeverChangesExisting: a record joining a set takes the
// set's TTL, a record already there is not added (nor returned), a new set
// keeps the given TTL.
func TestAppendRecordsNeverChangesExisting(t *testing.T) {
	s := newStore(t, "www 600 A 192.0.2.1")
	out, err := providers.AppendRecords(context.Background(), s, opsZone, []libdns.Record{
		libdns.Address{Name: "www", TTL: 300 * time.Second, IP: netip.MustParseAddr("192.0.2.2")},
		libdns.Address{Name: "www", TTL: 300 * time.Second, IP: netip.MustParseAddr("192.0.2.1")},
		libdns.RR{Name: "new", TTL: 120 * time.Second, Type: "A", Data: "192.0.2.3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"new A 120 192.0.2.3", "www A 600 192.0.2.2"}; !slices.Equal(strs(out), want) {
		t.Errorf("AppendRecords returned %q, want %q", strs(out), want)
	}
	expectZone(t, s, "www 600 A 192.0.2.1\nwww 600 A 192.0.2.2\nnew 120 A 192.0.2.3")

	// Appending only what is there writes nothing.
	s.applies = 0
	out, err = providers.AppendRecords(context.Background(), s, opsZone, []libdns.Record{libdns.RR{Name: "www", TTL: time.Minute, Type: "A", Data: "192.0.2.1"}})
	if err != nil || len(out) != 0 || s.applies != 0 {
		t.Errorf("appending a present record: %q, %v, %d applies; want nothing", strs(out), err, s.applies)
	}
}

// TestSetRecordsOnlyGivenSets: the given (name, type) sets are replaced,
// the rest of the name is left alone, and a set already right is not
// written.
func TestSetRecordsOnlyGivenSets(t *testing.T) {
	s := newStore(t, "www 300 A 192.0.2.1\nwww 300 A 192.0.2.2\nwww 300 TXT keep\nmx 300 MX 10 mail.example.net.")
	in := []libdns.Record{
		libdns.Address{Name: "www", TTL: 600 * time.Second, IP: netip.MustParseAddr("192.0.2.9")},
		libdns.MX{Name: "mx", TTL: 300 * time.Second, Preference: 10, Target: "mail.example.net."},
	}
	out, err := providers.SetRecords(context.Background(), s, opsZone, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"mx MX 300 10 mail.example.net.", "www A 600 192.0.2.9"}; !slices.Equal(strs(out), want) {
		t.Errorf("SetRecords returned %q, want %q", strs(out), want)
	}
	expectZone(t, s, "www 600 A 192.0.2.9\nwww 300 TXT keep\nmx 300 MX 10 mail.example.net.")
	s.applies = 0
	if _, err := providers.SetRecords(context.Background(), s, opsZone, in); err != nil || s.applies != 0 {
		t.Errorf("setting what is there: %v, %d applies; want none", err, s.applies)
	}
}

// TestDeleteRecordsWildcards: empty type, TTL and data match any; data
// compares as normalized RDATA and types without regard to case; the SOA
// is never deleted.
func TestDeleteRecordsWildcards(t *testing.T) {
	s := newStore(t, "@ 300 TXT apex\nwww 300 AAAA 2001:db8::1\nwww 300 AAAA 2001:db8::2\nwww 300 TXT t\nother 300 A 192.0.2.1")
	del := func(recs ...libdns.Record) []string {
		t.Helper()
		out, err := providers.DeleteRecords(context.Background(), s, opsZone, recs)
		if err != nil {
			t.Fatal(err)
		}
		return strs(out)
	}
	if got, want := del(libdns.RR{Name: "www", Type: "aaaa", Data: "2001:DB8:0::1"}), []string{"www AAAA 300 2001:db8::1"}; !slices.Equal(got, want) {
		t.Errorf("delete by unnormalized data returned %q, want %q", got, want)
	}
	if got := del(libdns.RR{Name: "www", Type: "AAAA", TTL: time.Hour}, libdns.RR{Name: "absent"}); len(got) != 0 {
		t.Errorf("delete with a wrong TTL and an absent name returned %q", got)
	}
	if got, want := del(libdns.RR{Name: "www"}), []string{"www AAAA 300 2001:db8::2", "www TXT 300 t"}; !slices.Equal(got, want) {
		t.Errorf("delete of a whole name returned %q, want %q", got, want)
	}
	if got, want := del(libdns.RR{Name: "@", Type: "TXT"}, libdns.RR{Name: "@", Type: "SOA"}), []string{"@ TXT 300 apex"}; !slices.Equal(got, want) {
		t.Errorf("apex delete returned %q, want %q (never the SOA)", got, want)
	}
	expectZone(t, s, "other 300 A 192.0.2.1")
}

// TestOutsideZoneRefused: a name outside the zone is refused before
// anything is written.
func TestOutsideZoneRefused(t *testing.T) {
	s := newStore(t, "")
	for name, f := range map[string]func(context.Context, providers.RecordStore, string, []libdns.Record) ([]libdns.Record, error){
		"append": providers.AppendRecords, "set": providers.SetRecords,
	} {
		_, err := f(context.Background(), s, opsZone, []libdns.Record{
			libdns.RR{Name: "in", Type: "A", Data: "192.0.2.1"},
			libdns.RR{Name: "www.other.test.", Type: "A", Data: "192.0.2.2"},
		})
		if err == nil || !strings.Contains(err.Error(), "outside zone") {
			t.Errorf("%s: err = %v, want a refusal", name, err)
		}
	}
	if s.applies != 0 {
		t.Errorf("%d applies after refusals", s.applies)
	}
	expectZone(t, s, "")
}

// TestZoneEditorUsed: a store that edits zones as a unit gets the changes
// through EditZone, never ApplyChanges directly.
func TestZoneEditorUsed(t *testing.T) {
	e := &editor{counting: newStore(t, "www 300 A 192.0.2.1")}
	if _, err := providers.SetRecords(context.Background(), e, opsZone, []libdns.Record{libdns.RR{Name: "www", TTL: time.Minute, Type: "A", Data: "192.0.2.1"}}); err != nil {
		t.Fatal(err)
	}
	if len(e.edits) != 1 || len(e.edits[0]) != 1 || e.edits[0][0].Action != zone.Update || e.applies != 1 {
		t.Fatalf("edits %v, %d applies; want one edit with one update", e.edits, e.applies)
	}
	expectZone(t, e, "www 60 A 192.0.2.1")
}

// TestApplyErrorNamesZone: a failed write says which zone and change.
func TestApplyErrorNamesZone(t *testing.T) {
	s := newStore(t, "")
	f := failing{s}
	_, err := providers.AppendRecords(context.Background(), f, opsZone, []libdns.Record{libdns.RR{Name: "www", Type: "A", Data: "192.0.2.1"}})
	if err == nil || !strings.Contains(err.Error(), "zone ops.test.: + www.ops.test. A: backend down") || strings.Contains(err.Error(), "provider ") {
		t.Errorf("err = %v", err)
	}
}

type failing struct{ *counting }

func (failing) ApplyChanges(context.Context, string, []zone.Change) (int, error) {
	return 0, fmt.Errorf("backend down")
}

// slow is a store whose reads take a while, so that unserialized
// read-modify-writes overlap.
type slow struct{ *counting }

func (s slow) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	rrs, err := s.counting.ReadZone(ctx, origin)
	time.Sleep(2 * time.Millisecond)
	return rrs, err
}

// TestLibdnsMethodsConcurrent: the embedded methods serialize an adapter's
// read-modify-writes, so concurrent appends to one RRset all land (the
// memory adapter refuses an update whose Old is stale).
func TestLibdnsMethodsConcurrent(t *testing.T) {
	s := slow{newStore(t, "")}
	m := &providers.LibdnsMethods{Store: s}
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = m.AppendRecords(context.Background(), opsZone, []libdns.Record{libdns.RR{Name: "www", TTL: time.Minute, Type: "A", Data: fmt.Sprintf("192.0.2.%d", i+1)}})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got, err := providers.Read(context.Background(), s, opsZone)
	if err != nil {
		t.Fatal(err)
	}
	if set := got.Get(zone.Key{Name: "www." + opsZone, Type: dns.TypeA}); set == nil || len(set.Records) != n {
		t.Errorf("www A holds %v, want %d records", set, n)
	}
}
