package zone

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// Position is a place in an input file. Col is 0 when only the line is
// known (master files).
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col,omitempty"`
}

// String renders "file:line:col", or "file:line" without a column.
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Config is a loaded configuration file: the providers and the desired zones.
type Config struct {
	// Path is the file the configuration was read from.
	Path string
	// Dir is the directory relative paths in the file are resolved against.
	Dir string
	// Providers in file order.
	Providers []*ProviderConfig
	// Zones in file order.
	Zones []*ZoneConfig
	// Secrets holds every value substituted from ${ENV} expansion; no output
	// may show them.
	Secrets []string
	// Alerts holds the raw "alerts:" section, decoded by the alerting code.
	Alerts *yaml.Node
}

// Provider returns the provider named name, or nil.
func (c *Config) Provider(name string) *ProviderConfig {
	for _, p := range c.Providers {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Zone returns the zone named name (any case, with or without the final
// dot), or nil.
func (c *Config) Zone(name string) *ZoneConfig {
	n, err := CanonicalName(name, ".")
	if err != nil {
		return nil
	}
	for _, z := range c.Zones {
		if z.Name == n {
			return z
		}
	}
	return nil
}

// ProviderConfig is one entry of the "providers:" map.
type ProviderConfig struct {
	// Name is the key of the entry.
	Name string
	// Type selects the adapter ("rfc2136", "powerdns", "zonefile", ...).
	Type string
	// TypePos is where the type's value is written (Pos when missing).
	TypePos Position
	// Nameservers are the host names of the provider's authoritative
	// servers (the optional "nameservers:" setting every type accepts),
	// absolute and lower-case. check uses them to tell which provider a
	// nameserver belongs to; validate warns when a zone's apex NS set
	// names none of them.
	Nameservers []string
	// Unresolved is true when a ${ENV} reference in the settings could not
	// be expanded (an error already reported): the settings are not worth
	// handing to the adapter.
	Unresolved bool
	// TransferTSIG is the optional "axfr_tsig: {name, algorithm, secret}"
	// setting every type accepts: the key check uses to transfer the zone
	// from the provider's servers (rfc2136 providers fall back to their
	// own "tsig"). Secrets in it are expanded like other settings.
	TransferTSIG *yaml.Node
	// Settings is the entry's mapping node with ${ENV} references already
	// expanded; adapters decode it with Decode.
	Settings *yaml.Node
	// Pos is where the entry starts.
	Pos Position
}

// Decode decodes the provider's settings into v (a pointer to the adapter's
// settings struct). Unknown keys are errors; the "type" key is skipped.
// Errors are *SettingsError values naming the file, line and column.
func (p *ProviderConfig) Decode(v any) error {
	if p.Settings == nil {
		return nil
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: p.Settings.Line, Column: p.Settings.Column}
	for i := 0; i+1 < len(p.Settings.Content); i += 2 {
		if p.Settings.Content[i].Value == "type" {
			continue
		}
		n.Content = append(n.Content, p.Settings.Content[i], p.Settings.Content[i+1])
	}
	if err := decodeStrict(n, v); err != nil {
		se := &SettingsError{Pos: p.Pos, Provider: p.Name, Msg: err.Error()}
		var pe *posError
		if errors.As(err, &pe) {
			se.Pos.Line, se.Pos.Col, se.Msg = pe.line, pe.col, pe.msg
		} else if m := yamlErrLineRE.FindStringSubmatch(err.Error()); m != nil {
			// yaml.v3: "yaml: unmarshal errors:\n  line N: cannot unmarshal ..."
			se.Pos.Line, _ = strconv.Atoi(m[1])
			se.Pos.Col = 0
			se.Msg = m[2]
		}
		// yaml.v3 quotes the offending value ("cannot unmarshal !!str
		// `abc...` into bool"), shortened: redaction of whole secrets
		// would miss the prefix, so the value goes.
		se.Msg = yamlQuotedRE.ReplaceAllString(se.Msg, "value")
		return se
	}
	return nil
}

// yamlErrLineRE finds the first "line N: message" in a yaml.v3 decoding
// error.
var yamlErrLineRE = regexp.MustCompile(`line (\d+): ([^\n]*)`)

// yamlQuotedRE matches a value yaml.v3 quotes in a decoding error.
var yamlQuotedRE = regexp.MustCompile("`[^`]*`")

// SettingsError is a problem in a provider's settings, at a position.
type SettingsError struct {
	Pos      Position
	Provider string
	Msg      string
}

// Error renders "file:line:col: provider "name": message".
func (e *SettingsError) Error() string {
	return fmt.Sprintf("%s: provider %q: %s", e.Pos, e.Provider, e.Msg)
}

// posError is a decoding problem at a line and column.
type posError struct {
	line, col int
	msg       string
}

func (e *posError) Error() string { return fmt.Sprintf("line %d:%d: %s", e.line, e.col, e.msg) }

// ZoneConfig is one entry of the "zones:" map: a zone's desired state.
type ZoneConfig struct {
	// Name is the zone's canonical name ("example.com.").
	Name string
	// Providers names the providers that serve the zone.
	Providers []string
	// DefaultTTL applies to records that give none.
	DefaultTTL uint32
	// Ignore lists names and types the tool never touches.
	Ignore []IgnoreRule
	// File is the master file the records come from, if any (resolved path).
	File string
	// SafetyThreshold and SafetyMinRecords override the plan's safety
	// defaults (0 means default).
	SafetyThreshold  float64
	SafetyMinRecords int
	// Records is the desired content.
	Records *RRsets
	// Origins maps each RRset key to where it was written, for findings.
	Origins map[Key]Position
	// Pos is where the zone's entry starts.
	Pos Position
	// recordPos maps some records of Records to where they were written
	// (see RecordOrigin).
	recordPos map[dns.RR]Position
}

// PlanOptions returns the plan options the zone's settings ask for; the
// provider-dependent fields (ManageApexNS, SupportedTypes) are left for the
// caller.
func (z *ZoneConfig) PlanOptions() PlanOptions {
	return PlanOptions{Ignore: z.Ignore, SafetyThreshold: z.SafetyThreshold, SafetyMinRecords: z.SafetyMinRecords}
}

// decodeStrict decodes mapping node n into the struct v points to, refusing
// keys the struct does not declare (yaml.v3 has no strict mode on
// Node.Decode). Errors carry the offending key's line and column.
func decodeStrict(n *yaml.Node, v any) error {
	if err := checkKeys(n, reflect.TypeOf(v), ""); err != nil {
		return err
	}
	return n.Decode(v)
}

// checkKeys reports the first key of mapping n (and of the mappings below
// it) that struct type t does not declare. prefix names the enclosing keys.
func checkKeys(n *yaml.Node, t reflect.Type, prefix string) error {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil || reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
		// Types that decode themselves know their own keys.
		return nil
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		known := yamlKeys(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if !known[k.Value] {
				return &posError{k.Line, k.Column, fmt.Sprintf("unknown setting %q (known: %s)", prefix+k.Value, strings.Join(sortedKeys(known), ", "))}
			}
			if ft, ok := fieldType(t, k.Value); ok {
				if err := checkKeys(n.Content[i+1], ft, prefix+k.Value+"."); err != nil {
					return err
				}
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			if err := checkKeys(c, t.Elem(), prefix); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			if err := checkKeys(n.Content[i], t.Elem(), prefix+n.Content[i-1].Value+"."); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldType returns the type of struct t's field whose yaml key is key,
// looking into inlined structs.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if r, ok := fieldType(ft, key); ok {
					return r, true
				}
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == key {
			return f.Type, true
		}
	}
	return nil, false
}

// yamlKeys returns the yaml keys of the struct type t (or *t) points to,
// or nil when t is not a struct.
func yamlKeys(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			for k := range yamlKeys(f.Type) {
				keys[k] = true
			}
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys[name] = true
	}
	return keys
}
