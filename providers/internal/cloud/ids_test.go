package cloud

import (
	"context"
	"errors"
	"testing"

	"github.com/dnsquorum/dnsquorum/zone"
)

func TestRecordIDs(t *testing.T) {
	const origin = "example.test."
	set := func(text string) *zone.RRset { return zone.MustParse(origin, text).Sorted()[0] }
	a := set("www 300 A 192.0.2.1\nwww 300 A 192.0.2.2")
	var c RecordIDs[int]
	reads := 0
	read := func(ctx context.Context, o string) error {
		reads++
		tab := IDTable[int]{}
		for i, rr := range a.Records {
			tab.Set(rr, i+1)
		}
		c.Replace(o, tab)
		return nil
	}
	ctx := context.Background()

	// A create needs no ID: no read.
	tab, err := c.For(ctx, origin, []zone.Change{{Action: zone.Create, Key: a.Key(), New: a}}, read)
	if err != nil || reads != 0 || len(tab) != 0 {
		t.Fatalf("create: %v, %d reads, table %v; want no read", err, reads, tab)
	}
	// A delete of unknown records reads the zone once.
	del := []zone.Change{{Action: zone.Delete, Key: a.Key(), Old: a}}
	tab, err = c.For(ctx, origin, del, read)
	if err != nil || reads != 1 || tab[a.Key()]["192.0.2.2"] != 2 {
		t.Fatalf("delete: %v, %d reads, table %v; want one read and the IDs", err, reads, tab)
	}
	// The table returned is a copy.
	delete(tab[a.Key()], "192.0.2.2")
	if _, err = c.For(ctx, origin, del, read); err != nil || reads != 1 {
		t.Fatalf("known IDs: %v, %d reads; want no new read", err, reads)
	}
	// Dropped and set IDs.
	c.Drop(origin, a.Key(), func(data string, _ int) bool { return data == "192.0.2.1" })
	c.Set(origin, set("new 300 A 192.0.2.9").Records[0], 9)
	tab, _ = c.For(ctx, origin, nil, read)
	if _, ok := tab[a.Key()]["192.0.2.1"]; ok || tab[a.Key()]["192.0.2.2"] != 2 || tab[zone.Key{Name: "new." + origin, Type: a.Type}]["192.0.2.9"] != 9 {
		t.Errorf("after Drop and Set: %v", tab)
	}
	if _, err = c.For(ctx, origin, del, read); err != nil || reads != 2 {
		t.Errorf("a dropped ID: %v, %d reads; want a new read", err, reads)
	}
	// A failed read fails For.
	var empty RecordIDs[string]
	boom := errors.New("boom")
	if _, err := empty.For(ctx, origin, del, func(context.Context, string) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("failed read: %v", err)
	}
}
