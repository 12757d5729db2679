package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/dnsquorum/dnsquorum/providers"
)

// syncOptions are the parsed flags of `dnsquorum sync`.
type syncOptions struct {
	IO        *IO
	Factory   *Factory
	Zones     []string
	Providers []string
	DryRun    bool
	Force     bool
	Yes       bool
	Staged    bool
	StageWait time.Duration
	// Parents, Resolver and Port find and reach the nameservers --staged
	// waits for, as check's flags of the same names do.
	Parents  []string
	Resolver string
	Port     int
	// PlanFile is a `diff -o json` file whose plans are applied instead of
	// planning now (refused when stale).
	PlanFile string
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdSync(f, nil) })
}

// NewCmdSync builds `dnsquorum sync`. runF, when not nil, replaces syncRun.
func NewCmdSync(f *Factory, runF func(*syncOptions) error) *cobra.Command {
	opts := &syncOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Push the desired zones to every provider",
		Long: `Plans every selected provider, prints the plans, asks for confirmation on a
terminal (never without one: pass --yes), then applies each plan exactly, to all
providers concurrently. One provider failing never stops the others; transient
failures are retried with backoff. A re-run after any partial failure converges.

With --plan FILE, the plans a "diff -o json > FILE" wrote are applied instead,
exactly, after checking that no provider's records changed since (a stale
plan is refused and nothing is applied): review a plan in CI, apply that plan.

Plans whose updates and deletes touch more than the zone's safety threshold of
existing records (default 30% once a zone has 10 or more) are refused without
--force.

Exit codes: 0 every provider succeeded (or nothing to do); 1 any error, refusal
or failed provider.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Staged && opts.DryRun {
				return flagErrorf("--staged and --dry-run do not go together")
			}
			if runF != nil {
				return runF(opts)
			}
			return syncRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Zones, "zone", nil, "only these zones (repeatable)")
	cmd.Flags().StringSliceVar(&opts.Providers, "provider", nil, "only these providers (repeatable)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show the plans, change nothing")
	cmd.Flags().StringVar(&opts.PlanFile, "plan", "", "apply the plans a `diff -o json` wrote to this file, exactly; refused when a provider changed since")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "apply plans over the safety threshold")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.Staged, "staged", false, "apply to one provider at a time, waiting until its nameservers serve the new data")
	cmd.Flags().DurationVar(&opts.StageWait, "stage-wait", 60*time.Second, "with --staged: how long to wait for each provider's nameservers")
	cmd.Flags().StringSliceVar(&opts.Parents, "parent", nil, "with --staged: the parent zone's server addresses, to find the nameservers")
	cmd.Flags().StringVar(&opts.Resolver, "resolver", "", "with --staged: a recursive resolver to find the nameservers")
	cmd.Flags().IntVar(&opts.Port, "port", 0, "with --staged: the port of every nameserver query")
	return cmd
}

// applyOutcome is what applying one target's plan did.
type applyOutcome struct {
	Target   providers.Target
	Planned  int
	Applied  int
	Duration time.Duration
	Err      error
	// InSync is true when the provider needed no change.
	InSync bool
}

func syncRun(ctx context.Context, opts *syncOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ios := opts.IO
	targets, err := selectTargets(opts.Factory, opts.Zones, opts.Providers)
	if err != nil {
		return err
	}
	var outcomes []planOutcome
	if opts.PlanFile != "" {
		outcomes, err = savedPlans(ctx, opts.PlanFile, targets)
		if err != nil {
			return exitCode(ExitError, err)
		}
	} else {
		outcomes = planTargets(ctx, targets)
	}
	var work []planOutcome
	var planFailed, inSync []applyOutcome
	unsafe := 0
	for _, o := range outcomes {
		if o.Err != nil {
			planFailed = append(planFailed, applyOutcome{Target: o.Target, Err: o.Err})
			fmt.Fprintf(ios.ErrOut, "%s %v\n", ios.Red("error:"), o.Err)
			continue
		}
		if o.Plan.Empty() {
			inSync = append(inSync, applyOutcome{Target: o.Target, InSync: true})
			continue
		}
		RenderPlan(ios, ios.Out, o.Plan)
		if o.Plan.Safety.RequiresForce {
			unsafe++
		}
		work = append(work, o)
	}
	failed := len(planFailed)
	if len(work) == 0 {
		if failed > 0 {
			return exitCode(ExitError, fmt.Errorf("%d of %d provider plans failed; nothing applied", failed, len(outcomes)))
		}
		fmt.Fprintln(ios.Out, ios.Green("Nothing to do: every provider is in sync."))
		return nil
	}
	if unsafe > 0 && !opts.Force {
		return exitCode(ExitError, fmt.Errorf("%d plan(s) exceed the safety threshold; nothing applied (review them, then re-run with --force)", unsafe))
	}
	if opts.DryRun {
		fmt.Fprintln(ios.Out, "Dry run: nothing applied.")
		if failed > 0 {
			return exitCode(ExitError, nil)
		}
		return nil
	}
	if !opts.Yes {
		if !ios.CanPrompt() {
			return exitCode(ExitError, errors.New("refusing to apply without confirmation: not a terminal (pass --yes)"))
		}
		ok, err := ios.Confirm(fmt.Sprintf("Apply %d plan(s)?", len(work)))
		if err != nil || !ok {
			return exitCode(ExitError, errors.New("not confirmed; nothing applied"))
		}
		// Time passed while the plans were read: apply them only if what
		// they were computed against is still there.
		if err := checkBasis(ctx, work); err != nil {
			return exitCode(ExitError, err)
		}
	}
	var results []applyOutcome
	if opts.Staged {
		results = applyStaged(ctx, opts, work)
	} else {
		results = applyAll(ctx, ios, work)
	}
	return reportApply(ios, slices.Concat(planFailed, inSync, results))
}

// checkBasis plans every target again and refuses when a provider's records
// changed since the plan shown was computed (Terraform's "saved plan is
// stale"): the user confirmed changes against what they saw.
func checkBasis(ctx context.Context, work []planOutcome) error {
	if stale := staleTargets(ctx, work); len(stale) > 0 {
		return fmt.Errorf("the plans are stale; nothing applied (run sync again to see the new plans):\n  %s", strings.Join(stale, "\n  "))
	}
	return nil
}

// staleTargets plans every target of work again and names those whose
// records changed since their plan was made, or that can no longer be read.
func staleTargets(ctx context.Context, work []planOutcome) []string {
	var stale []string
	for i, o := range planTargets(ctx, targetsOf(work)) {
		switch {
		case o.Err != nil:
			stale = append(stale, o.Err.Error())
		case o.Plan.Basis != work[i].Plan.Basis:
			stale = append(stale, fmt.Sprintf("provider %s: zone %s: its records changed since the plan was made", o.Target.Name, o.Target.Zone.Name))
		}
	}
	return stale
}

// applyAll applies every plan concurrently; one failure does not stop the
// others. On a terminal a status line shows what is still running.
func applyAll(ctx context.Context, ios *IO, work []planOutcome) []applyOutcome {
	results := make([]applyOutcome, len(work))
	prog := newProgress(ios, work)
	defer prog.stop()
	var g errgroup.Group
	g.SetLimit(maxConcurrentProviders)
	for i, w := range work {
		g.Go(func() error {
			start := time.Now()
			n, err := w.Target.Apply(ctx, w.Plan)
			results[i] = applyOutcome{Target: w.Target, Planned: len(w.Plan.Changes), Applied: n, Duration: time.Since(start), Err: err}
			prog.done(i, results[i])
			return nil
		})
	}
	_ = g.Wait()
	return results
}

// progress is the terminal status of a running sync: a line per finished
// provider, and one line, redrawn, naming those still running. Without a
// terminal it prints nothing (the summary says it all).
type progress struct {
	ios     *IO
	mu      sync.Mutex
	running map[int]string
	total   int
	started time.Time
	quit    chan struct{}
	wg      sync.WaitGroup
}

func newProgress(ios *IO, work []planOutcome) *progress {
	p := &progress{ios: ios, running: map[int]string{}, total: len(work), started: time.Now(), quit: make(chan struct{})}
	for i, w := range work {
		p.running[i] = fmt.Sprintf("%s %s (%d changes)", w.Target.Name, w.Target.Zone.Name, len(w.Plan.Changes))
	}
	if !ios.IsStderrTTY() {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.mu.Lock()
				p.redraw()
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// redraw rewrites the status line; p.mu is held.
func (p *progress) redraw() {
	if len(p.running) == 0 {
		fmt.Fprint(p.ios.ErrOut, "\r\x1b[K")
		return
	}
	var names []string
	for i := range p.total {
		if n, ok := p.running[i]; ok {
			names = append(names, n)
		}
	}
	fmt.Fprintf(p.ios.ErrOut, "\r\x1b[Kapplying %d/%d, %s: %s", p.total-len(p.running), p.total,
		time.Since(p.started).Round(100*time.Millisecond), strings.Join(names, ", "))
}

// done records a finished provider and prints its line.
func (p *progress) done(i int, r applyOutcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.running, i)
	if !p.ios.IsStderrTTY() {
		return
	}
	fmt.Fprint(p.ios.ErrOut, "\r\x1b[K")
	progressLine(p.ios, r)
	p.redraw()
}

func (p *progress) stop() {
	close(p.quit)
	p.wg.Wait()
}

// progressLine reports one finished target on a terminal as it finishes;
// without a terminal the summary alone is printed.
func progressLine(ios *IO, r applyOutcome) {
	if !ios.IsStderrTTY() {
		return
	}
	mark := ios.Green("✓")
	if r.Err != nil {
		mark = ios.Red("✗")
	}
	fmt.Fprintf(ios.ErrOut, "%s %s %s: %d/%d changes in %s\n", mark, r.Target.Name, r.Target.Zone.Name, r.Applied, r.Planned, r.Duration.Round(time.Millisecond))
}

// reportApply prints the per-provider summary, every selected provider
// included, and picks the exit code.
func reportApply(ios *IO, results []applyOutcome) error {
	bad := 0
	fmt.Fprintln(ios.Out, "Summary:")
	for _, r := range results {
		if r.Err != nil {
			bad++
			if r.Planned == 0 {
				fmt.Fprintf(ios.Out, "  %s %s %s: not planned: %v\n", ios.Red("FAILED"), r.Target.Name, r.Target.Zone.Name, r.Err)
				continue
			}
			fmt.Fprintf(ios.Out, "  %s %s %s: %d of %d changes applied: %v\n", ios.Red("FAILED"), r.Target.Name, r.Target.Zone.Name, r.Applied, r.Planned, r.Err)
			continue
		}
		if r.InSync {
			fmt.Fprintf(ios.Out, "  %s %s %s: already in sync\n", ios.Green("ok"), r.Target.Name, r.Target.Zone.Name)
			continue
		}
		fmt.Fprintf(ios.Out, "  %s %s %s: %d changes applied in %s\n", ios.Green("ok"), r.Target.Name, r.Target.Zone.Name, r.Applied, r.Duration.Round(time.Millisecond))
	}
	if bad > 0 {
		return exitCode(ExitError, fmt.Errorf("%d provider(s) failed; re-run sync to converge once the cause is fixed", bad))
	}
	return nil
}
