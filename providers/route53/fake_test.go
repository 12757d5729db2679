package route53

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
)

// fake is a local Route 53 serving the REST-XML shapes of the documented
// API (Amazon Route 53 API Reference, version 2013-04-01):
//   - GET  /2013-04-01/hostedzonesbyname        ListHostedZonesByName
//   - GET  /2013-04-01/hostedzone/{Id}/rrset    ListResourceRecordSets
//     (maxitems, name/type/identifier start point, IsTruncated, NextRecordName/Type)
//   - POST /2013-04-01/hostedzone/{Id}/rrset    ChangeResourceRecordSets
//     (atomic; InvalidChangeBatch; 1,000 ResourceRecord elements and 32,000
//     value characters per request, UPSERT counted twice)
//
// Throttled requests get the documented answer: HTTP 400 with error code
// "Throttling". The fake counts requests per second of the shared clock and
// records any second over its limit.
type fake struct {
	t     testing.TB
	srv   *httptest.Server
	clock cloud.Clock

	mu    sync.Mutex
	zones map[string]*fakeZone // by ID
	// throttle makes the next n requests fail with Throttling.
	throttle int
	// deny makes every request fail with 403 InvalidClientTokenId.
	deny bool
	// limit is the requests per second allowed (0: none); violations
	// counts the seconds over it.
	limit      int
	perSecond  map[int64]int
	violations []string
	requests   int
	changeReqs int
}

type fakeZone struct {
	id, name string
	private  bool
	sets     []xmlRRSet
}

const ns = "https://route53.amazonaws.com/doc/2013-04-01/"

type xmlRR struct {
	Value string `xml:"Value"`
}

type xmlAlias struct {
	HostedZoneId         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

type xmlRRSet struct {
	Name            string    `xml:"Name"`
	Type            string    `xml:"Type"`
	SetIdentifier   string    `xml:"SetIdentifier,omitempty"`
	Weight          *int64    `xml:"Weight,omitempty"`
	TTL             *int64    `xml:"TTL,omitempty"`
	ResourceRecords []xmlRR   `xml:"ResourceRecords>ResourceRecord,omitempty"`
	AliasTarget     *xmlAlias `xml:"AliasTarget,omitempty"`
}

type xmlChange struct {
	Action            string   `xml:"Action"`
	ResourceRecordSet xmlRRSet `xml:"ResourceRecordSet"`
}

type xmlChangeRequest struct {
	XMLName xml.Name    `xml:"ChangeResourceRecordSetsRequest"`
	Comment string      `xml:"ChangeBatch>Comment"`
	Changes []xmlChange `xml:"ChangeBatch>Changes>Change"`
}

func newFake(t testing.TB, clock cloud.Clock) *fake {
	f := &fake{t: t, clock: clock, zones: map[string]*fakeZone{}, perSecond: map[int64]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// addZone creates a hosted zone with Route 53's default SOA and apex NS.
func (f *fake) addZone(id, name string, private bool) *fakeZone {
	f.mu.Lock()
	defer f.mu.Unlock()
	z := &fakeZone{id: id, name: name, private: private}
	ttl := int64(900)
	z.sets = append(z.sets,
		xmlRRSet{Name: name, Type: "SOA", TTL: &ttl, ResourceRecords: []xmlRR{{"ns-1.awsdns-00.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}},
		xmlRRSet{Name: name, Type: "NS", TTL: ptr(172800), ResourceRecords: []xmlRR{{"ns-1.awsdns-00.com."}, {"ns-2.awsdns-01.net."}}},
	)
	z.sort()
	f.zones[id] = z
	return z
}

func ptr(v int64) *int64 { return &v }

// put stores a record set directly (test setup).
func (f *fake) put(id string, s xmlRRSet) {
	f.mu.Lock()
	defer f.mu.Unlock()
	z := f.zones[id]
	z.sets = slices.DeleteFunc(z.sets, func(o xmlRRSet) bool { return sameKey(o, s) })
	z.sets = append(z.sets, s)
	z.sort()
}

// snapshot returns a copy of the zone's record sets.
func (f *fake) snapshot(id string) []xmlRRSet {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.zones[id].sets)
}

// Route 53 lists record sets by name with labels reversed, then by type.
func reversedName(n string) string {
	l := dns.SplitDomainName(strings.ToLower(n))
	slices.Reverse(l)
	return strings.Join(l, ".")
}

func (z *fakeZone) sort() {
	slices.SortStableFunc(z.sets, func(a, b xmlRRSet) int {
		if c := strings.Compare(reversedName(a.Name), reversedName(b.Name)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return strings.Compare(a.SetIdentifier, b.SetIdentifier)
	})
}

func sameKey(a, b xmlRRSet) bool {
	return strings.EqualFold(dns.Fqdn(a.Name), dns.Fqdn(b.Name)) && a.Type == b.Type && a.SetIdentifier == b.SetIdentifier
}

func (f *fake) writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", "fake-request")
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	if err := xml.NewEncoder(w).Encode(v); err != nil {
		f.t.Errorf("fake route53: encoding response: %v", err)
	}
}

type xmlError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ReqID   string   `xml:"RequestId"`
}

func (f *fake) fail(w http.ResponseWriter, status int, code, msg string) {
	f.writeXML(w, status, xmlError{Xmlns: ns, Type: "Sender", Code: code, Message: msg, ReqID: "fake-request"})
}

type xmlInvalidChangeBatch struct {
	XMLName  xml.Name `xml:"InvalidChangeBatch"`
	Xmlns    string   `xml:"xmlns,attr"`
	Messages []string `xml:"Messages>Message"`
	ReqID    string   `xml:"RequestId"`
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.limit > 0 {
		sec := f.clock.Now().Unix()
		f.perSecond[sec]++
		if f.perSecond[sec] == f.limit+1 {
			f.violations = append(f.violations, fmt.Sprintf("second %d: over %d requests", sec, f.limit))
		}
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		f.fail(w, http.StatusForbidden, "MissingAuthenticationToken", "Missing Authentication Token")
		return
	}
	if f.deny {
		f.fail(w, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	}
	if f.throttle > 0 {
		f.throttle--
		f.fail(w, http.StatusBadRequest, "Throttling", "Rate exceeded")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/2013-04-01/")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && path == "hostedzonesbyname":
		f.listZones(w, q.Get("dnsname"))
	case strings.HasPrefix(path, "hostedzone/") && strings.HasSuffix(path, "/rrset"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "hostedzone/"), "/rrset")
		z := f.zones[id]
		if z == nil {
			f.fail(w, http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: "+id)
			return
		}
		switch r.Method {
		case http.MethodGet:
			max, _ := strconv.Atoi(q.Get("maxitems"))
			f.listSets(w, z, max, q.Get("name"), q.Get("type"), q.Get("identifier"))
		case http.MethodPost:
			f.change(w, r, z)
		default:
			f.fail(w, http.StatusMethodNotAllowed, "InvalidInput", "method")
		}
	default:
		f.fail(w, http.StatusNotFound, "InvalidInput", "unknown path "+r.URL.Path)
	}
}

func (f *fake) listZones(w http.ResponseWriter, dnsname string) {
	type hz struct {
		Id                     string `xml:"Id"`
		Name                   string `xml:"Name"`
		CallerReference        string `xml:"CallerReference"`
		PrivateZone            bool   `xml:"Config>PrivateZone"`
		ResourceRecordSetCount int    `xml:"ResourceRecordSetCount"`
	}
	type resp struct {
		XMLName     xml.Name `xml:"ListHostedZonesByNameResponse"`
		Xmlns       string   `xml:"xmlns,attr"`
		HostedZones []hz     `xml:"HostedZones>HostedZone"`
		DNSName     string   `xml:"DNSName,omitempty"`
		IsTruncated bool     `xml:"IsTruncated"`
		MaxItems    int      `xml:"MaxItems"`
	}
	out := resp{Xmlns: ns, DNSName: dnsname, MaxItems: 100}
	var ids []string
	for id := range f.zones {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		z := f.zones[id]
		// Zones are listed from dnsname on, in reversed-label order.
		if dnsname != "" && reversedName(z.name) < reversedName(dnsname) {
			continue
		}
		out.HostedZones = append(out.HostedZones, hz{Id: "/hostedzone/" + z.id, Name: z.name, CallerReference: "ref-" + z.id, PrivateZone: z.private, ResourceRecordSetCount: len(z.sets)})
	}
	f.writeXML(w, http.StatusOK, out)
}

func (f *fake) listSets(w http.ResponseWriter, z *fakeZone, max int, name, typ, ident string) {
	if max <= 0 || max > 300 {
		max = 300
	}
	type resp struct {
		XMLName              xml.Name   `xml:"ListResourceRecordSetsResponse"`
		Xmlns                string     `xml:"xmlns,attr"`
		Sets                 []xmlRRSet `xml:"ResourceRecordSets>ResourceRecordSet"`
		IsTruncated          bool       `xml:"IsTruncated"`
		NextRecordName       string     `xml:"NextRecordName,omitempty"`
		NextRecordType       string     `xml:"NextRecordType,omitempty"`
		NextRecordIdentifier string     `xml:"NextRecordIdentifier,omitempty"`
		MaxItems             int        `xml:"MaxItems"`
	}
	start := 0
	if name != "" {
		start = len(z.sets)
		for i, s := range z.sets {
			c := strings.Compare(reversedName(s.Name), reversedName(name))
			if c > 0 || (c == 0 && (typ == "" || s.Type > typ || (s.Type == typ && s.SetIdentifier >= ident))) {
				start = i
				break
			}
		}
	}
	out := resp{Xmlns: ns, MaxItems: max}
	end := min(start+max, len(z.sets))
	for _, s := range z.sets[start:end] {
		// Names come back absolute, with special characters as octal
		// escapes ("\052" for a wildcard).
		s.Name = dns.Fqdn(strings.ReplaceAll(s.Name, "*", `\052`))
		out.Sets = append(out.Sets, s)
	}
	if end < len(z.sets) {
		next := z.sets[end]
		out.IsTruncated = true
		out.NextRecordName = dns.Fqdn(strings.ReplaceAll(next.Name, "*", `\052`))
		out.NextRecordType = next.Type
		out.NextRecordIdentifier = next.SetIdentifier
	}
	f.writeXML(w, http.StatusOK, out)
}

// change applies a ChangeResourceRecordSets request atomically.
func (f *fake) change(w http.ResponseWriter, r *http.Request, z *fakeZone) {
	f.changeReqs++
	var req xmlChangeRequest
	if err := xml.NewDecoder(r.Body).Decode(&req); err != nil {
		f.fail(w, http.StatusBadRequest, "InvalidInput", "malformed XML: "+err.Error())
		return
	}
	records, chars := 0, 0
	for _, c := range req.Changes {
		k := 1
		if c.Action == "UPSERT" {
			k = 2
		}
		for _, rr := range c.ResourceRecordSet.ResourceRecords {
			records += k
			chars += k * len(rr.Value)
		}
	}
	var msgs []string
	if records > 1000 {
		msgs = append(msgs, fmt.Sprintf("Number of records in the request (%d) exceeds the limit of 1000", records))
	}
	if chars > 32000 {
		msgs = append(msgs, fmt.Sprintf("Number of characters in the request values (%d) exceeds the limit of 32000", chars))
	}
	next := slices.Clone(z.sets)
	for _, c := range req.Changes {
		s := c.ResourceRecordSet
		s.Name = strings.ToLower(strings.ReplaceAll(dns.Fqdn(s.Name), `\052`, "*"))
		if !dns.IsSubDomain(z.name, s.Name) {
			msgs = append(msgs, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", s.Name, z.name))
			continue
		}
		if s.Type == "SOA" && c.Action != "UPSERT" {
			msgs = append(msgs, "SOA records cannot be created or deleted")
			continue
		}
		i := slices.IndexFunc(next, func(o xmlRRSet) bool { return sameKey(o, s) })
		switch c.Action {
		case "CREATE":
			if i >= 0 {
				msgs = append(msgs, fmt.Sprintf("Tried to create resource record set [name='%s', type='%s'] but it already exists", s.Name, s.Type))
				continue
			}
			next = append(next, s)
		case "UPSERT":
			if i >= 0 {
				next[i] = s
			} else {
				next = append(next, s)
			}
		case "DELETE":
			if i < 0 {
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set [name='%s', type='%s'] but it was not found", s.Name, s.Type))
				continue
			}
			if !sameData(next[i], s) {
				msgs = append(msgs, fmt.Sprintf("Tried to delete resource record set [name='%s', type='%s'] but the values provided do not match the current values", s.Name, s.Type))
				continue
			}
			next = slices.Delete(next, i, i+1)
		default:
			msgs = append(msgs, "unknown action "+c.Action)
		}
	}
	if len(msgs) > 0 {
		f.writeXML(w, http.StatusBadRequest, xmlInvalidChangeBatch{Xmlns: ns, Messages: msgs, ReqID: "fake-request"})
		return
	}
	z.sets = next
	z.sort()
	type resp struct {
		XMLName     xml.Name `xml:"ChangeResourceRecordSetsResponse"`
		Xmlns       string   `xml:"xmlns,attr"`
		Id          string   `xml:"ChangeInfo>Id"`
		Status      string   `xml:"ChangeInfo>Status"`
		SubmittedAt string   `xml:"ChangeInfo>SubmittedAt"`
	}
	f.writeXML(w, http.StatusOK, resp{Xmlns: ns, Id: fmt.Sprintf("/change/C%d", f.changeReqs), Status: "PENDING", SubmittedAt: time.Unix(0, 0).UTC().Format(time.RFC3339)})
}

// sameData compares a DELETE's record set with the stored one exactly, as
// Route 53 does.
func sameData(a, b xmlRRSet) bool {
	if (a.TTL == nil) != (b.TTL == nil) || (a.TTL != nil && *a.TTL != *b.TTL) {
		return false
	}
	if (a.AliasTarget == nil) != (b.AliasTarget == nil) || len(a.ResourceRecords) != len(b.ResourceRecords) {
		return false
	}
	av, bv := map[string]bool{}, map[string]bool{}
	for _, r := range a.ResourceRecords {
		av[r.Value] = true
	}
	for _, r := range b.ResourceRecords {
		bv[r.Value] = true
	}
	for v := range av {
		if !bv[v] {
			return false
		}
	}
	return len(av) == len(bv)
}
