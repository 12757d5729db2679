package zone

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Action is what a Change does to one RRset.
type Action int

const (
	// Create adds an RRset that does not exist.
	Create Action = iota + 1
	// Update replaces the records or the TTL of an existing RRset.
	Update
	// Delete removes an existing RRset.
	Delete
)

// String returns "create", "update" or "delete".
func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Symbol returns the one-character marker used in text plans: "+", "~", "-".
func (a Action) Symbol() string {
	switch a {
	case Create:
		return "+"
	case Update:
		return "~"
	case Delete:
		return "-"
	}
	return "?"
}

// Change is one RRset change. Old is nil for Create, New is nil for Delete.
type Change struct {
	Action Action
	Key    Key
	Old    *RRset
	New    *RRset
}

// Added returns the records New has and Old has not.
func (c Change) Added() []dns.RR { return recordDiff(c.New, c.Old) }

// Removed returns the records Old has and New has not.
func (c Change) Removed() []dns.RR { return recordDiff(c.Old, c.New) }

// TTLOnly reports whether an update changes only the TTL.
func (c Change) TTLOnly() bool {
	return c.Action == Update && c.Old.SameData(c.New)
}

// String renders the change as "+ www.example.com. A".
func (c Change) String() string { return c.Action.Symbol() + " " + c.Key.String() }

func recordDiff(a, b *RRset) []dns.RR {
	if a == nil {
		return nil
	}
	have := map[string]bool{}
	if b != nil {
		for _, rr := range b.Records {
			have[Rdata(rr)] = true
		}
	}
	var out []dns.RR
	for _, rr := range a.Records {
		if !have[Rdata(rr)] {
			out = append(out, rr)
		}
	}
	return out
}

// Summary counts a plan's changes.
type Summary struct {
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	// Existing is the number of managed records the provider holds now.
	Existing int `json:"existing_records"`
	// Desired is the number of managed records the zone file asks for.
	Desired int `json:"desired_records"`
}

// Total returns the number of changes.
func (s Summary) Total() int { return s.Create + s.Update + s.Delete }

// Safety is the plan's verdict on whether it may be applied without --force.
type Safety struct {
	// Threshold is the largest fraction of existing records that updates and
	// deletes may touch without --force.
	Threshold float64 `json:"threshold"`
	// MinRecords is the zone size from which the threshold applies.
	MinRecords int `json:"min_records"`
	// Affected is the number of existing records updated or deleted.
	Affected int `json:"affected_records"`
	// RequiresForce is true when Affected exceeds the threshold.
	RequiresForce bool `json:"requires_force"`
	// Reason explains RequiresForce.
	Reason string `json:"reason,omitempty"`
}

// Default safety settings: updates plus deletes touching over 30% of the
// existing records of a zone with 10 or more records require --force.
const (
	DefaultSafetyThreshold  = 0.30
	DefaultSafetyMinRecords = 10
)

// PlanOptions controls what a plan manages.
type PlanOptions struct {
	// Ignore lists names and types that are never created, updated or
	// deleted, whatever either side holds.
	Ignore []IgnoreRule
	// ManageApexNS is true when the provider lets us edit the apex NS
	// RRset. When false, apex NS sets are left out of the plan.
	ManageApexNS bool
	// SupportedTypes, when not empty, limits the plan to these types:
	// other types on either side are left alone.
	SupportedTypes []uint16
	// SafetyThreshold and SafetyMinRecords set the safety verdict; zero
	// values take the defaults. A negative threshold disables the check.
	SafetyThreshold  float64
	SafetyMinRecords int
}

// Plan is the ordered list of RRset changes that turns one provider's actual
// content into the desired content of one zone. It is computed once, shown,
// then applied exactly.
type Plan struct {
	Zone     string
	Provider string
	Changes  []Change
	Summary  Summary
	Safety   Safety
	// CreateZone is true when the provider does not have the zone yet:
	// applying creates it first.
	CreateZone bool
	// Basis is the Fingerprint of the actual records the plan may touch
	// (the managed ones: SOA, ignored and unsupported records left out,
	// so a serial bump does not change it). A saved plan whose basis no
	// longer matches the provider is stale.
	Basis string
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Managed reports whether the plan may touch the RRset with key k in zone
// origin: SOA and DNSSEC records never, ignored names never, apex NS only
// when the provider allows it, unsupported types never.
func (o PlanOptions) Managed(origin string, k Key) bool {
	switch k.Type {
	case dns.TypeSOA, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY:
		return false
	case dns.TypeNS:
		if k.Name == dns.CanonicalName(origin) && !o.ManageApexNS {
			return false
		}
	}
	if len(o.SupportedTypes) > 0 && !slices.Contains(o.SupportedTypes, k.Type) {
		return false
	}
	if len(o.Ignore) == 0 {
		return true
	}
	rel := RelativeName(k.Name, origin)
	for _, r := range o.Ignore {
		if r.Match(rel, k.Type) {
			return false
		}
	}
	return true
}

// NewPlan computes the changes that turn actual into desired for zone
// origin. Both collections are left unchanged. The result is deterministic:
// changes come in canonical order of their keys.
func NewPlan(origin, provider string, desired, actual *RRsets, opts PlanOptions) *Plan {
	origin = dns.CanonicalName(origin)
	p := &Plan{Zone: origin, Provider: provider}
	for k, want := range desired.sets {
		if !opts.Managed(origin, k) {
			continue
		}
		p.Summary.Desired += len(want.Records)
		have := actual.sets[k]
		switch {
		case have == nil:
			p.Changes = append(p.Changes, Change{Action: Create, Key: k, New: want})
		case !have.Equal(want):
			p.Changes = append(p.Changes, Change{Action: Update, Key: k, Old: have, New: want})
		}
	}
	managed := make([]*RRset, 0, len(actual.sets))
	for k, have := range actual.sets {
		if !opts.Managed(origin, k) {
			continue
		}
		managed = append(managed, have)
		p.Summary.Existing += len(have.Records)
		if desired.sets[k] == nil {
			p.Changes = append(p.Changes, Change{Action: Delete, Key: k, Old: have})
		}
	}
	p.Basis = fingerprint(managed)
	slices.SortFunc(p.Changes, func(a, b Change) int { return a.Key.Compare(b.Key) })
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			p.Summary.Create++
		case Update:
			p.Summary.Update++
			p.Safety.Affected += len(c.Old.Records)
		case Delete:
			p.Summary.Delete++
			p.Safety.Affected += len(c.Old.Records)
		}
	}
	p.Safety.Threshold, p.Safety.MinRecords = opts.SafetyThreshold, opts.SafetyMinRecords
	if p.Safety.Threshold == 0 {
		p.Safety.Threshold = DefaultSafetyThreshold
	}
	if p.Safety.MinRecords == 0 {
		p.Safety.MinRecords = DefaultSafetyMinRecords
	}
	ex := p.Summary.Existing
	if p.Safety.Threshold >= 0 && ex >= p.Safety.MinRecords && float64(p.Safety.Affected) > p.Safety.Threshold*float64(ex) {
		p.Safety.RequiresForce = true
		p.Safety.Reason = fmt.Sprintf("updates and deletes touch %d of %d existing records (%.0f%%), over the %.0f%% threshold",
			p.Safety.Affected, ex, 100*float64(p.Safety.Affected)/float64(ex), 100*p.Safety.Threshold)
	}
	return p
}

// IgnoreRule names owners (and optionally one type) the tool never touches.
// Name is a pattern relative to the zone where "*" matches any run of
// characters, dots included ("_acme-challenge.*", "*.internal", "@").
type IgnoreRule struct {
	Name string
	// Type is a type mnemonic ("TXT"); empty means every type.
	Type string
}

// ParseIgnoreRule parses "pattern" or "pattern TYPE".
func ParseIgnoreRule(s string) (IgnoreRule, error) {
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		return IgnoreRule{Name: strings.ToLower(f[0])}, nil
	case 2:
		t := strings.ToUpper(f[1])
		if _, ok := dns.StringToType[t]; !ok {
			return IgnoreRule{}, fmt.Errorf("ignore rule %q: unknown type %q", s, f[1])
		}
		return IgnoreRule{Name: strings.ToLower(f[0]), Type: t}, nil
	}
	return IgnoreRule{}, fmt.Errorf("ignore rule %q: want \"NAME\" or \"NAME TYPE\"", s)
}

// Match reports whether the rule covers the relative owner rel and type t.
func (r IgnoreRule) Match(rel string, t uint16) bool {
	if r.Type != "" && dns.StringToType[r.Type] != t {
		return false
	}
	return globMatch(r.Name, strings.ToLower(rel))
}

// globMatch matches s against pattern, where '*' matches any run of
// characters (including none and including dots).
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		if pattern[0] == '*' {
			pattern = strings.TrimLeft(pattern, "*")
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern, s[i:]) {
					return true
				}
			}
			return false
		}
		if s == "" || s[0] != pattern[0] {
			return false
		}
		pattern, s = pattern[1:], s[1:]
	}
	return s == ""
}
