// Command genzone writes a dnsquorum config for the lab with one generated
// zone of N records (70% A, 10% AAAA, 8% TXT, 5% CNAME, 4% MX, 3% SRV), the
// mix the peer tools were measured with. -change F alters that fraction of
// the records, for "1% changed" timings.
//
//	go run ./testdata/bench/genzone -n 10000 -zone bench.test. > /tmp/bench.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	n := flag.Int("n", 10000, "number of records")
	zoneName := flag.String("zone", "bench.test.", "zone name")
	change := flag.Float64("change", 0, "fraction of records to alter (0 to 1)")
	providers := flag.String("providers", "bind,knot,pdns,nsd", "lab providers serving the zone")
	flag.Parse()
	if *n < 1 || *change < 0 || *change > 1 {
		fmt.Fprintln(os.Stderr, "genzone: -n must be positive and -change within 0..1")
		os.Exit(2)
	}
	fmt.Print(labProviders)
	fmt.Printf("zones:\n  %s:\n    providers: [%s]\n    default_ttl: 300\n    safety: { threshold: -1 }\n    records:\n", *zoneName, strings.ReplaceAll(*providers, ",", ", "))
	fmt.Print("      \"@\": { NS: [ns1.bind.lab.test., ns1.knot.lab.test., ns1.pdns.lab.test., ns1.nsd.lab.test.] }\n")
	every := 0
	if *change > 0 {
		every = int(1 / *change)
	}
	for i := range *n {
		v := i
		if every > 0 && i%every == 0 {
			v = i + 1_000_000 // a different value for the same name
		}
		name := fmt.Sprintf("h%05d", i)
		switch r := i % 100; {
		case r < 70:
			fmt.Printf("      %s: { A: 10.%d.%d.%d }\n", name, v>>16&255, v>>8&255, v&255)
		case r < 80:
			fmt.Printf("      %s: { AAAA: \"2001:db8::%x\" }\n", name, v)
		case r < 88:
			fmt.Printf("      %s: { TXT: \"token=%08d site verification\" }\n", name, v)
		case r < 93:
			fmt.Printf("      %s: { CNAME: t%d.example.net. }\n", name, v)
		case r < 97:
			fmt.Printf("      %s: { MX: \"10 mx%d.example.net.\" }\n", name, v)
		default:
			fmt.Printf("      _s%d._tcp.%s: { SRV: \"10 5 %d sip.example.net.\" }\n", i, name, 1024+v%60000)
		}
	}
}

const labProviders = `providers:
  bind: { type: rfc2136, server: 127.0.0.11:53, tsig: { name: dnsquorum., algorithm: hmac-sha256, secret: "${LAB_TSIG_SECRET}" }, nameservers: [ns1.bind.lab.test.] }
  knot: { type: rfc2136, server: 127.0.0.12:53, tsig: { name: dnsquorum., algorithm: hmac-sha256, secret: "${LAB_TSIG_SECRET}" }, nameservers: [ns1.knot.lab.test.] }
  pdns: { type: powerdns, url: "http://127.0.0.13:8081", api_key: "${LAB_PDNS_API_KEY}", nameservers: [ns1.pdns.lab.test.] }
  nsd:  { type: zonefile, path: "/tmp/dnsquorum-lab/nsd/zones/{zone}zone", reload: [nsd-control, -c, /tmp/dnsquorum-lab/nsd/nsd.conf, reload, "{zone}"], nameservers: [ns1.nsd.lab.test.] }
`
