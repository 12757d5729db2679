// Package providers defines what a DNS provider adapter is, keeps the
// registry of adapters by type name, and reads zones from and applies plans
// to any adapter.
//
// Every adapter implements the four libdns record interfaces, so any
// libdns-style provider fits. Adapters that can do better declare it by
// implementing the optional interfaces here: ZoneReader (a lossless read as
// miekg/dns records) and Batcher (many RRset changes in one operation).
package providers

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// Provider is what every adapter implements: the libdns record interfaces,
// plus a description of what it can do.
type Provider interface {
	libdns.RecordGetter
	libdns.RecordAppender
	libdns.RecordSetter
	libdns.RecordDeleter
	// Capabilities declares what the adapter supports.
	Capabilities() Capabilities
}

// ZoneReader is implemented by adapters that read a zone losslessly, as
// miekg/dns records with absolute owner names (SOA included).
type ZoneReader interface {
	ReadZone(ctx context.Context, zone string) ([]dns.RR, error)
}

// Batcher is implemented by adapters that apply many RRset changes in one
// operation. ApplyChanges applies the changes in order and reports how many
// of them landed; with Capabilities.AtomicBatch, a batch either lands whole or
// not at all.
type Batcher interface {
	ApplyChanges(ctx context.Context, zone string, changes []zone.Change) (applied int, err error)
}

// ZoneCreator is implemented by adapters that can create a missing zone.
type ZoneCreator interface {
	// EnsureZone creates the zone if it does not exist, with the given apex
	// nameservers (absolute names; may be empty).
	EnsureZone(ctx context.Context, zone string, nameservers []string) error
}

// Capabilities declares what an adapter supports; the plan and the apply
// loop obey it instead of guessing.
type Capabilities struct {
	// Types lists the supported RR types; empty means every type.
	Types []uint16
	// ApexNS is true when the apex NS RRset may be edited.
	ApexNS bool
	// CreateZone is true when the adapter creates missing zones.
	CreateZone bool
	// AtomicBatch is true when one batch lands whole or not at all.
	AtomicBatch bool
	// MaxBatchBytes bounds one batch's encoded size (0: no limit).
	MaxBatchBytes int
	// MaxBatchChanges bounds one batch's number of changes (0: no limit).
	MaxBatchChanges int
	// RateLimit is the sustained number of requests per second the backend
	// accepts (0: no limit).
	RateLimit float64
	// MinTTL is the smallest TTL the backend accepts (0: no minimum).
	MinTTL uint32
	// SingleStringTXT is true when the backend stores each TXT record as
	// one text without string boundaries: a record of several
	// character-strings is refused, except one text over 255 octets in the
	// 255-octet strings zone.Normalize splits it into, stored joined (see
	// OneText).
	SingleStringTXT bool
}

// Supports reports whether type t is supported.
func (c Capabilities) Supports(t uint16) bool {
	return len(c.Types) == 0 || slices.Contains(c.Types, t)
}

// OneText reports whether the character-strings of a TXT record (escaped,
// as miekg/dns holds them) are one text a SingleStringTXT backend can
// store and serve back the same: a single string, or a text over 255
// octets as zone.Normalize splits it (strings of 255 octets, then a last
// one of 1 to 255).
func OneText(txt []string) bool {
	if len(txt) <= 1 {
		return true
	}
	for _, s := range txt[:len(txt)-1] {
		if len(zone.UnescapeStrings(s)) != 255 {
			return false
		}
	}
	return zone.UnescapeStrings(txt[len(txt)-1]) != ""
}

// Registration describes one adapter type.
type Registration struct {
	// Type is the name used in the config file's "type:" key.
	Type string
	// Doc is a one-line description for help and the JSON Schema.
	Doc string
	// Settings returns a pointer to a zero value of the adapter's settings
	// struct (yaml tags name the keys; used for the JSON Schema).
	Settings func() any
	// New builds a provider from its config entry.
	New func(pc *zone.ProviderConfig) (Provider, error)
	// Hidden keeps a test-only adapter out of Types and the JSON Schema.
	Hidden bool
}

var (
	regMu    sync.RWMutex
	registry = map[string]Registration{}
)

// Register adds an adapter type; adapters call it from init. It panics on a
// duplicate type name, a programming error.
func Register(r Registration) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[r.Type]; dup {
		panic("providers: duplicate registration of type " + r.Type)
	}
	registry[r.Type] = r
}

// Lookup returns the registration for type t.
func Lookup(t string) (Registration, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	r, ok := registry[t]
	return r, ok
}

// Types returns the registered type names, sorted, hidden ones left out.
func Types() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for t, r := range registry {
		if !r.Hidden {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// New builds the provider a config entry describes.
func New(pc *zone.ProviderConfig) (Provider, error) {
	r, ok := Lookup(pc.Type)
	if !ok {
		return nil, fmt.Errorf("%s: provider %q: unknown type %q (known: %v)", pc.Pos, pc.Name, pc.Type, Types())
	}
	p, err := r.New(pc)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// PlanOptions completes a zone's plan options with what provider p can do.
func PlanOptions(z *zone.ZoneConfig, p Provider) zone.PlanOptions {
	o := z.PlanOptions()
	caps := p.Capabilities()
	o.ManageApexNS = caps.ApexNS
	o.SupportedTypes = caps.Types
	return o
}

// ttlOf converts a libdns TTL to seconds.
func ttlOf(d time.Duration) uint32 { return uint32(d / time.Second) }
