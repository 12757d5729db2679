package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// RenderPlan writes plan p as text: a header naming the provider and zone,
// one line per change ("+ name ttl TYPE rdata" for a create, "-" for a
// delete, "~ name TYPE" followed by the records removed (-) and added (+)
// for an update, or a "ttl A → B" note when only the TTL changes), then a
// summary line and, when the plan needs --force, the safety warning. Lines
// are colored (create green, delete red, update yellow) only when ios allows
// color.
func RenderPlan(ios *IO, w io.Writer, p *zone.Plan) {
	header := fmt.Sprintf("Provider %s, zone %s", p.Provider, p.Zone)
	if p.CreateZone {
		header += " (the provider does not have the zone yet: it will be created)"
	}
	fmt.Fprintln(w, ios.Bold(header+":"))
	if p.Empty() {
		fmt.Fprintln(w, "  No changes: the provider serves the desired records.")
		return
	}
	for _, c := range p.Changes {
		switch c.Action {
		case zone.Create:
			for _, rr := range c.New.Records {
				fmt.Fprintln(w, ios.Green("+ "+recordLine(rr)))
			}
		case zone.Delete:
			for _, rr := range c.Old.Records {
				fmt.Fprintln(w, ios.Red("- "+recordLine(rr)))
			}
		case zone.Update:
			renderUpdate(ios, w, c)
		}
	}
	s := p.Summary
	fmt.Fprintf(w, "Plan: %d to create, %d to update, %d to delete.\n", s.Create, s.Update, s.Delete)
	if p.Safety.RequiresForce {
		fmt.Fprintln(w, ios.Yellow("Warning: "+p.Safety.Reason+"; sync refuses this plan without --force."))
	}
}

// renderUpdate writes an update: "~ name TYPE", then the records. When the
// TTL is unchanged, records kept are shown as context and only the removed
// and added ones are marked; when it changes, every old record is removed
// and every new one added.
func renderUpdate(ios *IO, w io.Writer, c zone.Change) {
	head := fmt.Sprintf("~ %s %s", c.Key.Name, dns.Type(c.Key.Type))
	if c.TTLOnly() {
		fmt.Fprintln(w, ios.Yellow(fmt.Sprintf("%s  ttl %d → %d", head, c.Old.TTL, c.New.TTL)))
		return
	}
	if c.Old.TTL != c.New.TTL {
		head += fmt.Sprintf("  ttl %d → %d", c.Old.TTL, c.New.TTL)
	}
	fmt.Fprintln(w, ios.Yellow(head))
	if c.Old.TTL != c.New.TTL {
		for _, rr := range c.Old.Records {
			fmt.Fprintln(w, ios.Red("    - "+recordLine(rr)))
		}
		for _, rr := range c.New.Records {
			fmt.Fprintln(w, ios.Green("    + "+recordLine(rr)))
		}
		return
	}
	removed := map[string]bool{}
	for _, rr := range c.Removed() {
		removed[zone.Rdata(rr)] = true
	}
	added := map[string]bool{}
	for _, rr := range c.Added() {
		added[zone.Rdata(rr)] = true
	}
	// Old and new records are both sorted by RDATA: merge them so the
	// lines come in one order.
	i, j := 0, 0
	for i < len(c.Old.Records) || j < len(c.New.Records) {
		var o, n string
		if i < len(c.Old.Records) {
			o = zone.Rdata(c.Old.Records[i])
		}
		if j < len(c.New.Records) {
			n = zone.Rdata(c.New.Records[j])
		}
		switch {
		case j >= len(c.New.Records) || (i < len(c.Old.Records) && o < n):
			if removed[o] {
				fmt.Fprintln(w, ios.Red("    - "+recordLine(c.Old.Records[i])))
			} else {
				fmt.Fprintln(w, "      "+recordLine(c.Old.Records[i]))
			}
			i++
		case i >= len(c.Old.Records) || n < o:
			if added[n] {
				fmt.Fprintln(w, ios.Green("    + "+recordLine(c.New.Records[j])))
			} else {
				fmt.Fprintln(w, "      "+recordLine(c.New.Records[j]))
			}
			j++
		default: // the same record on both sides
			fmt.Fprintln(w, "      "+recordLine(c.New.Records[j]))
			i, j = i+1, j+1
		}
	}
}

// recordLine renders a record as "name ttl TYPE rdata" (no class).
func recordLine(rr dns.RR) string {
	h := rr.Header()
	return strings.Join([]string{h.Name, fmt.Sprint(h.Ttl), dns.Type(h.Rrtype).String(), zone.Rdata(rr)}, " ")
}
