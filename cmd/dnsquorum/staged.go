package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dnsquorum/dnsquorum/check"
)

// applyStaged applies the plans one provider at a time; after each, it
// waits until that provider's nameservers serve the new data, and stops at
// the first provider that fails or does not converge, so a bad change never
// reaches every provider at once.
func applyStaged(ctx context.Context, opts *syncOptions, work []planOutcome) []applyOutcome {
	var results []applyOutcome
	for i, w := range work {
		start := time.Now()
		if i > 0 {
			// The earlier stages took time: apply this one only if what it
			// was planned against is still there.
			if err := checkBasis(ctx, []planOutcome{w}); err != nil {
				r := applyOutcome{Target: w.Target, Planned: len(w.Plan.Changes), Err: err, Duration: time.Since(start)}
				progressLine(opts.IO, r)
				results = append(results, r)
				for _, rest := range work[i+1:] {
					fmt.Fprintf(opts.IO.ErrOut, "skipped %s %s: an earlier stage failed\n", rest.Target.Name, rest.Target.Zone.Name)
				}
				break
			}
		}
		n, err := w.Target.Apply(ctx, w.Plan)
		r := applyOutcome{Target: w.Target, Planned: len(w.Plan.Changes), Applied: n, Err: err}
		if err == nil {
			err = waitProvider(ctx, opts, w)
			if err != nil {
				r.Err = fmt.Errorf("applied, but its nameservers do not serve the new data: %w", err)
			}
		}
		r.Duration = time.Since(start)
		progressLine(opts.IO, r)
		results = append(results, r)
		if r.Err != nil {
			for _, rest := range work[i+1:] {
				fmt.Fprintf(opts.IO.ErrOut, "skipped %s %s: an earlier stage failed\n", rest.Target.Name, rest.Target.Zone.Name)
			}
			break
		}
	}
	return results
}

// waitProvider waits until the nameservers of the target's provider serve
// the desired data of its zone, or the stage wait runs out.
func waitProvider(ctx context.Context, opts *syncOptions, w planOutcome) error {
	cfg, err := opts.Factory.Config()
	if err != nil {
		return err
	}
	copts := check.DefaultOptions()
	copts.Parents = opts.Parents
	copts.Resolver = opts.Resolver
	if opts.Port != 0 {
		copts.Port = opts.Port
	}
	res, err := check.WaitProvider(ctx, cfg, w.Target.Zone, w.Target.Name, copts, opts.StageWait)
	if err != nil {
		return err
	}
	if !res.Converged() {
		var lines []string
		for _, f := range res.Findings {
			if f.Severity != check.OK {
				lines = append(lines, f.String())
			}
		}
		return fmt.Errorf("not converged after %s:\n  %s", opts.StageWait, strings.Join(lines, "\n  "))
	}
	return nil
}
