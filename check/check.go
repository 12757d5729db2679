// Package check proves that every authoritative nameserver of a zone serves
// the same, desired data.
//
// Run discovers the nameservers (the zone's declared apex NS set, the apex
// NS set each server serves, and the parent's delegation read from the
// parent's servers with RD=0), resolves every nameserver name to all its
// addresses (glue and authoritative), queries every address (UDP, TCP on
// truncation, bounded retries and timeouts, bounded concurrency), and
// compares what each serves with the desired RRsets, or with the whole zone
// in AXFR mode. The outcome is a Result: per-address ServerResults and
// Findings, each naming the nameserver, the address, the record, what was
// expected and what was served.
//
// Severities follow the Nagios plugin convention (OK, WARNING, CRITICAL,
// UNKNOWN = exit codes 0..3). The encodings of results as JSON, a Nagios
// status line and Prometheus text exposition live here too, as data; the
// command only renders.
package check

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Severity is how bad a finding is, in Nagios order: its value is the
// plugin exit code.
type Severity int

const (
	// OK is a note: nothing is wrong.
	OK Severity = iota
	// Warning: the zone works, but something should be fixed.
	Warning
	// Critical: resolvers can get wrong or no answers.
	Critical
	// Unknown: the check could not find out.
	Unknown
)

// String returns "OK", "WARNING", "CRITICAL" or "UNKNOWN".
func (s Severity) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// MarshalText renders the severity in lower case for JSON ("critical").
func (s Severity) MarshalText() ([]byte, error) { return []byte(strings.ToLower(s.String())), nil }

// UnmarshalText parses what MarshalText writes.
func (s *Severity) UnmarshalText(b []byte) error {
	switch strings.ToUpper(string(b)) {
	case "OK":
		*s = OK
	case "WARNING":
		*s = Warning
	case "CRITICAL":
		*s = Critical
	case "UNKNOWN":
		*s = Unknown
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// ExitCode returns the Nagios plugin exit code for s (0..3).
func (s Severity) ExitCode() int {
	if s < OK || s > Unknown {
		return int(Unknown)
	}
	return int(s)
}

// rank orders severities for Worst: OK < WARNING < UNKNOWN < CRITICAL. A
// known problem outranks a part of the check that could not run.
func (s Severity) rank() int {
	switch s {
	case OK:
		return 0
	case Warning:
		return 1
	case Unknown:
		return 2
	}
	return 3
}

// Worst returns the more serious of a and b: CRITICAL outranks UNKNOWN,
// which outranks WARNING, which outranks OK.
func Worst(a, b Severity) Severity {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// The check names a Finding carries in Check. They are stable: alerting
// deduplicates on them.
const (
	// CheckUnreachable: an address gave no answer after every retry.
	CheckUnreachable = "unreachable"
	// CheckLame: an address answered REFUSED, SERVFAIL, NOTAUTH, NXDOMAIN
	// or a referral for the zone's apex: it does not serve the zone.
	CheckLame = "lame"
	// CheckNotAuthoritative: an address answered for the zone without the
	// AA bit.
	CheckNotAuthoritative = "not-authoritative"
	// CheckDrift: a server's RRset holds other data than desired (or is
	// missing).
	CheckDrift = "drift"
	// CheckTTL: a server's RRset holds the desired data with another TTL.
	CheckTTL = "ttl"
	// CheckExtra: a server holds an RRset the desired zone has not (axfr
	// mode only).
	CheckExtra = "extra"
	// CheckLagging: a server's SOA serial is behind another server of the
	// same provider.
	CheckLagging = "lagging"
	// CheckProviderMissing: none of a provider's nameservers is in the
	// parent's delegation.
	CheckProviderMissing = "provider-missing"
	// CheckDelegation: the parent's NS set, the apex NS set and the declared
	// NS set disagree, or the delegation could not be read.
	CheckDelegation = "delegation"
	// CheckGlue: the parent's glue for a nameserver differs from its
	// authoritative addresses.
	CheckGlue = "glue"
	// CheckRedundancy: fewer than two working nameservers, or all working
	// ones at one provider.
	CheckRedundancy = "redundancy"
	// CheckUnresolvable: a nameserver name has no address.
	CheckUnresolvable = "unresolvable"
	// CheckParent: a parent server did not answer usefully.
	CheckParent = "parent"
	// CheckAXFR: a zone transfer was refused or failed; the server was
	// compared by queries instead (a note).
	CheckAXFR = "axfr"
	// CheckError: the check of the zone could not run at all.
	CheckError = "error"
)

// Checks lists every check name, in the order reports show their counts.
var Checks = []string{
	CheckUnreachable, CheckLame, CheckNotAuthoritative, CheckDrift, CheckTTL, CheckExtra,
	CheckLagging, CheckProviderMissing, CheckDelegation, CheckGlue, CheckRedundancy,
	CheckUnresolvable, CheckParent, CheckAXFR, CheckError,
}

// Finding is one thing the check found about a zone.
type Finding struct {
	// Zone is the zone's canonical name.
	Zone string `json:"zone"`
	// Check is one of the Check* names.
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Nameserver is the NS name concerned, if any.
	Nameserver string `json:"nameserver,omitempty"`
	// Address is the IP address concerned, if any.
	Address string `json:"address,omitempty"`
	// Provider is the provider the nameserver belongs to, if known.
	Provider string `json:"provider,omitempty"`
	// Record is the RRset concerned ("www.example.test. A"), if any.
	Record string `json:"record,omitempty"`
	// Expected is what should have been served; Got is what was.
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	// Message says what is wrong in a sentence.
	Message string `json:"message"`
}

// Key identifies the finding across runs for deduplication:
// zone|check|nameserver|address|record.
func (f Finding) Key() string {
	return strings.Join([]string{f.Zone, f.Check, f.Nameserver, f.Address, f.Record}, "|")
}

// String renders the finding on one line.
func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", f.Severity, f.Zone, f.Check)
	if f.Nameserver != "" {
		b.WriteString(" " + f.Nameserver)
	}
	if f.Address != "" {
		b.WriteString(" " + f.Address)
	}
	if f.Record != "" {
		b.WriteString(" " + f.Record)
	}
	b.WriteString(": " + f.Message)
	if f.Expected != "" || f.Got != "" {
		fmt.Fprintf(&b, " (expected %s, got %s)", orNone(f.Expected), orNone(f.Got))
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Server statuses, as in ServerResult.Status.
const (
	StatusOK               = "ok"
	StatusUnreachable      = CheckUnreachable
	StatusLame             = CheckLame
	StatusNotAuthoritative = CheckNotAuthoritative
)

// ServerResult is what one address of one nameserver answered.
type ServerResult struct {
	// Nameserver is the NS name; Address one of its addresses.
	Nameserver string `json:"nameserver"`
	Address    string `json:"address"`
	// Provider owns the nameserver (from the providers' "nameservers:"
	// settings); empty when no provider names it.
	Provider string `json:"provider,omitempty"`
	// Sources says where the name came from: "declared" (the zone's apex
	// NS records), "parent" (the delegation), "apex" (served by a server),
	// "provider" (a provider's nameservers setting).
	Sources []string `json:"sources"`
	// AddressSources says where the address came from: "glue",
	// "authoritative".
	AddressSources []string `json:"address_sources"`
	// Status is ok, unreachable, lame or not-authoritative.
	Status string `json:"status"`
	// Detail explains a status other than ok ("REFUSED", "timeout").
	Detail string `json:"detail,omitempty"`
	// Serial is the apex SOA serial served; HasSerial says whether one was.
	Serial    uint32 `json:"serial"`
	HasSerial bool   `json:"has_serial"`
	// Mode is how the content was compared: "query", "axfr", or "" when
	// it was not (the server did not answer properly).
	Mode string `json:"mode,omitempty"`
	// RRsets is the number of RRsets compared.
	RRsets int `json:"rrsets"`
	// Queries counts the queries sent to this address (not counting
	// retries); TCP counts those answered over TCP after a truncated UDP
	// answer.
	Queries int `json:"queries"`
	TCP     int `json:"tcp"`
}

// Result is the outcome of checking one zone.
type Result struct {
	// Zone is the zone's canonical name.
	Zone string `json:"zone"`
	// Mode is the requested mode, "query" or "axfr".
	Mode string `json:"mode"`
	// Parents are the parent server addresses asked for the delegation.
	Parents []string `json:"parents"`
	// Delegation is the parent's NS set (empty when it could not be read).
	Delegation []string `json:"delegation"`
	// Servers holds one entry per (nameserver, address), sorted.
	Servers []ServerResult `json:"servers"`
	// Findings in a stable order: zone-wide first, then by nameserver,
	// address, check and record.
	Findings []Finding `json:"findings"`
	Started  time.Time `json:"started"`
	// Duration is how long the check took.
	Duration time.Duration `json:"-"`
	// Status is the worst severity among the findings (OK when none).
	Status Severity `json:"status"`
	// Attempts is how many times Wait ran the check (1 for Run).
	Attempts int `json:"attempts"`
}

// ErrorResult returns the result of a zone whose check could not run: one
// CheckError finding of severity UNKNOWN carrying err's message.
func ErrorResult(zoneName string, err error) *Result {
	return &Result{
		Zone:     zoneName,
		Started:  time.Now(),
		Status:   Unknown,
		Attempts: 1,
		Findings: []Finding{{Zone: zoneName, Check: CheckError, Severity: Unknown, Message: err.Error()}},
	}
}

// Counts returns the number of addresses that are ok (key "ok") and the
// number of findings above OK per check name; every name in Checks is
// present.
func (r *Result) Counts() map[string]int {
	c := map[string]int{"ok": 0}
	for _, name := range Checks {
		c[name] = 0
	}
	for _, s := range r.Servers {
		if s.Status == StatusOK {
			c["ok"]++
		}
	}
	for _, f := range r.Findings {
		if f.Severity != OK {
			c[f.Check]++
		}
	}
	return c
}

// Problems returns the findings above OK.
func (r *Result) Problems() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity != OK {
			out = append(out, f)
		}
	}
	return out
}

// waitChecks are the findings that can go away by waiting for servers to
// catch up.
var waitChecks = []string{CheckUnreachable, CheckLame, CheckNotAuthoritative, CheckDrift, CheckTTL, CheckExtra, CheckLagging}

// Converged reports whether every server serves the desired data: no
// finding above OK of a kind that waiting could resolve (unreachable,
// lame, not-authoritative, drift, ttl, extra, lagging). Structural findings
// (delegation, glue, redundancy) do not change by waiting and are ignored.
func (r *Result) Converged() bool {
	for _, f := range r.Findings {
		if f.Severity != OK && slices.Contains(waitChecks, f.Check) {
			return false
		}
	}
	return true
}

// WorstOf returns the worst status of several results (OK for none).
func WorstOf(results []*Result) Severity {
	s := OK
	for _, r := range results {
		s = Worst(s, r.Status)
	}
	return s
}
