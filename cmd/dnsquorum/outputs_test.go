package main

// Golden tests of the machine-readable outputs documented in
// docs/output-formats.md. Each JSON format is decoded into a doc* struct that
// lists exactly the documented fields: a field the output has and the struct
// does not fails the strict decode (document it, then add it here); a
// documented field the output lacks, or one of another JSON type, fails
// documentedShape. Fields tagged omitempty here are the ones the document
// calls optional; pointers are the ones it allows to be null.
// TestOutputFormatsDocumented keeps this file and the document in step.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dnsquorum/dnsquorum/check"
	"github.com/dnsquorum/dnsquorum/check/alert"
	"github.com/dnsquorum/dnsquorum/zone"
)

// outputFormatsDoc is the document these tests mirror.
const outputFormatsDoc = "../../docs/output-formats.md"

// --- validate -o json ---

type docValidate struct {
	FormatVersion int                  `json:"format_version"`
	Valid         bool                 `json:"valid"`
	Errors        int                  `json:"errors"`
	Warnings      int                  `json:"warnings"`
	Findings      []docValidateFinding `json:"findings"`
}

type docValidateFinding struct {
	Position docPosition `json:"position"`
	Severity string      `json:"severity"`
	Rule     string      `json:"rule"`
	Zone     string      `json:"zone,omitempty"`
	Message  string      `json:"message"`
}

type docPosition struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col,omitempty"`
}

// --- diff -o json ---

type docDiff struct {
	FormatVersion int              `json:"format_version"`
	InSync        bool             `json:"in_sync"`
	Plans         []docPlan        `json:"plans"`
	Errors        []docTargetError `json:"errors"`
}

type docTargetError struct {
	Provider string `json:"provider"`
	Zone     string `json:"zone"`
	Error    string `json:"error"`
}

type docPlan struct {
	FormatVersion int         `json:"format_version"`
	Zone          string      `json:"zone"`
	Provider      string      `json:"provider"`
	CreateZone    bool        `json:"create_zone"`
	Basis         string      `json:"basis"`
	Changes       []docChange `json:"changes"`
	Summary       docSummary  `json:"summary"`
	Safety        docSafety   `json:"safety"`
}

type docChange struct {
	Action string    `json:"action"`
	Name   string    `json:"name"`
	Type   string    `json:"type"`
	Old    *docRRset `json:"old"`
	New    *docRRset `json:"new"`
}

type docRRset struct {
	TTL     uint32   `json:"ttl"`
	Records []string `json:"records"`
}

type docSummary struct {
	Create          int `json:"create"`
	Update          int `json:"update"`
	Delete          int `json:"delete"`
	ExistingRecords int `json:"existing_records"`
	DesiredRecords  int `json:"desired_records"`
}

type docSafety struct {
	Threshold       float64 `json:"threshold"`
	MinRecords      int     `json:"min_records"`
	AffectedRecords int     `json:"affected_records"`
	RequiresForce   bool    `json:"requires_force"`
	Reason          string  `json:"reason,omitempty"`
}

// --- check -o json ---

type docCheck struct {
	FormatVersion int            `json:"format_version"`
	Status        string         `json:"status"`
	ExitCode      int            `json:"exit_code"`
	Zones         []docCheckZone `json:"zones"`
}

type docCheckZone struct {
	Zone            string            `json:"zone"`
	Status          string            `json:"status"`
	Mode            string            `json:"mode,omitempty"`
	Started         time.Time         `json:"started"`
	DurationSeconds float64           `json:"duration_seconds"`
	Attempts        int               `json:"attempts"`
	Parents         []string          `json:"parents"`
	Delegation      []string          `json:"delegation"`
	Counts          map[string]int    `json:"counts"`
	Servers         []docCheckServer  `json:"servers"`
	Findings        []docCheckFinding `json:"findings"`
}

type docCheckServer struct {
	Nameserver     string   `json:"nameserver"`
	Address        string   `json:"address"`
	Provider       string   `json:"provider,omitempty"`
	Sources        []string `json:"sources"`
	AddressSources []string `json:"address_sources"`
	Status         string   `json:"status"`
	Detail         string   `json:"detail,omitempty"`
	Serial         uint32   `json:"serial"`
	HasSerial      bool     `json:"has_serial"`
	Mode           string   `json:"mode,omitempty"`
	RRsets         int      `json:"rrsets"`
	Queries        int      `json:"queries"`
	TCP            int      `json:"tcp"`
}

type docCheckFinding struct {
	Zone       string `json:"zone"`
	Check      string `json:"check"`
	Severity   string `json:"severity"`
	Nameserver string `json:"nameserver,omitempty"`
	Address    string `json:"address,omitempty"`
	Provider   string `json:"provider,omitempty"`
	Record     string `json:"record,omitempty"`
	Expected   string `json:"expected,omitempty"`
	Got        string `json:"got,omitempty"`
	Message    string `json:"message"`
	Key        string `json:"key"`
}

// --- alert notifications (webhook body, exec stdin) ---

type docNotification struct {
	FormatVersion int             `json:"format_version"`
	Sink          string          `json:"sink"`
	Vantage       string          `json:"vantage,omitempty"`
	SentAt        time.Time       `json:"sent_at"`
	Zones         []docZoneNotice `json:"zones"`
}

type docZoneNotice struct {
	Zone     string     `json:"zone"`
	Status   string     `json:"status"`
	Severity string     `json:"severity"`
	DedupKey string     `json:"dedup_key"`
	Since    *time.Time `json:"since,omitempty"`
	Findings []docItem  `json:"findings"`
}

type docItem struct {
	Zone             string     `json:"zone"`
	Check            string     `json:"check"`
	Nameserver       string     `json:"nameserver,omitempty"`
	Provider         string     `json:"provider,omitempty"`
	Address          string     `json:"address,omitempty"`
	Record           string     `json:"record,omitempty"`
	Severity         string     `json:"severity"`
	Expected         string     `json:"expected,omitempty"`
	Got              string     `json:"got,omitempty"`
	Message          string     `json:"message"`
	Key              string     `json:"key"`
	DedupKey         string     `json:"dedup_key"`
	Status           string     `json:"status"`
	PreviousSeverity *string    `json:"previous_severity,omitempty"`
	FirstSeen        time.Time  `json:"first_seen"`
	LastSeen         time.Time  `json:"last_seen"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
}

// promDocumented is the documented metric set of check -o prometheus:
// metric name → its label names, sorted.
var promDocumented = map[string][]string{
	"dnsquorum_check_status":                     {"zone"},
	"dnsquorum_check_findings":                   {"check", "zone"},
	"dnsquorum_check_servers":                    {"status", "zone"},
	"dnsquorum_nameserver_up":                    {"address", "nameserver", "provider", "zone"},
	"dnsquorum_nameserver_soa_serial":            {"address", "nameserver", "provider", "zone"},
	"dnsquorum_check_duration_seconds":           {"zone"},
	"dnsquorum_check_last_run_timestamp_seconds": {"zone"},
}

// decodeDocumented decodes data, one JSON document, into v (a pointer to a
// doc* struct) refusing fields the struct does not list, then checks that
// every documented field is present with its documented JSON type.
func decodeDocumented(t *testing.T, what string, data []byte, v any) {
	t.Helper()
	if !reflect.ValueOf(v).Elem().IsZero() {
		t.Fatalf("%s: test bug: decoding into a used value merges with what it holds", what)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v (an undocumented or retyped field? see %s)\n%s", what, err, outputFormatsDoc, data)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("%s: more than one JSON document\n%s", what, data)
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if probs := documentedShape(what, raw, reflect.TypeOf(v).Elem()); len(probs) > 0 {
		t.Fatalf("%s does not match %s:\n  %s\n%s", what, outputFormatsDoc, strings.Join(probs, "\n  "), data)
	}
}

var timeType = reflect.TypeOf(time.Time{})

// jsonName returns a struct field's JSON name and whether it is optional
// (omitempty).
func jsonName(f reflect.StructField) (string, bool) {
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name, opts == "omitempty"
}

// documentedShape lists how raw (decoded into any) differs from the shape
// of t: a required field missing, null where not allowed, another JSON type.
func documentedShape(path string, raw any, t reflect.Type) []string {
	bad := func(format string, args ...any) []string { return []string{path + ": " + fmt.Sprintf(format, args...)} }
	if t == timeType {
		s, ok := raw.(string)
		if !ok {
			return bad("want an RFC 3339 string, got %T", raw)
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return bad("%v", err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if raw == nil {
			return nil
		}
		return documentedShape(path, raw, t.Elem())
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return bad("want an object, got %T", raw)
		}
		var out []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, optional := jsonName(f)
			v, present := obj[name]
			switch {
			case !present && !optional:
				out = append(out, path+"."+name+": documented field missing")
			case present && v == nil && f.Type.Kind() != reflect.Pointer:
				out = append(out, path+"."+name+": null, documented as never null")
			case present:
				out = append(out, documentedShape(path+"."+name, v, f.Type)...)
			}
		}
		return out
	case reflect.Slice:
		arr, ok := raw.([]any)
		if !ok {
			return bad("want an array, got %T", raw)
		}
		var out []string
		for i, v := range arr {
			out = append(out, documentedShape(fmt.Sprintf("%s[%d]", path, i), v, t.Elem())...)
		}
		return out
	case reflect.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			return bad("want an object, got %T", raw)
		}
		var out []string
		for k, v := range obj {
			out = append(out, documentedShape(path+"."+k, v, t.Elem())...)
		}
		return out
	case reflect.String:
		if _, ok := raw.(string); !ok {
			return bad("want a string, got %T", raw)
		}
	case reflect.Bool:
		if _, ok := raw.(bool); !ok {
			return bad("want a boolean, got %T", raw)
		}
	case reflect.Int, reflect.Uint32:
		n, ok := raw.(float64)
		if !ok || n != math.Trunc(n) {
			return bad("want an integer, got %v", raw)
		}
	case reflect.Float64:
		if _, ok := raw.(float64); !ok {
			return bad("want a number, got %T", raw)
		}
	default:
		return bad("test bug: no rule for %s", t)
	}
	return nil
}

// oneOf reports an error unless v is one of the documented values.
func oneOf(t *testing.T, what, v string, allowed ...string) {
	t.Helper()
	if !slices.Contains(allowed, v) {
		t.Errorf("%s = %q, documented values: %q", what, v, allowed)
	}
}

const outputsValidateConfig = `providers:
  alpha: { type: memory }
  beta:  { type: memory }
zones:
  example.com.:
    providers: [alpha, beta]
    records:
      "@": { NS: [ns1.alpha.net., ns1.beta.org.], A: 192.0.2.1 }
      www: { CNAME: example.com., A: 192.0.2.2 }
  example.net.:
    providers: [alpha]
    records:
      "@": { NS: [ns1.alpha.net.], A: 192.0.2.9 }
`

// TestValidateJSONDocumented: validate -o json, with findings that have
// every optional field and findings that have none.
func TestValidateJSONDocumented(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(outputsValidateConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "-c", path, "validate", "-o", "json")
	if code != ExitError {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr is documented as empty: %q", errOut)
	}
	var v docValidate
	decodeDocumented(t, "validate -o json", []byte(out), &v)
	if v.FormatVersion != 1 || v.Valid || v.Errors != 1 || v.Warnings != 1 || len(v.Findings) != 2 {
		t.Fatalf("document %+v", v)
	}
	errs, warns := 0, 0
	for i, f := range v.Findings {
		oneOf(t, fmt.Sprintf("findings[%d].severity", i), f.Severity, "error", "warning")
		if f.Severity == "error" {
			errs++
		} else {
			warns++
		}
		if f.Position.File != path || f.Position.Line < 1 || f.Position.Col < 1 || f.Zone == "" || f.Rule == "" || f.Message == "" {
			t.Errorf("findings[%d] = %+v: want every field set", i, f)
		}
	}
	if errs != v.Errors || warns != v.Warnings {
		t.Errorf("errors/warnings = %d/%d, findings say %d/%d", v.Errors, v.Warnings, errs, warns)
	}
	if f := v.Findings[0]; f.Rule != zone.RuleCNAMEWithOtherData || f.Zone != "example.com." || f.Position.Line != 9 {
		t.Errorf("first finding %+v", f)
	}

	// A file that cannot be read: line 0, no col, no zone (left out, not
	// empty).
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	code, out, _ = run(t, "-c", missing, "validate", "-o", "json")
	if code != ExitError {
		t.Errorf("unreadable file: exit %d, want 1", code)
	}
	var unreadable docValidate
	decodeDocumented(t, "validate -o json (unreadable file)", []byte(out), &unreadable)
	if f := unreadable.Findings; unreadable.Valid || len(f) != 1 || f[0].Rule != zone.RuleReadConfig || f[0].Position.Line != 0 || f[0].Position.Col != 0 || f[0].Zone != "" {
		t.Fatalf("unreadable file: %+v", unreadable)
	}
	for _, key := range []string{`"col"`, `"zone"`} {
		if strings.Contains(out, key) {
			t.Errorf("unreadable file: %s is documented as left out when unknown:\n%s", key, out)
		}
	}

	// Valid (warnings allowed): exit 0, valid true, findings [] not null.
	ok := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(ok, []byte(strings.Replace(outputsValidateConfig, "www: { CNAME: example.com., A: 192.0.2.2 }", "www: { CNAME: example.com. }", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "-c", ok, "validate", "-o", "json")
	var valid docValidate
	decodeDocumented(t, "validate -o json (valid)", []byte(out), &valid)
	if code != ExitOK || !valid.Valid || valid.Errors != 0 || valid.Warnings != 1 || len(valid.Findings) != 1 {
		t.Errorf("valid file: exit %d, %+v", code, valid)
	}
}

// githubLine is the documented syntax of validate -o github.
var githubLine = regexp.MustCompile(`^::(error|warning) file=([^,:]*)(?:,line=([1-9][0-9]*))?(?:,col=([1-9][0-9]*))?,title=([a-z0-9-]+)::(.*)$`)

// TestValidateGitHubDocumented: one workflow command per finding, in the
// order and with the values of -o json, properties escaped; the summary on
// stderr.
func TestValidateGitHubDocumented(t *testing.T) {
	// A directory with "," and ":" in its name: both must be escaped in
	// the file property.
	dir := filepath.Join(t.TempDir(), "a,b:c")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(outputsValidateConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	_, jsonOut, _ := run(t, "-c", path, "validate", "-o", "json")
	var v docValidate
	decodeDocumented(t, "validate -o json", []byte(jsonOut), &v)

	code, out, errOut := run(t, "-c", path, "validate", "-o", "github")
	if code != ExitError {
		t.Errorf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(v.Findings) {
		t.Fatalf("%d lines for %d findings:\n%s", len(lines), len(v.Findings), out)
	}
	unescape := strings.NewReplacer("%2C", ",", "%3A", ":", "%0D", "\r", "%0A", "\n", "%25", "%")
	for i, l := range lines {
		m := githubLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %d does not match the documented syntax: %q", i, l)
			continue
		}
		f := v.Findings[i]
		if m[1] != f.Severity || unescape.Replace(m[2]) != f.Position.File || m[3] != strconv.Itoa(f.Position.Line) ||
			m[4] != strconv.Itoa(f.Position.Col) || m[5] != f.Rule || unescape.Replace(m[6]) != f.Message {
			t.Errorf("line %d %q does not carry finding %+v", i, l, f)
		}
	}
	if want := path + ": 1 error, 1 warning\n"; errOut != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}

	// No line and no column: both properties left out.
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	_, out, _ = run(t, "-c", missing, "validate", "-o", "github")
	m := githubLine.FindStringSubmatch(strings.TrimSuffix(out, "\n"))
	if m == nil || m[3] != "" || m[4] != "" || m[5] != zone.RuleReadConfig {
		t.Errorf("unreadable file: %q", out)
	}
}

// outputsRuns numbers the runs of TestDiffJSONDocumented in this process.
var outputsRuns atomic.Int64

// basisRE is the documented form of a plan's basis.
var basisRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// TestDiffJSONDocumented: diff -o json with a plan that creates the zone,
// one with every action and a safety reason, and a provider that cannot be
// read; then the same configuration in sync.
func TestDiffJSONDocumented(t *testing.T) {
	// Shared memory stores live as long as the process: fresh names for
	// every run (go test -count=N).
	n := outputsRuns.Add(1)
	alpha, beta := fmt.Sprintf("%s-%d-alpha", t.Name(), n), fmt.Sprintf("%s-%d-beta", t.Name(), n)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "zones"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "zones", "example.com.zone"), []byte("$ORIGIN example.com.\n@ 300 IN A 999.1.1.1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`providers:
  alpha:  { type: memory, store: %q }
  beta:   { type: memory, store: %q }
  broken: { type: zonefile, path: %q }
zones:
  example.com.:
    providers: [alpha, beta, broken]
    default_ttl: 300
    records:
      "@": { NS: [ns1.alpha.net., ns1.beta.org.], A: 192.0.2.1 }
      www: { CNAME: example.com. }
      mail: { A: { ttl: 600, values: [192.0.2.25, 192.0.2.26] } }
`, alpha, beta, filepath.Join(dir, "zones", "{zone}zone"))
	path := filepath.Join(dir, "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	old := "@ 300 NS ns1.alpha.net.\n@ 300 NS ns1.beta.org.\n@ 300 A 192.0.2.1\nmail 300 A 192.0.2.25\n"
	for i := 1; i <= 10; i++ {
		old += fmt.Sprintf("h%d 300 A 192.0.2.%d\n", i, 100+i)
	}
	seedMemory(t, beta, "example.com.", old)

	code, out, errOut := run(t, "-c", path, "diff", "-o", "json")
	if code != ExitError {
		t.Fatalf("exit %d, want 1 (a provider could not be read)\n%s%s", code, out, errOut)
	}
	var d docDiff
	decodeDocumented(t, "diff -o json", []byte(out), &d)
	if d.FormatVersion != 1 || d.InSync || len(d.Plans) != 2 || len(d.Errors) != 1 {
		t.Fatalf("document %+v", d)
	}
	if e := d.Errors[0]; e.Provider != "broken" || e.Zone != "example.com." || !strings.Contains(e.Error, "999.1.1.1") {
		t.Errorf("error %+v", e)
	}
	actions := map[string]int{}
	for i, p := range d.Plans {
		what := fmt.Sprintf("plans[%d]", i)
		if p.FormatVersion != zone.PlanFormatVersion || p.Zone != "example.com." || !basisRE.MatchString(p.Basis) {
			t.Errorf("%s: %+v", what, p)
		}
		n := map[string]int{}
		for j, c := range p.Changes {
			oneOf(t, fmt.Sprintf("%s.changes[%d].action", what, j), c.Action, "create", "update", "delete")
			n[c.Action]++
			actions[c.Action]++
			if (c.Old == nil) != (c.Action == "create") || (c.New == nil) != (c.Action == "delete") {
				t.Errorf("%s.changes[%d]: %s with old %v and new %v", what, j, c.Action, c.Old, c.New)
			}
			for _, s := range []*docRRset{c.Old, c.New} {
				if s != nil && (len(s.Records) == 0 || !sort.StringsAreSorted(s.Records)) {
					t.Errorf("%s.changes[%d]: records %q: documented as sorted, never empty", what, j, s.Records)
				}
			}
		}
		if n["create"] != p.Summary.Create || n["update"] != p.Summary.Update || n["delete"] != p.Summary.Delete {
			t.Errorf("%s: summary %+v, changes %v", what, p.Summary, n)
		}
		if p.Safety.RequiresForce != (p.Safety.Reason != "") {
			t.Errorf("%s: reason is documented as present exactly when requires_force: %+v", what, p.Safety)
		}
	}
	if p := d.Plans[0]; p.Provider != "alpha" || !p.CreateZone || p.Basis != zone.NewRRsets().Fingerprint() {
		t.Errorf("alpha's plan creates the zone from nothing: %+v", p)
	}
	if p := d.Plans[1]; p.Provider != "beta" || p.CreateZone || !p.Safety.RequiresForce || p.Summary.ExistingRecords != 14 || p.Summary.DesiredRecords != 6 {
		t.Errorf("beta's plan: %+v", p)
	}
	if actions["create"] == 0 || actions["update"] == 0 || actions["delete"] == 0 {
		t.Errorf("the fixture should exercise every action: %v", actions)
	}

	// In sync: exit 0, in_sync true, changes and errors [] (never null).
	sane := strings.Replace(cfg, "    providers: [alpha, beta, broken]", "    providers: [alpha, beta]", 1)
	sane = strings.Replace(sane, "  broken:", "  #broken:", 1)
	if err := os.WriteFile(path, []byte(sane), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "-c", path, "sync", "--yes", "--force"); code != ExitOK {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "-c", path, "diff", "-o", "json")
	var inSync docDiff
	decodeDocumented(t, "diff -o json (in sync)", []byte(out), &inSync)
	if code != ExitOK || !inSync.InSync || len(inSync.Plans) != 2 || len(inSync.Errors) != 0 {
		t.Fatalf("in sync: exit %d, %+v", code, inSync)
	}
	for _, p := range inSync.Plans {
		if len(p.Changes) != 0 || p.Summary.ExistingRecords != p.Summary.DesiredRecords {
			t.Errorf("in sync: plan %+v", p)
		}
	}
}

// outputsCheckResults are check results with every documented field set
// somewhere, and fields left out elsewhere: one zone checked (an answering
// server and an unreachable one, a zone-wide finding, a drift, a note), and
// one zone whose check could not run.
func outputsCheckResults() []*check.Result {
	started := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	r := &check.Result{
		Zone: "example.test.", Mode: check.ModeQuery,
		Parents: []string{"127.0.0.10:53"}, Delegation: []string{"ns1.a.test.", "ns1.b.test."},
		Servers: []check.ServerResult{
			{Nameserver: "ns1.a.test.", Address: "192.0.2.53", Provider: "a", Sources: []string{"declared", "parent"},
				AddressSources: []string{"glue", "authoritative"}, Status: check.StatusOK, Serial: 4294967295, HasSerial: true,
				Mode: check.ModeQuery, RRsets: 3, Queries: 4, TCP: 1},
			{Nameserver: "ns1.b.test.", Address: "2001:db8::53", Sources: []string{"parent"}, AddressSources: []string{"glue"},
				Status: check.StatusUnreachable, Detail: "timeout", Queries: 1},
		},
		Findings: []check.Finding{
			{Zone: "example.test.", Check: check.CheckProviderMissing, Severity: check.Critical, Provider: "c",
				Message: "none of provider c's nameservers is in the delegation | a pipe"},
			{Zone: "example.test.", Check: check.CheckDrift, Severity: check.Critical, Nameserver: "ns1.a.test.", Address: "192.0.2.53",
				Provider: "a", Record: "www.example.test. A", Expected: "192.0.2.1, 192.0.2.2", Got: "192.0.2.9", Message: "the server serves other data than desired"},
			{Zone: "example.test.", Check: check.CheckAXFR, Severity: check.OK, Nameserver: "ns1.a.test.", Address: "192.0.2.53",
				Message: "zone transfer refused; compared by queries"},
			{Zone: "example.test.", Check: check.CheckUnreachable, Severity: check.Critical, Nameserver: "ns1.b.test.", Address: "2001:db8::53",
				Message: "no answer"},
		},
		Started: started, Duration: 1500 * time.Millisecond, Status: check.Critical, Attempts: 2,
	}
	return []*check.Result{r, check.ErrorResult("broken.test.", errors.New("no nameserver | to ask"))}
}

var (
	checkSeverities = []string{"ok", "warning", "critical", "unknown"}
	checkStatuses   = []string{check.StatusOK, check.StatusUnreachable, check.StatusLame, check.StatusNotAuthoritative}
)

// verifyCheckJSON checks the documented relations inside a check -o json
// document.
func verifyCheckJSON(t *testing.T, what string, doc docCheck) {
	t.Helper()
	if doc.FormatVersion != 1 {
		t.Errorf("%s: format_version %d", what, doc.FormatVersion)
	}
	oneOf(t, what+" status", doc.Status, checkSeverities...)
	if doc.ExitCode != slices.Index(checkSeverities, doc.Status) {
		t.Errorf("%s: exit_code %d for status %q", what, doc.ExitCode, doc.Status)
	}
	wantCounts := append([]string{"ok"}, check.Checks...)
	sort.Strings(wantCounts)
	for i, z := range doc.Zones {
		zw := fmt.Sprintf("%s zones[%d]", what, i)
		oneOf(t, zw+" status", z.Status, checkSeverities...)
		if z.Mode != "" {
			oneOf(t, zw+" mode", z.Mode, check.ModeQuery, check.ModeAXFR)
		}
		var keys []string
		for k := range z.Counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if !slices.Equal(keys, wantCounts) {
			t.Errorf("%s: counts keys %q, documented %q", zw, keys, wantCounts)
		}
		for j, s := range z.Servers {
			oneOf(t, fmt.Sprintf("%s servers[%d].status", zw, j), s.Status, checkStatuses...)
			if s.Mode != "" {
				oneOf(t, fmt.Sprintf("%s servers[%d].mode", zw, j), s.Mode, check.ModeQuery, check.ModeAXFR)
			}
		}
		for j, f := range z.Findings {
			fw := fmt.Sprintf("%s findings[%d]", zw, j)
			oneOf(t, fw+" severity", f.Severity, checkSeverities...)
			if !slices.Contains(check.Checks, f.Check) {
				t.Errorf("%s: check %q is not a documented check name", fw, f.Check)
			}
			if want := strings.Join([]string{f.Zone, f.Check, f.Nameserver, f.Address, f.Record}, "|"); f.Key != want {
				t.Errorf("%s: key %q, documented %q", fw, f.Key, want)
			}
		}
	}
}

// TestCheckJSONDocumented: check.WriteJSON on constructed results (no
// network), then the command's UNKNOWN document when it cannot start.
func TestCheckJSONDocumented(t *testing.T) {
	var b bytes.Buffer
	if err := check.WriteJSON(&b, outputsCheckResults()); err != nil {
		t.Fatal(err)
	}
	var doc docCheck
	decodeDocumented(t, "check -o json", b.Bytes(), &doc)
	verifyCheckJSON(t, "check -o json", doc)
	if doc.Status != "critical" || doc.ExitCode != 2 || len(doc.Zones) != 2 {
		t.Fatalf("document %+v", doc)
	}
	z := doc.Zones[0]
	if z.DurationSeconds != 1.5 || z.Attempts != 2 || !z.Started.Equal(time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)) ||
		z.Counts["ok"] != 1 || z.Counts["unreachable"] != 1 || z.Counts["drift"] != 1 || z.Counts["axfr"] != 0 ||
		z.Servers[0].Serial != 4294967295 || len(z.Findings) != 4 {
		t.Errorf("zone %+v", z)
	}
	if e := doc.Zones[1]; e.Status != "unknown" || len(e.Findings) != 1 || e.Findings[0].Check != check.CheckError ||
		e.Parents == nil || e.Delegation == nil || e.Servers == nil {
		t.Errorf("zone whose check could not run: %+v", e)
	}

	// The command, when the check cannot start: still one document, exit 3.
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	code, out, _ := run(t, "-c", missing, "check", "-o", "json")
	if code != ExitUnknown {
		t.Errorf("unreadable config: exit %d, want 3", code)
	}
	var unknown docCheck
	decodeDocumented(t, "check -o json (cannot start)", []byte(out), &unknown)
	verifyCheckJSON(t, "check -o json (cannot start)", unknown)
	if unknown.Status != "unknown" || unknown.ExitCode != 3 || len(unknown.Zones) != 1 || unknown.Zones[0].Zone != "" || unknown.Zones[0].Mode != "" ||
		len(unknown.Zones[0].Findings) != 1 || unknown.Zones[0].Findings[0].Key != "|error|||" {
		t.Errorf("cannot start: %+v", unknown)
	}

	// Usage errors: nothing on stdout.
	if code, out, _ := run(t, "-c", missing, "check", "-o", "json", "--port", "0"); code != ExitUnknown || out != "" {
		t.Errorf("usage error: exit %d, stdout %q", code, out)
	}
}

// TestCheckJSONDocumentedLab: the real output of check against the lab's
// four servers, with a desired record none of them has.
func TestCheckJSONDocumentedLab(t *testing.T) {
	env, cfg := checkLabConfig(t, "      nowhere-outputs-doc: { A: 192.0.2.78 }\n")
	code, out, errOut := run(t, checkArgs(env, cfg, "-o", "json")...)
	if code != ExitChanges {
		t.Fatalf("exit %d, want 2 (CRITICAL)\n%s%s", code, out, errOut)
	}
	var doc docCheck
	decodeDocumented(t, "check -o json (lab)", []byte(out), &doc)
	verifyCheckJSON(t, "check -o json (lab)", doc)
	z := doc.Zones[0]
	if z.Zone != "example.test." || z.Mode != check.ModeQuery || len(z.Servers) != 4 || len(z.Parents) == 0 || len(z.Delegation) != 4 {
		t.Fatalf("zone %+v", z)
	}
	drift := 0
	for _, f := range z.Findings {
		if f.Check == check.CheckDrift && f.Record == "nowhere-outputs-doc.example.test. A" && f.Expected == "192.0.2.78" && f.Provider != "" {
			drift++
		}
	}
	for _, s := range z.Servers {
		if s.Status != check.StatusOK || !s.HasSerial || s.Provider == "" || len(s.Sources) == 0 || len(s.AddressSources) == 0 {
			t.Errorf("server %+v", s)
		}
	}
	if drift != 4 || z.Counts["drift"] < 4 || z.Counts["ok"] != 4 {
		t.Errorf("%d drift findings for the missing record, counts %v", drift, z.Counts)
	}
}

// nagiosStatus is the documented status line.
var nagiosStatus = regexp.MustCompile(`^DNSQUORUM (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n]*) \| (.*)$`)

// TestCheckNagiosDocumented: the status line, every performance label in
// the documented order, one long-output line per finding above ok, and the
// UNKNOWN line when the check cannot start.
func TestCheckNagiosDocumented(t *testing.T) {
	results := outputsCheckResults()
	out := check.Nagios(results)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	m := nagiosStatus.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("status line %q", lines[0])
	}
	if m[1] != "CRITICAL" || !strings.Contains(m[2], "example.test.: 1 unreachable, 1 drift, 1 provider-missing") ||
		!strings.Contains(m[2], "; broken.test.: no nameserver ¦ to ask") {
		t.Errorf("status %q, summary %q", m[1], m[2])
	}
	var labels []string
	for _, p := range strings.Fields(m[3]) {
		pm := regexp.MustCompile(`^'([a-z-]+)'=([0-9]+(?:\.[0-9]{3}s)?)$`).FindStringSubmatch(p)
		if pm == nil {
			t.Errorf("performance data %q", p)
			continue
		}
		labels = append(labels, pm[1])
		if isTime := strings.HasSuffix(pm[2], "s"); isTime != (pm[1] == "time") {
			t.Errorf("performance data %q: only 'time' has a unit (s, three decimals)", p)
		}
	}
	want := append(append([]string{"ok"}, check.Checks...), "time")
	if !slices.Equal(labels, want) {
		t.Errorf("performance labels %q, documented %q", labels, want)
	}
	if !strings.Contains(m[3], "'ok'=1 'unreachable'=1 'lame'=0") || !strings.Contains(m[3], "'error'=1 'time'=1.500s") {
		t.Errorf("performance values %q", m[3])
	}
	var problems []check.Finding
	for _, r := range results {
		problems = append(problems, r.Problems()...)
	}
	long := lines[1:]
	if len(long) != len(problems) {
		t.Fatalf("%d long-output lines for %d findings above ok:\n%s", len(long), len(problems), out)
	}
	longRE := regexp.MustCompile(`^(WARNING|CRITICAL|UNKNOWN) (\S+) ([a-z-]+)( .*)?: [^|]+$`)
	for i, l := range long {
		lm := longRE.FindStringSubmatch(l)
		if lm == nil || lm[1] != problems[i].Severity.String() || lm[2] != problems[i].Zone || lm[3] != problems[i].Check {
			t.Errorf("long output %q for finding %+v", l, problems[i])
		}
	}
	if !strings.Contains(out, " www.example.test. A: the server serves other data than desired (expected 192.0.2.1, 192.0.2.2, got 192.0.2.9)\n") {
		t.Errorf("drift line lacks record or (expected …, got …):\n%s", out)
	}

	// Cannot start: one line, no performance data, exit 3.
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	code, got, _ := run(t, "-c", missing, "check", "-o", "nagios")
	if code != ExitUnknown || !regexp.MustCompile(`^DNSQUORUM UNKNOWN - [^|\n]+\n$`).MatchString(got) {
		t.Errorf("cannot start: exit %d, %q", code, got)
	}
}

// promSample is one line of the exposition format: name{labels} value.
var (
	promSample = regexp.MustCompile(`^([a-z_]+)\{(.*)\} (\S+)$`)
	promLabel  = regexp.MustCompile(`^([a-z_]+)="((?:[^"\\]|\\.)*)"(?:,|$)`)
)

// parseProm returns, per metric, its samples' label maps, checking HELP and
// TYPE lines, label order and values.
func parseProm(t *testing.T, text string) map[string][]map[string]string {
	t.Helper()
	samples := map[string][]map[string]string{}
	typed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(l, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			if typ != "gauge" {
				t.Errorf("%s: type %q, documented gauge", name, typ)
			}
			typed[name] = true
			continue
		}
		if strings.HasPrefix(l, "# HELP ") {
			continue
		}
		m := promSample.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not a sample line (timestamps are documented as absent): %q", l)
			continue
		}
		if !typed[m[1]] {
			t.Errorf("%s: sample before its # TYPE line", m[1])
		}
		if _, err := strconv.ParseFloat(m[3], 64); err != nil {
			t.Errorf("%q: value: %v", l, err)
		}
		labels := map[string]string{}
		var names []string
		for rest := m[2]; rest != ""; {
			lm := promLabel.FindStringSubmatch(rest)
			if lm == nil {
				t.Errorf("%q: labels %q", l, rest)
				break
			}
			labels[lm[1]] = lm[2]
			names = append(names, lm[1])
			rest = rest[len(lm[0]):]
		}
		if !sort.StringsAreSorted(names) {
			t.Errorf("%q: labels are documented as sorted by name", l)
		}
		samples[m[1]] = append(samples[m[1]], labels)
	}
	return samples
}

// TestCheckPrometheusDocumented: exactly the documented metrics, each with
// its documented labels, one findings sample per check name and one servers
// sample per status; and the UNKNOWN file when the check cannot start.
func TestCheckPrometheusDocumented(t *testing.T) {
	var b bytes.Buffer
	if err := check.WritePrometheus(&b, outputsCheckResults()); err != nil {
		t.Fatal(err)
	}
	samples := parseProm(t, b.String())
	for name, want := range promDocumented {
		if len(samples[name]) == 0 {
			t.Errorf("%s: documented, not written", name)
		}
		for _, labels := range samples[name] {
			var got []string
			for k := range labels {
				got = append(got, k)
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: labels %q, documented %q", name, got, want)
			}
		}
	}
	for name := range samples {
		if _, ok := promDocumented[name]; !ok {
			t.Errorf("%s: written, not documented in %s", name, outputFormatsDoc)
		}
	}
	for _, zoneName := range []string{"example.test.", "broken.test."} {
		var checks, statuses []string
		for _, l := range samples["dnsquorum_check_findings"] {
			if l["zone"] == zoneName {
				checks = append(checks, l["check"])
			}
		}
		for _, l := range samples["dnsquorum_check_servers"] {
			if l["zone"] == zoneName {
				statuses = append(statuses, l["status"])
			}
		}
		if !slices.Equal(checks, check.Checks) || !slices.Equal(statuses, checkStatuses) {
			t.Errorf("%s: findings by check %q, servers by status %q", zoneName, checks, statuses)
		}
	}
	if n := len(samples["dnsquorum_nameserver_soa_serial"]); n != 1 {
		t.Errorf("soa_serial: %d samples, documented one per address that served a serial (1)", n)
	}
	for _, l := range samples["dnsquorum_nameserver_up"] {
		if l["nameserver"] == "ns1.b.test." && l["provider"] != "" {
			t.Errorf("up: provider %q for a nameserver no provider names, documented \"\"", l["provider"])
		}
	}
	m := regexp.MustCompile(`\ndnsquorum_check_last_run_timestamp_seconds\{zone="example.test."\} (\S+)\n`).FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("no last run timestamp for example.test.:\n%s", b.String())
	}
	started := outputsCheckResults()[0].Started
	if v, err := strconv.ParseFloat(m[1], 64); err != nil || math.Abs(v-float64(started.UnixMilli())/1000) > 1e-6 {
		t.Errorf("last run timestamp %s (%v), documented as Unix seconds of %s", m[1], err, started)
	}

	missing := filepath.Join(t.TempDir(), "missing.yaml")
	code, out, _ := run(t, "-c", missing, "check", "-o", "prometheus")
	if code != ExitUnknown || !strings.Contains(out, "\ndnsquorum_check_status{zone=\"\"} 3\n") {
		t.Errorf("cannot start: exit %d\n%s", code, out)
	}
	parseProm(t, out)
}

// TestAlertNotificationDocumented: the webhook body and the exec sink's
// standard input and environment over three runs (problems new, then
// changed and resolved, then all resolved), through alert.Run as
// `check --alert` calls it.
func TestAlertNotificationDocumented(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bad := r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("User-Agent") != "dnsquorum-alert/1"
		if bad {
			b = []byte(fmt.Sprintf("bad request: %s %q %q", r.Method, r.Header.Get("Content-Type"), r.Header.Get("User-Agent")))
		}
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	dir := t.TempDir()
	stdinFile, envFile := filepath.Join(dir, "stdin.json"), filepath.Join(dir, "env")
	cfgText := fmt.Sprintf(`providers:
  a: { type: memory }
  b: { type: memory }
zones:
  example.test.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.test., ns1.b.test.] } }
alerts:
  state: %q
  vantage: doc-vantage
  default: [hook, run]
  sinks:
    hook: { type: webhook, url: %q, attempts: 1 }
    run:  { type: exec, attempts: 1, command: [sh, -c, 'cat > "$0"; printf "%%s\n%%s\n%%s\n" "$DNSQUORUM_SINK" "$DNSQUORUM_ZONES" "$DNSQUORUM_STATUS" > "$1"', %q, %q] }
`, filepath.Join(dir, "alerts.json"), hook.URL+"/dns", stdinFile, envFile)
	path := filepath.Join(dir, "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, fs := zone.Load(path)
	if fs.HasErrors() {
		t.Fatal(fs.Err())
	}

	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	drift := check.Finding{Zone: "example.test.", Check: check.CheckDrift, Severity: check.Critical, Nameserver: "ns1.a.test.",
		Address: "192.0.2.53", Provider: "a", Record: "www.example.test. A", Expected: "192.0.2.1", Got: "192.0.2.9", Message: "other data"}
	ttl := check.Finding{Zone: "example.test.", Check: check.CheckTTL, Severity: check.Warning, Nameserver: "ns1.b.test.",
		Address: "192.0.2.54", Record: "api.example.test. A", Expected: "60", Got: "300", Message: "another TTL"}
	missing := check.Finding{Zone: "example.test.", Check: check.CheckProviderMissing, Severity: check.Critical, Provider: "b",
		Message: "provider b is not in the delegation"}
	changed := drift
	changed.Severity = check.Warning
	rounds := []struct {
		findings   []check.Finding
		zoneStatus string
		statuses   []string // item statuses sent, sorted
	}{
		{[]check.Finding{missing, drift, ttl}, "firing", []string{"new", "new", "new"}},
		{[]check.Finding{missing, changed}, "firing", []string{"changed", "open", "resolved"}},
		{nil, "resolved", []string{"resolved", "resolved"}},
	}
	for i, round := range rounds {
		now := t0.Add(time.Duration(i) * time.Minute)
		res := &check.Result{Zone: "example.test.", Mode: check.ModeQuery, Started: now, Status: check.OK, Attempts: 1, Findings: round.findings}
		for _, f := range round.findings {
			res.Status = check.Worst(res.Status, f.Severity)
		}
		mu.Lock()
		bodies = nil
		mu.Unlock()
		os.Remove(stdinFile)
		out, err := alert.Run(context.Background(), cfg, []*check.Result{res}, alert.Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := out.Err(); err != nil {
			t.Fatalf("round %d: delivery: %v", i, err)
		}
		mu.Lock()
		got := bodies
		mu.Unlock()
		if len(got) != 1 {
			t.Fatalf("round %d: webhook got %d requests, want 1", i, len(got))
		}
		stdin, err := os.ReadFile(stdinFile)
		if err != nil {
			t.Fatalf("round %d: exec sink: %v", i, err)
		}
		var web, ex docNotification
		decodeDocumented(t, fmt.Sprintf("round %d webhook body", i), got[0], &web)
		decodeDocumented(t, fmt.Sprintf("round %d exec stdin", i), stdin, &ex)
		if web.Sink != "hook" || ex.Sink != "run" || web.FormatVersion != 1 ||
			web.Vantage != "doc-vantage" || !web.SentAt.Equal(now) {
			t.Errorf("round %d: webhook %+v, exec sink %q", i, web, ex.Sink)
		}
		ex.Sink = web.Sink
		if !reflect.DeepEqual(web, ex) {
			t.Errorf("round %d: the exec sink's stdin differs from the webhook body beyond sink:\n%s\n%s", i, got[0], stdin)
		}
		if bytes.ContainsRune(stdin, '\n') {
			t.Errorf("round %d: documented as compact JSON on one line without a final newline: %q", i, stdin)
		}
		env, _ := os.ReadFile(envFile)
		if want := "run\nexample.test.\n" + round.zoneStatus + "\n"; string(env) != want {
			t.Errorf("round %d: exec environment %q, want %q", i, env, want)
		}
		if len(web.Zones) != 1 {
			t.Fatalf("round %d: zones %+v", i, web.Zones)
		}
		z := web.Zones[0]
		oneOf(t, "zone status", z.Status, "firing", "resolved")
		if z.Status != round.zoneStatus || z.Zone != "example.test." || z.DedupKey != alert.ZoneDedupKey("example.test.") ||
			(z.Since != nil) != (z.Status == "firing") {
			t.Errorf("round %d: zone notice %+v", i, z)
		}
		if z.Status == "resolved" {
			oneOf(t, "resolved zone severity", z.Severity, "ok")
		} else {
			oneOf(t, "firing zone severity", z.Severity, "warning", "critical", "unknown")
		}
		var statuses []string
		for j, it := range z.Findings {
			w := fmt.Sprintf("round %d item %d", i, j)
			oneOf(t, w+" status", it.Status, alert.StatusNew, alert.StatusChanged, alert.StatusRepeat, alert.StatusOpen, alert.StatusResolved)
			oneOf(t, w+" severity", it.Severity, "warning", "critical", "unknown")
			if !slices.Contains(check.Checks, it.Check) {
				t.Errorf("%s: check %q", w, it.Check)
			}
			if want := strings.Join([]string{it.Zone, it.Check, it.Nameserver, it.Address, it.Record}, "|"); it.Key != want ||
				!regexp.MustCompile(`^dnsquorum-[0-9a-f]{20}$`).MatchString(it.DedupKey) {
				t.Errorf("%s: key %q, dedup_key %q", w, it.Key, it.DedupKey)
			}
			if (it.PreviousSeverity != nil) != (it.Status == alert.StatusChanged) || (it.ResolvedAt != nil) != (it.Status == alert.StatusResolved) {
				t.Errorf("%s: previous_severity %v, resolved_at %v with status %s", w, it.PreviousSeverity, it.ResolvedAt, it.Status)
			}
			if it.Status == alert.StatusChanged && (*it.PreviousSeverity != "critical" || it.Severity != "warning") {
				t.Errorf("%s: changed from %q to %q", w, *it.PreviousSeverity, it.Severity)
			}
			statuses = append(statuses, it.Status)
		}
		sort.Strings(statuses)
		if !slices.Equal(statuses, round.statuses) {
			t.Errorf("round %d: item statuses %q, want %q", i, statuses, round.statuses)
		}
	}
}

// docSections splits the document into its "## " sections: heading line →
// body.
func docSections(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(outputFormatsDoc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var head string
	var body strings.Builder
	flush := func() {
		if head != "" {
			out[head] = body.String()
		}
		body.Reset()
	}
	for _, l := range strings.Split(string(b), "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			flush()
			head = h
			continue
		}
		body.WriteString(l + "\n")
	}
	flush()
	return out
}

// section returns the body of the section whose heading contains marker.
func section(t *testing.T, sections map[string]string, marker string) string {
	t.Helper()
	for h, body := range sections {
		if strings.Contains(h, marker) {
			return body
		}
	}
	t.Fatalf("%s has no section %q", outputFormatsDoc, marker)
	return ""
}

// codeSpans returns the `code` spans of text and, for dotted ones
// (`summary.create`), each part.
func codeSpans(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(text, -1) {
		out[m[1]] = true
		for _, p := range strings.Split(m[1], ".") {
			out[p] = true
		}
	}
	return out
}

// jsonFields lists the JSON field names of struct type t and of the
// structs it holds.
func jsonFields(t reflect.Type) []string {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return jsonFields(t.Elem())
	case reflect.Struct:
		if t == timeType {
			return nil
		}
		var out []string
		for i := 0; i < t.NumField(); i++ {
			name, _ := jsonName(t.Field(i))
			out = append(out, name)
			out = append(out, jsonFields(t.Field(i).Type)...)
		}
		return out
	}
	return nil
}

// ruleIDs returns the values of the Rule… string constants of a Go file.
func ruleIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "Rule") || i >= len(vs.Values) {
				continue
			}
			if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				v, _ := strconv.Unquote(lit.Value)
				out = append(out, v)
			}
		}
		return true
	})
	return out
}

// TestOutputFormatsDocumented: every field these tests accept, every check
// name, metric, label and validate rule id is named in its section of the
// document, so a field added here without documentation fails.
func TestOutputFormatsDocumented(t *testing.T) {
	sections := docSections(t)
	require := func(marker string, names ...string) {
		t.Helper()
		spans := codeSpans(section(t, sections, marker))
		for _, n := range names {
			if !spans[n] {
				t.Errorf("%s, section %q: `%s` is not documented", outputFormatsDoc, marker, n)
			}
		}
	}
	require("`validate -o json`", jsonFields(reflect.TypeOf(docValidate{}))...)
	rules := append(ruleIDs(t, "../../zone/validate.go"), ruleIDs(t, "../../providers/validate.go")...)
	if len(rules) < 30 {
		t.Fatalf("found only %d rule ids: did the Rule constants move?", len(rules))
	}
	require("`validate -o json`", append(rules, "alerts", "error", "warning")...)
	require("`diff -o json`", jsonFields(reflect.TypeOf(docDiff{}))...)
	require("`diff -o json`", "create", "update", "delete")
	require("`check -o json`", jsonFields(reflect.TypeOf(docCheck{}))...)
	require("`check -o json`", check.Checks...)
	require("`check -o json`", checkStatuses...)
	require("`check -o json`", checkSeverities...)
	require("`check -o nagios`", "'ok'", "'time'", "DNSQUORUM UNKNOWN - MESSAGE")
	for name, labels := range promDocumented {
		require("`check -o prometheus`", name)
		require("`check -o prometheus`", labels...)
	}
	require("Alert notifications", jsonFields(reflect.TypeOf(docNotification{}))...)
	require("Alert notifications", alert.StatusNew, alert.StatusChanged, alert.StatusRepeat, alert.StatusOpen, alert.StatusResolved,
		"firing", "DNSQUORUM_SINK", "DNSQUORUM_ZONES", "DNSQUORUM_STATUS")
	for _, cmd := range []string{"validate", "diff", "sync", "check", "import", "watch", "schema"} {
		require("Exit codes", cmd)
	}

	// Every whole example document in a section has exactly the shape
	// documented (fragments, which have no format_version, are skipped).
	block := regexp.MustCompile("(?s)```json\n(.*?)```")
	for marker, mirror := range map[string]func() any{
		"`validate -o json`":  func() any { return &docValidate{} },
		"`diff -o json`":      func() any { return &docDiff{} },
		"`check -o json`":     func() any { return &docCheck{} },
		"Alert notifications": func() any { return &docNotification{} },
	} {
		n := 0
		for i, m := range block.FindAllStringSubmatch(section(t, sections, marker), -1) {
			if !strings.Contains(m[1], `"format_version"`) {
				continue
			}
			n++
			decodeDocumented(t, fmt.Sprintf("%s example %d", marker, i), []byte(m[1]), mirror())
		}
		if n == 0 {
			t.Errorf("section %q has no example document", marker)
		}
	}
}

// TestDocumentedShapeCatches: the shape check itself reports each kind of
// difference it exists for, and accepts what the document allows.
func TestDocumentedShapeCatches(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type shape struct {
		List     []string   `json:"list"`
		Maybe    *inner     `json:"maybe"`
		Optional string     `json:"optional,omitempty"`
		When     time.Time  `json:"when"`
		Ratio    float64    `json:"ratio"`
		Since    *time.Time `json:"since,omitempty"`
	}
	typ := reflect.TypeOf(shape{})
	for _, tc := range []struct {
		doc, want string // want: a substring of the problem, "" for none
	}{
		{`{"list":[],"maybe":null,"when":"2026-03-01T12:00:00Z","ratio":0.3}`, ""},
		{`{"list":["a"],"maybe":{"n":1},"optional":"x","when":"2026-03-01T12:00:00.5Z","ratio":1,"since":"2026-03-01T12:00:00Z"}`, ""},
		{`{"maybe":null,"when":"2026-03-01T12:00:00Z","ratio":0.3}`, "x.list: documented field missing"},
		{`{"list":null,"maybe":null,"when":"2026-03-01T12:00:00Z","ratio":0.3}`, "x.list: null"},
		{`{"list":[],"when":"2026-03-01T12:00:00Z","ratio":0.3}`, "x.maybe: documented field missing"},
		{`{"list":[],"maybe":{"n":1.5},"when":"2026-03-01T12:00:00Z","ratio":0.3}`, "x.maybe.n: want an integer"},
		{`{"list":[],"maybe":{"n":"1"},"when":"2026-03-01T12:00:00Z","ratio":0.3}`, "x.maybe.n: want an integer"},
		{`{"list":[1],"maybe":null,"when":"2026-03-01T12:00:00Z","ratio":0.3}`, "x.list[0]: want a string"},
		{`{"list":[],"maybe":null,"when":"yesterday","ratio":0.3}`, "x.when: parsing time"},
		{`{"list":[],"maybe":null,"when":"2026-03-01T12:00:00Z","ratio":"0.3"}`, "x.ratio: want a number"},
		{`[]`, "x: want an object"},
	} {
		var raw any
		if err := json.Unmarshal([]byte(tc.doc), &raw); err != nil {
			t.Fatal(err)
		}
		probs := strings.Join(documentedShape("x", raw, typ), "; ")
		if (tc.want == "") != (probs == "") || !strings.Contains(probs, tc.want) {
			t.Errorf("%s: problems %q, want %q", tc.doc, probs, tc.want)
		}
	}
}
