package zone

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// ZoneYAML is one zone entry of the configuration file, for writing: what
// `import` prints and `export --format yaml` writes.
type ZoneYAML struct {
	// Name is the zone ("example.com.").
	Name string
	// Providers are written when not empty; otherwise a comment asks for
	// them.
	Providers []string
	// DefaultTTL is written as default_ttl; 0 picks the TTL most records
	// carry.
	DefaultTTL uint32
	// Ignore rules are written when not empty.
	Ignore []IgnoreRule
	// Records is the zone's content.
	Records *RRsets
	// Comment, when set, is written above the zone's entry.
	Comment string
}

// WriteZonesYAML writes a "zones:" document holding the given entries, in
// the form the configuration loader reads. Owners are encoded a few hundred
// at a time (yaml.v3's emitter slows down and grows its event queue on one
// very large document), then indented into place.
func WriteZonesYAML(w io.Writer, zones ...ZoneYAML) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("zones:\n")
	var buf bytes.Buffer
	for _, z := range zones {
		origin := dns.CanonicalName(z.Name)
		ttl := z.DefaultTTL
		if ttl == 0 {
			ttl = commonTTL(z.Records)
		}
		entry := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(z.Providers) > 0 {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			for _, p := range z.Providers {
				seq.Content = append(seq.Content, strNode(p))
			}
			entry.Content = append(entry.Content, strNode("providers"), seq)
		} else {
			k := strNode("providers")
			k.HeadComment = "TODO: the providers (at least two) that serve this zone"
			entry.Content = append(entry.Content, k, &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle})
		}
		entry.Content = append(entry.Content, strNode("default_ttl"),
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(uint64(ttl), 10)})
		if len(z.Ignore) > 0 {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
			for _, r := range z.Ignore {
				v := r.Name
				if r.Type != "" {
					v += " " + r.Type
				}
				seq.Content = append(seq.Content, strNode(v))
			}
			entry.Content = append(entry.Content, strNode("ignore"), seq)
		}
		key := strNode(origin)
		key.HeadComment = z.Comment
		if err := encodeIndented(bw, &buf, "  ", key, entry); err != nil {
			return err
		}
		records := RecordsYAML(origin, z.Records, ttl)
		if len(records.Content) == 0 {
			bw.WriteString("    records: {}\n")
			continue
		}
		bw.WriteString("    records:\n")
		for i := 0; i < len(records.Content); i += 2 * yamlChunk {
			if err := encodeIndented(bw, &buf, "      ", records.Content[i:min(i+2*yamlChunk, len(records.Content))]...); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// yamlChunk is how many owners WriteZonesYAML encodes at once.
const yamlChunk = 256

// encodeIndented writes the mapping of the given keys and values as YAML
// (indent 2), every line prefixed with indent; buf is scratch space.
func encodeIndented(w *bufio.Writer, buf *bytes.Buffer, indent string, content ...*yaml.Node) error {
	buf.Reset()
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: content}); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	for line := range bytes.Lines(buf.Bytes()) {
		w.WriteString(indent)
		w.Write(line)
	}
	return nil
}

// RecordsYAML returns the "records:" mapping for sets of zone origin:
// owners relative to origin ("@" for the apex) in canonical order, types in
// canonical order, one value as a scalar and several as a list, and the TTL
// written ({ttl: N, values: [...]}) only when it differs from defaultTTL.
// Values are in presentation format, except that a TXT (or SPF) record
// holding one text is written as that plain text, the form the loader
// quotes itself (see TXTYAMLValue).
func RecordsYAML(origin string, sets *RRsets, defaultTTL uint32) *yaml.Node {
	origin = dns.CanonicalName(origin)
	records := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if sets == nil {
		return records
	}
	var owner *yaml.Node
	lastName := ""
	for _, s := range sets.Sorted() {
		if owner == nil || s.Name != lastName {
			owner = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			records.Content = append(records.Content, strNode(RelativeName(s.Name, origin)), owner)
			lastName = s.Name
		}
		values := make([]string, len(s.Records))
		for i, rr := range s.Records {
			values[i] = YAMLValue(rr)
		}
		var v *yaml.Node
		switch {
		case s.TTL != defaultTTL:
			v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
				strNode("ttl"), {Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(uint64(s.TTL), 10)},
				strNode("values"), seqNode(values),
			}}
			if short(values, 50) {
				v.Style = yaml.FlowStyle
			}
		case len(values) == 1:
			v = strNode(values[0])
		default:
			v = seqNode(values)
		}
		owner.Content = append(owner.Content, strNode(s.TypeString()), v)
	}
	for i := 1; i < len(records.Content); i += 2 {
		if o := records.Content[i]; compact(o, 60) {
			o.Style = yaml.FlowStyle // www: {CNAME: example.com.}
		}
	}
	return records
}

// compact reports whether mapping n holds only short scalars and flow
// collections of them, about width characters in all, so it reads well on
// one line.
func compact(n *yaml.Node, width int) bool {
	total := 0
	var flat func(*yaml.Node) bool
	flat = func(c *yaml.Node) bool {
		if c.Kind == yaml.ScalarNode {
			total += len(c.Value) + 2
			return !strings.Contains(c.Value, "\n")
		}
		if c.Style != yaml.FlowStyle {
			return false
		}
		for _, cc := range c.Content {
			if !flat(cc) {
				return false
			}
		}
		return true
	}
	for _, c := range n.Content {
		if !flat(c) {
			return false
		}
	}
	return total <= width
}

// YAMLValue returns the value of rr as the records mapping holds it: its
// presentation-format RDATA, or for TXT and SPF see TXTYAMLValue.
func YAMLValue(rr dns.RR) string {
	switch t := rr.(type) {
	case *dns.TXT:
		return TXTYAMLValue(t.Txt)
	case *dns.SPF:
		return TXTYAMLValue(t.Txt)
	}
	return escapeNonASCII(Rdata(rr))
}

// TXTYAMLValue returns the records-mapping value for a TXT record's strings
// (in miekg/dns's escaped form). The loader takes a value that does not
// start with a double quote as the raw text of one record, and splits a
// text over 255 octets into 255-octet strings; so the strings are written as
// one plain text when that reading gives them back exactly (one string, or
// 255-octet strings and a shorter last one) and the text is printable ASCII
// without leading or trailing blanks and does not start with a double quote.
// Anything else is written in presentation format ("a" "b", non-ASCII
// octets as \DDD), which the loader keeps as written.
func TXTYAMLValue(ss []string) string {
	plain := len(ss) > 0
	var raw strings.Builder
	for i, s := range ss {
		o := UnescapeStrings(s)
		if len(o) > 255 || (len(ss) > 1 && ((i < len(ss)-1 && len(o) != 255) || (i == len(ss)-1 && len(o) == 0))) {
			plain = false
		}
		raw.WriteString(o)
	}
	text := raw.String()
	if plain {
		if text == "" || text[0] == '"' || strings.TrimSpace(text) != text {
			plain = false
		}
		for i := 0; i < len(text) && plain; i++ {
			if text[i] < ' ' || text[i] > '~' {
				plain = false
			}
		}
	}
	if plain {
		return text
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = `"` + escapeNonASCII(s) + `"`
	}
	return strings.Join(parts, " ")
}

// commonTTL returns the TTL most records of sets carry (the lowest on a
// tie), or 3600 for an empty collection.
func commonTTL(sets *RRsets) uint32 {
	count := map[uint32]int{}
	if sets != nil {
		for _, s := range sets.sets {
			count[s.TTL] += len(s.Records)
		}
	}
	best, ttl := 0, uint32(3600)
	for t, n := range count {
		if n > best || (n == best && t < ttl) {
			ttl, best = t, n
		}
	}
	return ttl
}

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// seqNode returns a sequence of strings, in flow style when it is short.
func seqNode(values []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, v := range values {
		n.Content = append(n.Content, strNode(v))
	}
	if short(values, 60) {
		n.Style = yaml.FlowStyle
	}
	return n
}

// short reports whether values fit on one line of about width characters.
func short(values []string, width int) bool {
	n := 0
	for _, v := range values {
		n += len(v) + 2
		if strings.Contains(v, "\n") {
			return false
		}
	}
	return n <= width
}
