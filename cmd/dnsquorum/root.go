package main

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Factory holds what commands depend on, built lazily: nothing is read or
// connected until a command asks for it.
type Factory struct {
	IO *IO
	// ConfigPath is the -c/--config flag.
	ConfigPath string

	cfgOnce sync.Once
	cfg     *zone.Config
	cfgErr  error

	desiredOnce sync.Once
	desired     *zone.Config
	desiredErr  error

	provMu sync.Mutex
	provs  map[string]providers.Provider
}

// Config loads and validates the configuration file once, as validate
// does. Errors (not warnings) in the file make it fail with every error
// listed. Secrets found while loading are registered with IO for redaction.
func (f *Factory) Config() (*zone.Config, error) {
	f.cfgOnce.Do(func() {
		cfg, findings := f.Findings()
		if findings.HasErrors() {
			f.cfgErr = findings.Err()
			return
		}
		f.cfg = cfg
	})
	return f.cfg, f.cfgErr
}

// DesiredConfig loads the configuration once for the commands that only
// read the desired zones and never talk to a provider (export): like
// Config, except that a ${ENV} variable left unset in provider or alert
// settings is not an error, and the adapters' settings are not checked.
// Every other error of the file still fails it; validate, diff, sync and
// check keep using Config, where unset variables matter. Secrets found
// while loading are registered with IO for redaction.
func (f *Factory) DesiredConfig() (*zone.Config, error) {
	f.desiredOnce.Do(func() {
		cfg, fs := zone.Load(f.ConfigPath)
		if cfg != nil {
			f.IO.AddSecrets(cfg.Secrets...)
		}
		fs = slices.DeleteFunc(fs, func(fd zone.Finding) bool { return fd.Rule == zone.RuleUnsetEnv })
		if fs.HasErrors() {
			f.desiredErr = fs.Err()
			return
		}
		f.desired = cfg
	})
	return f.desired, f.desiredErr
}

// Provider returns the provider named name, built once.
func (f *Factory) Provider(name string) (providers.Provider, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	f.provMu.Lock()
	defer f.provMu.Unlock()
	if p, ok := f.provs[name]; ok {
		return p, nil
	}
	pc := cfg.Provider(name)
	if pc == nil {
		return nil, fmt.Errorf("unknown provider %q", name)
	}
	p, err := providers.New(pc)
	if err != nil {
		return nil, err
	}
	if f.provs == nil {
		f.provs = map[string]providers.Provider{}
	}
	f.provs[name] = p
	return p, nil
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "dnsquorum",
		Short: "Keep one DNS zone served identically by several DNS providers, and prove it",
		Long: `dnsquorum reads one declarative zone file, pushes it to several DNS providers,
and checks that every authoritative nameserver serves the same, desired data.

Exit codes: 0 success; 1 error; 2 changes pending (diff). check uses the
Nagios codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&f.ConfigPath, "config", "c", "dnsquorum.yaml", "configuration file")
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &flagError{err} })
	for _, add := range subcommands {
		root.AddCommand(add(f))
	}
	return root
}

// subcommands lists the constructors of every subcommand; each command's
// file adds itself from init.
var subcommands []func(*Factory) *cobra.Command

// Run executes the command line args and returns the process exit code.
func Run(args []string, ios *IO) int {
	f := &Factory{IO: ios}
	root := NewCmdRoot(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err != nil {
		var ee *exitError
		var fe *flagError
		switch {
		case errors.As(err, &ee) && ee.Err == nil:
			// the command explained itself
		case errors.As(err, &fe):
			path := "dnsquorum"
			if cmd != nil {
				path = cmd.CommandPath()
			}
			fmt.Fprintf(ios.ErrOut, "error: %v\nRun '%s --help' for usage.\n", fe.err, path)
		default:
			fmt.Fprintf(ios.ErrOut, "error: %v\n", err)
		}
	}
	return codeOf(err)
}
