package powerdns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

const fakeKey = "fake-api-key-4f1c9a77d2"

// TestContent pins the content PowerDNS expects for the types where its
// presentation differs from miekg/dns's. TestLabTypesRoundTrip proves each
// against the real server.
func TestContent(t *testing.T) {
	cases := []struct{ rr, want string }{
		{"x. 300 IN A 192.0.2.1", "192.0.2.1"},
		{"x. 300 IN MX 10 Mail.Example.COM.", "10 mail.example.com."},
		{`x. 300 IN TXT "h\195\169llo" "a\"b\\c"`, `"h\195\169llo" "a\"b\\c"`},
		{`x. 300 IN TXT "héllo"`, `"h\195\169llo"`},
		{`x. 300 IN HTTPS 1 . alpn="h2,h3" port="8443" ipv4hint="192.0.2.1,192.0.2.2" ipv6hint="2001:db8::1"`,
			"1 . alpn=h2,h3 port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1"},
		{`x. 300 IN SVCB 1 svc.example. port=853 mandatory=alpn,port alpn=dot no-default-alpn`,
			"1 svc.example. mandatory=alpn,port alpn=dot no-default-alpn port=853"},
		{`x. 300 IN HTTPS 1 . ech="AEP+DQA/BAAgACBYeZuE" key65000="abc"`, `1 . ech="AEP+DQA/BAAgACBYeZuE" key65000="abc"`},
		{`x. 300 IN HTTPS 1 . dohpath="/q{?dns}"`, `1 . key7="/q{?dns}"`},
		{"x. 300 IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000.00m 10.00m"},
		{"x. 300 IN LOC 33 40 31 S 106 28 29 W 10m", "33 40 31.000 S 106 28 29.000 W 10.00m 1.00m 10000.00m 10.00m"},
		{"x. 300 IN CERT PGP 0 0 AQID", "3 0 0 AQID"},
		{`x. 300 IN TYPE65534 \# 3 0A0B0C`, `\# 3 0a0b0c`},
		{`x. 300 IN NINFO "a"`, `\# 2 0161`},
		{`x. 300 IN TYPE65535 \# 0`, `\# 0`},
	}
	for _, tc := range cases {
		rr, err := zone.NewRR(tc.rr, ".")
		if err != nil {
			t.Fatalf("%s: %v", tc.rr, err)
		}
		got, err := content(rr)
		if err != nil {
			t.Errorf("%s: %v", tc.rr, err)
			continue
		}
		if got != tc.want {
			t.Errorf("content(%s)\n got  %s\n want %s", tc.rr, got, tc.want)
		}
	}
	if apiType(65534) != "TYPE65534" || apiType(56) != "TYPE56" || apiType(1) != "A" {
		t.Errorf("apiType: %s %s %s", apiType(65534), apiType(56), apiType(1))
	}
}

func TestParseRRsets(t *testing.T) {
	sets := []apiRRset{
		{Name: "www.x.test.", Type: "A", TTL: 300, Records: []apiRecord{{Content: "192.0.2.1"}, {Content: "192.0.2.2", Disabled: true}}},
		{Name: "x.test.", Type: "SOA", TTL: 3600, Records: []apiRecord{{Content: "ns. host. 5 3600 600 86400 300"}}},
		{Name: "t.x.test.", Type: "TXT", TTL: 60, Records: []apiRecord{{Content: `"semi;colon" "(paren"`}}},
		{Name: "u.x.test.", Type: "TYPE65534", TTL: 60, Records: []apiRecord{{Content: `\# 2 abcd`}}},
	}
	rrs, err := parseRRsets("x.test.", sets)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rr := range rrs {
		got = append(got, rr.String())
	}
	want := []string{
		"www.x.test.\t300\tIN\tA\t192.0.2.1",
		"x.test.\t3600\tIN\tSOA\tns. host. 5 3600 600 86400 300",
		"t.x.test.\t60\tIN\tTXT\t\"semi;colon\" \"(paren\"",
		"u.x.test.\t60\tCLASS1\tTYPE65534\t\\# 2 abcd",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parsed (disabled record must be left out):\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A bad content is named, with its RRset.
	bad := append(sets, apiRRset{Name: "bad.x.test.", Type: "A", TTL: 1, Records: []apiRecord{{Content: "not-an-address"}}})
	_, err = parseRRsets("x.test.", bad)
	if err == nil || !strings.Contains(err.Error(), `record bad.x.test. A "not-an-address"`) {
		t.Errorf("bad content: %v", err)
	}
	// A content that would swallow the next line is caught, not misread.
	merged := []apiRRset{
		{Name: "a.x.test.", Type: "TXT", TTL: 1, Records: []apiRecord{{Content: `( "open"`}}},
		{Name: "b.x.test.", Type: "A", TTL: 1, Records: []apiRecord{{Content: "192.0.2.1"}}},
	}
	if rrs, err := parseRRsets("x.test.", merged); err == nil {
		t.Errorf("unbalanced parenthesis read as %v", rrs)
	}
}

func TestZoneID(t *testing.T) {
	for in, want := range map[string]string{
		"example.com.":   "example.com.",
		"a_b-c.test.":    "a_b-c.test.",
		"0/25.2.0.192.":  "0=2F25.2.0.192.",
		"sp ace.test.":   "sp=20ace.test.",
		"Upper.Example.": "Upper.Example.",
	} {
		if got := zoneID(in); got != want {
			t.Errorf("zoneID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSettingsNeverShowTheKey(t *testing.T) {
	s := Settings{URL: "http://user:urlpass@127.0.0.1:8081", APIKey: fakeKey, ServerID: "localhost"}
	j, _ := json.Marshal(s)
	y, _ := yaml.Marshal(s)
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v", &s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%s", s),
		s.String(), s.GoString(), string(j), string(y),
	} {
		if strings.Contains(out, fakeKey) || strings.Contains(out, "urlpass") {
			t.Errorf("settings print a secret: %s", out)
		}
	}
	if !strings.Contains(s.String(), "127.0.0.1:8081") {
		t.Errorf("String hides too much: %s", s)
	}
	p, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out := fmt.Sprintf("%v %+v %#v %s", p, p, p, p); strings.Contains(out, fakeKey) || strings.Contains(out, "urlpass") {
		t.Errorf("provider prints a secret: %s", out)
	}
}

func TestNewValidates(t *testing.T) {
	cases := []struct {
		s    Settings
		want string
	}{
		{Settings{APIKey: fakeKey}, "url is required"},
		{Settings{URL: "http://127.0.0.1:8081"}, "api_key is required"},
		{Settings{URL: "ftp://127.0.0.1", APIKey: fakeKey}, "url: base URL scheme"},
		{Settings{URL: "http://127.0.0.1", APIKey: fakeKey, MaxBodyBytes: -1}, "must not be negative"},
		{Settings{URL: "http://127.0.0.1", APIKey: fakeKey, RateLimit: -1}, "rate limit"},
	}
	for _, tc := range cases {
		_, err := New(tc.s, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%v) = %v, want an error containing %q", tc.s, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), fakeKey) {
			t.Errorf("error shows the key: %v", err)
		}
	}
	if _, err := New(Settings{URL: "http://127.0.0.1", APIKey: fakeKey}, []string{"bad..name"}); err == nil {
		t.Error("a bad nameserver name was accepted")
	}
}

// TestRegistration builds the adapter from a config entry, as the CLI does.
func TestRegistration(t *testing.T) {
	var doc yaml.Node
	src := "type: powerdns\nurl: http://127.0.0.1:8081\napi_key: " + fakeKey + "\nserver_id: other\ntimeout: 5s\nrate_limit: 20\nmax_batch_changes: 500\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	pc := &zone.ProviderConfig{Name: "pdns", Type: TypeName, Settings: doc.Content[0], Pos: zone.Position{File: "dnsquorum.yaml", Line: 3, Col: 3}, Nameservers: []string{"ns1.example.net."}}
	p, err := providers.New(pc)
	if err != nil {
		t.Fatal(err)
	}
	pp := p.(*Provider)
	if pp.serverID != "other" || pp.maxChanges != 500 || pp.maxBody != DefaultMaxBodyBytes || len(pp.nameservers) != 1 {
		t.Errorf("decoded provider: %+v", pp)
	}
	caps := p.Capabilities()
	if !caps.ApexNS || !caps.CreateZone || !caps.AtomicBatch || caps.MaxBatchChanges != 500 {
		t.Errorf("capabilities: %+v", caps)
	}

	if err := yaml.Unmarshal([]byte("type: powerdns\nurl: http://127.0.0.1:8081\napi_key: "+fakeKey+"\napikey: typo\n"), &doc); err != nil {
		t.Fatal(err)
	}
	pc.Settings = doc.Content[0]
	_, err = providers.New(pc)
	if err == nil || !strings.Contains(err.Error(), `dnsquorum.yaml:`) || !strings.Contains(err.Error(), `provider "pdns"`) || !strings.Contains(err.Error(), "apikey") {
		t.Errorf("unknown setting: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), fakeKey) {
		t.Errorf("error shows the key: %v", err)
	}
}

func TestSVCBKeyNames(t *testing.T) {
	for in, want := range map[string]string{
		`1 . key7="/q{?dns}" key65000="abc"`:  `1 . dohpath="/q{?dns}" key65000="abc"`,
		`1 . alpn=h2 key8`:                    `1 . alpn=h2 ohttp`,
		`1 . key65000="key7=x" port=1`:        `1 . key65000="key7=x" port=1`,
		`1 . key65000="a\" key7=b" key7="/x"`: `1 . key65000="a\" key7=b" dohpath="/x"`,
		`1 key7.example. alpn=h2`:             `1 key7.example. alpn=h2`,
		`0 svc.example.`:                      `0 svc.example.`,
	} {
		if got := svcbKeyNames(in); got != want {
			t.Errorf("svcbKeyNames(%s)\n got  %s\n want %s", in, got, want)
		}
	}
}

// TestApplyChangesOrderAndPrefix checks, against a fake API, that deletes
// go first and that a batch split over several PATCHes reports as applied
// only the leading changes whose PATCH landed.
func TestApplyChangesOrderAndPrefix(t *testing.T) {
	var bodies []string
	failAt := -1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if len(bodies)-1 == failAt {
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"error": "nope"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	p, err := New(Settings{URL: srv.URL, APIKey: fakeKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const origin = "x.test."
	set := func(text string) *zone.RRset { return zone.MustParse(origin, text).Sorted()[0] }
	a, c, txt := set("swap 300 A 192.0.2.1"), set("swap 300 CNAME t.example."), set(`swap 300 TXT "x"`)
	changes := []zone.Change{
		{Action: zone.Delete, Key: a.Key(), Old: a},
		{Action: zone.Create, Key: c.Key(), New: c},
		{Action: zone.Delete, Key: txt.Key(), Old: txt},
	}
	n, err := p.ApplyChanges(context.Background(), origin, changes)
	if err != nil || n != 3 {
		t.Fatalf("apply: %d, %v", n, err)
	}
	want := `{"rrsets":[{"name":"swap.x.test.","type":"A","changetype":"DELETE"},{"name":"swap.x.test.","type":"TXT","changetype":"DELETE"},` +
		`{"name":"swap.x.test.","type":"CNAME","ttl":300,"changetype":"REPLACE","records":[{"content":"t.example.","disabled":false}]}]}`
	if len(bodies) != 1 || bodies[0] != want {
		t.Fatalf("PATCH bodies:\n%s\nwant one:\n%s", strings.Join(bodies, "\n"), want)
	}

	// One RRset per PATCH, the second PATCH (the TXT delete) fails: the
	// A delete landed, so one leading change is applied; the CNAME was
	// never sent.
	p.maxChanges, bodies, failAt = 1, nil, 1
	n, err = p.ApplyChanges(context.Background(), origin, changes)
	if err == nil || n != 1 || len(bodies) != 2 {
		t.Fatalf("split apply: %d applied, %d PATCHes, %v", n, len(bodies), err)
	}
	// The first PATCH fails: nothing applied.
	bodies, failAt = nil, 0
	if n, err = p.ApplyChanges(context.Background(), origin, changes); err == nil || n != 0 {
		t.Fatalf("first PATCH failing: %d applied, %v", n, err)
	}
}

// FuzzParseRRsets feeds server-provided content (what a GET returns) to the
// reader: it may fail, never panic, and returns exactly one record for one
// when it succeeds.
func FuzzParseRRsets(f *testing.F) {
	for _, seed := range [][3]string{
		{"www.x.test.", "A", "192.0.2.1"},
		{"h.x.test.", "HTTPS", `1 . key7="/q{?dns}" alpn=h2,h3 ech="AEP+"`},
		{"t.x.test.", "TXT", `"a;b" "(c" "\195\169"`},
		{"u.x.test.", "TYPE65534", `\# 2 abcd`},
		{"$INCLUDE", "A", "/etc/passwd"},
		{"l.x.test.", "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000.00m 10.00m"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, name, typ, content string) {
		rrs, err := parseRRsets("x.test.", []apiRRset{{Name: name, Type: typ, TTL: 60, Records: []apiRecord{{Content: content}}}})
		if err == nil && len(rrs) != 1 {
			t.Fatalf("one record in, %d out", len(rrs))
		}
		_ = svcbKeyNames(content)
	})
}
