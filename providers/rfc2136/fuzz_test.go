package rfc2136

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/zone"
)

// FuzzNew feeds provider settings as YAML to New: it never panics, and an
// error never shows the TSIG secret. Seeds: testdata/fuzz/FuzzNew.
func FuzzNew(f *testing.F) {
	f.Add([]byte("server: 127.0.0.1:53\ntsig: {name: k., algorithm: hmac-sha256, secret: " + testSecret + "}\ntimeout: 2s\n"))
	f.Add([]byte("server: '[::1]'\nserial_prerequisite: yes\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
			return
		}
		pc := &zone.ProviderConfig{Name: "fuzz", Type: "rfc2136", Settings: doc.Content[0], Pos: zone.Position{File: "fuzz.yaml", Line: 1, Col: 1}}
		p, err := New(pc)
		secret := ""
		if n := settingNode(doc.Content[0], "tsig.secret"); n != nil && n.Kind == yaml.ScalarNode {
			secret = n.Value
		}
		if err != nil {
			if p != nil {
				t.Fatal("a provider and an error")
			}
			if isKeyMaterial(secret) && strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the secret: %v", err)
			}
			return
		}
		if isKeyMaterial(secret) && strings.Contains(fmt.Sprintf("%v %+v %#v %s", p, p, p, p), secret) {
			t.Fatal("the provider prints its secret")
		}
	})
}

// isKeyMaterial reports whether s looks like a real key: base64 of 16
// octets or more (shorter strings can occur in any message by chance).
func isKeyMaterial(s string) bool {
	b, err := base64.StdEncoding.DecodeString(s)
	return err == nil && len(b) >= 16
}
