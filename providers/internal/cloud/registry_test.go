package cloud_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/providers"
	_ "github.com/dnsquorum/dnsquorum/providers/cloudflare"
	_ "github.com/dnsquorum/dnsquorum/providers/desec"
	_ "github.com/dnsquorum/dnsquorum/providers/digitalocean"
	_ "github.com/dnsquorum/dnsquorum/providers/route53"
	"github.com/dnsquorum/dnsquorum/zone"
)

func providerConfig(t *testing.T, text string) *zone.ProviderConfig {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	m := doc.Content[0]
	pc := &zone.ProviderConfig{Name: "p", Settings: m, Pos: zone.Position{File: "dnsquorum.yaml", Line: 3, Col: 3}}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "type" {
			pc.Type = m.Content[i+1].Value
		}
	}
	return pc
}

// TestRegistered builds each cloud adapter from YAML settings, as the
// config file gives them, without touching the network.
func TestRegistered(t *testing.T) {
	for _, tc := range []struct{ yaml, secret string }{
		{"type: cloudflare\napi_token: cf-SECRET-1\nproxied: [www, \"@\"]\nbatch_size: 3500\nrate_limit: 2\n", "cf-SECRET-1"},
		{"type: route53\naccess_key_id: AKIDSECRET\nsecret_access_key: r53-SECRET-2\nregion: eu-west-1\nendpoint: http://127.0.0.1:1\n", "r53-SECRET-2"},
		{"type: digitalocean\ntoken: do-SECRET-3\nrate_limit: 1\n", "do-SECRET-3"},
		{"type: desec\ntoken: desec-SECRET-4\nminimum_ttl: 60\n", "desec-SECRET-4"},
	} {
		pc := providerConfig(t, tc.yaml)
		t.Run(pc.Type, func(t *testing.T) {
			reg, ok := providers.Lookup(pc.Type)
			if !ok || reg.Settings == nil || reg.Doc == "" {
				t.Fatalf("type %q not registered with settings and doc", pc.Type)
			}
			p, err := providers.New(pc)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if len(p.Capabilities().Types) == 0 || p.Capabilities().RateLimit == 0 {
				t.Errorf("capabilities %+v: want the types and the rate limit declared", p.Capabilities())
			}
			// An unknown key is refused with its position; the secret stays out.
			_, err = providers.New(providerConfig(t, tc.yaml+"bogus: 1\n"))
			if err == nil || !strings.Contains(err.Error(), `unknown setting "bogus"`) || strings.Contains(err.Error(), tc.secret) {
				t.Errorf("unknown key: err = %v", err)
			}
		})
	}
}
