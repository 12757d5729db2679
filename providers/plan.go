package providers

import (
	"context"
	"errors"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// ErrZoneNotFound is returned (wrapped) by adapters whose backend does not
// have the zone at all. Planning treats such a zone as empty; applying
// creates it first when the adapter is a ZoneCreator.
var ErrZoneNotFound = errors.New("zone not found")

// Target is one provider serving one zone: a unit of planning and applying.
type Target struct {
	// Name is the provider's name in the config file.
	Name     string
	Provider Provider
	Zone     *zone.ZoneConfig
}

// Plan reads what the target's provider serves and plans the changes to the
// desired state, within what the provider can do. A zone the provider does
// not have yet plans as empty when the adapter can create it.
func (t Target) Plan(ctx context.Context) (*zone.Plan, error) {
	actual, err := Read(ctx, t.Provider, t.Zone.Name)
	if errors.Is(err, ErrZoneNotFound) {
		if _, ok := t.Provider.(ZoneCreator); !ok {
			return nil, err
		}
		p := zone.NewPlan(t.Zone.Name, t.Name, t.Zone.Records, zone.NewRRsets(), PlanOptions(t.Zone, t.Provider))
		p.CreateZone = true
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	return zone.NewPlan(t.Zone.Name, t.Name, t.Zone.Records, actual, PlanOptions(t.Zone, t.Provider)), nil
}

// Apply applies plan to the target's provider exactly and returns the
// number of changes that landed. When the plan says the zone is missing, the
// zone is created first (with the desired apex NS set) and the changes are
// planned again against what creation left there (the SOA and NS set the
// backend made), since those are not the empty zone the plan was made for.
func (t Target) Apply(ctx context.Context, plan *zone.Plan) (int, error) {
	if plan.CreateZone {
		zc, ok := t.Provider.(ZoneCreator)
		if !ok {
			return 0, &ApplyError{Provider: t.Name, Zone: t.Zone.Name, Err: ErrZoneNotFound}
		}
		if err := zc.EnsureZone(ctx, t.Zone.Name, planApexNS(plan, t.Zone.Name)); err != nil {
			return 0, &ApplyError{Provider: t.Name, Zone: t.Zone.Name, Err: err}
		}
		fresh, err := t.Plan(ctx)
		if err != nil {
			return 0, &ApplyError{Provider: t.Name, Zone: t.Zone.Name, Err: err}
		}
		// The new plan may only drop what creation made: a plan made
		// earlier (a saved one) is applied as it was shown, or not at all.
		if c, ok := uncovered(fresh, plan); ok {
			return 0, &ApplyError{Provider: t.Name, Zone: t.Zone.Name, Change: c,
				Err: errors.New("the desired records differ from the plan's (the configuration changed since it was made); the zone was created, nothing else applied")}
		}
		// What creation already made (the apex NS set) counts as applied.
		made := max(len(plan.Changes)-len(fresh.Changes), 0)
		n, err := Apply(ctx, t.Provider, fresh)
		return made + n, err
	}
	return Apply(ctx, t.Provider, plan)
}

// planApexNS returns the apex nameservers plan creates in zone origin.
func planApexNS(plan *zone.Plan, origin string) []string {
	var out []string
	for _, c := range plan.Changes {
		if c.Key.Type == dns.TypeNS && c.Key.Name == dns.CanonicalName(origin) && c.New != nil {
			for _, rr := range c.New.Records {
				out = append(out, rr.(*dns.NS).Ns)
			}
		}
	}
	return out
}

// uncovered returns a change of fresh that plan does not make: one that
// writes an RRset plan does not write the same way. Deletions are covered
// (they remove what creation made and the plan never asked for).
func uncovered(fresh, plan *zone.Plan) (zone.Change, bool) {
	want := map[zone.Key]*zone.RRset{}
	for _, c := range plan.Changes {
		if c.New != nil {
			want[c.Key] = c.New
		}
	}
	for _, c := range fresh.Changes {
		if c.New != nil && !c.New.Equal(want[c.Key]) {
			return c, true
		}
	}
	return zone.Change{}, false
}
