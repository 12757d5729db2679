package watch

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/dnsquorum/dnsquorum/check"
)

// statusPage is the model of the status page.
type statusPage struct {
	Title    string
	Refresh  int
	Status   string // ok, warning, critical, unknown, pending
	Summary  string
	Now      string
	Vantage  string
	Interval string
	Addrs    []addrCol
	Rows     []statusRow
	Findings []findingRow
	AlertErr string
}

type addrCol struct {
	Address string
	Names   string
}

type statusRow struct {
	Zone    string
	Status  string // css class and data-status
	Label   string
	Checked string
	Cells   []statusCell
	Error   string
}

type statusCell struct {
	Address string
	Status  string // ok, warning, critical, unknown, none
	Text    string
	Title   string
}

type findingRow struct {
	Zone, Severity, Check, Where, Record, Message, Age, Key string
	AgeSeconds                                              int64
}

// sevClass maps a severity to the page's status classes.
func sevClass(s check.Severity) string { return strings.ToLower(s.String()) }

// buildStatus turns what the monitor knows into the page model.
func (m *Monitor) buildStatus() statusPage {
	zones := m.Zones()
	now := m.opts.Now()
	m.mu.RLock()
	alertErr := m.alertErr
	m.mu.RUnlock()
	addrs, names := addressesOf(zones)
	p := statusPage{
		Refresh:  max(5, int(m.opts.Interval/time.Second)),
		Now:      now.UTC().Format(time.RFC3339),
		Vantage:  m.opts.AlertOptions.Vantage,
		Interval: m.opts.Interval.String(),
	}
	if p.Vantage == "" && m.opts.Alerts != nil {
		p.Vantage = m.opts.Alerts.Vantage
	}
	if alertErr != nil {
		p.AlertErr = alertErr.Error()
	}
	for _, a := range addrs {
		p.Addrs = append(p.Addrs, addrCol{Address: a, Names: strings.Join(names[a], " ")})
	}
	counts := map[string]int{}
	worst, pending := check.OK, 0
	for _, zv := range zones {
		row := statusRow{Zone: zv.Zone}
		if zv.Result == nil {
			row.Status, row.Label, row.Checked = "pending", "PENDING", "not yet"
			pending++
			for _, a := range addrs {
				row.Cells = append(row.Cells, statusCell{Address: a, Status: "none", Text: "·"})
			}
			p.Rows = append(p.Rows, row)
			continue
		}
		res := zv.Result
		worst = check.Worst(worst, res.Status)
		row.Status, row.Label = sevClass(res.Status), res.Status.String()
		counts[row.Status]++
		row.Checked = age(now.Sub(zv.Checked)) + " ago"
		for _, f := range res.Problems() {
			if f.Check == check.CheckError {
				row.Error = f.Message
			}
		}
		byAddr := map[string]check.ServerResult{}
		for _, s := range res.Servers {
			byAddr[s.Address] = s
		}
		for _, a := range addrs {
			s, ok := byAddr[a]
			if !ok {
				row.Cells = append(row.Cells, statusCell{Address: a, Status: "none", Text: "–", Title: "not a nameserver of " + zv.Zone})
				continue
			}
			sev, n := check.OK, 0
			var lines []string
			for _, f := range res.Problems() {
				if f.Address == a {
					sev = check.Worst(sev, f.Severity)
					n++
					lines = append(lines, f.Check+": "+f.Message)
				}
			}
			if s.Status != check.StatusOK {
				sev = check.Worst(sev, check.Critical)
				if n == 0 {
					lines = append(lines, s.Status+" "+s.Detail)
				}
			}
			c := statusCell{Address: a, Status: sevClass(sev), Text: "OK"}
			switch sev {
			case check.Warning:
				c.Text = "WARN"
			case check.Critical:
				c.Text = "CRIT"
			case check.Unknown:
				c.Text = "UNKN"
			}
			if n > 0 {
				c.Text += fmt.Sprintf(" %d", n)
			}
			c.Title = s.Nameserver + " " + a
			if len(lines) > 0 {
				c.Title += ": " + strings.Join(lines, "; ")
			}
			row.Cells = append(row.Cells, c)
		}
		for _, f := range res.Problems() {
			where := strings.TrimSpace(f.Nameserver + " " + f.Address)
			msg := f.Message
			if f.Expected != "" || f.Got != "" {
				msg += fmt.Sprintf(" (expected %s, got %s)", orNone(f.Expected), orNone(f.Got))
			}
			first, ok := zv.FirstSeen[f.Key()]
			if !ok {
				first = res.Started
			}
			d := now.Sub(first)
			p.Findings = append(p.Findings, findingRow{
				Zone: f.Zone, Severity: sevClass(f.Severity), Check: f.Check, Where: where, Record: f.Record,
				Message: msg, Age: age(d), AgeSeconds: int64(d / time.Second), Key: f.Key(),
			})
		}
		p.Rows = append(p.Rows, row)
	}
	sort.SliceStable(p.Findings, func(i, j int) bool {
		ri, rj := sevRank(p.Findings[i].Severity), sevRank(p.Findings[j].Severity)
		if ri != rj {
			return ri > rj
		}
		return p.Findings[i].AgeSeconds > p.Findings[j].AgeSeconds
	})
	p.Status = sevClass(worst)
	if pending == len(zones) {
		p.Status = "pending"
	}
	var parts []string
	for _, s := range []string{"critical", "unknown", "warning", "ok"} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], strings.ToUpper(s)))
		}
	}
	if pending > 0 {
		parts = append(parts, fmt.Sprintf("%d pending", pending))
	}
	noun := "zones"
	if len(zones) == 1 {
		noun = "zone"
	}
	p.Summary = fmt.Sprintf("%d %s: %s", len(zones), noun, strings.Join(parts, ", "))
	p.Title = fmt.Sprintf("%s · dnsquorum", strings.ToUpper(p.Status))
	return p
}

func sevRank(s string) int {
	switch s {
	case "critical":
		return 3
	case "unknown":
		return 2
	case "warning":
		return 1
	}
	return 0
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// age renders a duration for people: "45s", "12m", "3h20m", "2d4h".
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

func (m *Monitor) serveStatus(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, m.buildStatus()); err != nil {
		http.Error(w, "status page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Nothing external: no scripts at all, styles inline, no images.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}

var statusTemplate = template.Must(template.New("status").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="{{.Refresh}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { --ok:#1b7f3b; --warn:#b86e00; --crit:#c0261f; --none:#eceff1; --ink:#1c2329; --mute:#5f6b75; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafbfc; }
header { padding: 14px 20px; color: #fff; background: var(--mute); display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header.ok { background: var(--ok); } header.warning, header.unknown { background: var(--warn); } header.critical { background: var(--crit); }
header h1 { margin: 0; font-size: 20px; }
header .meta { opacity: .9; font-size: 13px; }
main { padding: 16px 20px; }
h2 { font-size: 16px; margin: 22px 0 8px; }
table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
th, td { padding: 6px 10px; border: 1px solid #dde3e8; text-align: left; vertical-align: top; }
thead th { background: #f1f4f6; font-weight: 600; font-size: 12px; }
thead th small { display: block; font-weight: 400; color: var(--mute); }
tbody th { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 600; }
td.cell, td.zstatus { text-align: center; font-weight: 700; min-width: 72px; color: #fff; }
.ok { background: var(--ok); } .warning, .unknown { background: var(--warn); } .critical { background: var(--crit); }
td.none, td.pending { background: var(--none); color: var(--mute); font-weight: 400; }
td.sev { color: #fff; font-weight: 700; text-transform: uppercase; font-size: 12px; }
.zerr { display: block; font-weight: 400; font-size: 12px; color: var(--crit); font-family: system-ui, sans-serif; }
.findings td { font-size: 13px; } .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.empty { color: var(--mute); }
.alerterr { margin: 0 0 12px; padding: 8px 12px; background: #fdecea; border: 1px solid var(--crit); }
footer { padding: 12px 20px; color: var(--mute); font-size: 12px; }
</style>
</head>
<body>
<header id="summary" class="{{.Status}}" data-status="{{.Status}}">
<h1>dnsquorum: {{.Summary}}</h1>
<span class="meta">checked every {{.Interval}}{{if .Vantage}} from {{.Vantage}}{{end}} · page refreshes every {{.Refresh}}s · {{.Now}}</span>
</header>
<main>
{{if .AlertErr}}<p class="alerterr" id="alert-error">Alerting is not working: {{.AlertErr}}</p>{{end}}
<table id="matrix" class="matrix">
<thead><tr><th>zone</th><th>status</th>{{range .Addrs}}<th data-address="{{.Address}}">{{.Address}}<small>{{.Names}}</small></th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr data-zone="{{.Zone}}" data-status="{{.Status}}">
<th>{{.Zone}}{{if .Error}}<span class="zerr">{{.Error}}</span>{{end}}</th>
<td class="zstatus {{.Status}}" title="checked {{.Checked}}">{{.Label}}</td>
{{range .Cells}}<td class="cell {{.Status}}" data-address="{{.Address}}" data-status="{{.Status}}"{{if .Title}} title="{{.Title}}"{{end}}>{{.Text}}</td>{{end}}
</tr>
{{end}}</tbody>
</table>
<h2>Open findings ({{len .Findings}})</h2>
{{if .Findings}}<table id="findings" class="findings">
<thead><tr><th>severity</th><th>zone</th><th>check</th><th>nameserver</th><th>record</th><th>what</th><th>open for</th></tr></thead>
<tbody>
{{range .Findings}}<tr data-zone="{{.Zone}}" data-severity="{{.Severity}}" data-check="{{.Check}}" data-age-seconds="{{.AgeSeconds}}">
<td class="sev {{.Severity}}">{{.Severity}}</td><td class="mono">{{.Zone}}</td><td>{{.Check}}</td><td class="mono">{{.Where}}</td><td class="mono">{{.Record}}</td><td>{{.Message}}</td><td>{{.Age}}</td>
</tr>
{{end}}</tbody>
</table>{{else}}<p id="findings" class="empty">None: every nameserver serves the desired data.</p>{{end}}
</main>
<footer>dnsquorum watch · green: serves the desired data · amber: warning or unknown · red: wrong data, unreachable or lame · /metrics · /healthz</footer>
</body>
</html>
`))
