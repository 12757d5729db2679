package zone

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// writeTree writes files (relative path → content) below a new temporary
// directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// positions renders records as "file:line owner TYPE" lines, file relative
// to dir.
func positions(dir string, recs []MasterRecord) string {
	var b strings.Builder
	for _, r := range recs {
		f := r.Pos.File
		if rel, err := filepath.Rel(dir, f); err == nil {
			f = rel
		}
		fmt.Fprintf(&b, "%s:%d %s %s\n", f, r.Pos.Line, r.RR.Header().Name, dns.Type(r.RR.Header().Rrtype))
	}
	return b.String()
}

func TestReadMasterFilePositions(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{{
		name: "directives, comments, parentheses, continuation",
		text: `; header comment
$ORIGIN example.com.
$TTL 300

@	IN SOA ns1 hostmaster ( 1 ; serial ( not a brace
		3600 600
		604800 300 )
	IN NS ns1
www A 192.0.2.1
	AAAA 2001:db8::1   ; owner continued
txt TXT "a ; b ( c" "d \" e"
multi TXT ( "one"
	"two" )
$ORIGIN sub.example.com.
host A 192.0.2.2
`,
		want: `z:5 example.com. SOA
z:8 example.com. NS
z:9 www.example.com. A
z:10 www.example.com. AAAA
z:11 txt.example.com. TXT
z:12 multi.example.com. TXT
z:15 host.sub.example.com. A
`,
	}, {
		name: "no final newline, CRLF",
		text: "$TTL 60\r\na A 192.0.2.1\r\n\r\nb A 192.0.2.2",
		want: "z:2 a.example.com. A\nz:4 b.example.com. A\n",
	}, {
		name: "newline inside a quoted string",
		text: "a TXT \"line one\nline two\"\nb A 192.0.2.1\n",
		want: "z:1 a.example.com. TXT\nz:3 b.example.com. A\n",
	}, {
		name: "escaped quote and semicolon outside quotes",
		text: "a\\;b TXT x\\\"y\nc A 192.0.2.1\n",
		want: "z:1 a\\;b.example.com. TXT\nz:2 c.example.com. A\n",
	}, {
		name: "$GENERATE records take the directive's line",
		text: "a A 192.0.2.1\n$GENERATE 1-3 h$ A 192.0.2.$\nz A 192.0.2.9\n",
		want: "z:1 a.example.com. A\nz:2 h1.example.com. A\nz:2 h2.example.com. A\nz:2 h3.example.com. A\nz:3 z.example.com. A\n",
	}, {
		name: "every common type, each followed by a record",
		text: `a1 A 192.0.2.1
a2 AAAA 2001:db8::1
a3 MX 10 mail
a4 SRV 10 60 5060 sip
a5 CAA 0 issue "letsencrypt.org"
a6 NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.com!" .
a7 SSHFP 1 1 123456789abcdef67890123456789abcdef67890
a8 TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6
a9 SVCB 1 . alpn=h2,h3 port=8443
b1 HTTPS 1 . alpn="h2"
b2 LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m
b3 HINFO "cpu" "os"
b4 DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
b5 PTR host
b6 CNAME target
b7 DNAME target
b8 TXT "x"
b9 TYPE65534 \# 3 010203
c1 A 192.0.2.1
`,
		want: "z:1 a1.example.com. A\nz:2 a2.example.com. AAAA\nz:3 a3.example.com. MX\nz:4 a4.example.com. SRV\nz:5 a5.example.com. CAA\nz:6 a6.example.com. NAPTR\nz:7 a7.example.com. SSHFP\nz:8 a8.example.com. TLSA\nz:9 a9.example.com. SVCB\nz:10 b1.example.com. HTTPS\nz:11 b2.example.com. LOC\nz:12 b3.example.com. HINFO\nz:13 b4.example.com. DS\nz:14 b5.example.com. PTR\nz:15 b6.example.com. CNAME\nz:16 b7.example.com. DNAME\nz:17 b8.example.com. TXT\nz:18 b9.example.com. TYPE65534\nz:19 c1.example.com. A\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"z": tt.text})
			recs, err := ReadMasterFile("z", "example.com.", dir, 3600)
			if err != nil {
				t.Fatal(err)
			}
			if got := positions(dir, recs); got != tt.want {
				t.Errorf("positions:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestReadMasterFileTTL(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"default":   "a A 192.0.2.1\nb 60 A 192.0.2.2\n",
		"directive": "$TTL 300\na A 192.0.2.1\nb 60 A 192.0.2.2\nc A 192.0.2.3\n",
	})
	ttls := func(file string, def uint32) string {
		recs, err := ReadMasterFile(file, "example.com.", dir, def)
		if err != nil {
			return err.Error()
		}
		var out []string
		for _, r := range recs {
			out = append(out, fmt.Sprint(r.RR.Header().Ttl))
		}
		return strings.Join(out, " ")
	}
	if got := ttls("default", 1800); got != "1800 60" {
		t.Errorf("default TTL: got %s", got)
	}
	// $TTL wins over the default and over an earlier record's TTL.
	if got := ttls("directive", 1800); got != "300 60 300" {
		t.Errorf("$TTL: got %s", got)
	}
	want := filepath.Join(dir, "default") + `:1:3: missing TTL with no previous value: "A"`
	if got := ttls("default", 0); got != want {
		t.Errorf("no default TTL:\n got %s\nwant %s", got, want)
	}
}

func TestReadMasterFileErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"bad address", "$TTL 300\nwww A 1.2.3.400\n", `z:2:7: bad A A: "1.2.3.400"`},
		{"bad address at end of file", "$TTL 300\nwww A 1.2.3.400", `z:2:7: bad A A: "1.2.3.400"`},
		{"garbage after rdata", "www 300 A 192.0.2.1 junk\n", `z:1:21: garbage after rdata: "junk"`},
		{"unknown type", "$TTL 300\n\nb  BOGUS x\n", `z:3:4: not a TTL: "BOGUS"`},
		{"bad owner", "a..b 300 A 192.0.2.1\n", `z:1:1: bad owner name: "a..b"`},
		{"bad MX preference", "a 300 MX x y\n", `z:1:10: bad MX Pref: "x"`},
		{"bad target", "a 300 CNAME a..b\n", `z:1:13: bad CNAME Target: "a..b"`},
		{"bad SOA inside parentheses", "a 300 SOA ( ns. h. 1 2 3\n 4 x )\n", `z:2:4: bad SOA zone parameter: "x"`},
		{"bad $ORIGIN", "$ORIGIN a..b\n", `z:1:9: bad origin name: "a..b"`},
		{"bad $TTL", "$TTL x\n", `z:1:6: expecting $TTL value, not this...: "x"`},
		{"unbalanced parenthesis", "a 300 A ( 192.0.2.1\n", `z:1: garbage after rdata: "unbalanced brace"`},
		{"error in $GENERATE records", "$TTL 300\na A 192.0.2.1\n$GENERATE 1-3 h$ A 192.0.2.x$\n", `z:3: $GENERATE: bad A A: "192.0.2.x1"`},
		{"error in a later $GENERATE record", "$TTL 300\n$GENERATE 254-256 h$ A 192.0.2.$\n", `z:2: $GENERATE: bad A A: "192.0.2.256"`},
		{"error in $GENERATE directive", "$TTL 300\n$GENERATE 1-3 h$ A 192.0.2.${1,x}\n", `z:2: bad width in $GENERATE: "${1,x}"`},
		{"$INCLUDE without file", "$INCLUDE\n", `z:1:1: not a TTL: "$INCLUDE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, map[string]string{"z": tt.text})
			recs, err := ReadMasterFile("z", "example.com.", dir, 0)
			if err == nil {
				t.Fatalf("no error, %d records", len(recs))
			}
			var mfe *MasterFileError
			if !errors.As(err, &mfe) {
				t.Fatalf("error %T %v, want *MasterFileError", err, err)
			}
			got := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
			if got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
			var pe *dns.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error does not wrap the *dns.ParseError")
			}
		})
	}
}

func TestReadMasterFileMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadMasterFile("nope.zone", "example.com.", dir, 3600)
	want := filepath.Join(dir, "nope.zone") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = ReadMasterFile(".", "example.com.", dir, 3600)
	if want := dir + ": " + dir + " is not a regular file"; err == nil || err.Error() != want {
		t.Errorf("directory: got %v, want %s", err, want)
	}
	_, err = ReadMasterFile("nope.zone", "a..b", dir, 3600)
	if want := filepath.Join(dir, "nope.zone") + `: bad origin "a..b."`; err == nil || err.Error() != want {
		t.Errorf("bad origin: got %v, want %s", err, want)
	}
}

func TestReadMasterFileInclude(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.zone": "leak A 192.0.2.66\n"})
	dir := writeTree(t, map[string]string{
		"main.zone": `$TTL 300
a A 192.0.2.1
$INCLUDE inc/common.inc
b A 192.0.2.2
$INCLUDE inc/other.inc sub.example.com.
c A 192.0.2.3
`,
		"inc/common.inc": "; common records\n\nc1 A 192.0.2.10\n$INCLUDE inc/nested.inc\nc2 A 192.0.2.11\n",
		"inc/nested.inc": "n1 TXT \"nested\"\n",
		"inc/other.inc":  "o1 A 192.0.2.20\n",
		// A master file in a subdirectory: its includes still resolve
		// against baseDir.
		"zones/sub.zone":   "$TTL 300\n$INCLUDE inc/other.inc\n",
		"escape.zone":      "$TTL 300\n$INCLUDE ../" + filepath.Base(outside) + "/secret.zone\n",
		"absolute.zone":    "$TTL 300\na A 192.0.2.1\n$INCLUDE " + filepath.Join(outside, "secret.zone") + "\n",
		"dotdot.zone":      "$TTL 300\n$INCLUDE inc/../../x.zone\n",
		"missing.zone":     "$TTL 300\n\n$INCLUDE inc/missing.inc\n",
		"self.zone":        "$TTL 300\n$INCLUDE self.zone\n",
		"dir.zone":         "$TTL 300\n$INCLUDE inc\n",
		"bad-include.zone": "$TTL 300\n$INCLUDE inc/bad.inc\n",
		"inc/bad.inc":      "ok A 192.0.2.1\n\nbad A 192.0.2.300\n",
		"link.zone":        "$TTL 300\n$INCLUDE inc/link.inc\n",
	})
	if err := os.Symlink(filepath.Join(outside, "secret.zone"), filepath.Join(dir, "inc/link.inc")); err != nil {
		t.Fatal(err)
	}

	recs, err := ReadMasterFile("main.zone", "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	want := `main.zone:2 a.example.com. A
inc/common.inc:3 c1.example.com. A
inc/nested.inc:1 n1.example.com. TXT
inc/common.inc:5 c2.example.com. A
main.zone:4 b.example.com. A
inc/other.inc:1 o1.sub.example.com. A
main.zone:6 c.example.com. A
`
	if got := positions(dir, recs); got != want {
		t.Errorf("positions:\n%s\nwant:\n%s", got, want)
	}

	recs, err = ReadMasterFile("zones/sub.zone", "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := positions(dir, recs), "inc/other.inc:1 o1.example.com. A\n"; got != want {
		t.Errorf("include from a subdirectory: got %s, want %s", got, want)
	}

	errs := []struct{ file, want string }{
		{"escape.zone", `escape.zone:2: $INCLUDE "../` + filepath.Base(outside) + `/secret.zone": ` + filepath.Join(dir, "..", filepath.Base(outside), "secret.zone") + " is outside " + dir},
		{"absolute.zone", `absolute.zone:3: $INCLUDE "` + filepath.Join(outside, "secret.zone") + `": ` + filepath.Join(outside, "secret.zone") + " is outside " + dir},
		{"dotdot.zone", `dotdot.zone:2: $INCLUDE "inc/../../x.zone": no such file ` + filepath.Join(filepath.Dir(dir), "x.zone")},
		{"link.zone", `link.zone:2: $INCLUDE "inc/link.inc": inc/link.inc is outside ` + dir},
		{"missing.zone", `missing.zone:3: $INCLUDE "inc/missing.inc": no such file inc/missing.inc`},
		{"dir.zone", `dir.zone:2: $INCLUDE "inc": inc is not a regular file`},
		{"self.zone", `self.zone:2:10: too deeply nested $INCLUDE: "self.zone"`},
		{"bad-include.zone", `inc/bad.inc:3:7: bad A A: "192.0.2.300"`},
	}
	for _, e := range errs {
		_, err := ReadMasterFile(e.file, "example.com.", dir, 3600)
		if err == nil {
			t.Errorf("%s: no error", e.file)
			continue
		}
		got := strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
		if got != e.want {
			t.Errorf("%s:\n got %s\nwant %s", e.file, got, e.want)
		}
		if strings.Contains(err.Error(), "leak") || strings.Contains(err.Error(), "192.0.2.66") {
			t.Errorf("%s: error shows the content of a file outside baseDir: %v", e.file, err)
		}
	}
}

func TestImportRecords(t *testing.T) {
	dir := writeTree(t, map[string]string{"z": `$TTL 300
@ SOA ns1 hostmaster 1 2 3 4 5
@ NS ns1
@ RRSIG NS 8 2 300 20300101000000 20200101000000 12345 example.com. AAAA
@ DNSKEY 257 3 8 AwEAAQ==
www RRSIG A 8 3 300 20300101000000 20200101000000 12345 example.com. AAAA
www A 192.0.2.1
www A 192.0.2.1
www 60 A 192.0.2.2
other.org. A 192.0.2.3
`})
	recs, err := ReadMasterFile("z", "example.com.", dir, 3600)
	if err != nil {
		t.Fatal(err)
	}
	sets, notes := ImportRecords("example.com.", recs)
	var got []string
	for _, n := range notes {
		got = append(got, fmt.Sprintf("%d %s %s", n.Pos.Line, n.Rule, n.Message))
	}
	want := []string{
		"2 import-soa SOA record of example.com. left out: dnsquorum never manages SOA, each provider keeps its own",
		"8 import-duplicate duplicate www.example.com. A record dropped",
		"9 import-ttl-mismatch www.example.com. A: TTL 60 differs from the other records of the set; the set takes the lowest, 60",
		"10 import-outside-zone other.org. A dropped: outside zone example.com.",
		"4 import-dnssec 2 RRSIG record(s) left out: DNSSEC records are each provider's business",
		"5 import-dnssec 1 DNSKEY record(s) left out: DNSSEC records are each provider's business",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantSets := MustParse("example.com.", "@ 300 NS ns1\nwww 60 A 192.0.2.1\nwww 60 A 192.0.2.2\n")
	if !sets.Equal(wantSets) {
		t.Errorf("sets:\n%v\nwant:\n%v", sets.Records(), wantSets.Records())
	}
}

// FuzzReadMasterFile feeds arbitrary master files (with an include file
// beside them) to ReadMasterFile: it must never panic, must fail only with a
// *MasterFileError naming a file, must place every record on a line holding
// a token, and must return what a plain ZoneParser returns.
func FuzzReadMasterFile(f *testing.F) {
	// Small limits keep each input fast ($INCLUDE and $GENERATE amplify).
	incs, recs := maxIncludes, maxMasterRecords
	maxIncludes, maxMasterRecords = 20, 5000
	f.Cleanup(func() { maxIncludes, maxMasterRecords = incs, recs })
	for _, seed := range []string{
		"$TTL 300\n@ SOA ns1 hostmaster ( 1 2 3\n 4 5 )\nwww A 192.0.2.1\n\tAAAA ::1\n",
		"a TXT \"x ; ( \\\" y\" ; c\nb A 192.0.2.1",
		"$INCLUDE inc\nz A 192.0.2.9\n",
		"$INCLUDE ../../etc/passwd\n",
		"$GENERATE 1-5 h$ A 192.0.2.$\n",
		"$ORIGIN sub\nx CNAME y\n",
		"a 300 A ( 192.0.2.1\n",
		"\"q\" A 1.1.1.1\r\n",
	} {
		f.Add([]byte(seed))
	}
	// One directory for every input (calls do not run in parallel).
	dir := f.TempDir()
	top := filepath.Join(dir, "z")
	if err := os.WriteFile(filepath.Join(dir, "inc"), []byte("i1 A 192.0.2.1\ni2 TXT \"x\"\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(top, data, 0o644); err != nil {
			t.Fatal(err)
		}
		recs, err := ReadMasterFile("z", "example.com.", dir, 3600)
		if err != nil {
			var errs MasterFileErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %q is not a MasterFileErrors", err, err)
			}
			seen := map[string]bool{}
			for _, e := range errs {
				if e.Pos.File == "" {
					t.Fatalf("error %q does not name a file", e)
				}
				if seen[e.Error()] {
					t.Fatalf("error %q reported twice", e)
				}
				seen[e.Error()] = true
			}
		}
		lines := strings.Split(string(data), "\n")
		for _, r := range recs {
			if r.RR == nil {
				t.Fatal("nil record")
			}
			if r.Pos.File != top {
				continue
			}
			if r.Pos.Line < 1 || r.Pos.Line > len(lines) {
				t.Fatalf("record %v at line %d of a %d-line file", r.RR, r.Pos.Line, len(lines))
			}
			if l := strings.TrimLeft(lines[r.Pos.Line-1], " \t\r()"); l == "" || l[0] == ';' {
				t.Fatalf("record %v placed on line %d, which holds no token: %q", r.RR, r.Pos.Line, lines[r.Pos.Line-1])
			}
		}
		if strings.Contains(strings.ToUpper(string(data)), "$INCLUDE") {
			return
		}
		// Without includes, the tracking must not change what is parsed.
		zp := dns.NewZoneParser(strings.NewReader(string(data)), "example.com.", top)
		zp.SetDefaultTTL(3600)
		var plain []dns.RR
		for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
			plain = append(plain, rr)
		}
		if perr := zp.Err(); (perr == nil) != (err == nil) {
			t.Fatalf("plain parser error %v, ReadMasterFile error %v", perr, err)
		}
		if err != nil {
			// Up to the first error, the same records.
			if len(recs) < len(plain) {
				t.Fatalf("plain parser: %d records before its error, ReadMasterFile: %d in all", len(plain), len(recs))
			}
			for i := range plain {
				if plain[i].String() != recs[i].RR.String() {
					t.Fatalf("record %d: plain %q, ReadMasterFile %q", i, plain[i], recs[i].RR)
				}
			}
			return
		}
		if len(plain) != len(recs) {
			t.Fatalf("plain parser: %d records, ReadMasterFile: %d", len(plain), len(recs))
		}
		for i := range plain {
			if plain[i].String() != recs[i].RR.String() {
				t.Fatalf("record %d: plain %q, ReadMasterFile %q", i, plain[i], recs[i].RR)
			}
		}
	})
}

func TestReadMasterFileLimits(t *testing.T) {
	incs, recs := maxIncludes, maxMasterRecords
	t.Cleanup(func() { maxIncludes, maxMasterRecords = incs, recs })
	maxIncludes, maxMasterRecords = 5, 100
	dir := writeTree(t, map[string]string{
		// Each level includes itself three times: 3^7 opens unbounded.
		"bomb.zone": "$TTL 300\n$INCLUDE bomb.zone\n$INCLUDE bomb.zone\n$INCLUDE bomb.zone\n",
		"gen.zone":  "$TTL 300\na A 192.0.2.1\n$GENERATE 1-1000 h$ A 192.0.2.1\n",
	})
	_, err := ReadMasterFile("bomb.zone", "example.com.", dir, 3600)
	if want := `bomb.zone:2: $INCLUDE "bomb.zone": more than 5 includes`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("include bomb: got %v, want …%s", err, want)
	}
	_, err = ReadMasterFile("gen.zone", "example.com.", dir, 3600)
	if want := `gen.zone:3: more than 100 records`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("generate: got %v, want …%s", err, want)
	}
}

func TestReadMasterFileManyErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // errors, file relative to the directory
		recs  string   // positions of the records read
	}{{
		name:  "bad rdata on two lines, unknown type, bad $TTL",
		files: map[string]string{"z": "$TTL 300\na A 192.0.2.1\nb A 1.2.3.400\nc A 192.0.2.3\nd BOGUS x\n$TTL x\n\tAAAA ::1\ne MX 10 a..b\nf A 192.0.2.6\n"},
		want: []string{
			`z:3:5: bad A A: "1.2.3.400"`,
			`z:5:3: not a TTL: "BOGUS"`,
			`z:6:6: expecting $TTL value, not this...: "x"`,
			`z:8:9: bad MX Mx: "a..b"`,
		},
		// The blank-owner line after the bad lines keeps the owner d.
		recs: "z:2 a.example.com. A\nz:4 c.example.com. A\nz:7 d.example.com. AAAA\nz:9 f.example.com. A\n",
	}, {
		name:  "error inside a parenthesized multi-line record",
		files: map[string]string{"z": "$TTL 300\n@ SOA ns. h. ( 1 2\n x 4\n 5 )\nwww A 192.0.2.1\nbad 60 A ( 1.2.3.4\n 5.6.7.8 )\n  A 192.0.2.2\n"},
		want: []string{
			`z:3:2: bad SOA zone parameter: "x"`,
			`z:7:2: garbage after rdata: "5.6.7.8"`,
		},
		// The failed line still set the owner and the last explicit TTL
		// (but $TTL wins).
		recs: "z:5 www.example.com. A\nz:8 bad.example.com. A\n",
	}, {
		name:  "error on the last line without a final newline",
		files: map[string]string{"z": "a 300 A 192.0.2.1\nb 300 A 192.0.2.x\nc 300 A 192.0.2.3\nd 300 A 1.2.3.400"},
		want:  []string{`z:2:9: bad A A: "192.0.2.x"`, `z:4:9: bad A A: "1.2.3.400"`},
		recs:  "z:1 a.example.com. A\nz:3 c.example.com. A\n",
	}, {
		name: "errors inside an include resume there, then after the directive",
		files: map[string]string{
			"z":     "$TTL 300\n$ORIGIN sub.example.com.\na A 192.0.2.1\n$INCLUDE inc other.example.com.\nb A 192.0.2.x\nc A 192.0.2.3\n$INCLUDE missing\nd A 192.0.2.4\n",
			"inc":   "i1 A 192.0.2.10\ni2 A 192.0.2.y\ni3 TXT \"ok\"\n$TTL 60\ni4 A 192.0.2.z\ni5 A 192.0.2.13\n",
			"other": "",
		},
		want: []string{
			`inc:2:6: bad A A: "192.0.2.y"`,
			`inc:5:6: bad A A: "192.0.2.z"`,
			`z:5:5: bad A A: "192.0.2.x"`,
			`z:7: $INCLUDE "missing": no such file missing`,
		},
		recs: "z:3 a.sub.example.com. A\ninc:1 i1.other.example.com. A\ninc:3 i3.other.example.com. TXT\ninc:6 i5.other.example.com. A\nz:6 c.sub.example.com. A\nz:8 d.sub.example.com. A\n",
	}, {
		name:  "no TTL: every record line fails, each reported once",
		files: map[string]string{"z": "a A 192.0.2.1\nb A 192.0.2.2\n"},
		want:  []string{`z:1:3: missing TTL with no previous value: "A"`, `z:2:3: missing TTL with no previous value: "A"`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			ttl := uint32(0)
			recs, err := ReadMasterFile("z", "example.com.", dir, ttl)
			var errs MasterFileErrors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T %v, want MasterFileErrors", err, err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strings.ReplaceAll(e.Error(), dir+string(filepath.Separator), ""))
				var pe *dns.ParseError
				if e.Pos.Line == 0 || (!errors.As(e, &pe) && !strings.Contains(e.Msg, "$INCLUDE")) {
					t.Errorf("%v: no line, or no *dns.ParseError", e)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if got := positions(dir, recs); got != tt.recs {
				t.Errorf("records:\n%s\nwant:\n%s", got, tt.recs)
			}
			var mfe *MasterFileError
			if !errors.As(err, &mfe) || mfe != errs[0] {
				t.Errorf("errors.As does not find the first *MasterFileError")
			}
		})
	}
}

// TestReadMasterFileOneErrorResumes checks the restart adds nothing of its
// own: one bad line among twenty, in every position and after every kind of
// line, gives exactly that error and every other record, as read without it.
func TestReadMasterFileOneErrorResumes(t *testing.T) {
	good := []string{
		"$TTL 300", "@ SOA ns1 hostmaster ( 1 2 3", " 4 5 )", "\tNS ns1", "www A 192.0.2.1", "\tAAAA 2001:db8::1",
		"mail 60 MX 10 www", "\tA 192.0.2.2", "$ORIGIN sub.example.com.", "txt TXT \"a ; b\" ( \"c\"", " \"d\" ) ; e",
		"h IN A 192.0.2.3", " 120 TXT x", "; comment only", "", "$TTL 1h", "x A 192.0.2.4", "\tTXT y", "y CNAME x", "z 10 IN A 192.0.2.5",
	}
	for _, bad := range []string{"b A 1.2.3.400", "$TTL x", "b BOGUS x", "\tA 1.2.3.400"} {
		for at := 0; at <= len(good); at++ {
			if at > 0 && (strings.HasSuffix(good[at-1], "( 1 2 3") || strings.HasSuffix(good[at-1], "( \"c\"")) {
				continue // inside parentheses: not a line boundary
			}
			lines := append(append(append([]string{}, good[:at]...), bad), good[at:]...)
			dir := writeTree(t, map[string]string{"z": strings.Join(lines, "\n") + "\n", "ok": strings.Join(good, "\n") + "\n"})
			want, err := ReadMasterFile("ok", "example.com.", dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := ReadMasterFile("z", "example.com.", dir, 0)
			var errs MasterFileErrors
			if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Pos.Line != at+1 {
				t.Errorf("%q at line %d: errors %v, want one at line %d", bad, at+1, err, at+1)
				continue
			}
			// A bad line with an owner changes the owner of a blank-owner
			// line after it, as it would in the parser.
			if bad[0] != '\t' && !strings.HasPrefix(bad, "$") && at < len(good) && (good[at] == "" || good[at][0] == ' ' || good[at][0] == '\t') {
				continue
			}
			var a, b []string
			for _, r := range want {
				a = append(a, r.RR.String())
			}
			for _, r := range recs {
				b = append(b, r.RR.String())
			}
			if strings.Join(a, "\n") != strings.Join(b, "\n") {
				t.Errorf("%q at line %d: records\n%s\nwant\n%s", bad, at+1, strings.Join(b, "\n"), strings.Join(a, "\n"))
			}
		}
	}
}

// TestReadMasterFileRefusedIncludeThenError: a refused $INCLUDE must not
// swallow a later, unrelated error, nor the records after it (regression:
// the refusal was reported again in its place and the rest of the file
// dropped).
func TestReadMasterFileRefusedIncludeThenError(t *testing.T) {
	dir := t.TempDir()
	body := "$ORIGIN example.test.\n$TTL 300\n" +
		"a A 192.0.2.1\n" +
		"$INCLUDE /etc/passwd\n" +
		"b A 192.0.2.2\n" +
		"c A not-an-address\n" +
		"d A 192.0.2.4\n" +
		"e A 192.0.2.5\n"
	p := filepath.Join(dir, "z.zone")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadMasterFile(p, "example.test.", dir, 0)
	var es MasterFileErrors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Pos.Line != 4 || es[1].Pos.Line != 6 {
		t.Fatalf("want the refused include (line 4) and the bad A (line 6); got %v", err)
	}
	var names []string
	for _, r := range recs {
		names = append(names, r.RR.Header().Name)
	}
	if got := strings.Join(names, " "); got != "a.example.test. b.example.test. d.example.test. e.example.test." {
		t.Errorf("records %q, want a b d e", got)
	}
}
