package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Options tune Process. The zero value is what `check --alert` uses.
type Options struct {
	// Store holds the state; nil means a FileStore at Config.StatePath.
	Store Store
	// Now returns the current time (tests); nil means time.Now.
	Now func() time.Time
	// Vantage overrides Config.Vantage.
	Vantage string
	// Interval is how often runs happen when known (watch); Alertmanager
	// alerts stay firing for at least 4 intervals without a re-send.
	Interval time.Duration
	// GeneratorURL is the Alertmanager generatorURL (watch's status page).
	GeneratorURL string
	// Client sends HTTP requests; nil means a client with no global
	// timeout (each attempt has the sink's timeout).
	Client *http.Client
	// RetryBase is the first backoff between attempts (default 1s); the
	// backoff doubles up to RetryMax (default 30s). A server's Retry-After
	// wins when longer, up to RetryMax.
	RetryBase, RetryMax time.Duration
	// LockTimeout bounds the wait for another run's lock (default 2m).
	LockTimeout time.Duration
	// Redact removes secrets from text (in addition to the sinks' own);
	// commands pass IO.Redact.
	Redact func(string) string
	// AddSecrets, when set, is given the sinks' secrets before anything is
	// sent (commands pass IO.AddSecrets); used by Run.
	AddSecrets func(...string)
	// StatePath overrides the config's state file (Run, with a nil Store).
	StatePath string
}

// Run is what `check --alert` calls once its checks are done: it decodes
// the alerts section of cfg (doing nothing when there is none), registers
// the sinks' secrets through opts.AddSecrets, and processes the results as
// Process does. Errors are about the configuration or the state; delivery
// failures are in Outcome.Err and must not change the check's exit code.
func Run(ctx context.Context, cfg *zone.Config, results []*check.Result, opts Options) (*Outcome, error) {
	acfg, err := Load(cfg)
	if err != nil {
		return nil, err
	}
	if acfg == nil {
		return &Outcome{State: NewState()}, nil
	}
	if opts.AddSecrets != nil {
		opts.AddSecrets(acfg.Secrets()...)
	}
	if opts.StatePath != "" {
		acfg.StatePath = opts.StatePath
	}
	return Process(ctx, acfg, FromChecks(results), opts)
}

// Lines describes the outcome for people, one line per sink notified
// ("alert sink "ops": 1 triggered, 0 resolved, 0 repeated: example.com.").
func (o *Outcome) Lines() []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, d := range o.Deliveries {
		if d.Err != nil {
			out = append(out, d.Err.Error())
			continue
		}
		out = append(out, fmt.Sprintf("alert sink %q: %d triggered, %d resolved, %d repeated: %s",
			d.Sink, d.Triggered, d.Resolved, d.Repeated, strings.Join(d.Zones, " ")))
	}
	return out
}

// Delivery is what one sink was told in a run.
type Delivery struct {
	Sink string
	// Zones notified, in order.
	Zones []string
	// Triggered counts new and changed problems, Resolved recoveries,
	// Repeated repeats.
	Triggered, Resolved, Repeated int
	// Err is the delivery failure (naming the sink, never its URL); the
	// state keeps the news so the next run tries again.
	Err error
	// Notification is what was sent.
	Notification *Notification
}

// Outcome is what a run of Process did.
type Outcome struct {
	// Deliveries, one per sink that had news, in sink order.
	Deliveries []Delivery
	// State is the state as saved.
	State *State
}

// Err joins every delivery failure, or returns nil.
func (o *Outcome) Err() error {
	if o == nil {
		return nil
	}
	var errs []error
	for _, d := range o.Deliveries {
		if d.Err != nil {
			errs = append(errs, d.Err)
		}
	}
	return errors.Join(errs...)
}

// Process records what a run found in the state and notifies the sinks:
// each sink gets at most one notification per run, grouping every zone with
// news for it: problems it has not heard of (OK→problem), problems whose
// severity changed, problems open longer than its renotify interval since it
// last heard, and problems gone since it heard of them (problem→OK). Sinks
// are notified concurrently; a failing sink is retried with backoff, and if
// it still fails the state keeps its news for the next run, its error is in
// the Outcome, and the other sinks are unaffected.
//
// Process holds the store's lock from load to save, so two runs at once
// (two cron jobs, or two processes on one state file) take turns and never
// announce the same change twice. The returned error is about the state
// (lock, corrupt file, write), never about sinks. With a nil cfg (no
// alerts section) Process does nothing.
func Process(ctx context.Context, cfg *Config, reports []ZoneReport, opts Options) (*Outcome, error) {
	if cfg == nil {
		return &Outcome{State: NewState()}, nil
	}
	store := opts.Store
	if store == nil {
		store = &FileStore{Path: cfg.StatePath}
	}
	lockTimeout := opts.LockTimeout
	if lockTimeout == 0 {
		lockTimeout = 2 * time.Minute
	}
	lctx, cancel := context.WithTimeout(ctx, lockTimeout)
	unlock, err := store.Lock(lctx)
	cancel()
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, err := store.Load()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	t := now().UTC()
	inRun := Merge(st, reports, t)

	redact := cfg.redactor(opts.Redact)
	vantage := cfg.Vantage
	if opts.Vantage != "" {
		vantage = opts.Vantage
	}
	out := &Outcome{}
	var jobs []int
	for _, s := range cfg.Sinks {
		n, d := buildNotification(cfg, st, s, inRun, t)
		if n == nil {
			continue
		}
		n.Vantage = vantage
		d.Notification = n
		out.Deliveries = append(out.Deliveries, d)
		jobs = append(jobs, len(out.Deliveries)-1)
	}
	var wg sync.WaitGroup
	for _, i := range jobs {
		d := &out.Deliveries[i]
		snd := newSender(cfg.Sink(d.Sink), opts, redact)
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Err = snd.send(ctx, d.Notification)
		}()
	}
	wg.Wait()
	for _, d := range out.Deliveries {
		applyMarks(st, d, t)
	}
	prune(st, cfg)
	st.Updated = t
	if err := store.Save(st); err != nil {
		return out, err
	}
	out.State = st
	return out, nil
}

// Merge records reports in st at time now and returns the set of zones
// reported. A problem already known keeps its first-seen time; a known open
// problem missing from a complete report is resolved.
func Merge(st *State, reports []ZoneReport, now time.Time) map[string]bool {
	inRun := map[string]bool{}
	for _, rep := range reports {
		inRun[rep.Zone] = true
		current := map[string]Problem{}
		for _, p := range rep.Problems {
			if p.Zone == "" {
				p.Zone = rep.Zone
			}
			if p.Severity == OK {
				continue
			}
			k := p.Key()
			if old, dup := current[k]; dup && old.Severity.Rank() >= p.Severity.Rank() {
				continue
			}
			current[k] = p
		}
		for k, p := range current {
			r := st.Problems[k]
			if r == nil {
				r = &Record{FirstSeen: now}
				st.Problems[k] = r
			} else if !r.Open && len(r.Sinks) == 0 {
				r.FirstSeen = now // back after every sink heard it was gone
			}
			r.Problem = p
			r.LastSeen = now
			r.Open = true
			r.ResolvedAt = nil
		}
		if rep.Incomplete {
			continue
		}
		for k, r := range st.Problems {
			if r.Zone == rep.Zone && r.Open {
				if _, still := current[k]; !still && !(rep.Unverified[r.Address] && !serverLevel[r.Check]) {
					r.Open = false
					at := now
					r.ResolvedAt = &at
				}
			}
		}
	}
	return inRun
}

// serverLevel are the checks that describe whether an address answers at
// all: a report always states them afresh, even for an unverified address.
var serverLevel = map[string]bool{"unreachable": true, "lame": true, "not-authoritative": true}

// buildNotification returns what sink s must hear about the zones in inRun,
// or nil when it has no news.
func buildNotification(cfg *Config, st *State, s *SinkConfig, inRun map[string]bool, now time.Time) (*Notification, Delivery) {
	d := Delivery{Sink: s.Name}
	byZone := map[string][]*Record{}
	for _, k := range st.Keys() {
		r := st.Problems[k]
		if inRun[r.Zone] && containsString(cfg.SinksFor(r.Zone), s.Name) {
			byZone[r.Zone] = append(byZone[r.Zone], r)
		}
	}
	zones := make([]string, 0, len(byZone))
	for z := range byZone {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	renotify := cfg.RenotifyFor(s)
	n := &Notification{FormatVersion: NotificationFormatVersion, Sink: s.Name, SentAt: now}
	for _, z := range zones {
		zn := ZoneNotice{Zone: z, Status: "resolved", Severity: OK, DedupKey: ZoneDedupKey(z)}
		news := false
		for _, r := range byZone[z] {
			mark, told := r.Sinks[s.Name]
			visible := r.Open && r.Severity.Rank() >= s.MinSeverity.Rank()
			it := Item{Problem: r.Problem, Key: r.Key(), DedupKey: r.DedupKey(), FirstSeen: r.FirstSeen, LastSeen: r.LastSeen}
			switch {
			case visible && !told:
				it.Status = StatusNew
			case visible && mark.Severity != r.Severity:
				it.Status = StatusChanged
				prev := mark.Severity
				it.PreviousSeverity = &prev
			case visible && renotify > 0 && now.Sub(mark.At) >= renotify:
				it.Status = StatusRepeat
			case visible:
				it.Status = StatusOpen
			case told:
				it.Status = StatusResolved
				at := now
				if r.ResolvedAt != nil {
					at = *r.ResolvedAt
				}
				it.ResolvedAt = &at
				it.Severity = mark.Severity // what the sink was told
			default:
				continue
			}
			if it.Firing() {
				zn.Status = "firing"
				zn.Severity = zn.Severity.Worse(it.Severity)
				if zn.Since == nil || it.FirstSeen.Before(*zn.Since) {
					f := it.FirstSeen
					zn.Since = &f
				}
			}
			if it.Status != StatusOpen || s.Type == "alertmanager" {
				news = true
			}
			switch it.Status {
			case StatusNew, StatusChanged:
				d.Triggered++
			case StatusResolved:
				d.Resolved++
			case StatusRepeat:
				d.Repeated++
			}
			zn.Findings = append(zn.Findings, it)
		}
		if news {
			n.Zones = append(n.Zones, zn)
			d.Zones = append(d.Zones, z)
		}
	}
	if len(n.Zones) == 0 {
		return nil, d
	}
	return n, d
}

// applyMarks records what a delivery told its sink.
func applyMarks(st *State, d Delivery, now time.Time) {
	var failed map[string]bool
	if d.Err != nil {
		var de *deliveryError
		if !errors.As(d.Err, &de) || de.FailedZones == nil {
			return // nothing delivered
		}
		failed = de.FailedZones
	}
	for _, z := range d.Notification.Zones {
		if failed[z.Zone] {
			continue
		}
		for _, it := range z.Findings {
			r := st.Problems[it.Key]
			if r == nil {
				continue
			}
			if it.Firing() {
				if r.Sinks == nil {
					r.Sinks = map[string]Mark{}
				}
				r.Sinks[d.Sink] = Mark{At: now, Severity: it.Severity}
			} else {
				delete(r.Sinks, d.Sink)
			}
		}
	}
}

// prune forgets marks of sinks that no longer hear about a zone, and
// records that are resolved and announced everywhere.
func prune(st *State, cfg *Config) {
	for k, r := range st.Problems {
		for name := range r.Sinks {
			if cfg.Sink(name) == nil || !containsString(cfg.SinksFor(r.Zone), name) {
				delete(r.Sinks, name)
			}
		}
		if len(r.Sinks) == 0 {
			r.Sinks = nil
		}
		if !r.Open && len(r.Sinks) == 0 {
			delete(st.Problems, k)
		}
	}
}

// redactor returns a function removing the config's secrets (and what
// extra removes) from text.
func (c *Config) redactor(extra func(string) string) func(string) string {
	secrets := c.Secrets()
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	return func(s string) string {
		for _, v := range secrets {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
		if extra != nil {
			s = extra(s)
		}
		return s
	}
}

// newSender builds the sender for sink s.
func newSender(s *SinkConfig, opts Options, redact func(string) string) sender {
	base, maxWait := opts.RetryBase, opts.RetryMax
	if base <= 0 {
		base = time.Second
	}
	if maxWait <= 0 {
		maxWait = 30 * time.Second
	}
	r := retrier{attempts: s.Attempts, base: base, max: maxWait, sleep: sleepCtx}
	client := opts.Client
	if client == nil {
		client = &http.Client{}
	}
	p := &httpPoster{client: client, timeout: s.Timeout, retry: r, redact: redact}
	switch s.Type {
	case "webhook":
		return &webhookSender{cfg: s, p: p}
	case "slack":
		return &slackSender{cfg: s, p: p}
	case "pagerduty":
		return &pagerDutySender{cfg: s, p: p}
	case "alertmanager":
		return &alertmanagerSender{cfg: s, p: p, interval: opts.Interval, genURL: opts.GeneratorURL}
	case "exec":
		return &execSender{cfg: s, retry: r, redact: redact}
	}
	return errSender{fmt.Errorf("alert sink %q: unknown type %q", s.Name, s.Type)}
}

type errSender struct{ err error }

func (e errSender) send(context.Context, *Notification) error { return e.err }
