package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/zone"
)

// exportOptions are the parsed flags of `dnsquorum export`.
type exportOptions struct {
	IO      *IO
	Factory *Factory
	Zone    string
	Format  string
	Output  string
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdExport(f, nil) })
}

// NewCmdExport builds `dnsquorum export`. runF, when not nil, replaces
// exportRun (tests of flag parsing).
func NewCmdExport(f *Factory, runF func(*exportOptions) error) *cobra.Command {
	opts := &exportOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "export --zone ZONE [--format bind|yaml] [--output FILE]",
		Short: "Write a zone's desired records as a master file or YAML",
		Long: `Writes the desired records of one zone of the configuration.

--format bind writes a BIND-style master file that named-checkzone accepts.
dnsquorum never manages SOA, so the file carries a placeholder SOA (marked by
a comment) for the servers and tools that need one. Non-ASCII octets are
written as \DDD escapes, which every server's parser accepts.

--format yaml writes the zone's "zones:" entry of the configuration file.

The output goes to standard output, or with --output to FILE (replaced
atomically).

Export never talks to a provider: ${ENV} references in provider settings may
be unset (a job without credentials can export).

Exit codes: 0 written; 1 error.`,
		Example: `  dnsquorum export --zone example.com. --format bind --output example.com.zone
  named-checkzone example.com example.com.zone`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Zone == "" {
				return flagErrorf("--zone is required")
			}
			if opts.Format != "bind" && opts.Format != "yaml" {
				return flagErrorf("--format must be bind or yaml, not %q", opts.Format)
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Zone, "zone", "", "the zone to export")
	cmd.Flags().StringVar(&opts.Format, "format", "bind", "output format: bind or yaml")
	cmd.Flags().StringVar(&opts.Output, "output", "", "write to this file instead of standard output")
	return cmd
}

func exportRun(opts *exportOptions) error {
	// Export writes the desired records only: it needs no provider
	// secrets.
	cfg, err := opts.Factory.DesiredConfig()
	if err != nil {
		return err
	}
	zc := cfg.Zone(opts.Zone)
	if zc == nil {
		return fmt.Errorf("--zone %s: no such zone in %s", opts.Zone, cfg.Path)
	}
	var buf bytes.Buffer
	switch opts.Format {
	case "bind":
		err = zone.WriteMasterFile(&buf, zc.Name, zc.Records, zone.MasterFileOptions{
			DefaultTTL:     zc.DefaultTTL,
			PlaceholderSOA: true,
			Header:         []string{fmt.Sprintf("zone %s, exported by dnsquorum from %s", zc.Name, cfg.Path)},
		})
	default:
		err = zone.WriteZonesYAML(&buf, zone.ZoneYAML{
			Name:       zc.Name,
			Providers:  zc.Providers,
			DefaultTTL: zc.DefaultTTL,
			Ignore:     zc.Ignore,
			Records:    zc.Records,
			Comment:    fmt.Sprintf("exported by dnsquorum from %s", cfg.Path),
		})
	}
	if err != nil {
		return fmt.Errorf("zone %s: %v", zc.Name, err)
	}
	if opts.Output == "" || opts.Output == "-" {
		_, err = opts.IO.Out.Write(buf.Bytes())
		return err
	}
	return writeFileAtomic(opts.Output, buf.Bytes())
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so readers never see a half-written file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
