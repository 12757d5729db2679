package alert

import (
	"github.com/dnsquorum/dnsquorum/check"
)

// FromCheck converts a check result into a report. A result with a
// CheckError finding (the check could not run) is incomplete: the zone's
// known problems stay open. Problems at an address that did not answer
// properly (unreachable, lame, not authoritative) stay open too, since
// nothing could be compared there.
func FromCheck(res *check.Result) ZoneReport {
	rep := ZoneReport{Zone: res.Zone, CheckedAt: res.Started}
	for _, f := range res.Problems() {
		if f.Check == check.CheckError {
			rep.Incomplete = true
		}
		rep.Problems = append(rep.Problems, Problem{
			Zone: f.Zone, Check: f.Check, Nameserver: f.Nameserver, Provider: f.Provider, Address: f.Address, Record: f.Record,
			Severity: Severity(f.Severity.ExitCode()), Expected: f.Expected, Got: f.Got, Message: f.Message,
		})
	}
	for _, s := range res.Servers {
		if s.Status != check.StatusOK && s.Address != "" {
			if rep.Unverified == nil {
				rep.Unverified = map[string]bool{}
			}
			rep.Unverified[s.Address] = true
		}
	}
	return rep
}

// FromChecks converts several results.
func FromChecks(results []*check.Result) []ZoneReport {
	out := make([]ZoneReport, 0, len(results))
	for _, r := range results {
		if r != nil {
			out = append(out, FromCheck(r))
		}
	}
	return out
}
