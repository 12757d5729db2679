package main

import (
	"errors"

	"cmp"
	"encoding/json"
	"fmt"
	"github.com/dnsquorum/dnsquorum/check/alert"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// validateOptions are the parsed flags of `dnsquorum validate`.
type validateOptions struct {
	IO      *IO
	Factory *Factory
	Output  string
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdValidate(f, nil) })
}

// NewCmdValidate builds `dnsquorum validate`. runF, when not nil, replaces
// validateRun (tests of flag parsing).
func NewCmdValidate(f *Factory, runF func(*validateOptions) error) *cobra.Command {
	opts := &validateOptions{IO: f.IO, Factory: f}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration file and every zone's records",
		Long: `Loads the configuration file and reports every problem in one run, each at
its file:line:col: YAML syntax, unknown keys, unset ${ENV} variables, unknown
providers and provider types, adapter settings, record values miekg/dns cannot
parse, TTLs out of range, CNAMEs beside other data or at the apex, owners
outside their zone, duplicate values, NS/MX/SRV/CNAME targets that are IP
addresses or CNAMEs, delegations without glue, empty zones, record types a
provider cannot serve. Warnings: a zone served by fewer than two providers, an
apex NS set that misses a provider's nameservers or is missing, records of one
RRset with different TTLs, and more. No provider is contacted.

Output (-o):
  text    one "file:line:col: error|warning: message" per line on stdout, then
          a summary on stderr
  json    {"format_version":1,"valid":bool,"errors":N,"warnings":N,
          "findings":[{"position":{"file","line","col"},"severity","rule",
          "zone","message"}]}; "col" and "zone" are left out when unknown
  github  GitHub Actions annotations: ::error file=F,line=L,col=C,title=RULE::msg

Exit codes: 0 valid (warnings allowed); 1 errors found.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.Output {
			case "text", "json", "github":
			default:
				return flagErrorf("-o must be text, json or github, not %q", opts.Output)
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "text", "output format: text, json or github")
	return cmd
}

// Findings loads the configuration and checks it completely (the zone rules
// and the provider rules that need the adapter registry) without failing on
// errors, for validate. Secrets found while loading are registered with IO
// for redaction. Findings come sorted: the configuration file's first, by
// line and column, then those of master files.
func (f *Factory) Findings() (*zone.Config, zone.Findings) {
	cfg, fs := zone.Load(f.ConfigPath)
	if cfg != nil {
		f.IO.AddSecrets(cfg.Secrets...)
		fs = append(fs, providers.Validate(cfg)...)
		if _, err := alert.Load(cfg); err != nil {
			fd := zone.Finding{Pos: zone.Position{File: cfg.Path}, Severity: zone.Error, Rule: "alerts", Message: err.Error()}
			var ce *alert.ConfigError
			if errors.As(err, &ce) {
				fd.Pos, fd.Message = ce.Pos, "alerts: "+ce.Msg
			}
			fs = append(fs, fd)
		}
	}
	slices.SortStableFunc(fs, func(a, b zone.Finding) int {
		ac, bc := a.Pos.File == f.ConfigPath, b.Pos.File == f.ConfigPath
		switch {
		case ac && !bc:
			return -1
		case bc && !ac:
			return 1
		}
		return cmp.Or(strings.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return cfg, fs
}

// validateJSON is the stable machine-readable output of validate
// (format_version 1).
type validateJSON struct {
	FormatVersion int           `json:"format_version"`
	Valid         bool          `json:"valid"`
	Errors        int           `json:"errors"`
	Warnings      int           `json:"warnings"`
	Findings      zone.Findings `json:"findings"`
}

func validateRun(opts *validateOptions) error {
	_, fs := opts.Factory.Findings()
	if fs == nil {
		fs = zone.Findings{}
	}
	errs, warns := fs.Count()
	ios := opts.IO
	switch opts.Output {
	case "json":
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(validateJSON{FormatVersion: 1, Valid: errs == 0, Errors: errs, Warnings: warns, Findings: fs}); err != nil {
			return err
		}
	case "github":
		for _, f := range fs {
			fmt.Fprintln(ios.Out, githubAnnotation(f))
		}
		fmt.Fprintln(ios.ErrOut, validateSummary(opts.Factory.ConfigPath, errs, warns))
	default:
		for _, f := range fs {
			sev := f.Severity.String()
			if f.Severity == zone.Error {
				sev = ios.Red(sev)
			} else {
				sev = ios.Yellow(sev)
			}
			fmt.Fprintf(ios.Out, "%s: %s: %s\n", f.Pos, sev, f.Message)
		}
		fmt.Fprintln(ios.ErrOut, validateSummary(opts.Factory.ConfigPath, errs, warns))
	}
	if errs > 0 {
		return exitCode(ExitError, nil)
	}
	return nil
}

// validateSummary is the last line of text and github output.
func validateSummary(path string, errs, warns int) string {
	if errs == 0 {
		if warns == 0 {
			return path + ": valid"
		}
		return fmt.Sprintf("%s: valid, %s", path, plural(warns, "warning"))
	}
	return fmt.Sprintf("%s: %s, %s", path, plural(errs, "error"), plural(warns, "warning"))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// githubAnnotation renders a finding as a GitHub Actions workflow command.
func githubAnnotation(f zone.Finding) string {
	var props []string
	props = append(props, "file="+githubEscapeProperty(f.Pos.File))
	if f.Pos.Line > 0 {
		props = append(props, "line="+strconv.Itoa(f.Pos.Line))
	}
	if f.Pos.Col > 0 {
		props = append(props, "col="+strconv.Itoa(f.Pos.Col))
	}
	props = append(props, "title="+githubEscapeProperty(f.Rule))
	return fmt.Sprintf("::%s %s::%s", f.Severity, strings.Join(props, ","), githubEscapeData(f.Message))
}

// githubEscapeData escapes a workflow command's message.
func githubEscapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubEscapeProperty escapes a workflow command's property value.
func githubEscapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
