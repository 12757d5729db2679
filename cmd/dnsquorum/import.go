package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// importOptions are the parsed flags of `dnsquorum import`.
type importOptions struct {
	IO         *IO
	Factory    *Factory
	File       string
	Provider   string
	Zone       string
	DefaultTTL uint32
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdImport(f, nil) })
}

// NewCmdImport builds `dnsquorum import`. runF, when not nil, replaces
// importRun (tests of flag parsing).
func NewCmdImport(f *Factory, runF func(*importOptions) error) *cobra.Command {
	opts := &importOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "import (--file FILE | --provider NAME) --zone ZONE",
		Short: "Print a zone's records in the configuration's YAML form",
		Long: `Reads a zone from an RFC 1035 master file (--file) or from a provider of the
configuration (--provider) and prints it as a "zones:" entry of the
configuration file, ready to paste.

SOA and DNSSEC records are left out (each provider keeps its own); records
outside the zone, duplicates and records that cannot be used are dropped. Each
is reported as a warning on standard error. $INCLUDE in a master file may only
name files in the master file's directory (relative paths resolve there).

--default-ttl is the TTL of master-file records that give none (when the file
has no $TTL) and the default_ttl written; without it, default_ttl is the TTL
most records have, and records without one get 3600.

Exit codes: 0 printed; 1 error.`,
		Example: `  dnsquorum import --file zones/example.com.zone --zone example.com.
  dnsquorum import --provider bind --zone example.com. > example.com.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.File == "" && opts.Provider == "":
				return flagErrorf("give --file or --provider")
			case opts.File != "" && opts.Provider != "":
				return flagErrorf("--file and --provider do not go together")
			case opts.Zone == "":
				return flagErrorf("--zone is required")
			}
			if _, err := zone.CanonicalName(opts.Zone, "."); err != nil {
				return flagErrorf("--zone %s: %v", opts.Zone, err)
			}
			if runF != nil {
				return runF(opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.File, "file", "", "read the zone from this master file")
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "read the zone from this provider of the configuration")
	cmd.Flags().StringVar(&opts.Zone, "zone", "", "the zone's name (example.com.)")
	cmd.Flags().Uint32Var(&opts.DefaultTTL, "default-ttl", 0, "TTL for records that give none, and the default_ttl written")
	return cmd
}

func importRun(ctx context.Context, opts *importOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	origin, err := zone.CanonicalName(opts.Zone, ".")
	if err != nil {
		return fmt.Errorf("--zone %s: %v", opts.Zone, err)
	}
	var recs []zone.MasterRecord
	entry := zone.ZoneYAML{Name: origin, DefaultTTL: opts.DefaultTTL}
	if opts.File != "" {
		parseTTL := opts.DefaultTTL
		if parseTTL == 0 {
			parseTTL = 3600
		}
		recs, err = zone.ReadMasterFile(filepath.Base(opts.File), origin, filepath.Dir(opts.File), parseTTL)
		if err != nil {
			return err
		}
		entry.Comment = fmt.Sprintf("imported from %s", opts.File)
	} else {
		p, err := opts.Factory.Provider(opts.Provider)
		if err != nil {
			return err
		}
		sets, err := providers.Read(ctx, p, origin)
		if errors.Is(err, providers.ErrZoneNotFound) {
			return fmt.Errorf("provider %s does not have zone %s", opts.Provider, origin)
		}
		if err != nil {
			return fmt.Errorf("provider %s: zone %s: %w", opts.Provider, origin, err)
		}
		for _, rr := range sets.Records() {
			recs = append(recs, zone.MasterRecord{RR: rr})
		}
		entry.Providers = []string{opts.Provider}
		entry.Comment = fmt.Sprintf("imported from provider %s", opts.Provider)
	}
	sets, notes := zone.ImportRecords(origin, recs)
	for _, n := range notes {
		if n.Pos.File != "" {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %s %s\n", n.Pos, opts.IO.Yellow("warning:"), n.Message)
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "%s %s\n", opts.IO.Yellow("warning:"), n.Message)
		}
	}
	if sets.Len() == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s zone %s has no records to import\n", opts.IO.Yellow("warning:"), origin)
	}
	entry.Records = sets
	return zone.WriteZonesYAML(opts.IO.Out, entry)
}
