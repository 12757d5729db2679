package check

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/zone"
)

// TSIGKey is a TSIG key for zone transfers. Its String and GoString never
// show the secret.
type TSIGKey struct {
	// Name is the key's name ("dnsquorum.").
	Name string
	// Algorithm is the HMAC ("hmac-sha256").
	Algorithm string
	// Secret is the base64 secret.
	Secret string
}

// String names the key without its secret.
func (k TSIGKey) String() string { return fmt.Sprintf("TSIG key %s (%s)", k.Name, k.Algorithm) }

// GoString names the key without its secret, for %#v.
func (k TSIGKey) GoString() string { return k.String() }

// algorithms maps the spellings accepted in settings to miekg/dns names.
var algorithms = map[string]string{
	"hmac-md5": dns.HmacMD5, "hmac-md5.sig-alg.reg.int": dns.HmacMD5,
	"hmac-sha1": dns.HmacSHA1, "hmac-sha224": dns.HmacSHA224, "hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384, "hmac-sha512": dns.HmacSHA512,
}

// normalize returns the key with a canonical name and the miekg/dns
// algorithm name, checking the secret is base64 (the error never shows it).
func (k TSIGKey) normalize() (TSIGKey, error) {
	if k.Name == "" {
		return k, fmt.Errorf("TSIG key without a name")
	}
	k.Name = dns.CanonicalName(k.Name)
	alg := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(k.Algorithm)), ".")
	if alg == "" {
		alg = "hmac-sha256"
	}
	a, ok := algorithms[alg]
	if !ok {
		return k, fmt.Errorf("%s: unknown algorithm %q", k, k.Algorithm)
	}
	k.Algorithm = a
	if _, err := base64.StdEncoding.DecodeString(k.Secret); err != nil || k.Secret == "" {
		return k, fmt.Errorf("%s: the secret is not base64", k)
	}
	return k, nil
}

// ProviderTSIG returns the key for zone transfers from a provider's
// servers: its "axfr_tsig: {name, algorithm, secret}" setting (any type),
// else its adapter's "tsig" setting (rfc2136). ok is false when there is
// none; the error names the provider
// and the setting's position, never the secret.
func ProviderTSIG(pc *zone.ProviderConfig) (key TSIGKey, ok bool, err error) {
	if pc == nil {
		return TSIGKey{}, false, nil
	}
	nodes := []*yaml.Node{}
	if pc.TransferTSIG != nil {
		nodes = append(nodes, pc.TransferTSIG)
	}
	if pc.Settings != nil && pc.Settings.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(pc.Settings.Content); i += 2 {
			if pc.Settings.Content[i].Value == "tsig" {
				nodes = append(nodes, pc.Settings.Content[i+1])
			}
		}
	}
	for _, n := range nodes {
		var raw struct {
			Name      string `yaml:"name"`
			Algorithm string `yaml:"algorithm"`
			Secret    string `yaml:"secret"`
		}
		if err := n.Decode(&raw); err != nil {
			return TSIGKey{}, false, fmt.Errorf("%s:%d:%d: provider %q: tsig: want {name, algorithm, secret}", pc.Pos.File, n.Line, n.Column, pc.Name)
		}
		k, err := TSIGKey{Name: raw.Name, Algorithm: raw.Algorithm, Secret: raw.Secret}.normalize()
		if err != nil {
			return TSIGKey{}, false, fmt.Errorf("%s:%d:%d: provider %q: tsig: %v", pc.Pos.File, n.Line, n.Column, pc.Name, err)
		}
		return k, true, nil
	}
	return TSIGKey{}, false, nil
}

// tsigFor returns the transfer key for a provider's servers.
func (r *run) tsigFor(provider string) (TSIGKey, bool, error) {
	if provider == "" {
		return TSIGKey{}, false, nil
	}
	if r.opts.TSIG != nil {
		k, ok := r.opts.TSIG(provider)
		if !ok {
			return TSIGKey{}, false, nil
		}
		k, err := k.normalize()
		return k, err == nil, err
	}
	return ProviderTSIG(r.cfg.Provider(provider))
}
