package powerdns

import (
	"os"
	"testing"
	"time"

	"github.com/libdns/libdns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/httpapi"
	"github.com/dnsquorum/dnsquorum/zone"
)

func secret(s string) httpapi.Secret { return httpapi.Secret(s) }

// libdnsOf converts a set to libdns records of its zone.
func libdnsOf(s *zone.RRset) []libdns.Record {
	out := make([]libdns.Record, len(s.Records))
	for i, rr := range s.Records {
		out[i] = providers.ToLibdns(rr, zoneFaults)
	}
	return out
}

// TestMain widens the retry budget (to about 45 s): the lab's PowerDNS
// keeps its data in SQLite, and while other packages' tests write to it
// (RFC 2136 updates of thousands of records) a PATCH fails with 500
// "database is locked" (SQLITE_BUSY_SNAPSHOT: no busy wait) for up to tens
// of seconds. The adapter treats a 500 as transient; these tests give it
// room.
func TestMain(m *testing.M) {
	providers.MaxAttempts = 15
	providers.BaseBackoff = 100 * time.Millisecond
	providers.MaxBackoff = 5 * time.Second
	os.Exit(m.Run())
}
