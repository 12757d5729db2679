package providers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	_ "github.com/dnsquorum/dnsquorum/providers/cloudflare"
	_ "github.com/dnsquorum/dnsquorum/providers/desec"
	_ "github.com/dnsquorum/dnsquorum/providers/digitalocean"
	_ "github.com/dnsquorum/dnsquorum/providers/memory"
	_ "github.com/dnsquorum/dnsquorum/providers/route53"
	"github.com/dnsquorum/dnsquorum/zone"
)

// limited is a test adapter: it serves only A, AAAA, NS and TXT with a
// minimum TTL of 60, and refuses a "fail" setting.
type limited struct{}

type limitedSettings struct {
	Server string `yaml:"server" doc:"where the test server is"`
	Fail   bool   `yaml:"fail"`
	Panic  bool   `yaml:"panic"`
}

func (limited) GetRecords(context.Context, string) ([]libdns.Record, error) { return nil, nil }
func (limited) AppendRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, nil
}
func (limited) SetRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, nil
}
func (limited) DeleteRecords(context.Context, string, []libdns.Record) ([]libdns.Record, error) {
	return nil, nil
}
func (limited) Capabilities() providers.Capabilities {
	return providers.Capabilities{Types: []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeNS, dns.TypeTXT}, MinTTL: 60}
}

func init() {
	providers.Register(providers.Registration{
		Type:     "test-limited",
		Doc:      "a test adapter with few types",
		Settings: func() any { return &limitedSettings{} },
		New: func(pc *zone.ProviderConfig) (providers.Provider, error) {
			var s limitedSettings
			if err := pc.Decode(&s); err != nil {
				return nil, err
			}
			if s.Panic {
				panic("boom")
			}
			if s.Fail {
				return nil, fmt.Errorf("%s: provider %q: server %s: not reachable by design", pc.Pos, pc.Name, s.Server)
			}
			return limited{}, nil
		},
	})
}

func load(t *testing.T, text string) *zone.Config {
	t.Helper()
	cfg, fs := zone.LoadBytes("p.yaml", []byte(text))
	if fs.HasErrors() || cfg == nil {
		t.Fatalf("load: %v", fs.Err())
	}
	return cfg
}

func render(fs zone.Findings) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s", f.Pos, f.Severity, f.Rule))
	}
	return out
}

// TestValidate checks every rule of providers.Validate at its position.
func TestValidate(t *testing.T) {
	t.Setenv("DNSQ_TEST_SERVER", "s3cr3t.example:53")
	cfg := load(t, `providers:
  mem: { type: memory }
  lim: { type: test-limited, server: x }
  typo: { type: memroy }
  bad:
    type: test-limited
    sever: x
  nested: { type: memory, store: [not, a, string] }
  failing: { type: test-limited, server: "${DNSQ_TEST_SERVER}", fail: true }
  panics: { type: test-limited, panic: true }
zones:
  example.com.:
    providers: [mem, lim, typo, bad, nested, failing, panics]
    records:
      "@": { NS: [ns1.example.net.], MX: 10 mail.example.net. }
      www: { A: { ttl: 30, value: 192.0.2.1 }, TXT: hi }
      alias: { CNAME: { ttl: 30, value: x.example.net. } }
      _sip._tcp: { SRV: 10 60 5060 sip.example.net. }
      _acme-challenge: { CNAME: acme.example.net. }
      low: { AAAA: { ttl: 5, value: "2001:db8::1" } }
    ignore: ["_acme-challenge"]
`)
	fs := providers.Validate(cfg)
	want := []string{
		"p.yaml:4:17 error unknown-provider-type",
		"p.yaml:7:5 error provider-settings",
		"p.yaml:8 error provider-settings", // yaml.v3 gives no column
		"p.yaml:9:3 error provider-settings",
		"p.yaml:10:3 error provider-settings",
		"p.yaml:15:42 error unsupported-type",
		"p.yaml:18:25 error unsupported-type",
		"p.yaml:17:41 error unsupported-type",
		"p.yaml:20:37 error ttl-below-provider-minimum",
	}
	if got := render(fs); !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
		for _, f := range fs {
			t.Log(f)
		}
	}
	msgs := map[string]string{}
	for _, f := range fs {
		msgs[f.Pos.String()] = f.Message
		if strings.Contains(f.Message, "s3cr3t") {
			t.Errorf("secret in %s", f)
		}
	}
	for pos, want := range map[string]string{
		"p.yaml:4:17":  `provider "typo": unknown type "memroy" (known: `,
		"p.yaml:7:5":   `provider "bad": unknown setting "sever" (known: fail, panic, server)`,
		"p.yaml:9:3":   `provider "failing": server [redacted]: not reachable by design`,
		"p.yaml:10:3":  `provider "panics": adapter test-limited failed on these settings: boom`,
		"p.yaml:8":     `provider "nested": cannot unmarshal !!seq into string`,
		"p.yaml:15:42": `example.com. MX: provider "lim" (type test-limited) cannot serve MX records; its nameservers would not answer them`,
		"p.yaml:17:41": `alias.example.com. CNAME: provider "lim" (type test-limited) cannot serve CNAME records`,
		"p.yaml:20:37": `low.example.com. AAAA: TTL 5 is below provider "lim"'s minimum of 60 (and 1 other RRset)`,
	} {
		if !strings.HasPrefix(msgs[pos], want) {
			t.Errorf("%s: message %q, want prefix %q", pos, msgs[pos], want)
		}
	}
}

// TestValidateMultiStringTXT: DigitalOcean stores one text per TXT record
// and refuses a record of several strings at sync time; validate reports
// it first, at the record's value, once per provider and zone. A text over
// 255 octets (split into 255-octet strings by dnsquorum) is stored joined,
// so it is fine; Cloudflare, Route 53, deSEC and memory keep string
// boundaries.
func TestValidateMultiStringTXT(t *testing.T) {
	t.Setenv("DNSQ_TEST_TOKEN", "s3cr3t-token")
	long := strings.Repeat("0123456789", 30)
	cfg := load(t, `providers:
  do: { type: digitalocean, token: "${DNSQ_TEST_TOKEN}" }
  cf: { type: cloudflare, api_token: "${DNSQ_TEST_TOKEN}" }
  r53: { type: route53, region: us-east-1, access_key_id: AKIDEXAMPLE, secret_access_key: "${DNSQ_TEST_TOKEN}" }
  desec: { type: desec, token: "${DNSQ_TEST_TOKEN}" }
  mem: { type: memory }
zones:
  example.com.:
    providers: [do, cf, r53, desec, mem]
    records:
      "@": { NS: [ns1.example.net.], TXT: "v=spf1 -all" }
      long: { TXT: "`+long+`" }
      multi:
        TXT:
          - plain text
          - '"part one" "part two"'
      dkim: { TXT: '"v=DKIM1; k=rsa; " "p=MIIB"' }
  example.org.:
    providers: [cf, r53, desec, mem]
    records:
      "@": { NS: [ns1.example.net.] }
      multi: { TXT: '"part one" "part two"' }
`)
	fs := providers.Validate(cfg)
	if got, want := render(fs), []string{"p.yaml:17:20 error multi-string-txt"}; !slices.Equal(got, want) {
		t.Fatalf("findings:\n got %q\nwant %q", got, want)
	}
	want := `dkim.example.com. TXT: a record of 2 strings; provider "do" (type digitalocean) stores one text per TXT record and would refuse it (and 1 other record); write the text as one string`
	if f := fs[0]; f.Message != want || f.Zone != "example.com." || f.Severity != zone.Error {
		t.Errorf("finding %+v\nwant message %q", f, want)
	}

	// The position is the record's own value, not its RRset's first.
	z := cfg.Zone("example.com.")
	multi := z.Records.Get(zone.Key{Name: "multi.example.com.", Type: dns.TypeTXT})
	var got []string
	for _, rr := range multi.Records {
		got = append(got, z.RecordOrigin(rr).String())
	}
	slices.Sort(got)
	if want := []string{"p.yaml:15:13", "p.yaml:16:13"}; !slices.Equal(got, want) {
		t.Errorf("record origins %q, want %q", got, want)
	}
}

// TestOneText: the TXT shapes a SingleStringTXT backend stores and serves
// back the same.
func TestOneText(t *testing.T) {
	s255 := strings.Repeat("x", 255)
	esc255 := strings.Repeat("x", 253) + `\"` + `\195` // 253 + 1 + 1 octets
	for _, tc := range []struct {
		txt  []string
		want bool
	}{
		{nil, true},
		{[]string{"one"}, true},
		{[]string{""}, true},
		{[]string{s255, "rest"}, true},
		{[]string{s255, s255, "x"}, true},
		{[]string{esc255, "rest"}, true},
		{[]string{"part one", "part two"}, false},
		{[]string{s255[1:], "rest"}, false},
		{[]string{s255, ""}, false},
		{[]string{s255, "x", s255}, false},
	} {
		if got := providers.OneText(tc.txt); got != tc.want {
			t.Errorf("OneText(%d strings of %v octets) = %v, want %v", len(tc.txt), lens(tc.txt), got, tc.want)
		}
	}
}

func lens(ss []string) []int {
	var out []int
	for _, s := range ss {
		out = append(out, len(zone.UnescapeStrings(s)))
	}
	return out
}

// TestValidateNil: no config, no findings.
func TestValidateNil(t *testing.T) {
	if fs := providers.Validate(nil); fs != nil {
		t.Errorf("Validate(nil) = %v", fs)
	}
}

// TestValidateExample: the example config has no provider-level errors for
// the adapter types this binary registers.
func TestValidateExample(t *testing.T) {
	t.Setenv("BIND_TSIG_SECRET", "c2VjcmV0")
	t.Setenv("PDNS_API_KEY", "key")
	cfg, fs := zone.Load(filepath.Join("..", "testdata", "configs", "example.yaml"))
	if fs.HasErrors() {
		t.Fatal(fs.Err())
	}
	for _, f := range providers.Validate(cfg) {
		if f.Rule == providers.RuleUnknownProviderType {
			continue // adapters not linked into this test binary
		}
		t.Errorf("finding: %s", f)
	}
}

// TestSchemaProviders: each registered type's settings are tied to its type
// in the schema.
func TestSchemaProviders(t *testing.T) {
	out, err := providers.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties struct {
			Providers struct {
				AdditionalProperties struct {
					Properties map[string]struct {
						Enum []string `json:"enum"`
					} `json:"properties"`
					AllOf []struct {
						If struct {
							Properties struct {
								Type struct {
									Const string `json:"const"`
								} `json:"type"`
							} `json:"properties"`
						} `json:"if"`
						Then struct {
							Properties           map[string]json.RawMessage `json:"properties"`
							AdditionalProperties *bool                      `json:"additionalProperties"`
						} `json:"then"`
					} `json:"allOf"`
				} `json:"additionalProperties"`
			} `json:"providers"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	p := s.Properties.Providers.AdditionalProperties
	if !slices.Contains(p.Properties["type"].Enum, "test-limited") || !slices.Contains(p.Properties["type"].Enum, "memory") {
		t.Errorf("type enum %q", p.Properties["type"].Enum)
	}
	found := false
	for _, c := range p.AllOf {
		if c.If.Properties.Type.Const != "test-limited" {
			continue
		}
		found = true
		var keys []string
		for k := range c.Then.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"axfr_tsig", "fail", "nameservers", "panic", "server", "type"}; !slices.Equal(keys, want) {
			t.Errorf("test-limited keys %q, want %q", keys, want)
		}
		if c.Then.AdditionalProperties == nil || *c.Then.AdditionalProperties {
			t.Errorf("test-limited allows unknown keys")
		}
		if !strings.Contains(string(c.Then.Properties["server"]), "where the test server is") {
			t.Errorf("server: no description: %s", c.Then.Properties["server"])
		}
	}
	if !found {
		t.Errorf("no if/then for test-limited")
	}
}
