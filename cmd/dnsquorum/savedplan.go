package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// savedPlans reads the plans `diff -o json` wrote to path and pairs each
// with its selected target. Before anything is applied, every target is
// planned again: a provider whose records changed since the file was written
// makes the saved plans stale, and they are refused (Terraform's "saved plan
// is stale"). Plans for targets the --zone/--provider filters leave out are
// skipped.
func savedPlans(ctx context.Context, path string, targets []providers.Target) ([]planOutcome, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		FormatVersion int               `json:"format_version"`
		Plans         []json.RawMessage `json:"plans"`
		Errors        []targetError     `json:"errors"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not a diff -o json file: %v", path, err)
	}
	if doc.FormatVersion != 1 {
		return nil, fmt.Errorf("%s: format_version %d; this build reads 1", path, doc.FormatVersion)
	}
	if len(doc.Errors) > 0 {
		return nil, fmt.Errorf("%s: the diff that wrote it failed for %d provider(s); plan again", path, len(doc.Errors))
	}
	byKey := map[string]providers.Target{}
	for _, t := range targets {
		byKey[t.Name+"|"+t.Zone.Name] = t
	}
	var saved []planOutcome
	for i, raw := range doc.Plans {
		p, err := zone.ReadPlanJSON(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: plans[%d]: %v", path, i, err)
		}
		t, ok := byKey[p.Provider+"|"+p.Zone]
		if !ok {
			continue // filtered out, or no longer in the config: checked below
		}
		saved = append(saved, planOutcome{Target: t, Plan: p})
	}
	if len(saved) == 0 {
		return nil, fmt.Errorf("%s: no plan for the selected providers and zones", path)
	}
	if stale := staleTargets(ctx, saved); len(stale) > 0 {
		return nil, fmt.Errorf("%s: the saved plans are stale; nothing applied (run diff again):\n  %s", path, strings.Join(stale, "\n  "))
	}
	return saved, nil
}

// targetsOf returns the targets of outcomes, in order.
func targetsOf(outcomes []planOutcome) []providers.Target {
	out := make([]providers.Target, len(outcomes))
	for i, o := range outcomes {
		out[i] = o.Target
	}
	return out
}
