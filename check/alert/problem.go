// Package alert turns check results into notifications: it keeps the state
// of open problems between runs (a JSON file guarded by a lock, so cron runs
// of `check --alert` never race), decides what is new, repeated or resolved,
// and sends one grouped notification per run to each configured sink
// (generic webhook, Slack, PagerDuty Events v2, Alertmanager API v2, a
// command).
//
// The package takes its own small input type, ZoneReport, so that it does
// not depend on how findings are produced; FromCheck converts a check
// result.
package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Severity ranks a problem. The numbers are the Nagios plugin codes.
type Severity int

const (
	// OK: nothing wrong.
	OK Severity = iota
	// Warning: something is off but the zone is served correctly.
	Warning
	// Critical: a nameserver serves wrong data or does not answer.
	Critical
	// Unknown: the check could not run, so nothing is known.
	Unknown
)

var severityNames = [...]string{"ok", "warning", "critical", "unknown"}

// String returns "ok", "warning", "critical" or "unknown".
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// Rank orders severities by urgency: ok < warning < unknown < critical. A
// check that could not run is more urgent than a warning (nothing is known)
// but less than data known to be wrong.
func (s Severity) Rank() int {
	switch s {
	case Warning:
		return 1
	case Unknown:
		return 2
	case Critical:
		return 3
	}
	return 0
}

// Worse returns the more urgent of s and o.
func (s Severity) Worse(o Severity) Severity {
	if o.Rank() > s.Rank() {
		return o
	}
	return s
}

// MarshalText renders the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a severity name (any case).
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses "ok", "warning", "critical" or "unknown" (any case).
func ParseSeverity(v string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(v, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want warning, critical or unknown)", v)
}

// Problem is one thing wrong with a zone, as a check reported it. Its
// identity (Key) is the zone, check, nameserver, address and record: the
// severity and texts may change while the problem stays the same.
type Problem struct {
	Zone       string `json:"zone"`
	Check      string `json:"check"`
	Nameserver string `json:"nameserver,omitempty"`
	// Provider is the provider the nameserver belongs to, if known; it is
	// not part of the key (a nameserver is one problem, whoever runs it).
	Provider string   `json:"provider,omitempty"`
	Address  string   `json:"address,omitempty"`
	Record   string   `json:"record,omitempty"`
	Severity Severity `json:"severity"`
	Expected string   `json:"expected,omitempty"`
	Got      string   `json:"got,omitempty"`
	Message  string   `json:"message"`
}

// Key identifies the problem: "zone|check|nameserver|address|record".
func (p Problem) Key() string {
	return strings.Join([]string{p.Zone, p.Check, p.Nameserver, p.Address, p.Record}, "|")
}

// DedupKey is a short stable identifier of the problem, the same from any
// machine that sees it ("dnsquorum-" and 20 hex digits of the key's SHA-256).
func (p Problem) DedupKey() string { return dedupKey(p.Key()) }

// ZoneDedupKey is the stable identifier of a zone's alert (PagerDuty
// incidents, webhook groups).
func ZoneDedupKey(zone string) string { return dedupKey("zone|" + zone) }

func dedupKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "dnsquorum-" + hex.EncodeToString(sum[:10])
}

// Summary renders the problem on one line for chat messages and logs.
func (p Problem) Summary() string {
	var b strings.Builder
	b.WriteString(p.Severity.String())
	b.WriteString(" ")
	b.WriteString(p.Check)
	where := p.Nameserver
	if p.Address != "" {
		if where != "" {
			where += " "
		}
		where += p.Address
	}
	if where != "" {
		b.WriteString(" @ " + where)
	}
	if p.Record != "" {
		b.WriteString(" [" + p.Record + "]")
	}
	if p.Message != "" {
		b.WriteString(": " + p.Message)
	}
	return b.String()
}

// ZoneReport is what one run learned about one zone: every open problem.
// When Incomplete is true (the check could not run to the end) problems
// missing from the report are kept open instead of being resolved.
type ZoneReport struct {
	Zone       string
	Problems   []Problem
	Incomplete bool
	// Unverified lists addresses that could not be compared (unreachable,
	// lame): their problems missing from the report stay open, except
	// problems of the checks that say so (unreachable, lame, ...), which
	// the report states afresh.
	Unverified map[string]bool
	// CheckedAt is when the check started; zero means now.
	CheckedAt time.Time
}

// Status returns the report's worst severity (OK without problems).
func (r ZoneReport) Status() Severity {
	s := OK
	for _, p := range r.Problems {
		s = s.Worse(p.Severity)
	}
	return s
}
