package providers_test

import (
	"errors"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

type adapterSettings struct {
	Host string `yaml:"host"`
}

// adapterStub is a Provider that only the registration test builds.
type adapterStub struct{ limited }

// TestAdapter: the registration decodes the settings strictly, names the
// entry in build's errors, and never returns a non-nil Provider holding a
// nil pointer with an error.
func TestAdapter(t *testing.T) {
	var got adapterSettings
	r := providers.Adapter("stub", "a stub", func(s adapterSettings, pc *zone.ProviderConfig) (*adapterStub, error) {
		got = s
		if s.Host == "bad" {
			return nil, errors.New("host is bad")
		}
		return &adapterStub{}, nil
	})
	if _, ok := r.Settings().(*adapterSettings); !ok || r.Type != "stub" || r.Doc != "a stub" {
		t.Fatalf("registration %+v: want type, doc and *adapterSettings", r)
	}
	entry := func(text string) *zone.ProviderConfig {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatal(err)
		}
		return &zone.ProviderConfig{Name: "p1", Type: "stub", Settings: doc.Content[0], Pos: zone.Position{File: "dnsquorum.yaml", Line: 4, Col: 3}}
	}
	if p, err := r.New(entry("type: stub\nhost: ok\n")); err != nil || p == nil || got.Host != "ok" {
		t.Fatalf("New = %v, %v (settings %+v)", p, err, got)
	}
	p, err := r.New(entry("type: stub\nhost: bad\n"))
	if p != nil || err == nil || err.Error() != `dnsquorum.yaml:4:3: provider "p1": host is bad` {
		t.Errorf("build error: New = %#v, %v", p, err)
	}
	p, err = r.New(entry("type: stub\nhots: x\n"))
	if p != nil || err == nil || !strings.Contains(err.Error(), `unknown setting "hots"`) {
		t.Errorf("unknown key: New = %#v, %v", p, err)
	}
}
