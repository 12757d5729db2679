package zone

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"
)

// markerRE finds the expectation markers in a test config: «rule» expects
// a finding of that rule at the line and column of the text right after the
// marker; «rule/» expects one at that line without a column.
var markerRE = regexp.MustCompile(`«([a-z-]+)(/?)»`)

// expectations strips the markers from text and returns the plain text and
// the expected findings as "line:col rule" (col 0 for line-only markers).
func expectations(text string) (string, []string) {
	var want []string
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		for {
			m := markerRE.FindStringSubmatchIndex(line)
			if m == nil {
				break
			}
			col := utf8.RuneCountInString(line[:m[0]]) + 1
			if line[m[4]:m[5]] == "/" {
				col = 0
			}
			want = append(want, fmt.Sprintf("%d:%d %s", i+1, col, line[m[2]:m[3]]))
			line = line[:m[0]] + line[m[1]:]
		}
		lines[i] = line
	}
	slices.Sort(want)
	return strings.Join(lines, "\n"), want
}

// got renders findings like expectations does (config-file findings only;
// others keep their file name).
func got(fs Findings, file string) []string {
	var out []string
	for _, f := range fs {
		p := fmt.Sprintf("%d:%d", f.Pos.Line, f.Pos.Col)
		if f.Pos.File != file {
			p = f.Pos.String()
		}
		out = append(out, p+" "+f.Rule)
	}
	slices.Sort(out)
	return out
}

// baseConfig wraps records lines (indented six spaces) in a valid config
// with two providers whose nameservers the apex NS set names.
func baseConfig(records string) string {
	return `providers:
  a: { type: memory, nameservers: [ns1.a.net.] }
  b: { type: memory, nameservers: [ns1.b.net.] }
zones:
  example.com.:
    providers: [a, b]
    records:
      "@": { NS: [ns1.a.net., ns1.b.net.] }
` + records
}

// TestRules checks every rule Load reports, with its exact position: each
// case's findings must be exactly the ones its markers expect.
func TestRules(t *testing.T) {
	t.Setenv("DNSQ_TEST_SET", "s3cr3t-value")
	cases := []struct {
		name, config string
	}{
		{"valid base", baseConfig(`      www: { A: 192.0.2.1 }`)},

		// YAML and structure.
		{"yaml syntax", "providers:\n  a: { type: memory }\nzones: [a,«yaml-syntax»\n"},
		{"yaml syntax without a line from yaml.v3", "providers:\n  a: { type: memory }\n«yaml-syntax»\t b: 1\n"},
		{"two documents", baseConfig("      www: { A: 192.0.2.1 }\n«yaml-syntax»---\nfoo: 1")},
		{"empty file", "«invalid-value»"},
		{"zones not a mapping", "providers:\n  «unused-provider»a: { type: memory }\n  «unused-provider»b: { type: memory }\nzones: «invalid-value»[a]\n"},
		{"unknown top-level key", baseConfig("      www: { A: 192.0.2.1 }\n«unknown-key»alert: {}")},
		{"unknown zone key", `providers:
  a: { type: memory }
  b: { type: memory }
zones:
  «zone-source»example.com.:
    providers: [a, b]
    «unknown-key»recrods: {}
`},
		{"unknown key in a record value", baseConfig(`      www: { A: { ttl: 60, value: 192.0.2.1, «unknown-key»valeus: [x] } }`)},
		{"duplicate key", baseConfig("      www: { A: 192.0.2.1 }\n      «duplicate-key»www: { A: 192.0.2.2 }")},
		{"duplicate zone", baseConfig("      www: { A: 192.0.2.1 }\n  «duplicate-key»EXAMPLE.com:\n    providers: [a, b]\n    records: { www: { A: 192.0.2.1 } }")},
		{"missing type", "providers:\n  «missing-key»a: { server: x }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    records: { \"@\": { NS: [ns1.a.net.] } }\n"},
		{"missing sections", "«missing-key»«missing-key»«unknown-key»foo: 1\n"},
		{"no zones", "providers:\n  «unused-provider»a: { type: memory }\n«missing-key»zones: {}\n"},
		{"merge key", baseConfig("      www: &w { A: 192.0.2.1 }\n      ftp: { «invalid-value»<<: *w }")},
		{"null owner", baseConfig("      «invalid-value»www:")},
		{"null value", baseConfig("      www: { A: «invalid-value»null }")},
		{"empty list", baseConfig("      www: { A: «invalid-value»[] }")},
		{"value and values", baseConfig("      www: { «invalid-value»A: { value: 192.0.2.1, values: [192.0.2.2] } }")},
		{"neither value nor values", baseConfig("      www: { «invalid-value»A: { ttl: 60 } }")},
		{"list item not a scalar", baseConfig("      www: { A: [192.0.2.1, «invalid-value»[192.0.2.2]] }")},
		{"safety", baseConfig("      www: { A: 192.0.2.1 }\n    safety: { threshold: «invalid-value»0, min_records: «invalid-value»0 }")},
		{"safety disabled", baseConfig("      www: { A: 192.0.2.1 }\n    safety: { threshold: -1, min_records: 1 }")},
		{"nameserver is an IP", `providers:
  a: { type: memory, nameservers: [«invalid-value»192.0.2.1] }
  b: { type: memory }
zones:
  example.com.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.net.] } }
`},

		// Environment and secrets.
		{"unset env", `providers:
  a: { type: memory, token: «unset-env»"${DNSQ_TEST_UNSET_VAR}" }
  b: { type: memory, token: "${DNSQ_TEST_SET}" }
zones:
  example.com.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.net.] } }
alerts:
  url: «unset-env»"https://${DNSQ_TEST_UNSET_HOOK}/x"
`},
		{"bad env references", `providers:
  a: { type: memory, x: «invalid-env-reference»"${not-a-name}", y: «invalid-env-reference»"${UNTERMINATED" }
  b: { type: memory, z: "$${LITERAL}" }
zones:
  example.com.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.net.] } }
`},
		{"literal secret", `providers:
  a: { type: memory, api_key: «literal-secret»abc123 }
  b: { type: memory, tsig: { name: k., secret: «literal-secret»"c2VjcmV0" } }
zones:
  example.com.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.net.] } }
`},

		// Providers.
		{"invalid provider name", `providers:
  «invalid-provider-name»"a b": { type: memory }
  b: { type: memory }
zones:
  example.com.:
    providers: [a b, b]
    records: { "@": { NS: [ns1.a.net.] } }
`},
		{"unused provider", "providers:\n  a: { type: memory }\n  b: { type: memory }\n  «unused-provider»c: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    records: { \"@\": { NS: [ns1.a.net.] } }\n"},
		{"unknown provider", `providers:
  a: { type: memory }
  b: { type: memory }
zones:
  example.com.:
    providers: [a, b, «unknown-provider»c]
    records: { "@": { NS: [ns1.a.net.] } }
`},
		{"duplicate provider", `providers:
  a: { type: memory }
  b: { type: memory }
zones:
  example.com.:
    providers: [a, b, «duplicate-value»a]
    records: { "@": { NS: [ns1.a.net.] } }
`},
		{"no providers", `providers:
  «unused-provider»a: { type: memory }
zones:
  example.com.:
    «no-providers»providers: []
    records: { "@": { NS: [ns1.a.net.] } }
`},
		{"no providers key", `providers:
  «unused-provider»a: { type: memory }
zones:
  «no-providers»example.com.:
    records: { "@": { NS: [ns1.a.net.] } }
`},
		{"single provider", `providers:
  a: { type: memory }
zones:
  example.com.:
    «single-provider»providers: [a]
    records: { "@": { NS: [ns1.a.net.] } }
`},

		// Zones.
		{"invalid zone names", `providers:
  «unused-provider»a: { type: memory }
zones:
  «invalid-zone-name»"exa mple.com.": { providers: [a], records: { "@": { A: 192.0.2.1 } } }
  «invalid-zone-name»ex!ample.com: { providers: [a], records: { "@": { A: 192.0.2.1 } } }
  «invalid-zone-name»"@": { providers: [a], records: { "@": { A: 192.0.2.1 } } }
`},
		{"records and file", baseConfig("      www: { A: 192.0.2.1 }\n    «zone-source»file: x.zone")},
		{"neither records nor file", "providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  «zone-source»example.com.:\n    providers: [a, b]\n"},
		{"missing master file", "providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    file: «master-file»no-such-file.zone\n"},
		{"empty zone", "providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    «empty-zone»records: {}\n"},
		{"only NS is not empty", "providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    records: { \"@\": { NS: [ns1.a.net.] } }\n"},
		{"invalid ignore rules", baseConfig("      www: { A: 192.0.2.1 }\n    ignore: [ok, «invalid-ignore-rule»\"a b c\", «invalid-ignore-rule»\"x NOTATYPE\"]")},
		{"ignored record", baseConfig("      _acme-challenge: { TXT: «ignored-record»token }\n      www: { A: 192.0.2.1 }\n    ignore: [\"_acme-challenge.*\", \"_acme-challenge\"]")},

		// Owners and types.
		{"invalid owner", baseConfig("      «invalid-owner»\"a b\": { A: 192.0.2.1 }\n      «invalid-owner»\"x;y\": { A: 192.0.2.1 }")},
		{"owner outside zone", baseConfig("      «owner-outside-zone»www.example.org.: { A: 192.0.2.1 }\n      www.example.com.: { A: 192.0.2.1 }")},
		{"unknown record type", baseConfig("      www: { «unknown-record-type»FOO: bar, «unknown-record-type»ANY: x, TYPE65280: \\# 2 abcd }")},
		{"unmanaged types", baseConfig("      example.com.: { «unmanaged-type»SOA: ns1.a.net. h.example.com. 1 2 3 4 5 }\n      www: { A: 192.0.2.1, «unmanaged-type»RRSIG: x }")},
		{"lower-case type keys", baseConfig("      www: { a: 192.0.2.1, aaaa: \"2001:db8::1\" }")},

		// Values.
		{"bad rdata", baseConfig(`      www: { A: «bad-rdata»300.1.1.1, MX: «bad-rdata»mail, AAAA: [«bad-rdata»192.0.2.1] }
      two: { A: «bad-rdata»"192.0.2.1\nx 3600 IN A 192.0.2.2" }
      empty: { A: «bad-rdata»"  " }`)},
		{"ttl out of range", baseConfig(`      a1: { A: { ttl: «ttl-out-of-range»-1, value: 192.0.2.1 } }
      a2: { A: { ttl: «ttl-out-of-range»2147483648, value: 192.0.2.1 } }
      a3: { A: { ttl: «ttl-out-of-range»1h, value: 192.0.2.1 } }
      a4: { A: { ttl: «ttl-out-of-range»99999999999999999999999, value: 192.0.2.1 } }
      a5: { A: { ttl: 2147483647, value: 192.0.2.1 } }
      a6: { A: { ttl: 0, value: 192.0.2.1 } }
    default_ttl: «ttl-out-of-range»1.5`)},
		{"duplicate values", baseConfig(`      www: { A: [192.0.2.1, «duplicate-value»192.0.2.1], AAAA: ["2001:db8::1", «duplicate-value»"2001:0DB8:0:0::1"] }
      mx: { MX: [10 Mail.Example.com., «duplicate-value»10 mail] }`)},
		{"ttl mismatch", baseConfig("      www: { A: { ttl: 600, value: 192.0.2.1 } }\n      www.example.com.: { A: { ttl: 300, value: «ttl-mismatch»192.0.2.2 } }")},

		// CNAME.
		{"cname at apex", "providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    records:\n      \"@\": { NS: [ns1.a.net.], CNAME: «cname-at-apex»other.example.net. }\n"},
		{"cname with other data", baseConfig("      www: { CNAME: «cname-with-other-data»example.com., TXT: hello }")},
		{"multiple cnames", baseConfig("      www: { CNAME: [«multiple-cname»a.example.net., b.example.net.] }")},

		// Targets.
		{"targets that are IP addresses", baseConfig(`      mx: { MX: [«target-is-ip»10 192.0.2.1, 20 mail.example.net.] }
      alias: { CNAME: «target-is-ip»192.0.2.7. }
      _sip._tcp: { SRV: «target-is-ip»10 60 5060 192.0.2.9 }
      sub: { NS: [«target-is-ip»192.0.2.53., ns.example.net.] }`)},
		{"missing glue", baseConfig(`      sub: { NS: [«missing-glue»ns1.sub.example.com., ns2.sub, ns.example.net., ns3.example.com.] }
      ns2.sub: { AAAA: "2001:db8::53" }`)},
		{"glue present", baseConfig(`      sub: { NS: [ns1.sub.example.com.] }
      ns1.sub: { A: 192.0.2.53 }`)},

		// Apex NS.
		{"no apex NS", "providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    «no-apex-ns»records:\n      www: { A: 192.0.2.1 }\n"},
		{"apex NS misses a provider", `providers:
  a: { type: memory, nameservers: [ns1.a.net., ns2.a.net.] }
  b: { type: memory, nameservers: [NS1.B.NET] }
  c: { type: memory }
zones:
  example.com.:
    providers: [a, b, c]
    records:
      "@": { NS: [«apex-ns-missing-provider»ns2.a.net., ns1.c.net.] }
`},
		{"targets that are CNAMEs", baseConfig(`      alias: { CNAME: host.example.net. }
      example.com.: { MX: [«target-is-cname»10 alias, 20 mail.example.net.] }
      _sip._tcp: { SRV: «target-is-cname»10 60 5060 alias.example.com. }
      sub: { NS: [«target-is-cname»alias.example.com., ns.example.net.] }
      www: { CNAME: alias }`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, want := expectations(c.config)
			dir := t.TempDir()
			path := filepath.Join(dir, "c.yaml")
			cfg, fs := LoadBytes(path, []byte(text))
			if g := got(fs, path); !slices.Equal(g, want) {
				t.Errorf("findings:\n got %q\nwant %q\n%s", g, want, strings.Join(fsStrings(fs), "\n"))
			}
			for _, f := range fs {
				if f.Pos.File != path && f.Rule != RuleMasterFile {
					t.Errorf("finding in file %q, want %q: %s", f.Pos.File, path, f)
				}
				if strings.Contains(f.Message, "s3cr3t-value") {
					t.Errorf("secret in finding: %s", f)
				}
				if f.Message == "" || f.Rule == "" {
					t.Errorf("finding without rule or message: %#v", f)
				}
			}
			if cfg == nil && !slices.ContainsFunc(fs, func(f Finding) bool { return f.Rule == RuleYAMLSyntax || f.Rule == RuleInvalidValue }) {
				t.Errorf("nil config without a syntax finding")
			}
		})
	}
}

func fsStrings(fs Findings) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String()+" ["+f.Rule+"]")
	}
	return out
}

// TestSeverities pins which rules are warnings.
func TestSeverities(t *testing.T) {
	text := `providers:
  a: { type: memory, api_key: literal, nameservers: [ns1.a.net.] }
  unused: { type: memory }
zones:
  example.com.:
    providers: [a]
    ignore: [www]
    records:
      www: { A: { ttl: 600, value: 192.0.2.1 } }
      www.example.com.: { A: { ttl: 300, value: 192.0.2.2 } }
  example.org.:
    providers: [a, nope]
    records: { "@": { NS: [ns1.other.net.] } }
`
	_, fs := LoadBytes("c.yaml", []byte(text))
	sev := map[string]Severity{}
	for _, f := range fs {
		sev[f.Rule] = f.Severity
	}
	for _, r := range []string{RuleLiteralSecret, RuleUnusedProvider, RuleSingleProvider, RuleIgnoredRecord, RuleTTLMismatch, RuleNoApexNS, RuleApexNSMissingProvider} {
		if sev[r] != Warning {
			t.Errorf("%s: severity %v, want warning (all: %q)", r, sev[r], fsStrings(fs))
		}
	}
	if sev[RuleUnknownProvider] != Error {
		t.Errorf("unknown-provider: severity %v, want error", sev[RuleUnknownProvider])
	}
}

// TestLoadExample loads testdata/configs/example.yaml: valid, every value
// parsed as intended.
func TestLoadExample(t *testing.T) {
	t.Setenv("BIND_TSIG_SECRET", "c2VjcmV0LWJpbmQ=")
	t.Setenv("PDNS_API_KEY", "pdns-key-123")
	path := filepath.Join("..", "testdata", "configs", "example.yaml")
	cfg, fs := Load(path)
	if len(fs) != 0 {
		t.Fatalf("findings in example.yaml:\n%s", strings.Join(fsStrings(fs), "\n"))
	}
	if cfg.Path != path || cfg.Dir != filepath.Dir(path) {
		t.Errorf("Path, Dir = %q, %q", cfg.Path, cfg.Dir)
	}
	if !slices.Contains(cfg.Secrets, "c2VjcmV0LWJpbmQ=") || !slices.Contains(cfg.Secrets, "pdns-key-123") {
		t.Errorf("Secrets = %q", cfg.Secrets)
	}
	var names []string
	for _, p := range cfg.Providers {
		names = append(names, p.Name+"="+p.Type)
	}
	if want := []string{"bind=rfc2136", "pdns=powerdns", "nsd=zonefile", "scratch=memory"}; !slices.Equal(names, want) {
		t.Errorf("providers %q, want %q", names, want)
	}
	bind := cfg.Provider("bind")
	if !slices.Equal(bind.Nameservers, []string{"ns1.bind-host.net."}) {
		t.Errorf("bind nameservers %q", bind.Nameservers)
	}
	if bind.TypePos.Line != 9 || bind.TypePos.Col != 11 {
		t.Errorf("bind TypePos %v, want line 9 col 11", bind.TypePos)
	}
	for i := 0; i < len(bind.Settings.Content); i += 2 {
		if bind.Settings.Content[i].Value == "nameservers" {
			t.Errorf("nameservers left in the adapter's settings")
		}
	}
	var tsig struct {
		Server string `yaml:"server"`
		TSIG   struct {
			Name, Algorithm, Secret string
		} `yaml:"tsig"`
	}
	if err := bind.Decode(&tsig); err != nil {
		t.Fatal(err)
	}
	if tsig.TSIG.Secret != "c2VjcmV0LWJpbmQ=" || tsig.Server != "127.0.0.11:53" {
		t.Errorf("decoded settings %+v", tsig)
	}

	z := cfg.Zone("EXAMPLE.COM")
	if z == nil || z.DefaultTTL != 3600 || z.SafetyThreshold != 0.3 || z.SafetyMinRecords != 10 || len(z.Ignore) != 2 || !slices.Equal(z.Providers, []string{"bind", "pdns", "nsd", "scratch"}) {
		t.Fatalf("zone example.com.: %+v", z)
	}
	if z.Ignore[1] != (IgnoreRule{Name: "legacy", Type: "TXT"}) {
		t.Errorf("ignore rule %+v", z.Ignore[1])
	}
	want := MustParse("example.com.", `
$TTL 3600
@ NS ns1.bind-host.net.
@ NS ns1.pdns-host.org.
@ NS ns1.nsd-host.io.
@ A 192.0.2.1
@ AAAA 2001:db8::1
@ MX 10 mail
@ MX 20 backup.example.net.
@ TXT "v=spf1 mx -all"
@ CAA 0 issue "letsencrypt.org"
@ CAA 0 iodef "mailto:security@example.com"
@ HTTPS 1 . alpn="h2,h3"
www CNAME @
mail A 192.0.2.25
mail A 192.0.2.26
mail 300 AAAA 2001:db8::25
_sip._tcp 300 SRV 10 60 5060 sip
sip A 192.0.2.30
_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
google._domainkey TXT "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" "wIDAQAB"
_25._tcp.mail TLSA 3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6
host1 A 192.0.2.50
host1 SSHFP 4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789
host1 HINFO "x86_64" "Linux"
host1 LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
*.apps A 192.0.2.40
_svc SVCB 1 svc.example.net. port=8443
sip2 NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp
_http._tcp.www URI 10 1 "https://www.example.com/"
b._dns-sd._udp PTR @
xn--caf-dma TXT "h\195\169llo w\195\182rld"
lab NS ns1.lab
lab NS ns2.example.net.
lab DS 12345 13 2 3e5c8f2b7d3b4a6c9f1e0d2b4a6c8e0f2a4c6e8f0a2c4e6f8a0c2e4f6a8c0e2f
ns1.lab A 192.0.2.53
`)
	if !z.Records.Equal(want) {
		t.Errorf("records differ:\n got:\n%s\nwant:\n%s", dumpSets(z.Records), dumpSets(want))
	}
	if p := z.Origins[Key{"www.example.com.", dns.TypeCNAME}]; p != (Position{File: path, Line: 41, Col: 21}) {
		t.Errorf("www CNAME origin %v", p)
	}
	if p := z.Origins[Key{"mail.example.com.", dns.TypeAAAA}]; p != (Position{File: path, Line: 44, Col: 36}) {
		t.Errorf("mail AAAA origin %v", p)
	}

	org := cfg.Zone("example.org.")
	if org == nil || org.File != filepath.Join(cfg.Dir, "zones", "example.org.zone") {
		t.Fatalf("zone example.org.: %+v", org)
	}
	wantOrg := MustParse("example.org.", `
@ NS ns1.bind-host.net.
@ NS ns1.pdns-host.org.
@ A 192.0.2.80
www CNAME @
mail 300 MX 10 mx.example.net.
`)
	if !org.Records.Equal(wantOrg) {
		t.Errorf("example.org. records:\n%s", dumpSets(org.Records))
	}
	if p := org.Origins[Key{"mail.example.org.", dns.TypeMX}]; p.File != org.File || p.Line != 9 {
		t.Errorf("mail MX origin %v, want %s:9", p, org.File)
	}
}

func dumpSets(z *RRsets) string {
	var b strings.Builder
	for _, s := range z.Sorted() {
		b.WriteString(s.String())
	}
	return b.String()
}

// TestValues checks how values become records: TXT quoting, presentation
// format, relative names, Unicode owners, TTL precedence, aliases.
func TestValues(t *testing.T) {
	text := `providers:
  a: { type: memory }
  b: { type: memory }
zones:
  Bücher.example.:
    providers: [a, b]
    default_ttl: 120
    records:
      "@": { NS: [ns1, ns2.example.net.] }
      ns1: { A: 192.0.2.1 }
      q1: { TXT: 'say "hi" \o/' }
      q2: { TXT: '"one" "two"' }
      q3: { TXT: "" }
      q4: { TXT: "line\nbreak\ttab" }
      q5: { TXT: 12345 }
      q6: { SPF: "v=spf1 -all" }
      long: { TXT: "` + strings.Repeat("x", 300) + `" }
      mx: { MX: &m 10 ns1 }
      mx2: { MX: *m }
      "ÜBER": { A: { ttl: 5, values: [192.0.2.9] } }
      ttl: { AAAA: { value: "2001:DB8:0:0:0:0:0:1" } }
      apex-ref: { CNAME: "@" }
`
	cfg, fs := LoadBytes("v.yaml", []byte(text))
	if len(fs) != 0 {
		t.Fatalf("findings:\n%s", strings.Join(fsStrings(fs), "\n"))
	}
	z := cfg.Zones[0]
	if z.Name != "xn--bcher-kva.example." {
		t.Fatalf("zone name %q", z.Name)
	}
	o := z.Name
	want := MustParse(o, `
$TTL 120
@ NS ns1
@ NS ns2.example.net.
ns1 A 192.0.2.1
q1 TXT "say \"hi\" \\o/"
q2 TXT "one" "two"
q3 TXT ""
q4 TXT "line\010break\009tab"
q5 TXT "12345"
q6 SPF "v=spf1 -all"
long TXT "`+strings.Repeat("x", 255)+`" "`+strings.Repeat("x", 45)+`"
mx MX 10 ns1
mx2 MX 10 ns1
xn--ber-goa 5 A 192.0.2.9
ttl AAAA 2001:db8::1
apex-ref CNAME @
`)
	if !z.Records.Equal(want) {
		t.Errorf("records differ:\n got:\n%s\nwant:\n%s", dumpSets(z.Records), dumpSets(want))
	}
}

// TestSettingsDecode checks ProviderConfig.Decode's errors carry the exact
// position, nested keys included.
func TestSettingsDecode(t *testing.T) {
	text := `providers:
  a:
    type: x
    server: s
    tsig: { name: k., secrett: y }
    port: notanumber
zones: {}
`
	cfg, _ := LoadBytes("s.yaml", []byte(text))
	type settings struct {
		Server string `yaml:"server"`
		TSIG   struct {
			Name   string `yaml:"name"`
			Secret string `yaml:"secret"`
		} `yaml:"tsig"`
		Port int `yaml:"port"`
	}
	var s settings
	err := cfg.Provider("a").Decode(&s)
	want := `s.yaml:5:23: provider "a": unknown setting "tsig.secrett" (known: name, secret)`
	if err == nil || err.Error() != want {
		t.Fatalf("Decode error %v, want %s", err, want)
	}
	// Without the bad key: the type error is at line 6.
	text = strings.Replace(text, "secrett", "secret", 1)
	cfg, _ = LoadBytes("s.yaml", []byte(text))
	err = cfg.Provider("a").Decode(&s)
	var se *SettingsError
	if err == nil || !errors.As(err, &se) || se.Pos.Line != 6 || !strings.Contains(se.Msg, "cannot unmarshal") {
		t.Fatalf("Decode error %v (%+v)", err, se)
	}
}

// TestEnvExpansion checks ${ENV} expansion, $${ escapes, and that an
// expanded value decodes into typed settings.
func TestEnvExpansion(t *testing.T) {
	t.Setenv("DNSQ_PORT", "5353")
	t.Setenv("DNSQ_HOST", "127.0.0.11")
	text := `providers:
  a: { type: memory, server: "${DNSQ_HOST}:${DNSQ_PORT}", port: "${DNSQ_PORT}", lit: "$${NOT_EXPANDED} and $HOME" }
  b: { type: memory }
zones:
  example.com.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.net.] } }
`
	cfg, fs := LoadBytes("e.yaml", []byte(text))
	if len(fs) != 0 {
		t.Fatalf("findings: %q", fsStrings(fs))
	}
	var s struct {
		Server string `yaml:"server"`
		Port   int    `yaml:"port"`
		Lit    string `yaml:"lit"`
	}
	if err := cfg.Provider("a").Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Server != "127.0.0.11:5353" || s.Port != 5353 || s.Lit != "${NOT_EXPANDED} and $HOME" {
		t.Errorf("settings %+v", s)
	}
	if !slices.Equal(cfg.Secrets, []string{"127.0.0.11", "5353", "5353"}) {
		t.Errorf("Secrets %q", cfg.Secrets)
	}
}

// TestSecretsRedacted: a secret that ends up in a finding's message (here
// through a nameserver that is not a name) is redacted.
func TestSecretsRedacted(t *testing.T) {
	t.Setenv("DNSQ_SECRET_NS", "bad name with spaces")
	text := `providers:
  a: { type: memory, nameservers: ["${DNSQ_SECRET_NS}"] }
  b: { type: memory }
zones:
  example.com.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.net.] } }
`
	_, fs := LoadBytes("r.yaml", []byte(text))
	if len(fs) == 0 {
		t.Fatal("want a finding about the nameserver")
	}
	for _, f := range fs {
		if strings.Contains(f.Message, "bad name with spaces") {
			t.Errorf("secret in %s", f)
		}
	}
}

// TestMasterFileFindings: problems in a file: zone are reported at the
// master file's line.
func TestMasterFileFindings(t *testing.T) {
	dir := t.TempDir()
	zoneText := `$TTL 300
@ IN SOA ns1.a.net. h.example.com. 1 2 3 4 5
@ IN NS ns1.a.net.
@ IN NS ns1.b.net.
www IN CNAME @
www IN TXT "beside a CNAME"
mx IN MX 10 192.0.2.1
`
	if err := os.WriteFile(filepath.Join(dir, "z.zone"), []byte(zoneText), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := "@ IN NS ns1.a.net.\nwww IN A 300.1.1.1\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.zone"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	only := "@ IN SOA ns1.a.net. h.example.com. 1 2 3 4 5\n"
	if err := os.WriteFile(filepath.Join(dir, "soa.zone"), []byte(only), 0o644); err != nil {
		t.Fatal(err)
	}
	text := `providers:
  a: { type: memory, nameservers: [ns1.a.net.] }
  b: { type: memory, nameservers: [ns1.b.net.] }
zones:
  example.com.:
    providers: [a, b]
    file: z.zone
  example.net.:
    providers: [a, b]
    file: bad.zone
  example.org.:
    providers: [a, b]
    «empty-zone»file: soa.zone
  example.info.:
    providers: [a, b]
    file: «master-file»/dev/null
`
	text, want := expectations(text)
	zf, bf := filepath.Join(dir, "z.zone"), filepath.Join(dir, "bad.zone")
	want = append(want,
		zf+":6 "+RuleCNAMEWithOtherData, // the CNAME set's origin is its first record, line 5
		zf+":7 "+RuleTargetIsIP,
		bf+":2:10 "+RuleMasterFile,
		// The good records around a parse error are still checked.
		bf+":1 "+RuleApexNSMissingProvider,
	)
	want[slices.Index(want, zf+":6 "+RuleCNAMEWithOtherData)] = zf + ":5 " + RuleCNAMEWithOtherData
	slices.Sort(want)
	path := filepath.Join(dir, "c.yaml")
	cfg, fs := LoadBytes(path, []byte(text))
	if g := got(fs, path); !slices.Equal(g, want) {
		t.Errorf("findings:\n got %q\nwant %q\n%s", g, want, strings.Join(fsStrings(fs), "\n"))
	}
	z := cfg.Zone("example.com.")
	if z.Records.Get(Key{"example.com.", dns.TypeSOA}) != nil {
		t.Errorf("SOA kept from the master file")
	}
	if s := z.Records.Get(Key{"www.example.com.", dns.TypeTXT}); s == nil || s.TTL != 300 {
		t.Errorf("www TXT %v: want TTL 300 from $TTL", s)
	}
}

// TestLoadUnreadable: a missing file is one finding, and no config.
func TestLoadUnreadable(t *testing.T) {
	cfg, fs := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if cfg != nil || len(fs) != 1 || fs[0].Rule != RuleReadConfig || !strings.Contains(fs[0].Message, "no such file") {
		t.Fatalf("cfg %v, findings %q", cfg, fsStrings(fs))
	}
}

// providerRules are the rules providers.Validate reports, not Load.
var providerRules = map[string]bool{"unknown-provider-type": true, "provider-settings": true, "unsupported-type": true, "ttl-below-provider-minimum": true}

// TestBadConfigs loads every testdata/configs/bad-*.yaml: each must hold
// errors, and each file's first line names the rules it expects
// ("# expect: rule rule ...").
func TestBadConfigs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "configs", "bad-*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad configs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			exp, ok := strings.CutPrefix(first, "# expect: ")
			if !ok {
				t.Fatalf("first line must be \"# expect: RULE...\"")
			}
			_, fs := Load(file)
			if !fs.HasErrors() {
				t.Errorf("no errors")
			}
			have := map[string]bool{}
			for _, f := range fs {
				have[f.Rule] = true
			}
			for _, r := range strings.Fields(exp) {
				if providerRules[r] {
					continue // reported by providers.Validate
				}
				if !have[r] {
					t.Errorf("no %s finding; got:\n%s", r, strings.Join(fsStrings(fs), "\n"))
				}
			}
		})
	}
}

// TestEnvAlias: settings shared through a YAML alias are expanded once, so
// "$${X}" stays a literal "${X}" for both providers.
func TestEnvAlias(t *testing.T) {
	text := `providers:
  a: &s { type: memory, lit: "$${DNSQ_NOT_EXPANDED}" }
  b: *s
zones:
  example.com.:
    providers: [a, b]
    records: { "@": { NS: [ns1.a.net.] } }
`
	cfg, fs := LoadBytes("a.yaml", []byte(text))
	if len(fs) != 0 {
		t.Fatalf("findings: %q", fsStrings(fs))
	}
	for _, name := range []string{"a", "b"} {
		var s struct {
			Lit string `yaml:"lit"`
		}
		if err := cfg.Provider(name).Decode(&s); err != nil || s.Lit != "${DNSQ_NOT_EXPANDED}" {
			t.Errorf("provider %s: lit %q, err %v", name, s.Lit, err)
		}
	}
}

// TestYAMLSyntaxPositions pins the exact position and message of YAML
// syntax errors. yaml.v3 says "line N" with N the 0-based line of the
// enclosing collection for most parser errors (one line early, or far
// above the problem) and gives no column; Load measures both.
func TestYAMLSyntaxPositions(t *testing.T) {
	head := "providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    records:\n"
	cases := []struct {
		name, text string
		want       string // "line:col: message [rule]"
	}{
		{"flow list never closed (testdata/configs/bad-syntax.yaml)",
			"providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.: { providers: [a, b, records: {} }\n",
			"5:49: YAML: did not find expected ',' or ']' [yaml-syntax]"},
		{"flow list open at the end of the file",
			"providers:\n  a: { type: memory }\nzones: [a,\n",
			"3:11: YAML: did not find expected node content [yaml-syntax]"},
		{"flow mapping not closed before the next key",
			head + "      www: { A: 192.0.2.1\n      ftp: { A: 192.0.2.2 }\n",
			"9:7: YAML: did not find expected ',' or '}' [yaml-syntax]"},
		{"key indented less than its siblings",
			head + "      www: { A: 192.0.2.1 }\n     ftp: { A: 192.0.2.2 }\n",
			"9:6: YAML: did not find expected key [yaml-syntax]"},
		{"key indented under a scalar",
			head + "      www:\n        A: 192.0.2.1\n          TXT: hello\n",
			"10:14: YAML: mapping values are not allowed in this context [yaml-syntax]"},
		{"key beside a list's items",
			"providers:\n  a: { type: memory }\nzones:\n  example.com.:\n    providers:\n      - a\n      records: {}\n",
			"7:7: YAML: did not find expected '-' indicator [yaml-syntax]"},
		{"unclosed double quote",
			head + "      www: { TXT: \"v=spf1 -all }\n      ftp: { A: 192.0.2.2 }\n",
			"8:19: YAML: found unexpected end of stream [yaml-syntax]"},
		{"unclosed single quote",
			head + "      www: { TXT: 'v=spf1 -all }\n",
			"8:19: YAML: found unexpected end of stream [yaml-syntax]"},
		{"tab indentation",
			"providers:\n\ta: { type: memory }\n",
			"2:1: YAML: found character that cannot start any token [yaml-syntax]"},
		{"tab among the indentation",
			head + "      www: { A: 192.0.2.1 }\n  \t    ftp: { A: 192.0.2.2 }\n",
			"9:3: YAML: found character that cannot start any token [yaml-syntax]"},
		{"tab before a more indented key",
			head + "      www:\n        A: 192.0.2.1\n\t        TXT: x\n",
			"10:1: YAML: found a tab character that violates indentation [yaml-syntax]"},
		{"windows line endings",
			"providers:\r\n\ta: { type: memory }\r\n",
			"2:1: YAML: found character that cannot start any token [yaml-syntax]"},
		{"columns count characters, not bytes",
			head + "      café: { TXT: \"héllo }\n",
			"8:20: YAML: found unexpected end of stream [yaml-syntax]"},
		{"alias of an unknown anchor",
			head + "      www: { A: *addr }\n",
			"8:17: YAML: unknown anchor 'addr' referenced [yaml-syntax]"},
		{"error in a second document",
			head + "      www: { A: 192.0.2.1 }\n---\nfoo: [1,\n",
			"10:9: YAML: did not find expected node content [yaml-syntax]"},
		{"duplicate key in provider settings (yaml.v3: mapping key already defined)",
			"providers:\n  a: { type: memory, nameservers: [ns1.a.net.], nameservers: [ns2.a.net.] }\n  b: { type: rfc2136, server: 127.0.0.1, tsig: { name: k., name: k2., secret: \"${DNSQ_TEST_SET}\" } }\n" +
				"zones:\n  example.com.:\n    providers: [a, b]\n    records: { \"@\": { NS: [ns1.a.net.] } }\n",
			"2:49: provider \"a\": key \"nameservers\" is already defined at line 2 [duplicate-key]\n" +
				"3:60: provider \"b\": tsig: key \"name\" is already defined at line 3 [duplicate-key]"},
		{"duplicate key in alerts",
			"providers:\n  a: { type: memory }\n  b: { type: memory }\nzones:\n  example.com.:\n    providers: [a, b]\n    records: { \"@\": { NS: [ns1.a.net.] } }\n" +
				"alerts:\n  sinks:\n    - type: webhook\n      url: \"${DNSQ_TEST_SET}\"\n      type: slack\n",
			"12:7: alerts: sinks: key \"type\" is already defined at line 10 [duplicate-key]"},
		{"duplicate record type",
			head + "      www:\n        A: 192.0.2.1\n        A: 192.0.2.2\n",
			"10:9: owner www: key \"A\" is already defined at line 9 [duplicate-key]"},
	}
	t.Setenv("DNSQ_TEST_SET", "s3cr3t-value")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, fs := LoadBytes("dir/c.yaml", []byte(tc.text))
			var got []string
			for _, f := range fs {
				if f.Rule != RuleYAMLSyntax && f.Rule != RuleDuplicateKey {
					continue
				}
				if f.Pos.File != "dir/c.yaml" || f.Severity != Error {
					t.Errorf("finding %s", f)
				}
				got = append(got, fmt.Sprintf("%d:%d: %s [%s]", f.Pos.Line, f.Pos.Col, f.Message, f.Rule))
			}
			if g := strings.Join(got, "\n"); g != tc.want {
				t.Errorf("got\n%s\nwant\n%s", g, tc.want)
			}
		})
	}

	// The file from the bug report, through Load and Finding.String.
	file := filepath.Join("..", "testdata", "configs", "bad-syntax.yaml")
	_, fs := Load(file)
	if len(fs) != 1 || fs[0].String() != file+":7:49: error: YAML: did not find expected ',' or ']'" {
		t.Errorf("%s: %q", file, fsStrings(fs))
	}
}

// TestNestedDuplicateKeysDecode: the first definition of a duplicate key
// stays, so decoding the settings reports nothing more.
func TestNestedDuplicateKeysDecode(t *testing.T) {
	text := "providers:\n  a: { type: memory, tsig: { name: k1., name: k2. } }\n  b: { type: memory }\n" +
		"zones:\n  example.com.:\n    providers: [a, b]\n    records: { \"@\": { NS: [ns1.a.net.] } }\n"
	cfg, fs := LoadBytes("c.yaml", []byte(text))
	if got := got(fs, "c.yaml"); strings.Join(got, ",") != "2:41 duplicate-key" {
		t.Fatalf("findings %q", got)
	}
	var s struct {
		TSIG struct {
			Name string `yaml:"name"`
		} `yaml:"tsig"`
	}
	if err := cfg.Provider("a").Decode(&s); err != nil || s.TSIG.Name != "k1." {
		t.Errorf("decode: %+v, %v", s, err)
	}
}

// FuzzYAMLErrorPos: whatever the input, the position of a YAML error is
// inside the file (line 1 to one past the last line, column 1 or more) or
// unknown (0, 0), and finding it never panics. Seeds:
// testdata/fuzz/FuzzYAMLErrorPos.
func FuzzYAMLErrorPos(f *testing.F) {
	f.Add([]byte("zones: [a, b, records: {} }\n"))
	f.Add([]byte("a:\n\tb: 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		err := decodeDocs(data)
		if err == nil {
			return
		}
		line, col := yamlErrorPos(data, err)
		lines := bytes.Count(data, []byte("\n")) + 1
		if (line == 0) != (col == 0) || line < 0 || line > lines || col < 0 {
			t.Fatalf("position %d:%d in %d lines for %v", line, col, lines, err)
		}
		if line > 0 {
			l := strings.Split(string(data), "\n")[line-1]
			if col > utf8.RuneCountInString(l)+1 {
				t.Fatalf("column %d past the end of line %d %q (%v)", col, line, l, err)
			}
		}
	})
}

// BenchmarkSyntaxErrorPosition locates a syntax error near the end of a
// configuration of just under 1 MiB, the largest whose errors get a column:
// the worst case of yamlErrorPos.
func BenchmarkSyntaxErrorPosition(b *testing.B) {
	text := genConfig(25000)
	if len(text) > maxColumnSearchBytes {
		b.Fatalf("%d bytes: over the column search bound", len(text))
	}
	i := strings.LastIndex(text[:len(text)-100], "\n") + 1
	data := []byte(text[:i] + "      bad: { A: [192.0.2.1 }\n" + text[i:])
	line := strings.Count(text[:i], "\n") + 1
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, fs := LoadBytes("big.yaml", data)
		if len(fs) != 1 || fs[0].Pos.Line != line || fs[0].Pos.Col != 28 {
			b.Fatalf("findings %v, want one at %d:28", fs, line)
		}
	}
}
