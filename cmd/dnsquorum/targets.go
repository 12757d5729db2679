package main

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// maxConcurrentProviders bounds how many providers are read or written at
// once.
const maxConcurrentProviders = 8

// selectTargets returns the (zone, provider) pairs the --zone and
// --provider flags select, in config order. Empty filters select all.
func selectTargets(f *Factory, zones, provs []string) ([]providers.Target, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	for _, z := range zones {
		if cfg.Zone(z) == nil {
			return nil, flagErrorf("--zone %s: no such zone in %s", z, cfg.Path)
		}
	}
	for _, p := range provs {
		if cfg.Provider(p) == nil {
			return nil, flagErrorf("--provider %s: no such provider in %s", p, cfg.Path)
		}
	}
	var out []providers.Target
	for _, zc := range cfg.Zones {
		if len(zones) > 0 && !slices.ContainsFunc(zones, func(z string) bool { return cfg.Zone(z) == zc }) {
			continue
		}
		for _, name := range zc.Providers {
			if len(provs) > 0 && !slices.Contains(provs, name) {
				continue
			}
			p, err := f.Provider(name)
			if err != nil {
				return nil, err
			}
			out = append(out, providers.Target{Name: name, Provider: p, Zone: zc})
		}
	}
	if len(out) == 0 {
		return nil, flagErrorf("nothing selected: no zone is served by the selected providers")
	}
	return out, nil
}

// planOutcome is the plan for one target, or the error that prevented it.
type planOutcome struct {
	Target providers.Target
	Plan   *zone.Plan
	Err    error
}

// planTargets reads every target concurrently and plans each one. One
// provider failing does not stop the others.
func planTargets(ctx context.Context, targets []providers.Target) []planOutcome {
	out := make([]planOutcome, len(targets))
	var g errgroup.Group
	g.SetLimit(maxConcurrentProviders)
	for i, t := range targets {
		g.Go(func() error {
			p, err := t.Plan(ctx)
			if err != nil {
				err = fmt.Errorf("provider %s: zone %s: %w", t.Name, t.Zone.Name, err)
			}
			out[i] = planOutcome{Target: t, Plan: p, Err: err}
			return nil
		})
	}
	_ = g.Wait()
	return out
}
