package main

import (
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/zone"
)

// renderFixturePlan is a plan with one change of every kind: a create, a
// delete, an update of some records, a TTL-only update, and an update of
// TTL and records.
func renderFixturePlan() *zone.Plan {
	desired := zone.MustParse("example.com.", `www 300 A 192.0.2.1
api 300 A 192.0.2.10
api 300 A 192.0.2.12
mail 600 MX 10 mx1
txt 300 TXT "new"
`)
	actual := zone.MustParse("example.com.", `old 300 TXT "bye"
api 300 A 192.0.2.10
api 300 A 192.0.2.11
mail 300 MX 10 mx1
txt 60 TXT "old"
`)
	return zone.NewPlan("example.com.", "bind", desired, actual, zone.PlanOptions{})
}

const renderFixtureText = `Provider bind, zone example.com.:
~ api.example.com. A
      api.example.com. 300 A 192.0.2.10
    - api.example.com. 300 A 192.0.2.11
    + api.example.com. 300 A 192.0.2.12
~ mail.example.com. MX  ttl 300 → 600
- old.example.com. 300 TXT "bye"
~ txt.example.com. TXT  ttl 60 → 300
    - txt.example.com. 60 TXT "old"
    + txt.example.com. 300 TXT "new"
+ www.example.com. 300 A 192.0.2.1
Plan: 1 to create, 3 to update, 1 to delete.
`

func TestRenderPlanText(t *testing.T) {
	ios, out, _ := TestIO("")
	ios.SetColor(false)
	RenderPlan(ios, ios.Out, renderFixturePlan())
	if out.String() != renderFixtureText {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), renderFixtureText)
	}
}

func TestRenderPlanColor(t *testing.T) {
	ios, out, _ := TestIO("")
	ios.SetColor(true)
	RenderPlan(ios, ios.Out, renderFixturePlan())
	const (
		green  = "\x1b[32m"
		red    = "\x1b[31m"
		yellow = "\x1b[33m"
		bold   = "\x1b[1m"
		reset  = "\x1b[0m"
	)
	want := []string{
		bold + "Provider bind, zone example.com.:" + reset,
		yellow + "~ api.example.com. A" + reset,
		"      api.example.com. 300 A 192.0.2.10",
		red + "    - api.example.com. 300 A 192.0.2.11" + reset,
		green + "    + api.example.com. 300 A 192.0.2.12" + reset,
		yellow + "~ mail.example.com. MX  ttl 300 → 600" + reset,
		red + `- old.example.com. 300 TXT "bye"` + reset,
		yellow + "~ txt.example.com. TXT  ttl 60 → 300" + reset,
		red + `    - txt.example.com. 60 TXT "old"` + reset,
		green + `    + txt.example.com. 300 TXT "new"` + reset,
		green + "+ www.example.com. 300 A 192.0.2.1" + reset,
		"Plan: 1 to create, 3 to update, 1 to delete.",
		"",
	}
	if got := out.String(); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%q\nwant:\n%q", got, strings.Join(want, "\n"))
	}
}

// TestRenderPlanTTY: color follows the terminal and NO_COLOR, not a flag.
func TestRenderPlanTTY(t *testing.T) {
	t.Setenv("TERM", "xterm")
	for _, tt := range []struct {
		name    string
		tty     bool
		noColor bool
		color   bool
	}{
		{"terminal", true, false, true},
		{"terminal with NO_COLOR", true, true, false},
		{"pipe", false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.noColor {
				t.Setenv("NO_COLOR", "")
			}
			ios, out, _ := TestIO("")
			ios.SetTTY(false, tt.tty, tt.tty)
			RenderPlan(ios, ios.Out, renderFixturePlan())
			if got := strings.Contains(out.String(), "\x1b["); got != tt.color {
				t.Errorf("colored %v, want %v:\n%q", got, tt.color, out.String())
			}
			if plain := stripANSI(out.String()); plain != renderFixtureText {
				t.Errorf("text without color:\n%s\nwant:\n%s", plain, renderFixtureText)
			}
		})
	}
}

func TestRenderPlanEmptyCreateZoneForce(t *testing.T) {
	sets := zone.MustParse("example.com.", "a 300 A 192.0.2.1\n")
	ios, out, _ := TestIO("")
	RenderPlan(ios, ios.Out, zone.NewPlan("example.com.", "pdns", sets, sets, zone.PlanOptions{}))
	want := "Provider pdns, zone example.com.:\n  No changes: the provider serves the desired records.\n"
	if out.String() != want {
		t.Errorf("empty plan:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	p := zone.NewPlan("example.com.", "pdns", sets, zone.NewRRsets(), zone.PlanOptions{})
	p.CreateZone = true
	RenderPlan(ios, ios.Out, p)
	want = "Provider pdns, zone example.com. (the provider does not have the zone yet: it will be created):\n+ a.example.com. 300 A 192.0.2.1\nPlan: 1 to create, 0 to update, 0 to delete.\n"
	if out.String() != want {
		t.Errorf("create zone:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	var b strings.Builder
	for i := range 10 {
		b.WriteString("h" + string(rune('a'+i)) + " 300 A 192.0.2.1\n")
	}
	p = zone.NewPlan("example.com.", "pdns", zone.NewRRsets(), zone.MustParse("example.com.", b.String()), zone.PlanOptions{})
	RenderPlan(ios, ios.Out, p)
	wantTail := "Plan: 0 to create, 0 to update, 10 to delete.\nWarning: updates and deletes touch 10 of 10 existing records (100%), over the 30% threshold; sync refuses this plan without --force.\n"
	if !strings.HasSuffix(out.String(), wantTail) {
		t.Errorf("unsafe plan:\n%s\nwant the end:\n%s", out.String(), wantTail)
	}
}

// stripANSI removes color escape sequences.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
