package alert

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/zone"
)

// DefaultRenotify is how long an open problem waits before a sink hears
// about it again, unless the config says otherwise.
const DefaultRenotify = 4 * time.Hour

// Config is the decoded "alerts:" section of the configuration file:
//
//	alerts:
//	  state: /var/lib/dnsquorum/alerts.json   # default: $XDG_STATE_HOME/dnsquorum/alerts.json
//	  renotify: 4h                            # 0 = never repeat
//	  vantage: eu-west-1                      # annotation only; default: host name
//	  default: [ops]                          # sinks for zones not listed below
//	  zones:
//	    example.com.: [ops, pager]
//	  sinks:
//	    ops:   { type: slack, url: "${SLACK_WEBHOOK_URL}" }
//	    pager: { type: pagerduty, routing_key: "${PD_ROUTING_KEY}", min_severity: critical }
//	    am:    { type: alertmanager, url: "http://alertmanager:9093" }
//	    hook:  { type: webhook, url: "https://hooks.example/dns", headers: { Authorization: "Bearer ${TOKEN}" } }
//	    run:   { type: exec, command: [/usr/local/bin/page-me, --json], timeout: 30s }
type Config struct {
	// StatePath is the state file (absolute).
	StatePath string
	// Renotify is the default repeat interval for open problems (0: never).
	Renotify time.Duration
	// Vantage names this vantage point in annotations (never in labels or
	// dedup keys).
	Vantage string
	// Default lists the sinks of zones without an entry in Zones.
	Default []string
	// Zones maps canonical zone names to their sinks.
	Zones map[string][]string
	// Sinks in name order.
	Sinks []*SinkConfig

	secrets []string
}

// SinkConfig is one entry of "alerts: sinks:". Its String never shows URLs,
// keys or header values.
type SinkConfig struct {
	// Name is the entry's key.
	Name string
	// Type is webhook, slack, pagerduty, alertmanager or exec.
	Type string
	// MinSeverity hides problems below it from this sink (default warning).
	MinSeverity Severity
	// Renotify overrides Config.Renotify when set (RenotifySet).
	Renotify    time.Duration
	RenotifySet bool
	// Timeout bounds one delivery attempt (default 10s; exec: 30s).
	Timeout time.Duration
	// Attempts is how many times a delivery is tried (default 4).
	Attempts int
	// URL is the endpoint (webhook, slack, pagerduty, alertmanager).
	URL string
	// Headers are extra HTTP headers (webhook, alertmanager).
	Headers map[string]string
	// RoutingKey is the PagerDuty integration key.
	RoutingKey string
	// Source is PagerDuty's payload.source (default: the vantage point).
	Source string
	// Expire is how long Alertmanager keeps a firing alert that is not
	// re-sent (endsAt = now + max(Expire, 4 × watch interval)); default 1h.
	Expire time.Duration
	// SendResolved (alertmanager; default true) sends recoveries as alerts
	// with endsAt = when they were seen resolved. With several vantage
	// points, false lets an alert end only when no instance re-sends it
	// any more (after Expire).
	SendResolved bool
	// Command is the exec sink's program and arguments (no shell).
	Command []string
	// Pos is where the entry starts.
	Pos zone.Position
}

// String describes the sink without its secrets.
func (s *SinkConfig) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sink %q (%s", s.Name, s.Type)
	switch s.Type {
	case "alertmanager":
		if u, err := url.Parse(s.URL); err == nil {
			fmt.Fprintf(&b, " at %s", u.Redacted())
		}
	case "exec":
		if len(s.Command) > 0 {
			fmt.Fprintf(&b, " running %s", filepath.Base(s.Command[0]))
		}
	case "webhook", "slack", "pagerduty":
		b.WriteString(", url [redacted]")
	}
	b.WriteString(")")
	return b.String()
}

// Sink returns the sink named name, or nil.
func (c *Config) Sink(name string) *SinkConfig {
	for _, s := range c.Sinks {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SinksFor returns the names of the sinks that hear about zone.
func (c *Config) SinksFor(zoneName string) []string {
	if s, ok := c.Zones[zoneName]; ok {
		return s
	}
	return c.Default
}

// Secrets returns every value no output may show: sink URLs, routing keys,
// header values and URL passwords.
func (c *Config) Secrets() []string {
	if c == nil {
		return nil
	}
	return slices.Clone(c.secrets)
}

// RenotifyFor returns the repeat interval of sink s (0: never).
func (c *Config) RenotifyFor(s *SinkConfig) time.Duration {
	if s.RenotifySet {
		return s.Renotify
	}
	return c.Renotify
}

// rawConfig and rawSink are the YAML shapes; Load turns them into Config.
type rawConfig struct {
	State    string              `yaml:"state"`
	Renotify string              `yaml:"renotify"`
	Vantage  string              `yaml:"vantage"`
	Default  []string            `yaml:"default"`
	Zones    map[string][]string `yaml:"zones"`
	Sinks    map[string]any      `yaml:"sinks"`
}

type rawSink struct {
	Type         string            `yaml:"type"`
	MinSeverity  string            `yaml:"min_severity"`
	Renotify     string            `yaml:"renotify"`
	Timeout      time.Duration     `yaml:"timeout"`
	Attempts     int               `yaml:"attempts"`
	URL          string            `yaml:"url"`
	Headers      map[string]string `yaml:"headers"`
	RoutingKey   string            `yaml:"routing_key"`
	Source       string            `yaml:"source"`
	Expire       time.Duration     `yaml:"expire"`
	SendResolved *bool             `yaml:"send_resolved"`
	Command      []string          `yaml:"command"`
}

// settings each sink type accepts beyond the common ones.
var sinkSettings = map[string][]string{
	"webhook":      {"url", "headers"},
	"slack":        {"url"},
	"pagerduty":    {"routing_key", "url", "source"},
	"alertmanager": {"url", "headers", "expire", "send_resolved"},
	"exec":         {"command"},
}

var commonSinkSettings = []string{"type", "min_severity", "renotify", "timeout", "attempts"}

// DefaultPagerDutyURL is the Events API v2 endpoint.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

// Load decodes the alerts section of cfg. It returns nil and no error when
// the file has no alerts section. Errors name file:line:col and the sink,
// never a URL or key.
func Load(cfg *zone.Config) (*Config, error) {
	if cfg == nil || cfg.Alerts == nil {
		return nil, nil
	}
	return Decode(cfg.Alerts, cfg.Path, cfg.Dir, cfg.Zones)
}

// ConfigError is a problem in the alerts section, at a position.
type ConfigError struct {
	Pos zone.Position
	Msg string
}

// Error renders "file:line:col: alerts: message".
func (e *ConfigError) Error() string { return e.Pos.String() + ": alerts: " + e.Msg }

// Decode decodes an alerts mapping node read from file (for positions);
// relative state paths are resolved against dir. When zones is not nil,
// "zones:" entries must name one of them.
func Decode(n *yaml.Node, file, dir string, zones []*zone.ZoneConfig) (*Config, error) {
	pos := func(n *yaml.Node) zone.Position { return zone.Position{File: file, Line: n.Line, Col: n.Column} }
	fail := func(n *yaml.Node, format string, args ...any) error {
		return &ConfigError{Pos: pos(n), Msg: fmt.Sprintf(format, args...)}
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fail(n, "want a mapping")
	}
	if err := checkKeys(n, yamlKeys(reflect.TypeOf(rawConfig{})), fail); err != nil {
		return nil, err
	}
	var raw rawConfig
	if err := n.Decode(&raw); err != nil {
		return nil, &ConfigError{Pos: zone.Position{File: file, Line: n.Line, Col: n.Column}, Msg: err.Error()}
	}
	c := &Config{Renotify: DefaultRenotify, Vantage: raw.Vantage, Default: raw.Default, Zones: map[string][]string{}}
	if raw.Renotify != "" {
		d, err := parseRenotify(raw.Renotify)
		if err != nil {
			return nil, fail(valueOf(n, "renotify"), "renotify: %v", err)
		}
		c.Renotify = d
	}
	if c.Vantage == "" {
		c.Vantage, _ = os.Hostname()
	}
	c.StatePath = raw.State
	if c.StatePath == "" {
		c.StatePath = DefaultStatePath()
	} else if !filepath.IsAbs(c.StatePath) {
		c.StatePath = filepath.Join(dir, c.StatePath)
	}

	// Sinks, in name order, with their positions.
	sinkNodes := map[string]*yaml.Node{}
	for _, kv := range pairs(n) {
		if kv[0].Value != "sinks" {
			continue
		}
		if kv[1].Kind != yaml.MappingNode {
			return nil, fail(kv[1], "sinks: want a mapping of name to sink")
		}
		for _, s := range pairs(kv[1]) {
			sinkNodes[s[0].Value] = s[1]
		}
	}
	names := make([]string, 0, len(sinkNodes))
	for name := range sinkNodes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s, err := decodeSink(name, sinkNodes[name], pos, fail)
		if err != nil {
			return nil, err
		}
		c.Sinks = append(c.Sinks, s)
		c.secrets = append(c.secrets, s.secrets()...)
	}

	// Routing: every name must be a sink, every zone a zone.
	routeNode := func(key string) *yaml.Node {
		for _, kv := range pairs(n) {
			if kv[0].Value == key {
				return kv[1]
			}
		}
		return n
	}
	for _, name := range c.Default {
		if c.Sink(name) == nil {
			return nil, fail(routeNode("default"), "default: no sink named %q", name)
		}
	}
	var zn *yaml.Node
	for _, kv := range pairs(n) {
		if kv[0].Value == "zones" {
			zn = kv[1]
		}
	}
	for _, kv := range pairs(zn) {
		zname, err := zone.CanonicalName(kv[0].Value, ".")
		if err != nil {
			return nil, fail(kv[0], "zones: %q: %v", kv[0].Value, err)
		}
		if zones != nil && !slices.ContainsFunc(zones, func(z *zone.ZoneConfig) bool { return z.Name == zname }) {
			return nil, fail(kv[0], "zones: %q is not a zone of this file", kv[0].Value)
		}
		for _, name := range raw.Zones[kv[0].Value] {
			if c.Sink(name) == nil {
				return nil, fail(kv[1], "zones: %s: no sink named %q", zname, name)
			}
		}
		c.Zones[zname] = raw.Zones[kv[0].Value]
	}
	return c, nil
}

func decodeSink(name string, n *yaml.Node, pos func(*yaml.Node) zone.Position, fail func(*yaml.Node, string, ...any) error) (*SinkConfig, error) {
	sfail := func(at *yaml.Node, format string, args ...any) error {
		return fail(at, "sink %q: %s", name, fmt.Sprintf(format, args...))
	}
	if n.Kind != yaml.MappingNode {
		return nil, sfail(n, "want a mapping with a type")
	}
	var typ string
	for _, kv := range pairs(n) {
		if kv[0].Value == "type" {
			typ = kv[1].Value
		}
	}
	extra, ok := sinkSettings[typ]
	if !ok {
		return nil, sfail(n, "type %q is not one of webhook, slack, pagerduty, alertmanager, exec", typ)
	}
	allowed := map[string]bool{}
	for _, k := range append(slices.Clone(commonSinkSettings), extra...) {
		allowed[k] = true
	}
	if err := checkKeys(n, allowed, sfail); err != nil {
		return nil, err
	}
	var raw rawSink
	if err := n.Decode(&raw); err != nil {
		// yaml.v3 errors carry the line; they never quote a string value
		// that decoded fine, so no URL leaks here.
		return nil, &ConfigError{Pos: pos(n), Msg: fmt.Sprintf("sink %q: %v", name, err)}
	}
	s := &SinkConfig{
		Name: name, Type: typ, MinSeverity: Warning, Timeout: raw.Timeout, Attempts: raw.Attempts,
		URL: raw.URL, Headers: raw.Headers, RoutingKey: raw.RoutingKey, Source: raw.Source,
		Expire: raw.Expire, Command: raw.Command, Pos: pos(n), SendResolved: raw.SendResolved == nil || *raw.SendResolved,
	}
	at := func(key string) *yaml.Node {
		for _, kv := range pairs(n) {
			if kv[0].Value == key {
				return kv[1]
			}
		}
		return n
	}
	if raw.MinSeverity != "" {
		sev, err := ParseSeverity(raw.MinSeverity)
		if err != nil || sev == OK {
			return nil, sfail(at("min_severity"), "min_severity: want warning, unknown or critical, not %q", raw.MinSeverity)
		}
		s.MinSeverity = sev
	}
	if raw.Renotify != "" {
		d, err := parseRenotify(raw.Renotify)
		if err != nil {
			return nil, sfail(at("renotify"), "renotify: %v", err)
		}
		s.Renotify, s.RenotifySet = d, true
	}
	if s.Timeout < 0 {
		return nil, sfail(at("timeout"), "timeout must not be negative")
	}
	if s.Timeout == 0 {
		s.Timeout = 10 * time.Second
		if typ == "exec" {
			s.Timeout = 30 * time.Second
		}
	}
	if s.Attempts < 0 || s.Attempts > 20 {
		return nil, sfail(at("attempts"), "attempts must be between 1 and 20")
	}
	if s.Attempts == 0 {
		s.Attempts = 4
	}
	if typ == "pagerduty" && s.URL == "" {
		s.URL = DefaultPagerDutyURL
	}
	if typ == "alertmanager" && s.Expire == 0 {
		s.Expire = time.Hour
	}
	switch typ {
	case "exec":
		if len(s.Command) == 0 || s.Command[0] == "" {
			return nil, sfail(at("command"), "command: want the program and its arguments, e.g. [/usr/local/bin/notify, --json]")
		}
	case "pagerduty":
		if s.RoutingKey == "" {
			return nil, sfail(n, "routing_key is required (an Events API v2 integration key, e.g. \"${PD_ROUTING_KEY}\")")
		}
		fallthrough
	default:
		if s.URL == "" {
			return nil, sfail(n, "url is required")
		}
		u, err := url.Parse(s.URL)
		// Never echo the URL: for webhooks and Slack it is the secret.
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, sfail(at("url"), "url: want an absolute http or https URL")
		}
	}
	return s, nil
}

// secrets lists the sink's values that must never be shown.
func (s *SinkConfig) secrets() []string {
	var out []string
	switch s.Type {
	case "webhook", "slack":
		out = append(out, s.URL)
	case "pagerduty":
		out = append(out, s.RoutingKey)
	}
	if u, err := url.Parse(s.URL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, v := range s.Headers {
		out = append(out, v)
	}
	return slices.DeleteFunc(out, func(v string) bool { return v == "" })
}

// parseRenotify parses a duration, or "never"/"0" for no repeats.
func parseRenotify(v string) (time.Duration, error) {
	if v == "never" || v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("want a duration such as 4h, or never; got %q", v)
	}
	return d, nil
}

// DefaultStatePath is $XDG_STATE_HOME/dnsquorum/alerts.json, else
// ~/.local/state/dnsquorum/alerts.json, else alerts.json in the temporary
// directory.
func DefaultStatePath() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "dnsquorum", "alerts.json")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "dnsquorum", "alerts.json")
	}
	return filepath.Join(os.TempDir(), "dnsquorum-alerts.json")
}

// valueOf returns the value node of key in mapping n, or n itself.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	for _, kv := range pairs(n) {
		if kv[0].Value == key {
			return kv[1]
		}
	}
	return n
}

// pairs returns a mapping node's key/value pairs.
func pairs(n *yaml.Node) [][2]*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

// checkKeys refuses keys of mapping n that are not in allowed, and
// duplicate keys.
func checkKeys(n *yaml.Node, allowed map[string]bool, fail func(*yaml.Node, string, ...any) error) error {
	seen := map[string]bool{}
	for _, kv := range pairs(n) {
		k := kv[0].Value
		if !allowed[k] {
			keys := make([]string, 0, len(allowed))
			for a := range allowed {
				keys = append(keys, a)
			}
			sort.Strings(keys)
			return fail(kv[0], "unknown setting %q (known: %s)", k, strings.Join(keys, ", "))
		}
		if seen[k] {
			return fail(kv[0], "%q given twice", k)
		}
		seen[k] = true
	}
	return nil
}

// yamlKeys returns the yaml keys of struct type t.
func yamlKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}
