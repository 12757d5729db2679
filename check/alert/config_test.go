package alert

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/zone"
)

func TestConfigDecode(t *testing.T) {
	c := mustConfig(t, `
alerts:
  state: var/state.json
  renotify: 30m
  vantage: eu-1
  default: [ops]
  zones:
    Example.COM: [ops, pager]
  sinks:
    ops: { type: slack, url: "https://hooks.slack.test/services/T/B/secretpart" }
    pager: { type: pagerduty, routing_key: pdkey123, min_severity: critical, renotify: never }
    am: { type: alertmanager, url: "http://user:ampass@127.0.0.1:9093", expire: 2h, headers: { Authorization: "Bearer amtoken" } }
    run: { type: exec, command: [/bin/true], timeout: 3s, attempts: 1 }
`)
	if !strings.HasSuffix(c.StatePath, "/var/state.json") || c.Renotify != 30*time.Minute || c.Vantage != "eu-1" {
		t.Errorf("top level: %+v", c)
	}
	if got := c.SinksFor("example.com."); strings.Join(got, ",") != "ops,pager" {
		t.Errorf("zone routing %v", got)
	}
	if got := c.SinksFor("other.test."); strings.Join(got, ",") != "ops" {
		t.Errorf("default routing %v", got)
	}
	p := c.Sink("pager")
	if p.URL != DefaultPagerDutyURL || p.MinSeverity != Critical || c.RenotifyFor(p) != 0 || p.Attempts != 4 || p.Timeout != 10*time.Second {
		t.Errorf("pager %+v", p)
	}
	if c.RenotifyFor(c.Sink("ops")) != 30*time.Minute {
		t.Error("sink renotify should default to the global one")
	}
	if r := c.Sink("run"); r.Timeout != 3*time.Second || r.Attempts != 1 {
		t.Errorf("run %+v", r)
	}
	if am := c.Sink("am"); am.Expire != 2*time.Hour {
		t.Errorf("am %+v", am)
	}
	secrets := strings.Join(c.Secrets(), " ")
	for _, s := range []string{"secretpart", "pdkey123", "ampass", "amtoken"} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() misses %q", s)
		}
	}
	for _, s := range c.Sinks {
		if leak := containsAny(s.String(), "secretpart", "pdkey123", "ampass", "amtoken"); leak != "" {
			t.Errorf("%s leaks %q", s, leak)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"unknown key", "alerts:\n  sinkz: {}\n", `dnsquorum.yaml:2:3: alerts: unknown setting "sinkz"`},
		{"unknown type", "alerts:\n  sinks:\n    a: { type: email, url: \"https://x.test/tok\" }\n", `dnsquorum.yaml:3:8: alerts: sink "a": type "email"`},
		{"setting of another type", "alerts:\n  sinks:\n    a: { type: slack, url: \"https://x.test/tok\", routing_key: k }\n", `3:50: alerts: sink "a": unknown setting "routing_key"`},
		{"missing url", "alerts:\n  sinks:\n    a: { type: webhook }\n", `sink "a": url is required`},
		{"bad url", "alerts:\n  sinks:\n    a: { type: slack, url: \"hooks.slack.test/services/SECRETTOKEN\" }\n", `3:28: alerts: sink "a": url: want an absolute http or https URL`},
		{"no routing key", "alerts:\n  sinks:\n    a: { type: pagerduty }\n", `sink "a": routing_key is required`},
		{"no command", "alerts:\n  sinks:\n    a: { type: exec, command: [] }\n", `sink "a": command`},
		{"unknown default sink", "alerts:\n  default: [nope]\n", `2:12: alerts: default: no sink named "nope"`},
		{"unknown zone sink", "alerts:\n  zones:\n    example.test.: [nope]\n  sinks: {}\n", `zones: example.test.: no sink named "nope"`},
		{"bad renotify", "alerts:\n  renotify: soon\n", `2:13: alerts: renotify: want a duration`},
		{"bad min severity", "alerts:\n  sinks:\n    a: { type: exec, command: [x], min_severity: ok }\n", `min_severity`},
		{"bad timeout", "alerts:\n  sinks:\n    a: { type: exec, command: [x], timeout: fast }\n", `sink "a"`},
		{"not a mapping", "alerts: [a]\n", `1:9: alerts: want a mapping`},
		{"sink not a mapping", "alerts:\n  sinks:\n    a: slack\n", `3:8: alerts: sink "a": want a mapping`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseAlerts(tc.text, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to contain %q", err, tc.want)
			}
			if leak := containsAny(err.Error(), "SECRETTOKEN", "x.test/tok"); leak != "" {
				t.Errorf("error %q leaks %q", err, leak)
			}
		})
	}
}

func TestConfigZoneMustExist(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("zones:\n  other.test.: [a]\nsinks:\n  a: {type: exec, command: [x]}\n"), &doc); err != nil {
		t.Fatal(err)
	}
	_, err := Decode(doc.Content[0], "f.yaml", "/", []*zone.ZoneConfig{{Name: "example.test."}})
	if err == nil || !strings.Contains(err.Error(), `f.yaml:2:3: alerts: zones: "other.test." is not a zone of this file`) {
		t.Fatalf("err %v", err)
	}
}

// TestConfigWithoutZones: no "zones:" key routes everything to default.
func TestConfigWithoutZones(t *testing.T) {
	c := mustConfig(t, "alerts:\n  state: s.json\n  renotify: 1h\n  default: [a]\n  sinks: {a: {type: exec, command: [x]}}\n")
	if len(c.Zones) != 0 || c.SinksFor("any.test.")[0] != "a" {
		t.Fatalf("zones %v", c.Zones)
	}
}

func TestLoadWithoutAlerts(t *testing.T) {
	c, err := Load(&zone.Config{})
	if c != nil || err != nil {
		t.Fatalf("no alerts section: %v %v", c, err)
	}
}

// FuzzDecode: any YAML gives a config or an error, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add("sinks: {a: {type: slack, url: 'https://x.test/a'}}\ndefault: [a]\n")
	f.Add("renotify: 1h\nzones: {x.: [a]}\nsinks: {a: {type: exec, command: [a]}}\n")
	f.Add("sinks: {a: {type: pagerduty, routing_key: k, min_severity: critical}}\n")
	f.Add("sinks: {a: {type: alertmanager, url: 'http://127.0.0.1:9093', expire: 1h, headers: {A: b}}}\n")
	f.Add("[1, 2]")
	f.Fuzz(func(t *testing.T, text string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(text), &doc) != nil || len(doc.Content) == 0 {
			return
		}
		c, err := Decode(doc.Content[0], "f.yaml", "/", nil)
		if err == nil && c != nil {
			for _, s := range c.Sinks {
				_ = s.String()
				if c.Sink(s.Name) != s {
					t.Fatalf("sink %q not found by name", s.Name)
				}
			}
		}
	})
}

// FuzzParseState: any bytes give a state or an error, never a panic; a
// state that parses survives a save and load unchanged.
func FuzzParseState(f *testing.F) {
	f.Add([]byte(`{"format_version": 1, "problems": {}}`))
	f.Add([]byte(`{"format_version": 1, "updated": "2026-03-01T12:00:00Z", "problems": {"x.|drift|ns.|1.2.3.4|a.x. A": {"zone": "x.", "check": "drift", "nameserver": "ns.", "address": "1.2.3.4", "record": "a.x. A", "severity": "critical", "message": "m", "first_seen": "2026-03-01T12:00:00Z", "last_seen": "2026-03-01T12:00:00Z", "open": true, "sinks": {"a": {"at": "2026-03-01T12:00:00Z", "severity": "critical"}}}}}`))
	f.Add([]byte(`{"format_version": 1, "problems": {"k": null}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseState(b, "fuzz")
		if err != nil {
			return
		}
		m := &MemoryStore{}
		if err := m.Save(st); err != nil {
			t.Fatalf("save of a parsed state: %v", err)
		}
		if _, err := m.Load(); err != nil {
			t.Fatalf("reload of a saved state: %v", err)
		}
	})
}
