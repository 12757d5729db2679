package memory_test

import (
	"context"
	"testing"

	"github.com/dnsquorum/dnsquorum/providers/memory"
	"github.com/dnsquorum/dnsquorum/providers/providertest"
)

// TestConformance runs the conformance suite against the in-memory
// adapter: it needs no server, so it runs everywhere.
func TestConformance(t *testing.T) {
	p := memory.New()
	const origin = "conformance.test."
	if err := p.EnsureZone(context.Background(), origin, []string{"ns1.example.net.", "ns2.example.net."}); err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, providertest.Options{Provider: p, Zone: origin, Short: testing.Short()})
}
