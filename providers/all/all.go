// Package all registers every built-in provider adapter; import it for its
// side effects.
package all

import (
	// Each adapter registers itself by type name in init.
	_ "github.com/dnsquorum/dnsquorum/providers/memory"
)
