package providers

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// Rule identifiers of the findings Validate reports (see zone's Rule
// constants for the others). They are stable.
const (
	// RuleUnknownProviderType (error): a provider's type is not a
	// registered adapter.
	RuleUnknownProviderType = "unknown-provider-type"
	// RuleProviderSettings (error): the adapter refuses the provider's
	// settings (an unknown key, a wrong value, a missing setting).
	RuleProviderSettings = "provider-settings"
	// RuleUnsupportedType (error): a zone holds records of a type one of
	// its providers cannot serve; that provider would never get them and
	// its nameservers would disagree with the others.
	RuleUnsupportedType = "unsupported-type"
	// RuleTTLBelowMinimum (error): a TTL below the smallest one a
	// provider accepts; it would serve another TTL than desired.
	RuleTTLBelowMinimum = "ttl-below-provider-minimum"
	// RuleMultiStringTXT (error): a TXT record of several
	// character-strings for a provider that stores one text per TXT record
	// (Capabilities.SingleStringTXT); sync would fail on it. One text over
	// 255 octets, split by dnsquorum, is fine.
	RuleMultiStringTXT = "multi-string-txt"
)

// Validate checks what only the adapter registry knows: every provider's
// type is registered and its settings are accepted (each adapter is
// constructed, which never touches the network), and every zone's records
// are of types, TTLs and TXT shapes all its providers can serve. Records an ignore
// rule covers and records dnsquorum never manages (SOA, DNSSEC) are not
// checked. Messages never contain the configuration's secrets.
func Validate(cfg *zone.Config) zone.Findings {
	if cfg == nil {
		return nil
	}
	var fs zone.Findings
	add := func(pos zone.Position, rule, zoneName, format string, args ...any) {
		fs = append(fs, zone.Finding{Pos: pos, Severity: zone.Error, Rule: rule, Zone: zoneName, Message: fmt.Sprintf(format, args...)})
	}
	built := map[string]Provider{}
	for _, pc := range cfg.Providers {
		if pc.Type == "" {
			continue // zone.Load reported the missing type
		}
		reg, ok := Lookup(pc.Type)
		if !ok {
			add(pc.TypePos, RuleUnknownProviderType, "", "provider %q: unknown type %q (known: %s)", pc.Name, pc.Type, strings.Join(Types(), ", "))
			continue
		}
		if pc.Unresolved {
			continue // an unset ${ENV}: the adapter would only echo it
		}
		p, err := construct(reg, pc)
		if err != nil {
			pos, msg := settingsErrorAt(pc, err)
			add(pos, RuleProviderSettings, "", "provider %q: %s", pc.Name, msg)
			continue
		}
		built[pc.Name] = p
	}
	for _, z := range cfg.Zones {
		if z.Records == nil {
			continue
		}
		sets := z.Records.Sorted()
		all := z.PlanOptions()
		all.ManageApexNS = true
		for _, name := range z.Providers {
			p := built[name]
			if p == nil {
				continue
			}
			caps := p.Capabilities()
			unsupported := map[uint16][]*zone.RRset{}
			var order []uint16
			var lowTTL []*zone.RRset
			var multiTXT []*dns.TXT
			for _, s := range sets {
				if !all.Managed(z.Name, s.Key()) {
					continue
				}
				if !caps.Supports(s.Type) {
					if unsupported[s.Type] == nil {
						order = append(order, s.Type)
					}
					unsupported[s.Type] = append(unsupported[s.Type], s)
					continue
				}
				if caps.MinTTL > 0 && s.TTL < caps.MinTTL {
					lowTTL = append(lowTTL, s)
				}
				if caps.SingleStringTXT && s.Type == dns.TypeTXT {
					for _, rr := range s.Records {
						if t, ok := rr.(*dns.TXT); ok && !OneText(t.Txt) {
							multiTXT = append(multiTXT, t)
						}
					}
				}
			}
			for _, t := range order {
				ss := unsupported[t]
				add(z.Origins[ss[0].Key()], RuleUnsupportedType, z.Name, "%s %s: provider %q (type %s) cannot serve %s records%s; its nameservers would not answer them",
					ss[0].Name, dns.Type(t), name, cfg.Provider(name).Type, dns.Type(t), more(len(ss)-1, "RRset"))
			}
			if len(lowTTL) > 0 {
				s := lowTTL[0]
				add(z.Origins[s.Key()], RuleTTLBelowMinimum, z.Name, "%s %s: TTL %d is below provider %q's minimum of %d%s",
					s.Name, s.TypeString(), s.TTL, name, caps.MinTTL, more(len(lowTTL)-1, "RRset"))
			}
			if len(multiTXT) > 0 {
				t := multiTXT[0]
				add(z.RecordOrigin(t), RuleMultiStringTXT, z.Name, "%s TXT: a record of %d strings; provider %q (type %s) stores one text per TXT record and would refuse it%s; write the text as one string",
					t.Hdr.Name, len(t.Txt), name, cfg.Provider(name).Type, more(len(multiTXT)-1, "record"))
			}
		}
	}
	for i := range fs {
		for _, s := range cfg.Secrets {
			if s != "" {
				fs[i].Message = strings.ReplaceAll(fs[i].Message, s, "[redacted]")
			}
		}
	}
	return fs
}

// more renders " (and N other RRsets)" when n > 0.
func more(n int, what string) string {
	switch {
	case n == 1:
		return fmt.Sprintf(" (and 1 other %s)", what)
	case n > 1:
		return fmt.Sprintf(" (and %d other %ss)", n, what)
	}
	return ""
}

// construct builds the adapter, turning a panic in its constructor into an
// error.
func construct(reg Registration, pc *zone.ProviderConfig) (p Provider, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("adapter %s failed on these settings: %v", reg.Type, r)
		}
	}()
	p, err = reg.New(pc)
	if err == nil && p == nil {
		err = errors.New("adapter returned no provider")
	}
	return p, err
}

// posPrefixRE matches an error that starts with its own "file:line:col: ".
var posPrefixRE = regexp.MustCompile(`^(.+?):(\d+):(\d+): (.*)$`)

// settingsErrorAt returns where a settings error is and its message: the
// exact key when the adapter decoded with ProviderConfig.Decode, the
// provider's entry otherwise.
func settingsErrorAt(pc *zone.ProviderConfig, err error) (zone.Position, string) {
	var se *zone.SettingsError
	if errors.As(err, &se) {
		return se.Pos, se.Msg
	}
	msg := err.Error()
	// Adapters that name the position themselves: "file:L:C: provider "x": msg".
	if m := posPrefixRE.FindStringSubmatch(msg); m != nil && m[1] == pc.Pos.File {
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		return zone.Position{File: m[1], Line: line, Col: col}, strings.TrimPrefix(m[4], fmt.Sprintf("provider %q: ", pc.Name))
	}
	msg = strings.TrimPrefix(msg, pc.Pos.String()+": ")
	msg = strings.TrimPrefix(msg, fmt.Sprintf("provider %q: ", pc.Name))
	return pc.Pos, msg
}

// Schema returns the configuration file's JSON Schema (see zone.Schema)
// with the settings of every registered adapter type.
func Schema() ([]byte, error) {
	var ps []zone.ProviderSchema
	for _, t := range Types() {
		r, _ := Lookup(t)
		var settings any
		if r.Settings != nil {
			settings = r.Settings()
		}
		ps = append(ps, zone.ProviderSchema{Type: t, Doc: r.Doc, Settings: settings})
	}
	return zone.Schema(ps)
}
