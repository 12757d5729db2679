package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// webhookSender POSTs the Notification as JSON (format_version 1).
type webhookSender struct {
	cfg *SinkConfig
	p   *httpPoster
}

func (w *webhookSender) send(ctx context.Context, n *Notification) error {
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return w.p.wrap(w.cfg.Name, func() (int, error) { return w.p.post(ctx, w.cfg.URL, w.cfg.Headers, b) })
}

func (p *httpPoster) wrap(sink string, f func() (int, error)) error {
	n, err := f()
	if err != nil {
		return &deliveryError{Sink: sink, Attempts: n, Err: err}
	}
	return nil
}

// slackSender posts to a Slack incoming webhook: a JSON body with "text"
// (the notification fallback) and "blocks" (Block Kit layout). Documented
// at https://api.slack.com/messaging/webhooks and
// https://api.slack.com/reference/block-kit/blocks: a section's text is at
// most 3000 characters, a message at most 50 blocks; Slack answers 429 with
// Retry-After when rate limited.
type slackSender struct {
	cfg *SinkConfig
	p   *httpPoster
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

const (
	slackMaxSection = 3000
	slackMaxBlocks  = 50
)

func (s *slackSender) send(ctx context.Context, n *Notification) error {
	b, err := json.Marshal(slackPayload(n))
	if err != nil {
		return err
	}
	return s.p.wrap(s.cfg.Name, func() (int, error) { return s.p.post(ctx, s.cfg.URL, nil, b) })
}

// slackPayload renders a notification as one Slack message.
func slackPayload(n *Notification) slackMessage {
	var firing, resolved []string
	for _, z := range n.Zones {
		if z.Status == "firing" {
			firing = append(firing, z.Zone)
		} else {
			resolved = append(resolved, z.Zone)
		}
	}
	var parts []string
	if len(firing) > 0 {
		parts = append(parts, "DNS problems in "+strings.Join(firing, ", "))
	}
	if len(resolved) > 0 {
		parts = append(parts, "resolved: "+strings.Join(resolved, ", "))
	}
	msg := slackMessage{Text: "dnsquorum: " + strings.Join(parts, "; ")}
	msg.Blocks = append(msg.Blocks, slackBlock{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(msg.Text, 150)}})
	for _, z := range n.Zones {
		if len(msg.Blocks) >= slackMaxBlocks-1 {
			break
		}
		var b strings.Builder
		icon := ":red_circle:"
		switch {
		case z.Status == "resolved":
			icon = ":large_green_circle:"
		case z.Severity == Warning || z.Severity == Unknown:
			icon = ":large_orange_circle:"
		}
		fmt.Fprintf(&b, "%s *%s* %s (%s)\n", icon, slackEscape(z.Zone), strings.ToUpper(z.Status), z.Severity)
		for _, it := range z.Findings {
			fmt.Fprintf(&b, "• _%s_ %s\n", it.Status, slackEscape(it.Summary()))
		}
		msg.Blocks = append(msg.Blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(b.String(), slackMaxSection)}})
	}
	ctx := "sent " + n.SentAt.UTC().Format(time.RFC3339)
	if n.Vantage != "" {
		ctx += " from " + n.Vantage
	}
	msg.Blocks = append(msg.Blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: slackEscape(ctx)}}})
	return msg
}

// slackEscape escapes the three characters Slack's mrkdwn treats as control
// characters.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// pagerDutySender sends PagerDuty Events API v2 alert events
// (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
// POST {routing_key, event_action: trigger|resolve, dedup_key, payload:
// {summary (≤1024 chars), source, severity: critical|error|warning|info,
// timestamp, component, group, class, custom_details}, client}. One event per
// zone: the dedup_key is the zone's, so a zone is one PagerDuty alert that
// later triggers update and a resolve closes. PagerDuty answers 202; 429 and
// 5xx are retried.
type pagerDutySender struct {
	cfg *SinkConfig
	p   *httpPoster
}

type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"`
	Client      string     `json:"client,omitempty"`
}

type pdPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// pdSeverity maps a severity to PagerDuty's scale.
func pdSeverity(s Severity) string {
	switch s {
	case Critical:
		return "critical"
	case Unknown:
		return "error"
	case Warning:
		return "warning"
	}
	return "info"
}

func (s *pagerDutySender) events(n *Notification) []pdEvent {
	var out []pdEvent
	for _, z := range n.Zones {
		ev := pdEvent{RoutingKey: s.cfg.RoutingKey, DedupKey: z.DedupKey, EventAction: "resolve"}
		if z.Status == "firing" {
			ev.EventAction = "trigger"
			ev.Client = "dnsquorum"
			_, _, open := z.counts()
			var first string
			var checks []string
			var findings []Item
			for _, it := range z.Findings {
				if !it.Firing() {
					continue
				}
				findings = append(findings, it)
				if first == "" {
					first = it.Summary()
				}
				if !containsString(checks, it.Check) {
					checks = append(checks, it.Check)
				}
			}
			source := s.cfg.Source
			if source == "" {
				source = strings.TrimSuffix(z.Zone, ".")
			}
			summary := fmt.Sprintf("DNS zone %s: %d open problem(s), %s: %s", z.Zone, open, z.Severity, first)
			ev.Payload = &pdPayload{
				Summary:   truncate(summary, 1024),
				Source:    source,
				Severity:  pdSeverity(z.Severity),
				Timestamp: n.SentAt.UTC().Format(time.RFC3339),
				Component: z.Zone,
				Group:     "dnsquorum",
				Class:     strings.Join(checks, ","),
				CustomDetails: map[string]any{
					"zone": z.Zone, "vantage": n.Vantage, "findings": findings,
				},
			}
		}
		out = append(out, ev)
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (s *pagerDutySender) send(ctx context.Context, n *Notification) error {
	var errs []error
	failed := map[string]bool{}
	attempts := 0
	for i, ev := range s.events(n) {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		a, err := s.p.post(ctx, s.cfg.URL, nil, b)
		attempts = max(attempts, a)
		if err != nil {
			zone := n.Zones[i].Zone
			failed[zone] = true
			errs = append(errs, fmt.Errorf("zone %s: %w", zone, err))
		}
	}
	if len(errs) > 0 {
		return &deliveryError{Sink: s.cfg.Name, Attempts: attempts, Err: errors.Join(errs...), FailedZones: failed}
	}
	return nil
}

// alertmanagerSender posts to Prometheus Alertmanager's API v2
// (https://prometheus.io/docs/alerting/latest/clients/ and api/v2/openapi.yaml
// in prometheus/alertmanager): POST /api/v2/alerts with a JSON array of
// {labels, annotations, startsAt, endsAt, generatorURL}. Labels identify an
// alert and are what Alertmanager deduplicates on, so they hold only the
// problem's identity and severity, never the vantage point (an
// annotation). Firing alerts are re-sent every run with endsAt in the future
// (Alertmanager expects clients to re-send active alerts); a resolved alert
// is sent once with endsAt = the time it was seen resolved.
type alertmanagerSender struct {
	cfg      *SinkConfig
	p        *httpPoster
	interval time.Duration
	genURL   string
}

// AMAlert is one element of Alertmanager's postableAlerts.
type AMAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// AMAlertName is the alertname label of every alert dnsquorum sends.
const AMAlertName = "DNSQuorumProblem"

// AMLabels returns the Alertmanager labels of a problem: only what
// identifies it (so every vantage point sends the same set) plus severity.
func AMLabels(p Problem, sev Severity) map[string]string {
	l := map[string]string{"alertname": AMAlertName, "zone": p.Zone, "check": p.Check, "severity": sev.String()}
	for k, v := range map[string]string{"nameserver": p.Nameserver, "address": p.Address, "record": p.Record} {
		if v != "" {
			l[k] = v
		}
	}
	return l
}

func (a *alertmanagerSender) target() string {
	u := strings.TrimRight(a.cfg.URL, "/")
	if strings.HasSuffix(u, "/api/v2/alerts") {
		return u
	}
	return u + "/api/v2/alerts"
}

func (a *alertmanagerSender) alerts(n *Notification) []AMAlert {
	expire := max(a.cfg.Expire, 4*a.interval)
	var out []AMAlert
	for _, z := range n.Zones {
		for _, it := range z.Findings {
			ann := map[string]string{
				"summary":   fmt.Sprintf("%s: %s", it.Zone, it.Summary()),
				"dedup_key": it.DedupKey,
			}
			if it.Message != "" {
				ann["description"] = it.Message
			}
			if it.Expected != "" {
				ann["expected"] = it.Expected
			}
			if it.Got != "" {
				ann["got"] = it.Got
			}
			if n.Vantage != "" {
				ann["vantage"] = n.Vantage
			}
			al := AMAlert{Labels: AMLabels(it.Problem, it.Severity), Annotations: ann, StartsAt: it.FirstSeen.UTC(), GeneratorURL: a.genURL}
			if it.Firing() {
				al.EndsAt = n.SentAt.Add(expire).UTC()
			} else {
				if !a.cfg.SendResolved {
					continue // ends by itself at the endsAt last sent
				}
				al.EndsAt = n.SentAt.UTC()
				if it.ResolvedAt != nil {
					al.EndsAt = it.ResolvedAt.UTC()
				}
			}
			out = append(out, al)
			if it.PreviousSeverity != nil && *it.PreviousSeverity != it.Severity {
				// The old severity is another label set: end it.
				old := al
				old.Labels = AMLabels(it.Problem, *it.PreviousSeverity)
				old.EndsAt = n.SentAt.UTC()
				out = append(out, old)
			}
		}
	}
	return out
}

func (a *alertmanagerSender) send(ctx context.Context, n *Notification) error {
	alerts := a.alerts(n)
	if len(alerts) == 0 {
		return nil
	}
	b, err := json.Marshal(alerts)
	if err != nil {
		return err
	}
	return a.p.wrap(a.cfg.Name, func() (int, error) { return a.p.post(ctx, a.target(), a.cfg.Headers, b) })
}

// execSender runs a command with the Notification as JSON on standard
// input and DNSQUORUM_SINK, DNSQUORUM_ZONES and DNSQUORUM_STATUS in its
// environment. A non-zero exit or a timeout is a failure (retried).
type execSender struct {
	cfg    *SinkConfig
	retry  retrier
	redact func(string) string
}

func (e *execSender) send(ctx context.Context, n *Notification) error {
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	status := "resolved"
	var zones []string
	for _, z := range n.Zones {
		zones = append(zones, z.Zone)
		if z.Status == "firing" {
			status = "firing"
		}
	}
	attempts, err := e.retry.do(ctx, func(ctx context.Context) error {
		cctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
		defer cancel()
		cmd := exec.CommandContext(cctx, e.cfg.Command[0], e.cfg.Command[1:]...)
		cmd.Stdin = bytes.NewReader(b)
		cmd.Env = append(os.Environ(), "DNSQUORUM_SINK="+e.cfg.Name, "DNSQUORUM_ZONES="+strings.Join(zones, " "), "DNSQUORUM_STATUS="+status)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.WaitDelay = time.Second
		err := cmd.Run()
		if err == nil {
			return nil
		}
		if cctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return &retryable{err: fmt.Errorf("command timed out after %s", e.cfg.Timeout)}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			tail := strings.TrimSpace(out.String())
			return &retryable{err: fmt.Errorf("command exited with %d: %s", ee.ExitCode(), e.redact(truncate(tail, 300)))}
		}
		return fmt.Errorf("command %s: %v", e.cfg.Command[0], e.redact(err.Error())) // not found, not executable
	})
	if err != nil {
		return &deliveryError{Sink: e.cfg.Name, Attempts: attempts, Err: err}
	}
	return nil
}
