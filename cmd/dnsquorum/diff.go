package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/zone"
)

// diffOptions are the parsed flags of `dnsquorum diff`.
type diffOptions struct {
	IO        *IO
	Factory   *Factory
	Zones     []string
	Providers []string
	Output    string
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdDiff(f, nil) })
}

// NewCmdDiff builds `dnsquorum diff`. runF, when not nil, replaces diffRun
// (tests of flag parsing).
func NewCmdDiff(f *Factory, runF func(*diffOptions) error) *cobra.Command {
	opts := &diffOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show what sync would change at each provider",
		Long: `Reads every provider concurrently and prints, per provider, the changes that
would bring it to the desired state.

Exit codes: 0 every provider is in sync; 2 changes are pending; 1 error
(a provider that could not be read counts as an error, and wins over 2).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output != "text" && opts.Output != "json" {
				return flagErrorf("-o must be text or json, not %q", opts.Output)
			}
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Zones, "zone", nil, "only these zones (repeatable)")
	cmd.Flags().StringSliceVar(&opts.Providers, "provider", nil, "only these providers (repeatable)")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text or json")
	return cmd
}

// diffJSON is the stable machine-readable output of diff (format_version 1).
type diffJSON struct {
	FormatVersion int             `json:"format_version"`
	InSync        bool            `json:"in_sync"`
	Plans         []zone.PlanJSON `json:"plans"`
	Errors        []targetError   `json:"errors"`
}

// targetError names a provider and zone that could not be planned or
// applied.
type targetError struct {
	Provider string `json:"provider"`
	Zone     string `json:"zone"`
	Error    string `json:"error"`
}

func diffRun(ctx context.Context, opts *diffOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	targets, err := selectTargets(opts.Factory, opts.Zones, opts.Providers)
	if err != nil {
		return err
	}
	outcomes := planTargets(ctx, targets)
	failed, pending := 0, 0
	for _, o := range outcomes {
		if o.Err != nil {
			failed++
		} else if !o.Plan.Empty() {
			pending++
		}
	}
	switch opts.Output {
	case "json":
		out := diffJSON{FormatVersion: 1, InSync: failed == 0 && pending == 0, Plans: []zone.PlanJSON{}, Errors: []targetError{}}
		for _, o := range outcomes {
			if o.Err != nil {
				out.Errors = append(out.Errors, targetError{o.Target.Name, o.Target.Zone.Name, o.Err.Error()})
				continue
			}
			out.Plans = append(out.Plans, o.Plan.JSON())
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	default:
		for _, o := range outcomes {
			if o.Err != nil {
				fmt.Fprintf(opts.IO.ErrOut, "%s %v\n", opts.IO.Red("error:"), o.Err)
				continue
			}
			RenderPlan(opts.IO, opts.IO.Out, o.Plan)
		}
		switch {
		case failed > 0:
			fmt.Fprintf(opts.IO.ErrOut, "%d of %d provider plans failed.\n", failed, len(outcomes))
		case pending == 0:
			fmt.Fprintf(opts.IO.Out, "%s\n", opts.IO.Green(fmt.Sprintf("All %d provider plans in sync.", len(outcomes))))
		default:
			fmt.Fprintf(opts.IO.Out, "%d of %d provider plans have changes pending.\n", pending, len(outcomes))
		}
	}
	switch {
	case failed > 0:
		return exitCode(ExitError, nil)
	case pending > 0:
		return exitCode(ExitChanges, nil)
	}
	return nil
}
