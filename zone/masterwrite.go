package zone

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// MasterFileOptions controls WriteMasterFile.
type MasterFileOptions struct {
	// DefaultTTL is written as $TTL; 0 picks the TTL most records carry
	// (the lowest on a tie).
	// Every record line carries its TTL anyway.
	DefaultTTL uint32
	// PlaceholderSOA adds a SOA record when the zone has none (desired
	// state never holds one, but named-checkzone and servers need one),
	// preceded by a comment saying it is a placeholder.
	PlaceholderSOA bool
	// Header lines are written first, each as a "; " comment.
	Header []string
}

// placeholderSOAComment precedes the SOA record WriteMasterFile invents.
const placeholderSOAComment = "; placeholder SOA: dnsquorum never manages SOA, each provider keeps its own"

// WriteMasterFile writes sets as a BIND-style master file for zone origin:
// $ORIGIN and $TTL, the apex SOA first (if any), then the apex NS set, then
// every other set in canonical order; owners relative to origin ("@" for
// the apex), columns aligned, every record with its TTL and class. Octets
// outside printable ASCII are written as \DDD escapes, which every server's
// parser accepts (Knot's rejects raw non-ASCII bytes).
func WriteMasterFile(w io.Writer, origin string, sets *RRsets, opts MasterFileOptions) error {
	origin = dns.CanonicalName(origin)
	if sets == nil {
		sets = NewRRsets()
	}
	ordered := masterOrder(origin, sets)

	type line struct{ owner, ttl, typ, rdata, comment string }
	var lines []line
	if opts.PlaceholderSOA && sets.Get(Key{origin, dns.TypeSOA}) == nil {
		mname := "ns.invalid."
		if ns := sets.Get(Key{origin, dns.TypeNS}); ns != nil && len(ns.Records) > 0 {
			mname = ns.Records[0].(*dns.NS).Ns
		}
		lines = append(lines, line{comment: placeholderSOAComment})
		hostmaster := "hostmaster." + origin
		if origin == "." {
			hostmaster = "hostmaster."
		}
		lines = append(lines, line{owner: "@", ttl: "3600", typ: "SOA",
			rdata: fmt.Sprintf("%s %s 1 3600 600 604800 300", mname, hostmaster)})
	}
	for _, s := range ordered {
		for _, rr := range s.Records {
			lines = append(lines, line{
				owner: masterOwner(s.Name, origin),
				ttl:   strconv.FormatUint(uint64(rr.Header().Ttl), 10),
				typ:   s.TypeString(),
				rdata: escapeNonASCII(Rdata(rr)),
			})
		}
	}
	defTTL := opts.DefaultTTL
	if defTTL == 0 {
		defTTL = commonTTL(sets)
	}
	wo, wt, wy := 0, 0, 0
	for _, l := range lines {
		wo, wt, wy = max(wo, len(l.owner)), max(wt, len(l.ttl)), max(wy, len(l.typ))
	}

	bw := bufio.NewWriter(w)
	for _, h := range opts.Header {
		for _, hl := range strings.Split(h, "\n") {
			fmt.Fprintf(bw, "; %s\n", escapeNonASCII(hl))
		}
	}
	fmt.Fprintf(bw, "$ORIGIN %s\n$TTL %d\n", escapeNonASCII(origin), defTTL)
	for _, l := range lines {
		if l.comment != "" {
			fmt.Fprintln(bw, l.comment)
			continue
		}
		fmt.Fprintf(bw, "%-*s %*s IN %-*s %s\n", wo, l.owner, wt, l.ttl, wy, l.typ, l.rdata)
	}
	return bw.Flush()
}

// masterOrder returns the sets in master-file order: the apex SOA, the apex
// NS set, then the rest in canonical order.
func masterOrder(origin string, sets *RRsets) []*RRset {
	all := sets.Sorted()
	out := make([]*RRset, 0, len(all))
	for _, t := range []uint16{dns.TypeSOA, dns.TypeNS} {
		if s := sets.Get(Key{origin, t}); s != nil {
			out = append(out, s)
		}
	}
	for _, s := range all {
		if s.Name == origin && (s.Type == dns.TypeSOA || s.Type == dns.TypeNS) {
			continue
		}
		out = append(out, s)
	}
	return slices.Clip(out)
}

// masterOwner returns name relative to origin for the owner column. A
// leading '$' is escaped so the owner cannot be read as a directive.
func masterOwner(name, origin string) string {
	rel := escapeNonASCII(RelativeName(name, origin))
	if strings.HasPrefix(rel, "$") {
		rel = `\` + rel
	}
	return rel
}

// escapeNonASCII replaces every octet outside printable ASCII (and not a
// tab) with a \DDD escape. In presentation format such an escape stands for
// the octet wherever one may appear (names and character-strings); miekg/dns
// already escapes data it unpacked from wire format, so this is a guard for
// records that bypassed normalization.
func escapeNonASCII(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c > '~' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < ' ' && c != '\t') || c > '~' {
			fmt.Fprintf(&b, "\\%03d", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
