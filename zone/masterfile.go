package zone

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
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
// are returned as parsed (not normalized), in file order. The file at path
// itself may be anywhere; a relative path resolves against baseDir.
//
// Every problem is reported in one run: the error is nil or a
// MasterFileErrors, each a *MasterFileError naming file and line (and the
// column of the offending token when it can be located in the text), and the
// records of the good entries are returned beside it. After a parse error the
// parser resumes at the next entry of the same file (then after the $INCLUDE
// of each including file) with the state it would have had there: $ORIGIN,
// $TTL or the last explicit TTL, and the previous owner, restored by
// directives and a dropped dummy record written before the resumed text. A
// file that cannot be read, a passed limit, or more than maxMasterErrors
// errors stop reading.
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
		return nil, MasterFileErrors{{Pos: Position{File: path}, Msg: fmt.Sprintf("bad origin %q", origin)}}
	}
	content, err := readRegularFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error() // the path is in Pos already
		}
		return nil, MasterFileErrors{{Pos: Position{File: path}, Msg: msg, err: err}}
	}
	t := &mfTracker{baseDir: baseDir, names: map[string]*mfFile{}}
	top := t.newFile(path, path, content)
	t.top = top
	top.seg = mfState{origin: origin}
	if defaultTTL > 0 {
		top.seg.ttl, top.seg.hasTTL = defaultTTL, true
	}
	var errs MasterFileErrors
	defer func() {
		// Defense in depth: a panic inside the third-party parser must
		// become an error, never take the process down.
		if r := recover(); r != nil {
			errs = append(errs, &MasterFileError{Pos: Position{File: path}, Msg: fmt.Sprintf("internal error in the master-file parser: %v", r)})
			recs, err = nil, errs
		}
	}()
	seen := map[string]bool{}
	// stack holds the files whose rest is still to be parsed, innermost
	// last: after a parse error, the rest of the failing file and of each
	// file including it.
	stack := []*mfFile{top}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		zp, dummy := t.parser(f)
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			if dummy {
				// The record the prefix wrote to restore the owner.
				dummy = false
				t.readsAtRecord = t.reads
				continue
			}
			pos := t.recordPos()
			if len(recs) >= maxMasterRecords {
				return nil, append(errs, &MasterFileError{Pos: pos, Msg: fmt.Sprintf("more than %d records", maxMasterRecords)})
			}
			recs = append(recs, MasterRecord{RR: rr, Pos: pos})
		}
		perr := zp.Err()
		if perr == nil {
			continue
		}
		e, failed, line := t.parseError(perr)
		if key := e.Error(); !seen[key] {
			seen[key] = true
			errs = append(errs, e)
		}
		if t.limit {
			break
		}
		if len(errs) >= maxMasterErrors {
			errs = append(errs, &MasterFileError{Pos: Position{File: path}, Msg: fmt.Sprintf("too many errors, stopped after %d", maxMasterErrors)})
			break
		}
		stack = append(stack, t.resume(f, failed, line)...)
	}
	if len(errs) > 0 {
		return recs, errs
	}
	return recs, nil
}

// maxMasterErrors bounds the errors one ReadMasterFile call reports.
var maxMasterErrors = 100

// MasterFileErrors are the errors of one ReadMasterFile call, in the order
// met (file order, includes where they are included). errors.As finds the
// first *MasterFileError (and the *dns.ParseError it wraps) in it.
type MasterFileErrors []*MasterFileError

// Error renders one error a line.
func (es MasterFileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (es MasterFileErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
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
	// limit is set when a limit on includes was passed: reading stops.
	limit bool
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
	// parent is the file whose $INCLUDE opened this one (nil for the top
	// file), parentOff the parent's offset just after the directive, depth
	// the include nesting.
	parent    *mfFile
	parentOff int
	depth     int
	// The segment being parsed: its start offset and line, and the parser
	// state there. pre is text fed to the parser before the segment to
	// restore that state, and lineShift turns the parser's line numbers
	// into the file's.
	seg       mfState
	segStart  int
	segLine   int
	pre       []byte
	lineShift int
}

func (t *mfTracker) newFile(name, display string, content []byte) *mfFile {
	f := &mfFile{t: t, name: name, display: display, content: content, lastLine: 1, segLine: 1}
	t.names[name] = f
	return f
}

// ReadByte implements io.ByteReader, which the parser's lexer uses
// directly: no buffering hides how far it has read.
func (f *mfFile) ReadByte() (byte, error) {
	f.t.last = f
	f.t.reads++
	if len(f.pre) > 0 {
		b := f.pre[0]
		f.pre = f.pre[1:]
		return b, nil
	}
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
		t.limit = true
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: more than %d includes", tok, maxIncludes))
	}
	content, err := readRegularFile(real)
	if err != nil {
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: %v", tok, err))
	}
	if t.includeBytes += len(content); t.includeBytes > maxIncludeBytes {
		t.limit = true
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: more than %d MiB included", tok, maxIncludeBytes>>20))
	}
	if inc.depth+1 > maxIncludeDepth {
		// The parser counts the depth too, but a parser resumed after an
		// error starts again from 0.
		return nil, t.refuse(pos, fmt.Sprintf("$INCLUDE %q: too deeply nested", tok))
	}
	// The directive is not a record: the next record of the including
	// file starts after it (and rescanning it at every include would make
	// a file of includes quadratic).
	inc.lastLine += bytes.Count(inc.content[inc.lastEnd:inc.off], []byte{'\n'})
	inc.lastEnd = inc.off
	f := t.newFile(name, real, content)
	f.parent, f.parentOff, f.depth = inc, inc.off, inc.depth+1
	return f, nil
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

// parseError turns the parser's error into a *MasterFileError, and says
// which file failed and the line of that file to resume after (0: none).
// The ParseError keeps its position in unexported fields, so it is read back
// from its message, "file: dns: msg: "tok" at line: L:C".
func (t *mfTracker) parseError(err error) (*MasterFileError, *mfFile, int) {
	if r := t.refused; r != nil {
		// Consumed: a later error of the same run is its own.
		t.refused = nil
		r.err = err
		return r, t.last, r.Pos.Line
	}
	var pe *dns.ParseError
	if !errors.As(err, &pe) {
		return &MasterFileError{Pos: Position{File: t.top.display}, Msg: err.Error(), err: err}, t.top, 0
	}
	text := pe.Error()
	// Which file: the longest known parser name the message starts with;
	// the file read last when it has that name (a file included twice).
	var f *mfFile
	for name, cand := range t.names {
		if strings.HasPrefix(text, name+": dns: ") && (f == nil || len(name) > len(f.name)) {
			f = cand
		}
	}
	rest := text
	if f != nil {
		rest = strings.TrimPrefix(text[len(f.name):], ": ")
		if t.last != nil && t.last.name == f.name {
			f = t.last
		}
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
	if line > 0 {
		// A resumed parser counts from the start of its prefix.
		if line += f.lineShift; line < f.segLine {
			line = 0
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
	return &MasterFileError{Pos: pos, Msg: msg, err: err}, f, pos.Line
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

// maxIncludeDepth is the parser's limit on nested $INCLUDEs.
const maxIncludeDepth = 7

// mfState is what the parser carries from one entry to the next, and a
// parser resumed after an error must start with: the origin, the TTL for
// records that give none (set by $TTL, or by the last explicit TTL when no
// $TTL came before), and the owner of the last entry that named one (for
// entries that start with a blank).
type mfState struct {
	origin       string
	ttl          uint32
	hasTTL       bool
	ttlDirective bool
	owner        string
}

// mfDummyType is the type of the record a resumed parser's prefix writes to
// set the previous owner; it is dropped.
const mfDummyType = "TYPE65534"

// parser returns a parser for the segment of f to parse, whose text is
// preceded by directives (and a dummy record, when dummy) restoring the
// state there.
func (t *mfTracker) parser(f *mfFile) (zp *dns.ZoneParser, dummy bool) {
	st := f.seg
	f.off, f.lastEnd, f.lastLine = f.segStart, f.segStart, f.segLine
	var pre strings.Builder
	if st.hasTTL && st.ttlDirective {
		fmt.Fprintf(&pre, "$TTL %d\n", st.ttl)
	}
	if st.owner != "" {
		// Class before type: the parser does not ask for a TTL then.
		fmt.Fprintf(&pre, "%s IN %s \\# 0\n", st.owner, mfDummyType)
		dummy = true
	}
	f.pre = []byte(pre.String())
	f.lineShift = f.segLine - 1 - strings.Count(pre.String(), "\n")
	zp = dns.NewZoneParser(f, st.origin, f.name)
	if st.hasTTL && !st.ttlDirective {
		zp.SetDefaultTTL(st.ttl)
	}
	zp.SetIncludeAllowed(true)
	zp.SetIncludeFS(t)
	return zp, dummy
}

// resume returns the files to parse after failed failed at line (of its
// own), while the parser of f ran: the rest of failed after the entry
// holding that line, and the rest of each file including it up to f,
// innermost last, each with the state the parser would have there.
func (t *mfTracker) resume(f, failed *mfFile, line int) []*mfFile {
	var chain []*mfFile // f first, failed last
	for g := failed; g != nil; g = g.parent {
		chain = append([]*mfFile{g}, chain...)
		if g == f {
			break
		}
	}
	if chain[0] != f {
		chain = []*mfFile{f} // cannot happen: resume f after the error
		failed = f
	}
	var out []*mfFile
	for i, g := range chain {
		target := len(g.content) // nothing left unless told otherwise
		if g == failed {
			if line > 0 {
				target = lineOffset(g.content, line+1)
			}
		} else {
			target = chain[i+1].parentOff
		}
		before, last, after, next, nextLine := foldEntries(g, target)
		if g != failed {
			// The include's parser started with the includer's state.
			c := chain[i+1]
			c.seg = mfState{origin: before.origin, ttl: before.ttl, hasTTL: before.hasTTL, ttlDirective: before.ttlDirective}
			if last != nil && len(last.tokens) >= 3 && !last.tokens[2].quoted {
				if o, ok := absoluteName(last.tokens[2].text, before.origin); ok {
					c.seg.origin = o
				}
			}
			c.segStart, c.segLine = 0, 1
		}
		if next <= g.segStart && g == failed {
			next = len(g.content) // no progress: give up on this file
		}
		g.seg, g.segStart, g.segLine = after, next, nextLine
		if next < len(g.content) {
			out = append(out, g)
		}
	}
	return out // innermost last, as the stack pops
}

// lineOffset returns the offset where line (1-based) starts in content, or
// len(content) when content has fewer lines.
func lineOffset(content []byte, line int) int {
	off := 0
	for l := 1; l < line; l++ {
		nl := bytes.IndexByte(content[off:], '\n')
		if nl < 0 {
			return len(content)
		}
		off += nl + 1
	}
	return off
}

// mfEntry is one entry of master-file text: a directive or a record, whose
// newlines inside parentheses, quotes or parenthesized comments do not end
// it.
type mfEntry struct {
	start, line int
	// owner: the first token starts the entry (no blank before it) and a
	// blank follows it, so the parser reads it as an owner or directive.
	owner  bool
	tokens []mfEntryToken
}

type mfEntryToken struct {
	text   string
	quoted bool
}

// foldEntries scans f from its segment start, entry by entry, applying the
// entries that start before target to the segment's state the way the
// parser would (including an entry that failed, up to where it failed). It
// returns the state before the last entry applied and that entry, the state
// after it, and the offset and line of the first entry not applied.
func foldEntries(f *mfFile, target int) (before mfState, last *mfEntry, after mfState, next, nextLine int) {
	st := f.seg
	before = st
	next, nextLine = len(f.content), 0
	scanEntries(f.content, f.segStart, f.segLine, func(e *mfEntry) bool {
		if e.start >= target {
			next, nextLine = e.start, e.line
			return false
		}
		before, last = st, e
		st = st.apply(e)
		return true
	})
	return before, last, st, next, nextLine
}

// apply returns the state after the parser reads entry e.
func (st mfState) apply(e *mfEntry) mfState {
	toks := e.tokens
	if len(toks) == 0 {
		return st
	}
	if e.owner {
		switch strings.ToUpper(toks[0].text) {
		case "$TTL":
			if len(toks) == 2 && !toks[1].quoted {
				if ttl, ok := stringToTTL(toks[1].text); ok {
					st.ttl, st.hasTTL, st.ttlDirective = ttl, true, true
				}
			}
			return st
		case "$ORIGIN":
			if len(toks) == 2 && !toks[1].quoted && !isTypeOrClass(toks[1].text) {
				if o, ok := absoluteName(toks[1].text, st.origin); ok {
					st.origin = o
				}
			}
			return st
		case "$INCLUDE", "$GENERATE":
			return st
		}
		if toks[0].quoted {
			return st
		}
		name, ok := absoluteName(toks[0].text, st.origin)
		if !ok {
			return st
		}
		st.owner = name
		toks = toks[1:]
	}
	sawTTL, sawClass := false, false
	for _, tok := range toks {
		if tok.quoted {
			return st
		}
		up := strings.ToUpper(tok.text)
		if _, ok := dns.StringToType[up]; ok || strings.HasPrefix(up, "TYPE") {
			return st
		}
		if _, ok := dns.StringToClass[up]; ok || strings.HasPrefix(up, "CLASS") {
			if sawClass {
				return st
			}
			sawClass = true
			continue
		}
		ttl, ok := stringToTTL(tok.text)
		if !ok || sawTTL {
			return st
		}
		sawTTL = true
		if !st.hasTTL || !st.ttlDirective {
			st.ttl, st.hasTTL, st.ttlDirective = ttl, true, false
		}
	}
	return st
}

// isTypeOrClass reports whether the lexer reads tok as a type or class.
func isTypeOrClass(tok string) bool {
	up := strings.ToUpper(tok)
	_, typ := dns.StringToType[up]
	_, class := dns.StringToClass[up]
	return typ || class || strings.HasPrefix(up, "TYPE") || strings.HasPrefix(up, "CLASS")
}

// absoluteName resolves name against origin as the parser does.
func absoluteName(name, origin string) (string, bool) {
	if name == "@" {
		return origin, origin != ""
	}
	if _, ok := dns.IsDomainName(name); !ok || name == "" || name == "\n" {
		return "", false
	}
	if dns.IsFqdn(name) {
		return name, true
	}
	if origin == "" {
		return "", false
	}
	if origin == "." {
		return name + origin, true
	}
	return name + "." + origin, true
}

// stringToTTL parses a TTL as the parser does: seconds, or units like 1h30m.
func stringToTTL(tok string) (uint32, bool) {
	var s, i uint64
	for _, c := range tok {
		switch c {
		case 's', 'S':
			s, i = s+i, 0
		case 'm', 'M':
			s, i = s+i*60, 0
		case 'h', 'H':
			s, i = s+i*3600, 0
		case 'd', 'D':
			s, i = s+i*86400, 0
		case 'w', 'W':
			s, i = s+i*604800, 0
		case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			i = i*10 + uint64(c-'0')
		default:
			return 0, false
		}
		if s > math.MaxUint32 || i > math.MaxUint32 {
			return 0, false
		}
	}
	if s+i > math.MaxUint32 {
		return 0, false
	}
	return uint32(s + i), true
}

// scanEntries splits text from offset off (the start of line line, outside
// any parenthesis, quote or comment) into entries the way miekg/dns's lexer
// does, calling yield for each until it returns false.
func scanEntries(text []byte, off, line int, yield func(*mfEntry) bool) {
	var (
		cur                 *mfEntry
		tok                 []byte
		inTok, quote, commt bool
		quotedTok, escape   bool
		sawBlank            bool
		brace               int
	)
	begin := func(at int) {
		cur = &mfEntry{start: at, line: line}
		sawBlank = false
	}
	// flush ends the current token; blank tells whether a blank ends it.
	flush := func(blank bool) {
		if inTok {
			if len(cur.tokens) == 0 && !sawBlank && blank && !quotedTok {
				cur.owner = true
			}
			cur.tokens = append(cur.tokens, mfEntryToken{text: string(tok), quoted: quotedTok})
		}
		tok, inTok, quotedTok = tok[:0], false, false
	}
	add := func(b byte) {
		inTok = true
		tok = append(tok, b)
	}
	begin(off)
	for i := off; i < len(text); i++ {
		b := text[i]
		if escape {
			escape = false
			if b != '\n' && b != '\r' {
				add(b)
				continue
			}
		}
		endEntry := false
		switch {
		case commt:
			if b == '\n' {
				commt = false
				endEntry = brace <= 0
			}
		case b == '\\':
			add(b)
			escape = true
		case quote:
			if b == '"' {
				quote = false
				flush(false)
				break
			}
			add(b)
		case b == '"':
			flush(false)
			quote = true
			inTok, quotedTok = true, true
		case b == ';':
			flush(false)
			commt = true
		case b == '(':
			brace++
		case b == ')':
			brace--
		case b == ' ' || b == '\t':
			flush(true)
			sawBlank = true
		case b == '\r':
		case b == '\n':
			flush(false)
			endEntry = brace <= 0
		default:
			add(b)
		}
		if b == '\n' {
			line++
		}
		if endEntry {
			if len(cur.tokens) > 0 && !yield(cur) {
				return
			}
			brace = 0
			begin(i + 1)
		}
	}
	flush(false)
	if len(cur.tokens) > 0 && !yield(cur) {
		return
	}
	// The end of the text: an entry that never starts.
	yield(&mfEntry{start: len(text), line: line})
}
