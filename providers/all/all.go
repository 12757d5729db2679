// Package all registers every built-in provider adapter; import it for its
// side effects.
package all

import (
	// Each adapter registers itself by type name in init.
	_ "github.com/dnsquorum/dnsquorum/providers/cloudflare"
	_ "github.com/dnsquorum/dnsquorum/providers/desec"
	_ "github.com/dnsquorum/dnsquorum/providers/digitalocean"
	_ "github.com/dnsquorum/dnsquorum/providers/memory"
	_ "github.com/dnsquorum/dnsquorum/providers/powerdns"
	_ "github.com/dnsquorum/dnsquorum/providers/rfc2136"
	_ "github.com/dnsquorum/dnsquorum/providers/route53"
	_ "github.com/dnsquorum/dnsquorum/providers/zonefile"
)
