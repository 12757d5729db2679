package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/check/alert"
	"github.com/dnsquorum/dnsquorum/check/watch"
)

// watchOptions are the parsed flags of `dnsquorum watch`.
type watchOptions struct {
	IO       *IO
	Factory  *Factory
	Zones    []string
	Interval time.Duration
	Listen   string
	// State overrides the alerts section's state file.
	State string
	// NoAlerts checks and serves without notifying anyone.
	NoAlerts bool
	Vantage  string
	// Check options.
	Port     int
	Parents  []string
	Resolver string
	Mode     string
	Timeout  time.Duration
	Retries  int
	// ready, when set, receives the listening address (tests).
	ready func(addr string)
}

func init() {
	subcommands = append(subcommands, func(f *Factory) *cobra.Command { return NewCmdWatch(f, nil) })
}

// NewCmdWatch builds `dnsquorum watch`. runF, when not nil, replaces
// watchRun (tests of flag parsing).
func NewCmdWatch(f *Factory, runF func(*watchOptions) error) *cobra.Command {
	opts := &watchOptions{IO: f.IO, Factory: f}
	d := check.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Check every zone continuously, alert on changes, serve metrics and a status page",
		Long: `Checks every selected zone each --interval (with ±10% jitter), keeps the alert
state as 'check --alert' does and notifies the sinks of the config's alerts:
section (one grouped notification per round and sink; failing sinks are
retried with backoff and never stop the checks), and serves on --listen:

  /         a status page: zones by nameserver address, open findings, their age
  /metrics  Prometheus metrics (dnsquorum_nameserver_up, ..._drift_rrsets,
            dnsquorum_zone_status, ..._last_check_timestamp_seconds, ...)
  /healthz  200 while the check loop runs, 503 when it is stuck

A zone whose check cannot run is UNKNOWN (status 3), never OK. SIGTERM or
SIGINT stops it cleanly with exit code 0. See docs/monitoring.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Interval < time.Second {
				return flagErrorf("--interval %s: must be at least 1s", opts.Interval)
			}
			if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
				return flagErrorf("--listen %q: want host:port, e.g. 127.0.0.1:9353", opts.Listen)
			}
			if opts.Mode != check.ModeQuery && opts.Mode != check.ModeAXFR {
				return flagErrorf("--mode must be %s or %s, not %q", check.ModeQuery, check.ModeAXFR, opts.Mode)
			}
			if runF != nil {
				return runF(opts)
			}
			return watchRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Zones, "zone", nil, "only these zones (repeatable)")
	fl.DurationVar(&opts.Interval, "interval", 60*time.Second, "time between two checks of every zone")
	fl.StringVar(&opts.Listen, "listen", "127.0.0.1:9353", "address to serve /, /metrics and /healthz on")
	fl.StringVar(&opts.State, "state", "", "alert state file (default: the alerts section's state)")
	fl.BoolVar(&opts.NoAlerts, "no-alerts", false, "do not notify any sink")
	fl.StringVar(&opts.Vantage, "vantage", "", "name of this vantage point in alert annotations (default: alerts.vantage, else the host name)")
	fl.IntVarP(&opts.Port, "port", "p", d.Port, "port of every nameserver query")
	fl.StringSliceVar(&opts.Parents, "parent", nil, "parent zone server address (repeatable; default: found through --resolver)")
	fl.StringVar(&opts.Resolver, "resolver", "", "recursive resolver used to find parent servers and nameserver addresses")
	fl.StringVar(&opts.Mode, "mode", d.Mode, "content comparison: query or axfr")
	fl.DurationVar(&opts.Timeout, "timeout", d.Timeout, "timeout of one query attempt")
	fl.IntVar(&opts.Retries, "retries", d.Retries, "retries of a query without an answer")
	return cmd
}

func watchRun(ctx context.Context, opts *watchOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := opts.Factory.Config()
	if err != nil {
		return err
	}
	var zones []string
	for _, z := range opts.Zones {
		zc := cfg.Zone(z)
		if zc == nil {
			return flagErrorf("--zone %s: no such zone in %s", z, cfg.Path)
		}
		zones = append(zones, zc.Name)
	}
	if len(zones) == 0 {
		for _, zc := range cfg.Zones {
			zones = append(zones, zc.Name)
		}
	}
	if len(zones) == 0 {
		return fmt.Errorf("%s: no zones to watch", cfg.Path)
	}
	slices.Sort(zones)
	zones = slices.Compact(zones)

	var acfg *alert.Config
	if !opts.NoAlerts {
		acfg, err = alert.Load(cfg)
		if err != nil {
			return err
		}
	}
	if acfg != nil {
		opts.IO.AddSecrets(acfg.Secrets()...)
		if opts.State != "" {
			acfg.StatePath = opts.State
		}
	}
	copts := check.DefaultOptions()
	copts.Port, copts.Parents, copts.Resolver, copts.Mode = opts.Port, opts.Parents, opts.Resolver, opts.Mode
	copts.Timeout, copts.Retries = opts.Timeout, opts.Retries
	checker := func(ctx context.Context, name string) *check.Result {
		res, err := check.Run(ctx, cfg, cfg.Zone(name), copts)
		if err != nil {
			return check.ErrorResult(name, err)
		}
		return res
	}

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", opts.Listen, err)
	}
	base := "http://" + ln.Addr().String() + "/"
	mon, err := watch.New(watch.Options{
		Zones: zones, Check: checker, Interval: opts.Interval, Alerts: acfg, Log: opts.IO.ErrOut,
		AlertOptions: alert.Options{Vantage: opts.Vantage, GeneratorURL: base, Redact: opts.IO.Redact},
	})
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: mon.Handler(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	alerting := "alerts off (no alerts section)"
	switch {
	case opts.NoAlerts:
		alerting = "alerts off (--no-alerts)"
	case acfg != nil:
		alerting = fmt.Sprintf("alerts to %d sinks, state %s", len(acfg.Sinks), acfg.StatePath)
	}
	fmt.Fprintf(opts.IO.ErrOut, "watch: %d zones every %s; serving %s (metrics, healthz); %s\n", len(zones), opts.Interval, base, alerting)
	if opts.ready != nil {
		opts.ready(ln.Addr().String())
	}

	loopDone := make(chan error, 1)
	go func() { loopDone <- mon.Run(ctx) }()
	var runErr error
	select {
	case runErr = <-loopDone:
	case err := <-serveErr:
		runErr = fmt.Errorf("serving %s: %w", opts.Listen, err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if runErr != nil && !errors.Is(runErr, http.ErrServerClosed) {
		return runErr
	}
	fmt.Fprintln(opts.IO.ErrOut, "watch: stopped")
	return nil
}
