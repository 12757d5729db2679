package providertest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers/memory"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
	"github.com/dnsquorum/dnsquorum/zone"
)

// broken is the memory adapter with one defect, to prove the suite catches
// it.
type broken struct {
	*memory.Provider
	mode string
}

func (b broken) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	var keep []zone.Change
	for _, c := range changes {
		switch {
		case b.mode == "ttl" && c.TTLOnly():
			continue // claims it, does nothing
		case b.mode == "apexns" && c.Key.Type == dns.TypeNS && c.Key.Name == dns.CanonicalName(origin) && c.Action == zone.Update:
			c.New = c.New.Clone()
			c.New.Records = c.New.Records[1:] // loses a nameserver
		case b.mode == "wildcard" && strings.HasPrefix(c.Key.Name, "*."):
			continue
		}
		keep = append(keep, c)
	}
	if _, err := b.Provider.ApplyChanges(ctx, origin, keep); err != nil {
		return 0, err
	}
	return len(changes), nil
}

func (b broken) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	rrs, err := b.Provider.ReadZone(ctx, origin)
	if b.mode == "txt" {
		for _, rr := range rrs {
			if t, ok := rr.(*dns.TXT); ok && len(t.Txt) > 1 {
				t.Txt = t.Txt[:1] // keeps only the first string
			}
		}
	}
	return rrs, err
}

func (b broken) GetRecords(ctx context.Context, origin string) ([]libdns.Record, error) {
	recs, err := b.Provider.GetRecords(ctx, origin)
	if b.mode == "absnames" {
		for i, r := range recs {
			rr := r.RR()
			rr.Name = libdns.AbsoluteName(rr.Name, origin)
			recs[i] = rr
		}
	}
	return recs, err
}

func (b broken) SetRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	if b.mode == "setall" {
		// Replaces every type at the name, not only the given ones.
		var del []libdns.Record
		for _, r := range recs {
			del = append(del, libdns.RR{Name: r.RR().Name})
		}
		if _, err := b.Provider.DeleteRecords(ctx, origin, del); err != nil {
			return nil, err
		}
	}
	return b.Provider.SetRecords(ctx, origin, recs)
}

func (b broken) DeleteRecords(ctx context.Context, origin string, recs []libdns.Record) ([]libdns.Record, error) {
	out, err := b.Provider.DeleteRecords(ctx, origin, recs)
	if b.mode == "deleted" {
		return nil, err // does not say what it deleted
	}
	return out, err
}

// TestBrokenHelper runs the suite against one broken adapter; it only runs
// as a subprocess of TestSuiteCatchesDefects.
func TestBrokenHelper(t *testing.T) {
	mode := os.Getenv("PROVIDERTEST_BROKEN")
	if mode == "" {
		t.Skip("run by TestSuiteCatchesDefects")
	}
	p := memory.New()
	if err := p.EnsureZone(context.Background(), "broken.test.", []string{"ns1.example.net.", "ns2.example.net."}); err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, providertest.Options{Provider: broken{p, mode}, Zone: "broken.test.", Short: true})
}

// TestSuiteCatchesDefects: the suite fails, in the right scenario, for
// each known kind of broken adapter (a suite that cannot fail tests
// nothing).
func TestSuiteCatchesDefects(t *testing.T) {
	if os.Getenv("PROVIDERTEST_BROKEN") != "" {
		t.Skip("inside the helper")
	}
	for _, tc := range []struct{ mode, scenario string }{
		{"ttl", "TTLOnly"},
		{"apexns", "ApexNS"},
		{"wildcard", "Wildcard"},
		{"txt", "Types/TXT/multi"},
		{"absnames", "Libdns/GetRecords"},
		{"setall", "Libdns/SetRecords"},
		{"deleted", "Libdns/DeleteRecords"},
		{"none", ""},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "PROVIDERTEST_BROKEN="+tc.mode)
			out, err := cmd.CombinedOutput()
			if tc.scenario == "" {
				if err != nil {
					t.Fatalf("the unbroken adapter fails the suite:\n%s", out)
				}
				return
			}
			if err == nil {
				t.Fatalf("the suite passes an adapter broken by %q", tc.mode)
			}
			if want := "--- FAIL: TestBrokenHelper/" + tc.scenario + " "; !strings.Contains(string(out), want) {
				t.Errorf("want %q in the output:\n%s", want, out)
			}
		})
	}
}
