package zone

// The types in this file describe the shape of the configuration file. They
// are the single source for the keys Load accepts (any other key is an
// "unknown-key" error) and for the JSON Schema (`dnsquorum schema`); the
// doc tags are the schema's descriptions. Load itself walks the YAML nodes
// so that every value keeps its line and column.
//
// A complete file:
//
//	providers:
//	  bind: { type: rfc2136, server: 127.0.0.11:53, tsig: { name: dnsquorum., algorithm: hmac-sha256, secret: "${BIND_TSIG_SECRET}" }, nameservers: [ns1.bind-host.net.] }
//	  pdns: { type: powerdns, url: "http://127.0.0.13:8081", api_key: "${PDNS_API_KEY}" }
//	zones:
//	  example.com.:
//	    providers: [bind, pdns]
//	    default_ttl: 3600
//	    ignore: ["_acme-challenge.*", "legacy TXT"]
//	    safety: { threshold: 0.3, min_records: 10 }
//	    records:
//	      "@":
//	        NS:  [ns1.bind-host.net., ns1.pdns-host.org.]
//	        A:   192.0.2.1
//	        MX:  [10 mail.example.com., 20 backup.example.net.]
//	        TXT: "v=spf1 mx -all"
//	      www:       { CNAME: example.com. }
//	      _sip._tcp: { SRV: { ttl: 300, values: [10 60 5060 sip.example.com.] } }
//	  example.org.:
//	    providers: [bind, pdns]
//	    file: zones/example.org.zone
//	alerts: ...

// ConfigFile is the top level of the configuration file.
type ConfigFile struct {
	// Providers maps a provider name of your choice to its settings.
	Providers map[string]ProviderEntry `yaml:"providers" jsonschema:"required" doc:"The DNS providers that serve the zones, keyed by a name of your choice (letters, digits, '_', '-', '.'). 'type' selects the adapter; the other keys are the adapter's settings. Secrets go in as ${ENV_VAR} references, expanded when the file is loaded and never shown."`
	// Zones maps a zone name to its desired content.
	Zones map[string]ZoneEntry `yaml:"zones" jsonschema:"required" doc:"The zones to keep in sync, keyed by zone name ('example.com.'; the final dot is optional, Unicode names are stored as punycode)."`
	// Alerts is decoded by the alerting code; ${ENV_VAR} references in it
	// are expanded like in provider settings.
	Alerts any `yaml:"alerts" doc:"Where drift alerts go. ${ENV_VAR} references are expanded (webhook URLs are secrets)."`
}

// ProviderEntry is the part of a provider entry every type shares; the
// adapter named by Type defines the other keys.
type ProviderEntry struct {
	// Type selects the adapter.
	Type string `yaml:"type" jsonschema:"required" doc:"The adapter: rfc2136, powerdns, zonefile, memory, ..."`
	// Nameservers are the host names of the provider's authoritative
	// servers.
	AXFRTSIG *TSIGEntry `yaml:"axfr_tsig" doc:"TSIG key for zone transfers from this provider's servers (check --mode axfr). Optional; rfc2136 providers use their own tsig when it is absent."`
	// Nameservers are the host names of the provider's authoritative
	// servers.
	Nameservers []string `yaml:"nameservers" doc:"Host names of this provider's authoritative nameservers (ns1.example.net.). Optional; when given, validate warns about zones whose apex NS set names none of them, and check attributes nameservers to providers."`
}

// TSIGEntry is a TSIG key: its name, algorithm and base64 secret.
type TSIGEntry struct {
	Name      string `yaml:"name" jsonschema:"required" doc:"Key name (dnsquorum.)."`
	Algorithm string `yaml:"algorithm" doc:"hmac-sha256 (default), hmac-sha384 or hmac-sha512."`
	Secret    string `yaml:"secret" jsonschema:"required" doc:"Base64 secret; write it as a ${ENV_VAR} reference."`
}

// ZoneEntry is one zone's desired state. Exactly one of Records and File
// gives its content.
type ZoneEntry struct {
	// Providers lists the names of the providers that serve the zone.
	Providers []string `yaml:"providers" jsonschema:"required" doc:"Names of the providers (keys of 'providers') that serve this zone. Use at least two: serving a zone from independent providers is the point of dnsquorum."`
	// DefaultTTL is the TTL of records that give none (3600 when unset).
	DefaultTTL *uint32 `yaml:"default_ttl" jsonschema:"maximum=2147483647" doc:"TTL in seconds for records that give none (default 3600). 0 to 2147483647 (RFC 2181)."`
	// Ignore lists rules for records dnsquorum never creates, updates or
	// deletes ("NAME-PATTERN" or "NAME-PATTERN TYPE", see ParseIgnoreRule).
	Ignore []string `yaml:"ignore" doc:"Records dnsquorum must never touch at any provider, as \"NAME-PATTERN\" or \"NAME-PATTERN TYPE\". NAME-PATTERN is relative to the zone ('@' for the apex) and '*' matches any run of characters, dots included: \"_acme-challenge.*\", \"legacy TXT\"."`
	// Safety overrides the plan's safety threshold.
	Safety *SafetyEntry `yaml:"safety" doc:"When sync needs --force: by default, when updates plus deletes touch over 30% of the existing records of a zone with 10 or more."`
	// Records is the zone's content: owner name, then type, then values.
	Records map[string]map[string]RecordValue `yaml:"records" doc:"The zone's records: owner name (relative to the zone, '@' for the apex, or absolute inside the zone; Unicode is stored as punycode), then record type (A, MX, TXT, any type miekg/dns knows, or TYPEnnn), then the value(s) in standard presentation format. Relative names inside values are completed with the zone name. SOA is never managed: each provider keeps its own."`
	// File is an RFC 1035 master file to read the records from instead.
	File string `yaml:"file" doc:"An RFC 1035 master file holding the zone's records instead of 'records' (relative paths resolve against the configuration file's directory; $ORIGIN starts at the zone name, $TTL at default_ttl; $INCLUDE may not leave that directory). SOA and DNSSEC records in it are left out."`
}

// SafetyEntry overrides the plan's safety verdict for one zone.
type SafetyEntry struct {
	// Threshold is the largest fraction of existing records updates plus
	// deletes may touch without --force; -1 disables the check.
	Threshold *float64 `yaml:"threshold" doc:"Largest fraction (0 < threshold <= 1) of the existing records that updates plus deletes may touch without --force (default 0.3); -1 disables the check."`
	// MinRecords is the zone size from which the threshold applies.
	MinRecords *int `yaml:"min_records" jsonschema:"minimum=1" doc:"Zone size, in records, from which the threshold applies (default 10)."`
}

// RecordValue is the value under a record type. It takes three forms: a
// string (one record), a list of strings (one record each), or this
// mapping, which also sets the TTL.
//
// A TXT or SPF string is the text of ONE record, quoted for you ("v=spf1
// mx -all"); one that starts with a double quote is taken as presentation
// format instead, which allows several strings ("\"part one\" \"part two\"").
type RecordValue struct {
	// TTL of the RRset's records, in seconds.
	TTL *uint32 `yaml:"ttl" jsonschema:"maximum=2147483647" doc:"TTL in seconds (0 to 2147483647); default: the zone's default_ttl."`
	// Value is one record.
	Value string `yaml:"value" doc:"One record's value in presentation format."`
	// Values are several records.
	Values []string `yaml:"values" doc:"Several records' values in presentation format."`
}

// jsonSchema describes the three forms of a record value.
func (RecordValue) jsonSchema(g *schemaGen) map[string]any {
	long := g.structSchema(reflectTypeOf[RecordValue]())
	scalar := []any{"string", "number", "boolean"}
	props := long["properties"].(map[string]any)
	props["value"].(map[string]any)["type"] = scalar
	props["values"].(map[string]any)["items"] = map[string]any{"type": scalar}
	props["values"].(map[string]any)["minItems"] = 1
	long["oneOf"] = []any{
		map[string]any{"required": []any{"value"}, "not": map[string]any{"required": []any{"values"}}},
		map[string]any{"required": []any{"values"}, "not": map[string]any{"required": []any{"value"}}},
	}
	return map[string]any{
		"description": "One value (a string), several (a list), or {ttl, value} / {ttl, values}. Values are in standard presentation format (\"10 mail.example.com.\"); a TXT string is the text of one record unless it starts with a double quote.",
		"oneOf": []any{
			map[string]any{"type": scalar},
			map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": scalar}},
			long,
		},
	}
}
