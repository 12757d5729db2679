package zone

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// DefaultTTL is the TTL of records when neither the record nor the zone's
// default_ttl gives one.
const DefaultTTL = 3600

// MaxTTL is the largest TTL RFC 2181 section 8 allows.
const MaxTTL = 2147483647

// Load reads the configuration file at path, expands ${ENV} references,
// loads every zone's records (inline or from a master file) and validates
// what zone-level rules can check. It returns the configuration (nil when
// the file could not be parsed at all) and every finding, each naming
// file:line:col. Provider types and settings are checked by
// providers.Validate, which needs the adapter registry.
func Load(path string) (*Config, Findings) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Findings{{Pos: Position{File: path}, Severity: Error, Rule: RuleReadConfig,
			Message: fmt.Sprintf("cannot read the configuration file: %v", err)}}
	}
	return LoadBytes(path, data)
}

// LoadBytes is Load on the file's contents: path names the file in
// findings, and relative paths in the file (master files) resolve against
// its directory. ${ENV} references are looked up in the process
// environment. It never panics, whatever data holds.
func LoadBytes(path string, data []byte) (cfg *Config, fs Findings) {
	l := &loader{file: path, lookup: os.LookupEnv, expanded: map[*yaml.Node]bool{},
		dupChecked: map[*yaml.Node]bool{}, cfg: &Config{Path: path, Dir: filepath.Dir(path)}}
	defer func() {
		if r := recover(); r != nil {
			// A bug, not bad input; still, report it as a finding rather
			// than take the whole command down.
			cfg = nil
			fs = append(l.findings, Finding{Pos: Position{File: path}, Severity: Error, Rule: RuleInternal,
				Message: fmt.Sprintf("internal error while loading: %v", r)})
		}
		fs = redactFindings(fs, l.cfg.Secrets)
	}()
	root, ok := l.parse(data)
	if !ok {
		return nil, l.findings
	}
	l.top(root)
	return l.cfg, l.findings
}

// redactFindings replaces every secret in the findings' messages.
func redactFindings(fs Findings, secrets []string) Findings {
	for i := range fs {
		for _, s := range secrets {
			if s != "" {
				fs[i].Message = strings.ReplaceAll(fs[i].Message, s, "[redacted]")
			}
		}
	}
	return fs
}

// loader holds the state of one Load.
type loader struct {
	file     string
	cfg      *Config
	findings Findings
	lookup   func(string) (string, bool)
	// expanded holds the nodes whose ${ENV} references are expanded.
	expanded map[*yaml.Node]bool
	// dupChecked holds the nodes nestedDuplicates has seen.
	dupChecked map[*yaml.Node]bool
}

// sourceRecord is one record of a zone (normalized) and where it was
// written.
type sourceRecord struct {
	rr  dns.RR
	pos Position
}

func (l *loader) at(n *yaml.Node) Position {
	if n == nil {
		return Position{File: l.file}
	}
	return Position{File: l.file, Line: n.Line, Col: n.Column}
}

func (l *loader) add(pos Position, sev Severity, rule, zone, format string, args ...any) {
	l.findings = append(l.findings, Finding{Pos: pos, Severity: sev, Rule: rule, Zone: zone, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) errorf(n *yaml.Node, rule, zone, format string, args ...any) {
	l.add(l.at(n), Error, rule, zone, format, args...)
}

func (l *loader) warnf(n *yaml.Node, rule, zone, format string, args ...any) {
	l.add(l.at(n), Warning, rule, zone, format, args...)
}

// yamlLineRE matches the line number yaml.v3 puts in its errors.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse decodes data into its root node. YAML syntax errors become
// findings at their line and column (see yamlErrorPos).
func (l *loader) parse(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := safeDecode(dec, &doc)
	if err == io.EOF || (err == nil && (len(doc.Content) == 0 || isNull(doc.Content[0]))) {
		l.add(Position{File: l.file, Line: 1, Col: 1}, Error, RuleInvalidValue, "", "the configuration is empty: want providers: and zones:")
		return nil, false
	}
	if err != nil {
		l.syntaxError(data, err)
		return nil, false
	}
	// A second document is a mistake (a stray "---").
	var second yaml.Node
	switch err := safeDecode(dec, &second); {
	case err == nil:
		l.add(Position{File: l.file, Line: max(second.Line, 1), Col: second.Column}, Error, RuleYAMLSyntax, "", "YAML: more than one document in the file; only one is read")
	case err != io.EOF:
		l.syntaxError(data, err)
	}
	return doc.Content[0], true
}

// syntaxError reports a yaml.v3 error at its position.
func (l *loader) syntaxError(data []byte, err error) {
	line, col := yamlErrorPos(data, err)
	text := yamlErrorText(err)
	if line == 0 {
		// Unlocated: yaml.v3's own "line N" is a hint (see yamlErrorPos).
		text = strings.TrimPrefix(err.Error(), "yaml: ")
	}
	l.add(Position{File: l.file, Line: line, Col: col}, Error, RuleYAMLSyntax, "", "YAML: %s", text)
}

// decodeDocs decodes the first two documents of data, as parse does, and
// returns the first error (nil at the end of the input).
func decodeDocs(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for range 2 {
		var n yaml.Node
		if err := safeDecode(dec, &n); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
	return nil
}

// safeDecode decodes one document, turning a panic of the YAML library into
// an error.
func safeDecode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

// yamlErrorText returns a yaml.v3 error without its "yaml: line N:" prefix.
func yamlErrorText(err error) string {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	return strings.TrimPrefix(msg, "yaml: ")
}

// Bounds of the files whose syntax errors yamlErrorPos locates: it decodes
// prefixes of the file, a few times for the line and some 20 more for the
// column (a prefix of 1 MiB decodes in about 60 ms).
const (
	maxSearchBytes       = 4 << 20
	maxColumnSearchBytes = 1 << 20
)

// eofProbes are texts appended to a prefix that fails at its end, to tell
// whether it fails because the input ends there (see yamlErrorPos).
var eofProbes = []string{" ]", " }"}

// yamlErrorPos returns the 1-based line and column (in characters, as
// yaml.v3 counts them) of a syntax error yaml.v3 reported for data; 0, 0
// when it cannot tell (a file over 4 MiB), the line only for a file over
// 1 MiB.
//
// yaml.v3's "yaml: line N:" cannot be used as it is. It gives the line of
// the error's context mark (where the enclosing collection or quoted scalar
// starts) when that is not on the first line, else the line of the problem
// mark; both are 0-based, and only scanner errors add one. So "line 6" may
// mean line 6, line 7, or the line a flow collection started on, well above
// the problem; and it never gives a column.
//
// So the position is measured instead: the shortest prefix of data that
// fails with exactly the same error ends at the character where the error
// became certain (a tab that cannot start a token, the quote of a scalar
// that is never closed, the key that is indented wrongly, the ':' of a
// mapping value where none is allowed). One case needs a second look: in a
// flow collection the end of the input is itself an error, so prefixes
// that stop anywhere after the last good item fail the same way. A prefix
// fails "at its end" when a closing bracket appended to it changes the
// error; the position is then the first character of the shortest prefix
// that fails the same way not at its end (the token the parser found where
// it expected ',' or ']'), or, when every prefix fails at its end, the end
// of the shortest one (the error is the end of the file).
func yamlErrorPos(data []byte, err error) (line, col int) {
	if len(data) > maxSearchBytes {
		return 0, 0
	}
	want := err.Error()
	// Prefixes end between characters: one that splits a UTF-8 sequence
	// fails for that reason alone.
	boundary := func(n int) int {
		for n < len(data) && !utf8.RuneStart(data[n]) {
			n++
		}
		return n
	}
	failsAs := func(n int) bool {
		e := decodeDocs(data[:boundary(n)])
		return e != nil && e.Error() == want
	}
	atEnd := func(n int) bool {
		n = boundary(n)
		for _, probe := range eofProbes {
			e := decodeDocs(append(data[:n:n], probe...))
			if e == nil || e.Error() != want {
				return true
			}
		}
		return false
	}
	if !failsAs(len(data)) {
		return 0, 0 // not a syntax error of data (a panic, say)
	}
	starts := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	end := func(k int) int {
		if k+1 < len(starts) {
			return starts[k+1]
		}
		return len(data)
	}
	// The first line whose end is enough to fail, then the first byte of
	// that line that is. No prefix ending above the line yaml.v3 names
	// fails the same way (its marks are all above), so the search starts
	// there, and works forward: each try decodes the prefix.
	lineFails := func(k int) bool { return failsAs(end(k)) }
	lo := 0
	if m := yamlLineRE.FindStringSubmatch(want); m != nil {
		if v, _ := strconv.Atoi(m[1]); v > 1 {
			lo = min(v-1, len(starts)-1)
		}
	}
	k := firstTrue(lo, len(starts)-1, lineFails)
	if k == lo && lo > 0 && lineFails(lo-1) {
		k = firstTrue(0, lo-1, lineFails) // the hint was wrong after all
	}
	lineStart := starts[k]
	if len(data) > maxColumnSearchBytes {
		return k + 1, 0
	}
	n := boundary(firstTrue(lineStart+1, end(k), failsAs))
	off := n // the end of the file is the problem
	switch {
	case !atEnd(n):
		off = n - 1
	case !atEnd(len(data)):
		m := firstTrue(n+1, len(data), func(m int) bool { return failsAs(m) && !atEnd(m) })
		off = boundary(m) - 1
	}
	if off < len(data) {
		if m := unknownAnchorRE.FindStringSubmatch(want); m != nil {
			// Known once the alias is read: point at its '*'.
			if i := bytes.LastIndex(data[:off+1], []byte("*"+m[1])); i >= 0 {
				off = i
			}
		} else if data[off] == ':' && strings.Contains(want, "did not find expected") {
			// The parser's unexpected token is an implicit key, known to be
			// one only at its ':': point at the key.
			off = implicitKeyStart(data, off)
		}
	}
	return lineCol(data, off)
}

// firstTrue returns the smallest i in [lo, hi] for which f is true, f being
// false then true over the range and true at hi. It tries lo, lo+1, lo+2,
// lo+4, ... before bisecting, so an answer near lo takes few calls.
func firstTrue(lo, hi int, f func(int) bool) int {
	prev, i := lo-1, lo
	for step := 1; i < hi && !f(i); step *= 2 {
		prev, i = i, min(hi, lo+step)
	}
	return prev + 1 + sort.Search(i-prev-1, func(j int) bool { return f(prev + 1 + j) })
}

// unknownAnchorRE matches yaml.v3's error for an alias without anchor.
var unknownAnchorRE = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)

// implicitKeyStart returns the offset of the first character of the
// implicit key that the ':' at offset colon ends, or colon when it cannot
// tell. Implicit keys are on one line: a quoted key starts at its opening
// quote, a plain one after the indicator before it ("- ", "? ", ": ", ",",
// "[", "{") or the indentation.
func implicitKeyStart(data []byte, colon int) int {
	lineStart := bytes.LastIndexByte(data[:colon], '\n') + 1
	blank := func(i int) bool { return i < lineStart || data[i] == ' ' || data[i] == '\t' }
	i := colon
	for i > lineStart && blank(i-1) {
		i--
	}
	if i == lineStart {
		return colon
	}
	switch q := data[i-1]; q {
	case '"', '\'':
		// Back to the opening quote, over escaped quotes (\" inside double
		// quotes, '' inside single ones).
		for j := i - 2; j >= lineStart; j-- {
			if data[j] != q {
				continue
			}
			if q == '"' {
				bs := 0
				for k := j - 1; k >= lineStart && data[k] == '\\'; k-- {
					bs++
				}
				if bs%2 == 1 {
					continue
				}
				return j
			}
			if j > lineStart && data[j-1] == q {
				j--
				continue
			}
			return j
		}
		return colon
	case ']', '}':
		return colon
	}
	j := i - 1
	for j > lineStart {
		c := data[j-1]
		if c == ',' || c == '[' || c == '{' {
			break
		}
		if blank(j-1) && j-2 >= lineStart && strings.IndexByte("-?:", data[j-2]) >= 0 && blank(j-3) {
			break
		}
		j--
	}
	for j < colon && blank(j) {
		j++
	}
	return j
}

// lineCol converts a byte offset of data to a 1-based line and a 1-based
// column counted in characters.
func lineCol(data []byte, off int) (line, col int) {
	off = min(off, len(data))
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	for off > lineStart && off < len(data) && !utf8.RuneStart(data[off]) {
		off--
	}
	return bytes.Count(data[:lineStart], []byte("\n")) + 1, utf8.RuneCount(data[lineStart:off]) + 1
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an empty value ("key:" or "key: null").
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// entry is one key/value pair of a mapping.
type entry struct{ key, val *yaml.Node }

// mapping returns the pairs of mapping n in order. It reports a value that
// is not a mapping, keys that are not scalars, merge keys, duplicate keys
// and, when known is not nil, keys not in known. what names the mapping in
// messages. A null n is an empty mapping.
func (l *loader) mapping(n *yaml.Node, what, zone string, known map[string]bool) ([]entry, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, RuleInvalidValue, zone, "%s: want a mapping (key: value), not %s", what, kindName(n))
		return nil, false
	}
	var out []entry
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			l.errorf(n.Content[i], RuleInvalidValue, zone, "%s: keys must be plain strings", what)
			continue
		}
		if k.ShortTag() == "!!merge" {
			l.errorf(k, RuleInvalidValue, zone, "%s: YAML merge keys (<<) are not supported; write the keys out", what)
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			l.errorf(k, RuleDuplicateKey, zone, "%s: key %q is already defined at line %d", what, k.Value, prev.Line)
			continue
		}
		seen[k.Value] = k
		if known != nil && !known[k.Value] {
			l.errorf(k, RuleUnknownKey, zone, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(sortedKeys(known), ", "))
			continue
		}
		out = append(out, entry{k, v})
	}
	return out, true
}

// nestedDuplicates reports the duplicate keys of every mapping in the tree
// below n (n included), which adapters and the alerting code decode
// themselves, and removes them (the first definition stays), so that
// decoders do not report them again without a column. what names n in
// messages.
func (l *loader) nestedDuplicates(n *yaml.Node, what string) {
	if n == nil || l.dupChecked[n] {
		return
	}
	l.dupChecked[n] = true
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]*yaml.Node{}
		kept := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if rk := resolve(k); rk != nil && rk.Kind == yaml.ScalarNode {
				if prev, dup := seen[rk.Value]; dup {
					l.errorf(k, RuleDuplicateKey, "", "%s: key %q is already defined at line %d", what, rk.Value, prev.Line)
					continue
				}
				seen[rk.Value] = k
				l.nestedDuplicates(v, what+": "+rk.Value)
			} else {
				l.nestedDuplicates(v, what)
			}
			kept = append(kept, k, v)
		}
		n.Content = kept
	case yaml.SequenceNode:
		for _, c := range n.Content {
			l.nestedDuplicates(c, what)
		}
	case yaml.AliasNode:
		l.nestedDuplicates(n.Alias, what)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// kindName describes a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "an empty value"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "this"
}

// scalar returns n's value when n is a non-empty scalar, and reports an
// error otherwise.
func (l *loader) scalar(n *yaml.Node, what, zone string) (string, bool) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.ScalarNode || isNull(r) {
		if r == nil {
			r = n
		}
		l.errorf(r, RuleInvalidValue, zone, "%s: want a value, not %s", what, kindName(r))
		return "", false
	}
	return r.Value, true
}

// scalars returns the items of a list of scalars; a single scalar is a
// list of one.
func (l *loader) scalars(n *yaml.Node, what, zone string) []*yaml.Node {
	r := resolve(n)
	if r != nil && r.Kind == yaml.SequenceNode {
		var out []*yaml.Node
		for _, c := range r.Content {
			rc := resolve(c)
			if rc == nil || rc.Kind != yaml.ScalarNode || isNull(rc) {
				l.errorf(c, RuleInvalidValue, zone, "%s: want a list of values, found %s", what, kindName(c))
				continue
			}
			out = append(out, rc)
		}
		return out
	}
	if _, ok := l.scalar(n, what, zone); ok {
		return []*yaml.Node{r}
	}
	return nil
}

var (
	configKeys   = yamlKeys(reflectTypeOf[ConfigFile]())
	zoneKeys     = yamlKeys(reflectTypeOf[ZoneEntry]())
	safetyKeys   = yamlKeys(reflectTypeOf[SafetyEntry]())
	rrValueKeys  = yamlKeys(reflectTypeOf[RecordValue]())
	providerName = regexp.MustCompile(providerNamePattern)
)

// top reads the root mapping.
func (l *loader) top(root *yaml.Node) {
	entries, ok := l.mapping(root, "configuration", "", configKeys)
	if !ok {
		return
	}
	byKey := map[string]entry{}
	for _, e := range entries {
		byKey[e.key.Value] = e
	}
	// Providers first: zones refer to them.
	if e, ok := byKey["providers"]; ok {
		l.providers(e.val)
	} else {
		l.add(Position{File: l.file, Line: root.Line, Col: root.Column}, Error, RuleMissingKey, "", "no providers: section")
	}
	if e, ok := byKey["zones"]; ok {
		l.zones(e.key, e.val)
	} else {
		l.add(Position{File: l.file, Line: root.Line, Col: root.Column}, Error, RuleMissingKey, "", "no zones: section")
	}
	if e, ok := byKey["alerts"]; ok {
		l.nestedDuplicates(e.val, "alerts")
		l.cfg.Alerts = e.val
		for _, p := range expandEnv(e.val, l.lookup, &l.cfg.Secrets, l.expanded) {
			l.errorf(p.node, p.rule, "", "alerts: %s", p.msg)
		}
	}
	l.unusedProviders()
}

// providers reads the "providers:" mapping.
func (l *loader) providers(n *yaml.Node) {
	entries, _ := l.mapping(n, "providers", "", nil)
	for _, e := range entries {
		l.provider(e.key, e.val)
	}
}

// secretKeyRE matches setting names that hold secrets.
var secretKeyRE = regexp.MustCompile(`(?i)(secret|password|passwd|token|api_?key|credential|private_?key)`)

func (l *loader) provider(k, v *yaml.Node) {
	name := k.Value
	pc := &ProviderConfig{Name: name, Pos: l.at(k)}
	l.cfg.Providers = append(l.cfg.Providers, pc)
	what := fmt.Sprintf("provider %q", name)
	if !providerName.MatchString(name) {
		l.errorf(k, RuleInvalidProviderName, "", "%s: invalid name: use letters, digits, '_', '-' and '.', starting with a letter or digit", what)
	}
	// Literal secrets: checked before expansion, on what the file says.
	l.literalSecrets(resolve(v), what)
	for _, p := range expandEnv(v, l.lookup, &l.cfg.Secrets, l.expanded) {
		l.errorf(p.node, p.rule, "", "%s: %s", what, p.msg)
		pc.Unresolved = true
	}
	entries, ok := l.mapping(v, what, "", nil)
	if !ok {
		return
	}
	for _, e := range entries {
		l.nestedDuplicates(e.val, what+": "+e.key.Value)
	}
	rv := resolve(v)
	settings := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: k.Line, Column: k.Column}
	if rv != nil && rv.Kind == yaml.MappingNode {
		settings.Line, settings.Column = rv.Line, rv.Column
	}
	for _, e := range entries {
		switch e.key.Value {
		case "type":
			if t, ok := l.scalar(e.val, what+": type", ""); ok {
				pc.Type, pc.TypePos = t, l.at(resolve(e.val))
			}
			settings.Content = append(settings.Content, e.key, e.val)
		case "nameservers":
			for _, ns := range l.scalars(e.val, what+": nameservers", "") {
				if ip := net.ParseIP(strings.TrimSuffix(ns.Value, ".")); ip != nil {
					l.errorf(ns, RuleInvalidValue, "", "%s: nameserver %q is an IP address; give the host name", what, ns.Value)
					continue
				}
				c, err := zoneName(ns.Value)
				if err != nil {
					l.errorf(ns, RuleInvalidValue, "", "%s: nameserver: %v", what, err)
					continue
				}
				pc.Nameservers = append(pc.Nameservers, c)
			}
		case "axfr_tsig":
			pc.TransferTSIG = resolve(e.val)
		default:
			settings.Content = append(settings.Content, e.key, e.val)
		}
	}
	if pc.Type == "" && !slices.ContainsFunc(entries, func(e entry) bool { return e.key.Value == "type" }) {
		l.errorf(k, RuleMissingKey, "", "%s: no type (rfc2136, powerdns, zonefile, memory, ...)", what)
	}
	pc.Settings = settings
}

// literalSecrets warns about secret-looking settings written into the file
// instead of coming from ${ENV}. Messages name the key, never the value.
func (l *loader) literalSecrets(n *yaml.Node, what string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if v == nil {
			continue
		}
		switch v.Kind {
		case yaml.MappingNode:
			l.literalSecrets(v, what)
		case yaml.ScalarNode:
			if secretKeyRE.MatchString(k.Value) && !isNull(v) && v.Value != "" && !strings.Contains(v.Value, "${") {
				l.warnf(v, RuleLiteralSecret, "", "%s: %s is written in the file; use \"${ENV_VAR}\" so the secret stays out of the repository", what, k.Value)
			}
		}
	}
}

// unusedProviders warns about providers no zone uses.
func (l *loader) unusedProviders() {
	used := map[string]bool{}
	for _, z := range l.cfg.Zones {
		for _, p := range z.Providers {
			used[p] = true
		}
	}
	for _, p := range l.cfg.Providers {
		if !used[p.Name] {
			l.add(p.Pos, Warning, RuleUnusedProvider, "", "provider %q serves no zone", p.Name)
		}
	}
}

// zones reads the "zones:" mapping.
func (l *loader) zones(key, n *yaml.Node) {
	entries, ok := l.mapping(n, "zones", "", nil)
	if ok && len(entries) == 0 {
		l.errorf(key, RuleMissingKey, "", "zones: no zone defined")
	}
	seen := map[string]*yaml.Node{}
	for _, e := range entries {
		name, err := zoneName(e.key.Value)
		if err != nil {
			l.errorf(e.key, RuleInvalidZoneName, "", "zone %q: %v", e.key.Value, err)
			continue
		}
		if prev, dup := seen[name]; dup {
			l.errorf(e.key, RuleDuplicateKey, name, "zone %s is already defined at line %d", name, prev.Line)
			continue
		}
		seen[name] = e.key
		z := &ZoneConfig{Name: name, DefaultTTL: DefaultTTL, Records: NewRRsets(), Origins: map[Key]Position{}, Pos: l.at(e.key)}
		l.cfg.Zones = append(l.cfg.Zones, z)
		l.zone(z, e.key, e.val)
	}
}

// zoneName checks and canonicalizes a zone (or host) name: letters, digits, '-' and
// '_' in each label after punycode conversion.
func zoneName(s string) (string, error) {
	if strings.TrimSpace(s) == "" || s == "@" {
		return "", fmt.Errorf("empty zone name")
	}
	c, err := CanonicalName(s, ".")
	if err != nil {
		return "", err
	}
	if c == "." {
		return c, nil
	}
	for _, label := range dns.SplitDomainName(c) {
		if len(label) > 63 || label == "" {
			return "", fmt.Errorf("label %q is not 1 to 63 octets", label)
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
				return "", fmt.Errorf("invalid character %q (names hold letters, digits, '-' and '_')", rune(b))
			}
		}
	}
	return c, nil
}

// zone reads one zone's entry.
func (l *loader) zone(z *ZoneConfig, key, n *yaml.Node) {
	what := "zone " + z.Name
	entries, ok := l.mapping(n, what, z.Name, zoneKeys)
	if !ok {
		return
	}
	byKey := map[string]entry{}
	for _, e := range entries {
		byKey[e.key.Value] = e
	}
	errsBefore := l.errorCount()

	l.zoneProviders(z, key, byKey)
	if e, ok := byKey["default_ttl"]; ok {
		if ttl, ok := l.ttl(e.val, what+": default_ttl", z.Name); ok {
			z.DefaultTTL = ttl
		}
	}
	for _, r := range l.scalarsIf(byKey, "ignore", what, z.Name) {
		rule, err := ParseIgnoreRule(r.Value)
		if err != nil {
			l.errorf(r, RuleInvalidIgnoreRule, z.Name, "%s: %v", what, err)
			continue
		}
		z.Ignore = append(z.Ignore, rule)
	}
	if e, ok := byKey["safety"]; ok {
		l.safety(z, e.val)
	}

	rec, hasRecords := byKey["records"]
	file, hasFile := byKey["file"]
	var recs []sourceRecord
	var sourceKey *yaml.Node
	switch {
	case hasRecords && hasFile:
		l.errorf(file.key, RuleZoneSource, z.Name, "%s: has both records: and file:; give one", what)
		return
	case hasRecords:
		sourceKey = rec.key
		recs = l.records(z, rec.val)
	case hasFile:
		sourceKey = file.key
		recs = l.masterFile(z, file.val)
	default:
		l.errorf(key, RuleZoneSource, z.Name, "%s: no records: and no file:; give one", what)
		return
	}
	l.validateZone(z, recs, sourceKey, l.errorCount() > errsBefore)
	// Where the TXT records of several strings were written, when that is
	// not their RRset's origin: capability findings point at them. Kept for
	// those only, as a position per record costs 10% more memory on a big
	// zone.
	for _, r := range recs {
		t, ok := r.rr.(*dns.TXT)
		if !ok || len(t.Txt) < 2 || z.Origins[Key{t.Hdr.Name, t.Hdr.Rrtype}] == r.pos {
			continue
		}
		if z.recordPos == nil {
			z.recordPos = map[dns.RR]Position{}
		}
		z.recordPos[r.rr] = r.pos
	}
}

// RecordOrigin returns where record rr of z.Records was written: its value
// in the configuration file or its line in the master file. Load keeps the
// records' own positions only for TXT records of several character-strings
// (what the providers' capability findings name); for any other record, or
// a zone built by hand, it is the position of the record's RRset, as in
// Origins.
func (z *ZoneConfig) RecordOrigin(rr dns.RR) Position {
	if p, ok := z.recordPos[rr]; ok {
		return p
	}
	h := rr.Header()
	return z.Origins[Key{Name: h.Name, Type: h.Rrtype}]
}

func (l *loader) errorCount() int {
	n, _ := l.findings.Count()
	return n
}

// scalarsIf returns the scalars under key, if present.
func (l *loader) scalarsIf(byKey map[string]entry, key, what, zone string) []*yaml.Node {
	e, ok := byKey[key]
	if !ok || isNull(e.val) {
		return nil
	}
	return l.scalars(e.val, what+": "+key, zone)
}

// zoneProviders reads a zone's "providers:" list.
func (l *loader) zoneProviders(z *ZoneConfig, key *yaml.Node, byKey map[string]entry) {
	what := "zone " + z.Name
	e, ok := byKey["providers"]
	if !ok {
		l.errorf(key, RuleNoProviders, z.Name, "%s: no providers: list; name the providers that serve it", what)
		return
	}
	seen := map[string]bool{}
	for _, p := range l.scalars(e.val, what+": providers", z.Name) {
		switch {
		case seen[p.Value]:
			l.errorf(p, RuleDuplicateValue, z.Name, "%s: provider %q is listed twice", what, p.Value)
			continue
		case l.cfg.Provider(p.Value) == nil:
			var names []string
			for _, pc := range l.cfg.Providers {
				names = append(names, pc.Name)
			}
			l.errorf(p, RuleUnknownProvider, z.Name, "%s: unknown provider %q (defined: %s)", what, p.Value, strings.Join(names, ", "))
		}
		seen[p.Value] = true
		z.Providers = append(z.Providers, p.Value)
	}
	switch len(seen) {
	case 0:
		l.errorf(e.key, RuleNoProviders, z.Name, "%s: no provider serves it", what)
	case 1:
		l.warnf(e.key, RuleSingleProvider, z.Name, "%s is served by one provider only; dnsquorum exists to serve a zone from two or more independent providers", what)
	}
}

// ttl parses a TTL: an integer from 0 to MaxTTL.
func (l *loader) ttl(n *yaml.Node, what, zone string) (uint32, bool) {
	s, ok := l.scalar(n, what, zone)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		l.errorf(resolve(n), RuleTTLRange, zone, "%s: TTL %s is out of range (0 to %d seconds, RFC 2181)", what, s, MaxTTL)
	case err != nil:
		l.errorf(resolve(n), RuleTTLRange, zone, "%s: TTL %q is not a whole number of seconds", what, s)
	case v < 0 || v > MaxTTL:
		l.errorf(resolve(n), RuleTTLRange, zone, "%s: TTL %d is out of range (0 to %d seconds, RFC 2181)", what, v, MaxTTL)
	default:
		return uint32(v), true
	}
	return 0, false
}

// safety reads a zone's "safety:" mapping.
func (l *loader) safety(z *ZoneConfig, n *yaml.Node) {
	what := "zone " + z.Name + ": safety"
	entries, _ := l.mapping(n, what, z.Name, safetyKeys)
	for _, e := range entries {
		s, ok := l.scalar(e.val, what+": "+e.key.Value, z.Name)
		if !ok {
			continue
		}
		switch e.key.Value {
		case "threshold":
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || f == 0 || f > 1 || (f < 0 && f != -1) {
				l.errorf(resolve(e.val), RuleInvalidValue, z.Name, "%s: threshold %q: want a fraction above 0 and at most 1, or -1 to disable the check", what, s)
				continue
			}
			z.SafetyThreshold = f
		case "min_records":
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 {
				l.errorf(resolve(e.val), RuleInvalidValue, z.Name, "%s: min_records %q: want a whole number of records, 1 or more", what, s)
				continue
			}
			z.SafetyMinRecords = v
		}
	}
}

// records reads a zone's "records:" mapping: owner, then type, then values.
func (l *loader) records(z *ZoneConfig, n *yaml.Node) []sourceRecord {
	what := "zone " + z.Name + ": records"
	owners, _ := l.mapping(n, what, z.Name, nil)
	var recs []sourceRecord
	for _, o := range owners {
		owner, ok := l.owner(z, o.key)
		if !ok {
			continue
		}
		types, ok := l.mapping(o.val, "owner "+o.key.Value, z.Name, nil)
		if !ok {
			continue
		}
		if rv := resolve(o.val); len(types) == 0 && (rv == nil || len(rv.Content) == 0) {
			l.errorf(o.key, RuleInvalidValue, z.Name, "owner %s: no records under it", o.key.Value)
		}
		for _, t := range types {
			recs = append(recs, l.rrset(z, owner, t.key, t.val)...)
		}
	}
	return recs
}

// owner checks an owner key and returns its canonical name.
func (l *loader) owner(z *ZoneConfig, k *yaml.Node) (string, bool) {
	s := k.Value
	for _, r := range s {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`;()"$`, r) {
			l.errorf(k, RuleInvalidOwner, z.Name, "owner %q: invalid character %q in a name", s, r)
			return "", false
		}
	}
	name, err := CanonicalName(s, z.Name)
	if err != nil {
		l.errorf(k, RuleInvalidOwner, z.Name, "owner %q: %v", s, err)
		return "", false
	}
	if !InZone(name, z.Name) {
		l.errorf(k, RuleOwnerOutsideZone, z.Name, "owner %s is outside zone %s", name, z.Name)
		return "", false
	}
	return name, true
}

// rrset reads the value(s) under one record type.
func (l *loader) rrset(z *ZoneConfig, owner string, tk, v *yaml.Node) []sourceRecord {
	typ, mnemonic, err := recordType(tk.Value)
	if err != nil {
		l.errorf(tk, RuleUnknownRecordType, z.Name, "%s %s: %v", owner, tk.Value, err)
		return nil
	}
	what := owner + " " + mnemonic
	if unmanagedType(typ) {
		l.errorf(tk, RuleUnmanagedType, z.Name, "%s: %s", what, unmanagedReason(typ))
		return nil
	}
	ttl := z.DefaultTTL
	var values []*yaml.Node
	rv := resolve(v)
	switch {
	case rv != nil && rv.Kind == yaml.MappingNode:
		fields, _ := l.mapping(rv, what, z.Name, rrValueKeys)
		var have []string
		for _, f := range fields {
			switch f.key.Value {
			case "ttl":
				if t, ok := l.ttl(f.val, what, z.Name); ok {
					ttl = t
				} else {
					return nil
				}
			case "value":
				have = append(have, "value")
				if _, ok := l.scalar(f.val, what+": value", z.Name); ok {
					values = append(values, resolve(f.val))
				}
			case "values":
				have = append(have, "values")
				values = append(values, l.valueList(f.val, what, z.Name)...)
			}
		}
		switch len(have) {
		case 0:
			l.errorf(tk, RuleInvalidValue, z.Name, "%s: give value: or values:", what)
		case 2:
			l.errorf(tk, RuleInvalidValue, z.Name, "%s: give value: or values:, not both", what)
		}
	case rv != nil && rv.Kind == yaml.SequenceNode:
		values = l.valueList(rv, what, z.Name)
	default:
		if _, ok := l.scalar(v, what, z.Name); ok {
			values = append(values, rv)
		}
	}
	out := make([]sourceRecord, 0, len(values))
	for _, vn := range values {
		rr, err := parseValue(z.Name, owner, ttl, typ, mnemonic, vn.Value)
		if err != nil {
			l.errorf(vn, RuleBadRdata, z.Name, "%s %q: %v", what, vn.Value, err)
			continue
		}
		out = append(out, sourceRecord{rr: rr, pos: l.at(vn)})
	}
	return out
}

// valueList returns the scalars of a list of record values.
func (l *loader) valueList(n *yaml.Node, what, zone string) []*yaml.Node {
	r := resolve(n)
	if r != nil && r.Kind == yaml.SequenceNode && len(r.Content) == 0 {
		l.errorf(r, RuleInvalidValue, zone, "%s: empty list of values", what)
		return nil
	}
	return l.scalars(n, what, zone)
}

// masterFile reads a zone's records from the master file named by n.
func (l *loader) masterFile(z *ZoneConfig, n *yaml.Node) []sourceRecord {
	what := "zone " + z.Name + ": file"
	name, ok := l.scalar(n, what, z.Name)
	if !ok {
		return nil
	}
	n = resolve(n)
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.cfg.Dir, path)
	}
	z.File = path
	st, err := os.Stat(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		l.errorf(n, RuleMasterFile, z.Name, "%s: cannot read %s: %v", what, path, err)
		return nil
	}
	if !st.Mode().IsRegular() {
		l.errorf(n, RuleMasterFile, z.Name, "%s: %s is not a regular file", what, path)
		return nil
	}
	// Every parse error is a finding; the records read around them are
	// still checked.
	mrs, err := ReadMasterFile(name, z.Name, l.cfg.Dir, z.DefaultTTL)
	if err != nil {
		var mfes MasterFileErrors
		if errors.As(err, &mfes) {
			for _, mfe := range mfes {
				l.add(mfe.Pos, Error, RuleMasterFile, z.Name, "%s", mfe.Msg)
			}
		} else {
			l.errorf(n, RuleMasterFile, z.Name, "%s: %v", what, err)
		}
	}
	out := make([]sourceRecord, 0, len(mrs))
	for _, mr := range mrs {
		if mr.RR == nil {
			continue
		}
		h := mr.RR.Header()
		if unmanagedType(h.Rrtype) {
			// SOA and DNSSEC records: every provider keeps its own.
			continue
		}
		name := dns.CanonicalName(h.Name)
		if !InZone(name, z.Name) {
			l.add(mr.Pos, Error, RuleOwnerOutsideZone, z.Name, "owner %s is outside zone %s", name, z.Name)
			continue
		}
		if h.Ttl > MaxTTL {
			l.add(mr.Pos, Error, RuleTTLRange, z.Name, "%s %s: TTL %d is out of range (0 to %d seconds, RFC 2181)", name, dns.Type(h.Rrtype), h.Ttl, MaxTTL)
			continue
		}
		rr, err := Normalize(mr.RR)
		if err != nil {
			l.add(mr.Pos, Error, RuleBadRdata, z.Name, "%v", err)
			continue
		}
		out = append(out, sourceRecord{rr: rr, pos: mr.Pos})
	}
	return out
}
