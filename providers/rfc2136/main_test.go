package rfc2136

import (
	"os"
	"testing"

	"github.com/dnsquorum/dnsquorum/providers"
)

// TestMain gives the lab tests more retries than the default: the lab's
// PowerDNS keeps its zones in one SQLite file that other packages' tests
// write at the same time, and answers SERVFAIL ("database is locked")
// while they do.
func TestMain(m *testing.M) {
	providers.MaxAttempts = 8
	os.Exit(m.Run())
}
