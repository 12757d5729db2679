// Command dnsquorum keeps one DNS zone served identically by several
// independent DNS providers, and proves it.
package main

import (
	"os"

	_ "github.com/dnsquorum/dnsquorum/providers/all"
)

func main() {
	os.Exit(Run(os.Args[1:], SystemIO()))
}
