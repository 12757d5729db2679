package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/check/alert"
	"github.com/dnsquorum/dnsquorum/zone"
)

// checkOptions are the parsed flags of `dnsquorum check`.
type checkOptions struct {
	IO          *IO
	Factory     *Factory
	Zones       []string
	Parents     []string
	Resolver    string
	Port        int
	Mode        string
	Output      string
	Wait        time.Duration
	Timeout     time.Duration
	Retries     int
	Concurrency int
	// Alert processes the results with the config's alerts: section.
	Alert bool
	// State overrides the alerts section's state file.
	State string
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdCheck(f, nil) })
}

// checkOutputs are the -o values.
var checkOutputs = []string{"text", "json", "nagios", "prometheus"}

// NewCmdCheck builds `dnsquorum check`. runF, when not nil, replaces
// checkRun (tests of flag parsing).
func NewCmdCheck(f *Factory, runF func(*checkOptions) error) *cobra.Command {
	opts := &checkOptions{IO: f.IO, Factory: f}
	d := check.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Prove that every authoritative nameserver serves the same, desired zone",
		Long: `Finds every nameserver of each zone (the declared apex NS set, the apex NS set
each server serves, and the parent's delegation read from the parent's servers
with RD=0), resolves each name to all its addresses (glue and authoritative),
and asks every address (UDP, TCP when truncated, RD=0, bounded retries):

  unreachable        no answer after the retries
  lame               REFUSED, SERVFAIL, NOTAUTH, NXDOMAIN or a referral for the apex
  not-authoritative  an answer without the AA bit
  drift / ttl        an RRset served with other data (critical) or only another TTL (warning)
  extra              an RRset only the server has (--mode axfr)
  lagging            a SOA serial behind another server of the same provider
  provider-missing   a provider with no nameserver in the parent's delegation
  delegation, glue, redundancy, unresolvable, parent: the delegation's health

--mode axfr transfers whole zones with the TSIG key of each provider's
settings ("tsig:"); a server that refuses is compared by queries (a note
says so). Serials of different providers are never compared; SOA records
and the zone's ignore rules are never compared.

Output (-o): text (grouped by zone, nameserver and address); json
(format_version 1, see check.JSONReport); nagios (one status line with
performance data, then one line per finding); prometheus (text exposition
for node_exporter's textfile collector).

--wait DURATION checks again every second until every server agrees or the
time is over. --alert then notifies the sinks of the alerts: section.

Exit codes, for every output format: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
(the check could not run: bad flags, bad config, no nameserver to ask,
nothing the check asked answered).`,
		Example: `  dnsquorum check
  dnsquorum check --zone example.com. -o nagios
  dnsquorum check --parent 127.0.0.10 -p 5353 --mode axfr
  dnsquorum check -o prometheus > /var/lib/node_exporter/dnsquorum.prom.$$ && mv ...`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownFlag("check takes no arguments, got %q (zones go in --zone)", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(checkOutputs, opts.Output) {
				return unknownFlag("-o must be one of %s, not %q", strings.Join(checkOutputs, ", "), opts.Output)
			}
			if opts.Mode != check.ModeQuery && opts.Mode != check.ModeAXFR {
				return unknownFlag("--mode must be %s or %s, not %q", check.ModeQuery, check.ModeAXFR, opts.Mode)
			}
			if opts.Port < 1 || opts.Port > 65535 {
				return unknownFlag("--port %d: must be 1..65535", opts.Port)
			}
			if opts.Retries < 0 || opts.Concurrency < 1 || opts.Timeout <= 0 || opts.Wait < 0 {
				return unknownFlag("--retries must be 0 or more, --concurrency 1 or more, --timeout and --wait positive")
			}
			for _, p := range opts.Parents {
				if _, err := check.ParseServerAddr(p, opts.Port); err != nil {
					return unknownFlag("--parent: %v", err)
				}
			}
			if opts.Resolver != "" {
				if _, err := check.ParseServerAddr(opts.Resolver, 53); err != nil {
					return unknownFlag("--resolver: %v", err)
				}
			}
			if opts.State != "" && !opts.Alert {
				return unknownFlag("--state goes with --alert")
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	// Usage mistakes are UNKNOWN (3) for check, as Nagios wants.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return exitCode(ExitUnknown, &flagError{err}) })
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Zones, "zone", nil, "only these zones (repeatable)")
	fl.StringSliceVar(&opts.Parents, "parent", nil, "parent zone server address, IP or IP:port (repeatable; default: found through --resolver)")
	fl.StringVar(&opts.Resolver, "resolver", "", "recursive resolver IP[:port] to find the parent servers and nameserver addresses (default: /etc/resolv.conf's first)")
	fl.IntVarP(&opts.Port, "port", "p", d.Port, "port of every nameserver query")
	fl.StringVar(&opts.Mode, "mode", d.Mode, "content comparison: query or axfr")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output format: text, json, nagios or prometheus")
	fl.DurationVar(&opts.Wait, "wait", 0, "check again until every server agrees or this much time has passed")
	fl.DurationVar(&opts.Timeout, "timeout", d.Timeout, "timeout of one query attempt")
	fl.IntVar(&opts.Retries, "retries", d.Retries, "retries of a query without an answer")
	fl.IntVar(&opts.Concurrency, "concurrency", d.Concurrency, "queries in flight at once")
	fl.BoolVar(&opts.Alert, "alert", false, "notify the sinks of the config's alerts: section of what changed")
	fl.StringVar(&opts.State, "state", "", "with --alert: the alert state file (default: the alerts section's state)")
	return cmd
}

// unknownFlag is a usage error that exits UNKNOWN (3).
func unknownFlag(format string, args ...any) error {
	return exitCode(ExitUnknown, flagErrorf(format, args...))
}

// systemResolver returns the first nameserver of /etc/resolv.conf, or "".
func systemResolver() string {
	cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cc.Servers) == 0 {
		return ""
	}
	return net.JoinHostPort(cc.Servers[0], cc.Port)
}

// checkOptions turns the flags into the check's options.
func (opts *checkOptions) checkOptions() check.Options {
	o := check.DefaultOptions()
	o.Parents, o.Resolver, o.Port, o.Mode = opts.Parents, opts.Resolver, opts.Port, opts.Mode
	o.Timeout, o.Retries, o.Concurrency = opts.Timeout, opts.Retries, opts.Concurrency
	if len(o.Parents) == 0 && o.Resolver == "" {
		o.Resolver = systemResolver()
	}
	return o
}

func checkRun(ctx context.Context, opts *checkOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := opts.Factory.Config()
	if err != nil {
		return opts.unknown(err)
	}
	var zones []*zone.ZoneConfig
	for _, name := range opts.Zones {
		zc := cfg.Zone(name)
		if zc == nil {
			return opts.unknown(flagErrorf("--zone %s: no such zone in %s", name, cfg.Path))
		}
		if !slices.Contains(zones, zc) {
			zones = append(zones, zc)
		}
	}
	if len(opts.Zones) == 0 {
		zones = cfg.Zones
	}
	if len(zones) == 0 {
		return opts.unknown(fmt.Errorf("%s: no zones to check", cfg.Path))
	}
	copts := opts.checkOptions()
	results := make([]*check.Result, 0, len(zones))
	for _, zc := range zones {
		var res *check.Result
		var err error
		if opts.Wait > 0 {
			res, err = check.Wait(ctx, cfg, zc, copts, opts.Wait)
		} else {
			res, err = check.Run(ctx, cfg, zc, copts)
		}
		if err != nil && res == nil {
			res = check.ErrorResult(zc.Name, err)
		}
		results = append(results, res)
	}
	status := check.WorstOf(results)
	if err := renderCheck(opts.IO, opts.Output, results); err != nil {
		return exitCode(ExitUnknown, err)
	}
	if opts.Alert {
		out, err := alert.Run(ctx, cfg, results, alert.Options{Redact: opts.IO.Redact, AddSecrets: opts.IO.AddSecrets, StatePath: opts.State})
		for _, l := range out.Lines() {
			fmt.Fprintln(opts.IO.ErrOut, l)
		}
		if err != nil {
			// No alert could be sent: the run must not look fine.
			fmt.Fprintf(opts.IO.ErrOut, "%s alerts: %v\n", opts.IO.Red("error:"), err)
			status = check.Worst(status, check.Unknown)
		}
	}
	if code := status.ExitCode(); code != ExitOK {
		return exitCode(code, nil)
	}
	return nil
}

// unknown reports a check that could not run: UNKNOWN (3), with a status
// line on standard output for the machine formats that have one.
func (opts *checkOptions) unknown(err error) error {
	res := []*check.Result{check.ErrorResult("", err)}
	switch opts.Output {
	case "nagios":
		fmt.Fprintf(opts.IO.Out, "DNSQUORUM UNKNOWN - %s\n", strings.ReplaceAll(strings.ReplaceAll(err.Error(), "|", "¦"), "\n", " "))
	case "json":
		_ = check.WriteJSON(opts.IO.Out, res)
	case "prometheus":
		// A textfile collector keeps the last file it read: replace it with
		// one that says the check could not run.
		_ = check.WritePrometheus(opts.IO.Out, res)
	}
	return exitCode(ExitUnknown, err)
}

// renderCheck writes results in the chosen format.
func renderCheck(ios *IO, format string, results []*check.Result) error {
	switch format {
	case "json":
		return check.WriteJSON(ios.Out, results)
	case "nagios":
		_, err := io.WriteString(ios.Out, check.Nagios(results))
		return err
	case "prometheus":
		return check.WritePrometheus(ios.Out, results)
	}
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(ios.Out)
		}
		renderCheckText(ios, ios.Out, r)
	}
	return nil
}

// statusText colors a zone's status.
func statusText(ios *IO, s check.Severity) string {
	if s == check.OK {
		return ios.Green(s.String())
	}
	return severityText(ios, s)
}

// severityText colors a finding's severity; OK findings are notes.
func severityText(ios *IO, s check.Severity) string {
	switch s {
	case check.OK:
		return ios.Green("note")
	case check.Warning:
		return ios.Yellow(s.String())
	case check.Unknown:
		return ios.Yellow(s.String())
	}
	return ios.Red(s.String())
}

// clip shortens long record data for the table; -o json has it all.
func clip(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return s[:max] + fmt.Sprintf("… (%d more bytes; -o json shows all)", len(s)-max)
}

// renderFinding writes one finding, indented.
func renderFinding(ios *IO, w io.Writer, indent string, f check.Finding) {
	what := f.Message
	if f.Record != "" {
		what = f.Record + ": " + what
	}
	if f.Provider != "" && f.Nameserver == "" {
		what = "provider " + f.Provider + ": " + what
	}
	fmt.Fprintf(w, "%s%s %s  %s\n", indent, severityText(ios, f.Severity), f.Check, what)
	if f.Severity != check.OK && (f.Expected != "" || f.Got != "") {
		pad := indent + strings.Repeat(" ", 4)
		fmt.Fprintf(w, "%sexpected: %s\n%sgot:      %s\n", pad, clip(orNone(f.Expected)), pad, clip(orNone(f.Got)))
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// renderCheckText writes one zone's result as a table grouped by
// nameserver and address; findings sit under what they concern.
func renderCheckText(ios *IO, w io.Writer, r *check.Result) {
	names := map[string]bool{}
	for _, s := range r.Servers {
		names[s.Nameserver] = true
	}
	for _, f := range r.Findings {
		if f.Nameserver != "" {
			names[f.Nameserver] = true
		}
	}
	fmt.Fprintf(w, "%s  %s  %s mode, %d nameservers, %d addresses, %s\n", ios.Bold(orNone(r.Zone)), statusText(ios, r.Status),
		orNone(r.Mode), len(names), len(r.Servers), r.Duration.Round(time.Millisecond))
	if len(r.Parents) > 0 {
		fmt.Fprintf(w, "  parent %s delegates to: %s\n", strings.Join(r.Parents, " "), orNone(strings.Join(r.Delegation, " ")))
	}
	var zoneWide []check.Finding
	byName := map[string][]check.Finding{}
	byAddr := map[string][]check.Finding{}
	for _, f := range r.Findings {
		switch {
		case f.Nameserver == "":
			zoneWide = append(zoneWide, f)
		case f.Address == "":
			byName[f.Nameserver] = append(byName[f.Nameserver], f)
		default:
			byAddr[f.Nameserver+" "+f.Address] = append(byAddr[f.Nameserver+" "+f.Address], f)
		}
	}
	for _, f := range zoneWide {
		renderFinding(ios, w, "  ", f)
	}
	// Nameservers with addresses, then names known only from findings.
	var order []string
	for _, s := range r.Servers {
		if !slices.Contains(order, s.Nameserver) {
			order = append(order, s.Nameserver)
		}
	}
	for n := range byName {
		if !slices.Contains(order, n) {
			order = append(order, n)
		}
	}
	slices.Sort(order)
	for _, n := range order {
		provider := ""
		for _, s := range r.Servers {
			if s.Nameserver == n && s.Provider != "" {
				provider = "  (" + s.Provider + ")"
			}
		}
		for _, f := range byName[n] {
			if provider == "" && f.Provider != "" {
				provider = "  (" + f.Provider + ")"
			}
		}
		fmt.Fprintf(w, "  %s%s\n", n, provider)
		for _, f := range byName[n] {
			renderFinding(ios, w, "    ", f)
		}
		for _, s := range r.Servers {
			if s.Nameserver != n {
				continue
			}
			state := ios.Green(s.Status)
			if s.Status != check.StatusOK {
				state = ios.Red(s.Status)
				if s.Detail != "" {
					state += " (" + s.Detail + ")"
				}
			}
			detail := ""
			if s.HasSerial {
				detail += fmt.Sprintf("  serial %d", s.Serial)
			}
			if s.Mode != "" {
				detail += fmt.Sprintf("  %s: %d RRsets", s.Mode, s.RRsets)
			}
			if s.TCP > 0 {
				detail += fmt.Sprintf(", %d over TCP", s.TCP)
			}
			fmt.Fprintf(w, "    %-16s %s%s\n", s.Address, state, detail)
			for _, f := range byAddr[n+" "+s.Address] {
				renderFinding(ios, w, "      ", f)
			}
		}
	}
	var probs []string
	c := r.Counts()
	for _, name := range check.Checks {
		if c[name] > 0 {
			probs = append(probs, fmt.Sprintf("%d %s", c[name], name))
		}
	}
	if len(probs) == 0 {
		fmt.Fprintf(w, "  %s: every address serves the desired data\n", statusText(ios, r.Status))
		return
	}
	fmt.Fprintf(w, "  %s: %s\n", statusText(ios, r.Status), strings.Join(probs, ", "))
}
