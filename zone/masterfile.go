package zone

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// MasterRecord is one record read from a master file, with where it was
// written.
type MasterRecord struct {
	RR  dns.RR
	Pos Position
}

// ReadMasterFile parses the RFC 1035 master file at path with miekg/dns's
// ZoneParser: origin is the initial $ORIGIN, defaultTTL applies when neither
// the record nor $TTL gives one (0: such a record is an error). $INCLUDE is
// allowed for files inside baseDir (relative paths resolve against baseDir,
// like BIND's "directory", whichever file holds the directive); an include
// that escapes it, after symbolic links are resolved, is refused. Records
// are returned as parsed (not normalized), in file order. Errors are
// *MasterFileError values naming file and line (and the column of the
// offending token when it can be located in the text). The file at path
// itself may be anywhere; a relative path resolves against baseDir.
//
// Where each record was written: miekg/dns does not say, so every file is
// fed to the parser one byte at a time through a reader that counts what was
// consumed. When Next returns a record, the parser has consumed exactly up
// to the end of that record's last line; the record starts at the first
// token of the last logical line (newlines inside parentheses, quotes and
// comments joined, as the parser joins them) consumed since the previous
// record of the same file. Records a $GENERATE line produces take the line
// of the directive. Parse errors take their position from the ParseError.
func ReadMasterFile(path, origin, baseDir string, defaultTTL uint32) (recs []MasterRecord, err error) {
	if baseDir == "" {
		baseDir = "."
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(baseDir, path)
	}
	origin = dns.Fqdn(origin)
	if _, ok := dns.IsDomainName(origin); !ok {
		return nil, &MasterFileError{Pos: Position{File: path}, Msg: fmt.Sprintf("bad origin %q", origin)}
	}
	content, err := readRegularFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error() // the path is in Pos already
		}
		return nil, &MasterFileError{Pos: Position{File: path}, Msg: msg, err: err}
	}
	t := &mfTracker{baseDir: baseDir, names: map[string]*mfFile{}}
	top := t.newFile(path, path, content)
	t.top = top
	defer func() {
		// Defense in depth: a panic inside the third-party parser must
		// become an error, never take the process down.
		if r := recover(); r != nil {
			recs, err = nil, &MasterFileError{Pos: Position{File: path}, Msg: fmt.Sprintf("internal error in the master-file parser: %v", r)}
		}
	}()
	zp := dns.NewZoneParser(top, origin, path)
	if defaultTTL > 0 {
		zp.SetDefaultTTL(defaultTTL)
	}
	zp.SetIncludeAllowed(true)
	zp.SetIncludeFS(t)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		pos := t.recordPos()
		if len(recs) >= maxMasterRecords {
			return nil, &MasterFileError{Pos: pos, Msg: fmt.Sprintf("more than %d records", maxMasterRecords)}
		}
		recs = append(recs, MasterRecord{RR: rr, Pos: pos})
	}
	if perr := zp.Err(); perr != nil {
		return nil, t.parseError(perr)
	}
	return recs, nil
}

// MasterFileError is an error reading a master file: a parse error, a
// refused $INCLUDE, or a file that cannot be read.
type MasterFileError struct {
	Pos Position
	Msg string
	err error
}

// Error renders "file:line[:col]: message".
func (e *MasterFileError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Unwrap returns the underlying error (a *dns.ParseError or an I/O error),
// when there is one.
func (e *MasterFileError) Unwrap() error { return e.err }

// Limits on what one ReadMasterFile call reads, so a small file cannot
// make it run for ever ($INCLUDE nests 7 deep: ten includes of a file that
// includes itself ten times would open 10^7 files; $GENERATE expands up to
// 65,536 records a line).
var (
	// maxMasterFileSize bounds one master file (or include) read into
	// memory.
	maxMasterFileSize int64 = 256 << 20
	// maxIncludes bounds the number of $INCLUDE files opened.
	maxIncludes = 1000
	// maxIncludeBytes bounds the bytes read from all included files.
	maxIncludeBytes = 256 << 20
	// maxMasterRecords bounds the number of records returned.
	maxMasterRecords = 2_000_000
)

// readRegularFile reads a regular file, refusing devices, FIFOs and
// directories (which would block or never end) and oversized files.
func readRegularFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", p)
	}
	if st.Size() > maxMasterFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB", p, maxMasterFileSize>>20)
	}
	return io.ReadAll(io.LimitReader(f, maxMasterFileSize+1))
}

// mfTracker follows the parser through the top file and its includes: it
// is the fs.FS the parser opens includes through, and every file it hands
// out reports each byte read back to it.
type mfTracker struct {
	baseDir string
	top     *mfFile
	// names maps the name the parser uses for a file (in ParseErrors and
	// to resolve includes) to the file.
	names map[string]*mfFile
	// last is the file read from most recently; reads counts bytes read
	// from any file, and readsAtRecord its value when the last record was
	// returned.
	last          *mfFile
	reads         int
	readsAtRecord int
	// lastPos is the last record's position; gen is the position of the
	// $GENERATE directive whose records are being returned, if any.
	lastPos Position
	gen     *Position
	// refused is the error of the last include refused by Open.
	refused *MasterFileError
	// includes and includeBytes count the included files opened and their
	// bytes.
	includes, includeBytes int
}

// mfFile is one file's content and how far the parser has read it.
type mfFile struct {
	t       *mfTracker
	name    string // the parser's name for it
	display string // the path shown in positions
	content []byte
	off     int
	// lastEnd is the offset just after the previous record taken from this
	// file; lastLine the line number at lastEnd.
	lastEnd  int
	lastLine int
}

func (t *mfTracker) newFile(name, display string, content []byte) *mfFile {
	f := &mfFile{t: t, name: name, display: display, content: content, lastLine: 1}
	t.names[name] = f
	return f
}

// ReadByte implements io.ByteReader, which the parser's lexer uses
// directly: no buffering hides how far it has read.
func (f *mfFile) ReadByte() (byte, error) {
	f.t.last = f
	f.t.reads++
	if f.off >= len(f.content) {
		return 0, io.EOF
	}
	b := f.content[f.off]
	f.off++
	return b, nil
}

// Read implements io.Reader (unused by the lexer, which prefers ReadByte).
func (f *mfFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := f.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
}

// Stat and Close make mfFile an fs.File.
func (f *mfFile) Stat() (fs.FileInfo, error) { return mfInfo{f}, nil }

// Close implements fs.File.
func (f *mfFile) Close() error { return nil }

type mfInfo struct{ f *mfFile }

func (i mfInfo) Name() string       { return path.Base(i.f.name) }
func (i mfInfo) Size() int64        { return int64(len(i.f.content)) }
func (i mfInfo) Mode() fs.FileMode  { return 0o444 }
func (i mfInfo) ModTime() time.Time { return time.Time{} }
func (i mfInfo) IsDir() bool        { return false }
func (i mfInfo) Sys() any           { return nil }

// Open is called by the parser for an $INCLUDE. The parser passes the path
// resolved against the including file's directory; we want it resolved
// against baseDir instead, so the directive's own file name is read back
// from the including file's text (the file read last, whose last logical
// line is the directive) and checked against what the parser passed.
func (t *mfTracker) Open(name string) (fs.File, error) {
	t.refused = nil
	inc := t.last
	if inc == nil {
		return nil, t.refuse(Position{}, "$INCLUDE: cannot tell which file holds the directive")
	}
	ll, ok := lastLogicalLine(inc.content[inc.lastEnd:inc.off], inc.lastLine)
	if !ok || len(ll.tokens) < 2 || !strings.EqualFold(ll.tokens[0].text, "$INCLUDE") {
		return nil, t.refuse(Position{File: inc.display}, "$INCLUDE: cannot locate the directive")
	}
	pos := Position{File: inc.display, Line: ll.tokens[0].line}
	tok := ll.tokens[1].text
	want := tok
	if !path.IsAbs(want) {
		want = path.Join(path.Dir(inc.name), want)
	}
	if strings.TrimLeft(path.Clean(want), "/") != name {
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: cannot resolve the file name", tok))
	}
	real := tok
	if !filepath.IsAbs(real) {
		real = filepath.Join(t.baseDir, real)
	}
	real = filepath.Clean(real)
	if err := within(real, t.baseDir); err != nil {
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: %v", tok, err))
	}
	if prev, dup := t.names[name]; dup && prev.display != real {
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: ambiguous with the earlier include of %s", tok, prev.display))
	}
	if t.includes++; t.includes > maxIncludes {
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: more than %d includes", tok, maxIncludes))
	}
	content, err := readRegularFile(real)
	if err != nil {
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: %v", tok, err))
	}
	if t.includeBytes += len(content); t.includeBytes > maxIncludeBytes {
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: more than %d MiB included", tok, maxIncludeBytes>>20))
	}
	// The directive is not a record: the next record of the including
	// file starts after it (and rescanning it at every include would make
	// a file of includes quadratic).
	inc.lastLine += bytes.Count(inc.content[inc.lastEnd:inc.off], []byte{'\n'})
	inc.lastEnd = inc.off
	return t.newFile(name, real, content), nil
}

func (t *mfTracker) refuse(pos Position, msg string) error {
	t.refused = &MasterFileError{Pos: pos, Msg: msg}
	return errors.New(msg)
}

// within reports an error unless p, with symbolic links resolved, is dir
// or inside it.
func within(p, dir string) error {
	rdir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	rdir, err = filepath.Abs(rdir)
	if err != nil {
		return err
	}
	rp, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no such file %s", p)
		}
		return err
	}
	rp, err = filepath.Abs(rp)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(rdir, rp)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is outside %s", p, dir)
	}
	return nil
}

// recordPos returns where the record the parser just returned was written.
func (t *mfTracker) recordPos() Position {
	if t.reads == t.readsAtRecord || t.last == nil {
		// Nothing read since the previous record: the next record of the
		// same $GENERATE directive.
		return t.lastPos
	}
	t.readsAtRecord = t.reads
	f := t.last
	ll, ok := lastLogicalLine(f.content[f.lastEnd:f.off], f.lastLine)
	f.lastLine += bytes.Count(f.content[f.lastEnd:f.off], []byte{'\n'})
	f.lastEnd = f.off
	pos := Position{File: f.display}
	if ok {
		pos.Line = ll.tokens[0].line
		if strings.EqualFold(ll.tokens[0].text, "$GENERATE") {
			g := pos
			t.gen = &g
		} else {
			t.gen = nil
		}
	}
	t.lastPos = pos
	return pos
}

// parseErrorRE matches the end of a *dns.ParseError message: the quoted
// token and its line and column.
var parseErrorRE = regexp.MustCompile(` at line: (\d+):(\d+)$`)

// parseError turns the parser's error into a *MasterFileError. The
// ParseError keeps its position in unexported fields, so it is read back from
// its message, "file: dns: msg: "tok" at line: L:C".
func (t *mfTracker) parseError(err error) error {
	if t.refused != nil {
		t.refused.err = err
		return t.refused
	}
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		return &MasterFileError{Pos: Position{File: t.top.display}, Msg: err.Error(), err: err}
	}
	text := pe.Error()
	// Which file: the longest known parser name the message starts with.
	var f *mfFile
	for name, cand := range t.names {
		if strings.HasPrefix(text, name+": dns: ") && (f == nil || len(name) > len(f.name)) {
			f = cand
		}
	}
	rest := text
	if f != nil {
		rest = strings.TrimPrefix(text[len(f.name):], ": ")
	} else {
		f = t.top
	}
	rest = strings.TrimPrefix(rest, "dns: ")
	pos := Position{File: f.display}
	msg := rest
	m := parseErrorRE.FindStringSubmatchIndex(rest)
	var line, col int
	var tok string
	if m != nil {
		line, _ = strconv.Atoi(rest[m[2]:m[3]])
		col, _ = strconv.Atoi(rest[m[4]:m[5]])
		head := rest[:m[0]]
		msg = head
		// The token is the last ': "..."' that unquotes cleanly.
		for i := strings.LastIndex(head, `: "`); i >= 0; i = strings.LastIndex(head[:i], `: "`) {
			if u, uerr := strconv.Unquote(head[i+2:]); uerr == nil {
				tok = u
				msg = head[:i] + ": " + head[i+2:]
				break
			}
		}
	}
	pos.Line = line
	pos.Col = tokenColumn(f.content, line, col, tok)
	// An error inside the records of a $GENERATE directive: its lexer
	// counts lines of the generated text, so name the directive instead.
	if gen := t.generating(); gen != nil && gen.File == f.display {
		if line != gen.Line {
			pos.Col = 0
		}
		pos.Line = gen.Line
		if !strings.Contains(msg, "$GENERATE") {
			msg = "$GENERATE: " + msg
		}
	}
	return &MasterFileError{Pos: pos, Msg: msg, err: err}
}

// generating returns the position of the $GENERATE directive being expanded
// when the parser stopped, or nil.
func (t *mfTracker) generating() *Position {
	if t.reads == t.readsAtRecord {
		return t.gen
	}
	f := t.last
	if f == nil {
		return nil
	}
	ll, ok := lastLogicalLine(f.content[f.lastEnd:f.off], f.lastLine)
	if ok && strings.EqualFold(ll.tokens[0].text, "$GENERATE") {
		return &Position{File: f.display, Line: ll.tokens[0].line}
	}
	return nil
}

// tokenColumn returns the 1-based column where tok starts on line, given
// the column the parser reported (that of the byte after the token, or of
// its last byte at the end of a line), or 0 when the token cannot be found
// there in the text.
func tokenColumn(content []byte, line, col int, tok string) int {
	if line < 1 || col < 1 || tok == "" {
		return 0
	}
	text := content
	for i := 1; i < line; i++ {
		nl := bytes.IndexByte(text, '\n')
		if nl < 0 {
			return 0
		}
		text = text[nl+1:]
	}
	if nl := bytes.IndexByte(text, '\n'); nl >= 0 {
		text = text[:nl]
	}
	for _, end := range []int{col - 1, col} { // end is the 0-based offset just past the token
		start := end - len(tok)
		if start >= 0 && end <= len(text) && string(text[start:end]) == tok {
			return start + 1
		}
	}
	return 0
}

// mfToken is a token of master-file text as the parser's lexer splits it.
type mfToken struct {
	text string
	line int
}

// mfLine is a logical line: the tokens of one entry, whose newlines inside
// parentheses, quotes or parenthesized comments do not end it.
type mfLine struct{ tokens []mfToken }

// lastLogicalLine scans text (starting at line number line, outside any
// parenthesis, quote or comment) the way miekg/dns's lexer does, and returns
// the last logical line holding a token.
func lastLogicalLine(text []byte, line int) (mfLine, bool) {
	var (
		last, cur           mfLine
		tok                 []byte
		tokLine             int
		inTok, quote, commt bool
		escape              bool
		brace               int
	)
	flush := func() {
		if inTok {
			cur.tokens = append(cur.tokens, mfToken{text: string(tok), line: tokLine})
		}
		tok, inTok = tok[:0], false
	}
	add := func(b byte) {
		if !inTok {
			inTok, tokLine = true, line
		}
		tok = append(tok, b)
	}
	endLine := func() {
		flush()
		if len(cur.tokens) > 0 {
			last = cur
		}
		cur = mfLine{}
	}
	for _, b := range text {
		if escape {
			// A backslash takes the next byte literally, except that a
			// newline (or carriage return) still ends the escape and acts
			// as usual, as in the parser's lexer.
			escape = false
			if b != '\n' && b != '\r' {
				add(b)
				continue
			}
		}
		switch {
		case commt:
			if b == '\n' {
				commt = false
				if brace == 0 {
					endLine()
				}
				line++
			}
		case b == '\\':
			add(b)
			escape = true
		case quote:
			if b == '"' {
				quote = false
				flush()
				break
			}
			add(b)
			if b == '\n' {
				line++
			}
		case b == '"':
			flush()
			quote = true
			inTok, tokLine = true, line // a quoted token, possibly empty
		case b == ';':
			flush()
			commt = true
		case b == '(':
			brace++
		case b == ')':
			brace--
		case b == ' ' || b == '\t':
			flush()
		case b == '\r':
		case b == '\n':
			if brace <= 0 {
				endLine()
			} else {
				flush()
			}
			line++
		default:
			add(b)
		}
	}
	endLine()
	return last, len(last.tokens) > 0
}

// ImportRecords builds a zone's desired content from records of zone
// origin read from a master file or a provider, the way import does: SOA
// and DNSSEC records are left out (each provider keeps its own), records
// outside the zone and records that do not normalize are dropped, duplicates
// merged. Every such case comes back as a warning naming where the record
// was written (DNSSEC records as one warning per type).
func ImportRecords(origin string, recs []MasterRecord) (*RRsets, Findings) {
	origin = dns.CanonicalName(origin)
	sets := NewRRsets()
	var notes Findings
	warn := func(pos Position, rule, format string, args ...any) {
		notes = append(notes, Finding{Pos: pos, Severity: Warning, Rule: rule, Zone: origin, Message: fmt.Sprintf(format, args...)})
	}
	type dnssec struct {
		n     int
		first Position
	}
	dropped := map[uint16]*dnssec{}
	var dnssecOrder []uint16
	all := PlanOptions{ManageApexNS: true}
	for _, r := range recs {
		h := r.RR.Header()
		name := dns.CanonicalName(h.Name)
		typ := dns.Type(h.Rrtype).String()
		switch {
		case h.Rrtype == dns.TypeSOA:
			warn(r.Pos, "import-soa", "SOA record of %s left out: dnsquorum never manages SOA, each provider keeps its own", name)
			continue
		case !all.Managed(origin, Key{name, h.Rrtype}):
			d := dropped[h.Rrtype]
			if d == nil {
				d = &dnssec{first: r.Pos}
				dropped[h.Rrtype] = d
				dnssecOrder = append(dnssecOrder, h.Rrtype)
			}
			d.n++
			continue
		case !InZone(name, origin):
			warn(r.Pos, "import-outside-zone", "%s %s dropped: outside zone %s", name, typ, origin)
			continue
		}
		res, err := sets.Add(r.RR)
		switch {
		case err != nil:
			warn(r.Pos, "import-bad-record", "%s %s dropped: %v", name, typ, err)
		case res == Duplicate:
			warn(r.Pos, "import-duplicate", "duplicate %s %s record dropped", name, typ)
		case res == TTLMismatch:
			lowest := h.Ttl
			if s := sets.Get(Key{name, h.Rrtype}); s != nil {
				lowest = s.TTL
			}
			warn(r.Pos, "import-ttl-mismatch", "%s %s: TTL %d differs from the other records of the set; the set takes the lowest, %d", name, typ, h.Ttl, lowest)
		}
	}
	for _, t := range dnssecOrder {
		d := dropped[t]
		warn(d.first, "import-dnssec", "%d %s record(s) left out: DNSSEC records are each provider's business", d.n, dns.Type(t))
	}
	return sets, notes
}
