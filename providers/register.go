package providers

import (
	"fmt"

	"github.com/dnsquorum/dnsquorum/zone"
)

// Adapter returns the Registration of an adapter type whose settings
// decode into an S (yaml tags name the keys; unknown keys are refused with
// their position). New decodes a config entry's settings, then calls build;
// build's error is prefixed with the entry's position and name.
func Adapter[S any, P Provider](typ, doc string, build func(s S, pc *zone.ProviderConfig) (P, error)) Registration {
	return Registration{
		Type:     typ,
		Doc:      doc,
		Settings: func() any { return new(S) },
		New: func(pc *zone.ProviderConfig) (Provider, error) {
			var s S
			if err := pc.Decode(&s); err != nil {
				return nil, err
			}
			p, err := build(s, pc)
			if err != nil {
				return nil, fmt.Errorf("%s: provider %q: %v", pc.Pos, pc.Name, err)
			}
			return p, nil
		},
	}
}
