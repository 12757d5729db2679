package check

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// JSONFormatVersion is the format_version of WriteJSON's output. It changes
// only when a field is removed or changes meaning; new fields may appear
// at any time.
const JSONFormatVersion = 1

// JSONReport is the document WriteJSON writes (format_version 1):
//
//	{
//	  "format_version": 1,
//	  "status": "ok|warning|critical|unknown",   worst over the zones
//	  "exit_code": 0..3,                          the process exit code
//	  "zones": [{
//	    "zone": "example.test.", "status": "...", "mode": "query|axfr",
//	    "started": RFC 3339 time, "duration_seconds": 0.12, "attempts": 1,
//	    "parents": ["127.0.0.10:53"],            parent servers asked
//	    "delegation": ["ns1.example.net."],      the parent's NS set
//	    "counts": {"ok": 4, "drift": 1, ...},    addresses ok; findings above OK per check
//	    "servers": [{"nameserver", "address", "provider", "sources",
//	                 "address_sources", "status", "detail", "serial",
//	                 "has_serial", "mode", "rrsets", "queries", "tcp"}],
//	    "findings": [{"zone", "check", "severity", "nameserver", "address",
//	                  "provider", "record", "expected", "got", "message", "key"}]
//	  }]
//	}
//
// Severities are lower case ("critical"); empty strings are left out of
// findings and servers.
type JSONReport struct {
	FormatVersion int        `json:"format_version"`
	Status        Severity   `json:"status"`
	ExitCode      int        `json:"exit_code"`
	Zones         []JSONZone `json:"zones"`
}

// JSONZone is one zone's result in a JSONReport.
type JSONZone struct {
	Zone            string         `json:"zone"`
	Status          Severity       `json:"status"`
	Mode            string         `json:"mode,omitempty"`
	Started         time.Time      `json:"started"`
	DurationSeconds float64        `json:"duration_seconds"`
	Attempts        int            `json:"attempts"`
	Parents         []string       `json:"parents"`
	Delegation      []string       `json:"delegation"`
	Counts          map[string]int `json:"counts"`
	Servers         []ServerResult `json:"servers"`
	Findings        []JSONFinding  `json:"findings"`
}

// JSONFinding is a Finding with its deduplication key.
type JSONFinding struct {
	Finding
	Key string `json:"key"`
}

// NewJSONReport builds the JSON document of results.
func NewJSONReport(results []*Result) JSONReport {
	rep := JSONReport{FormatVersion: JSONFormatVersion, Status: WorstOf(results), Zones: []JSONZone{}}
	rep.ExitCode = rep.Status.ExitCode()
	for _, r := range results {
		z := JSONZone{Zone: r.Zone, Status: r.Status, Mode: r.Mode, Started: r.Started.UTC(),
			DurationSeconds: r.Duration.Seconds(), Attempts: r.Attempts, Parents: r.Parents, Delegation: r.Delegation,
			Counts: r.Counts(), Servers: r.Servers, Findings: []JSONFinding{}}
		if z.Parents == nil {
			z.Parents = []string{}
		}
		if z.Delegation == nil {
			z.Delegation = []string{}
		}
		if z.Servers == nil {
			z.Servers = []ServerResult{}
		}
		for _, f := range r.Findings {
			z.Findings = append(z.Findings, JSONFinding{Finding: f, Key: f.Key()})
		}
		rep.Zones = append(rep.Zones, z)
	}
	return rep
}

// WriteJSON writes results as an indented JSONReport.
func WriteJSON(w io.Writer, results []*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewJSONReport(results))
}

// nagiosSafe keeps text from ending the plugin output's text part: "|"
// starts the performance data.
func nagiosSafe(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", "¦"), "\n", " ")
}

// Nagios returns the output of a Nagios/Icinga plugin: the status line
//
//	DNSQUORUM CRITICAL - example.test.: 1 drift, 1 unreachable | 'ok'=3 'unreachable'=1 ... 'time'=0.210s
//
// followed by one line per finding above OK (long output). Performance
// data sums every zone: 'ok' counts addresses that answer properly, the
// others count findings per check name. The exit code to use is
// WorstOf(results).ExitCode().
func Nagios(results []*Result) string {
	status := WorstOf(results)
	var parts []string
	total := map[string]int{"ok": 0}
	var dur time.Duration
	for _, r := range results {
		c := r.Counts()
		for k, v := range c {
			total[k] += v
		}
		dur += r.Duration
		var probs []string
		for _, name := range Checks {
			if c[name] > 0 {
				probs = append(probs, fmt.Sprintf("%d %s", c[name], name))
			}
		}
		switch {
		case r.Status == Unknown && len(r.Findings) > 0 && r.Findings[0].Check == CheckError:
			parts = append(parts, fmt.Sprintf("%s: %s", r.Zone, r.Findings[0].Message))
		case len(probs) == 0:
			parts = append(parts, fmt.Sprintf("%s: OK, %d addresses agree", r.Zone, c["ok"]))
		default:
			parts = append(parts, fmt.Sprintf("%s: %s", r.Zone, strings.Join(probs, ", ")))
		}
	}
	if len(results) == 0 {
		parts = append(parts, "no zones checked")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "DNSQUORUM %s - %s |", status, nagiosSafe(strings.Join(parts, "; ")))
	for _, k := range append([]string{"ok"}, Checks...) {
		fmt.Fprintf(&b, " '%s'=%d", k, total[k])
	}
	fmt.Fprintf(&b, " 'time'=%.3fs\n", dur.Seconds())
	for _, r := range results {
		for _, f := range r.Problems() {
			b.WriteString(nagiosSafe(f.String()) + "\n")
		}
	}
	return b.String()
}

// promEscape escapes a Prometheus label value.
func promEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// promLabels renders label pairs (name, value, name, value...) sorted by
// name.
func promLabels(kv ...string) string {
	type pair struct{ k, v string }
	var ps []pair
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, pair{kv[i], kv[i+1]})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].k < ps[j].k })
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%s="%s"`, p.k, promEscape(p.v))
	}
	b.WriteByte('}')
	return b.String()
}

// WritePrometheus writes results in the Prometheus text exposition format
// for node_exporter's textfile collector (no timestamps; write to a
// temporary file and rename it into the collector's directory):
//
//	dnsquorum_check_status{zone}                    0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
//	dnsquorum_check_findings{zone,check}            findings above OK, every check name present
//	dnsquorum_check_servers{zone,status}            addresses per status
//	dnsquorum_nameserver_up{zone,nameserver,address,provider}          1 when it answers authoritatively
//	dnsquorum_nameserver_soa_serial{zone,nameserver,address,provider}  its SOA serial
//	dnsquorum_check_duration_seconds{zone}
//	dnsquorum_check_last_run_timestamp_seconds{zone}
func WritePrometheus(w io.Writer, results []*Result) error {
	var b strings.Builder
	metric := func(name, help string, samples func()) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
		samples()
	}
	sample := func(name string, v float64, labels ...string) {
		fmt.Fprintf(&b, "%s%s %s\n", name, promLabels(labels...), strconv.FormatFloat(v, 'g', -1, 64))
	}
	metric("dnsquorum_check_status", "Outcome of the zone's last check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.", func() {
		for _, r := range results {
			sample("dnsquorum_check_status", float64(r.Status.ExitCode()), "zone", r.Zone)
		}
	})
	metric("dnsquorum_check_findings", "Findings above OK in the zone's last check, by check.", func() {
		for _, r := range results {
			c := r.Counts()
			for _, name := range Checks {
				sample("dnsquorum_check_findings", float64(c[name]), "zone", r.Zone, "check", name)
			}
		}
	})
	metric("dnsquorum_check_servers", "Nameserver addresses in the zone's last check, by status.", func() {
		for _, r := range results {
			n := map[string]int{}
			for _, s := range r.Servers {
				n[s.Status]++
			}
			for _, st := range []string{StatusOK, StatusUnreachable, StatusLame, StatusNotAuthoritative} {
				sample("dnsquorum_check_servers", float64(n[st]), "zone", r.Zone, "status", st)
			}
		}
	})
	metric("dnsquorum_nameserver_up", "1 when the address answers authoritatively for the zone, else 0.", func() {
		for _, r := range results {
			for _, s := range r.Servers {
				up := 0.0
				if s.Status == StatusOK {
					up = 1
				}
				sample("dnsquorum_nameserver_up", up, "zone", r.Zone, "nameserver", s.Nameserver, "address", s.Address, "provider", s.Provider)
			}
		}
	})
	metric("dnsquorum_nameserver_soa_serial", "SOA serial the address serves for the zone.", func() {
		for _, r := range results {
			for _, s := range r.Servers {
				if s.HasSerial {
					sample("dnsquorum_nameserver_soa_serial", float64(s.Serial), "zone", r.Zone, "nameserver", s.Nameserver, "address", s.Address, "provider", s.Provider)
				}
			}
		}
	})
	metric("dnsquorum_check_duration_seconds", "How long the zone's last check took.", func() {
		for _, r := range results {
			sample("dnsquorum_check_duration_seconds", r.Duration.Seconds(), "zone", r.Zone)
		}
	})
	metric("dnsquorum_check_last_run_timestamp_seconds", "When the zone's last check started (Unix time).", func() {
		for _, r := range results {
			sample("dnsquorum_check_last_run_timestamp_seconds", float64(r.Started.UnixMilli())/1000, "zone", r.Zone)
		}
	})
	_, err := io.WriteString(w, b.String())
	return err
}
