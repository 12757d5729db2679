package desec

import (
	"encoding/json"
	"fmt"
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
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud/cloudtest"
)

// fake is a local deSEC API serving the documented shapes
// (desec.readthedocs.io, "Retrieving and Creating DNS Records", "Rate
// Limits"):
//   - GET   /api/v1/domains/{name}/rrsets/   all RRsets, newest first; more
//     than pageSize need ?cursor= (400 otherwise), next page in the Link header
//   - PATCH /api/v1/domains/{name}/rrsets/   bulk modification, atomic; an
//     RRset with "records": [] is deleted; per-RRset errors in a list
//
// Auth is "Authorization: Token <token>" (401 {"detail": "Invalid token."});
// throttled requests get 429 with Retry-After, as documented.
type fake struct {
	t     testing.TB
	srv   *httptest.Server
	clock cloud.Clock
	token string

	mu       sync.Mutex
	domains  map[string]*fakeDomain
	pageSize int
	throttle int
	// meters check rate limits on the clock per request class: "read",
	// "write" and "all".
	meters   map[string]*cloudtest.Meter
	requests int
	writes   int
}

type fakeDomain struct {
	minTTL uint32
	sets   []fakeRRset // oldest first
	serial int
}

type fakeRRset struct {
	Created string   `json:"created"`
	Domain  string   `json:"domain"`
	Subname string   `json:"subname"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Records []string `json:"records"`
	TTL     uint32   `json:"ttl"`
	Touched string   `json:"touched"`
}

func newFake(t testing.TB, clock cloud.Clock, token string) *fake {
	f := &fake{t: t, clock: clock, token: token, domains: map[string]*fakeDomain{}, pageSize: 500,
		meters: map[string]*cloudtest.Meter{"read": {}, "write": {}, "all": {}}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// addDomain creates a domain with deSEC's apex NS set.
func (f *fake) addDomain(name string, minTTL uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := &fakeDomain{minTTL: minTTL}
	d.sets = append(d.sets, fakeRRset{Domain: name, Subname: "", Name: name + ".", Type: "NS", TTL: 3600, Records: []string{"ns1.desec.io.", "ns2.desec.org."}})
	f.domains[name] = d
}

func (f *fake) snapshot(name string) []fakeRRset {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.domains[name].sets)
}

func (f *fake) reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if body != nil {
		json.NewEncoder(w).Encode(body)
	}
}

func (f *fake) count(class string) {
	f.requests++
	for _, c := range []string{class, "all"} {
		f.meters[c].Count(f.clock.Now(), fmt.Sprintf("%s request %d", c, f.requests))
	}
}

// violations lists the requests that broke a rate limit, by class.
func (f *fake) violations() []string {
	var out []string
	for _, c := range []string{"read", "write", "all"} {
		out = append(out, f.meters[c].Violations...)
	}
	return out
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	class := "write"
	if r.Method == http.MethodGet {
		class = "read"
	}
	f.count(class)
	if r.Header.Get("Authorization") != "Token "+f.token {
		f.reply(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
		return
	}
	if f.throttle > 0 {
		f.throttle--
		w.Header().Set("Retry-After", "1")
		f.reply(w, http.StatusTooManyRequests, map[string]string{"detail": "Request was throttled. Expected available in 1 second."})
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 5 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "domains" || parts[4] != "rrsets" {
		f.reply(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	d := f.domains[parts[3]]
	if d == nil {
		f.reply(w, http.StatusNotFound, map[string]string{"detail": "Not found."})
		return
	}
	switch r.Method {
	case http.MethodGet:
		f.list(w, r, parts[3], d)
	case http.MethodPatch:
		f.writes++
		f.patch(w, r, parts[3], d)
	default:
		f.reply(w, http.StatusMethodNotAllowed, map[string]string{"detail": "Method not allowed."})
	}
}

func (f *fake) list(w http.ResponseWriter, r *http.Request, name string, d *fakeDomain) {
	// Newest first.
	sets := slices.Clone(d.sets)
	slices.Reverse(sets)
	q := r.URL.Query()
	cursor, paged := q["cursor"]
	if !paged {
		if len(sets) > f.pageSize {
			f.reply(w, http.StatusBadRequest, map[string]string{"detail": fmt.Sprintf("Pagination required. You can query up to %d items at a time ({first} cursor).", f.pageSize)})
			return
		}
		f.reply(w, http.StatusOK, sets)
		return
	}
	start := 0
	if c := cursor[0]; c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "c"))
		if err != nil || !strings.HasPrefix(c, "c") || n < 0 || n > len(sets) {
			f.reply(w, http.StatusBadRequest, map[string]string{"detail": "Invalid cursor"})
			return
		}
		start = n
	}
	end := min(start+f.pageSize, len(sets))
	base := f.srv.URL + "/api/v1/domains/" + name + "/rrsets/?cursor="
	links := []string{fmt.Sprintf(`<%s>; rel="first"`, base)}
	if start > 0 {
		links = append(links, fmt.Sprintf(`<%sc%d>; rel="prev"`, base, max(0, start-f.pageSize)))
	}
	if end < len(sets) {
		links = append(links, fmt.Sprintf(`<%sc%d>; rel="next"`, base, end))
	}
	w.Header().Set("Link", strings.Join(links, ", "))
	out := sets[start:end]
	if out == nil {
		out = []fakeRRset{}
	}
	f.reply(w, http.StatusOK, out)
}

var forbidden = map[string]bool{"SOA": true, "ALIAS": true, "DNAME": true, "DNSKEY": true, "RRSIG": true, "NSEC3PARAM": true, "CDS": true, "CDNSKEY": true}

// patch applies a bulk request atomically, validating every RRset first
// (stage 1: syntax, TTL, uniqueness; stage 2: record contents).
func (f *fake) patch(w http.ResponseWriter, r *http.Request, name string, d *fakeDomain) {
	var in []struct {
		Subname *string   `json:"subname"`
		Type    string    `json:"type"`
		TTL     *uint32   `json:"ttl"`
		Records *[]string `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.reply(w, http.StatusBadRequest, map[string]string{"detail": "JSON parse error - " + err.Error()})
		return
	}
	errs := make([]map[string]any, len(in))
	failed := false
	seen := map[string]bool{}
	next := slices.Clone(d.sets)
	now := f.clock.Now().UTC().Format(time.RFC3339)
	for i, s := range in {
		errs[i] = map[string]any{}
		sub := ""
		if s.Subname != nil {
			sub = *s.Subname
		}
		key := sub + "/" + s.Type
		bad := func(field, msg string) {
			errs[i][field] = []string{msg}
			failed = true
		}
		switch {
		case s.Type == "" || s.Type != strings.ToUpper(s.Type):
			bad("type", "This field is required and must be uppercase.")
			continue
		case forbidden[s.Type]:
			bad("type", fmt.Sprintf("You cannot tinker with the %s RR set. It is managed automatically.", s.Type))
			continue
		case seen[key]:
			bad("non_field_errors", "Same subname and type as in another RRset of this request.")
			continue
		}
		seen[key] = true
		j := slices.IndexFunc(next, func(x fakeRRset) bool { return x.Subname == sub && x.Type == s.Type })
		if s.Records != nil && len(*s.Records) == 0 {
			if j >= 0 {
				next = slices.Delete(next, j, j+1)
			}
			continue
		}
		if s.TTL != nil && (*s.TTL < d.minTTL || *s.TTL > 604800) {
			bad("ttl", fmt.Sprintf("Ensure this value is greater than or equal to %d.", d.minTTL))
			continue
		}
		if j < 0 && (s.TTL == nil || s.Records == nil) {
			bad("non_field_errors", "ttl and records are required to create an RRset.")
			continue
		}
		owner := name + "."
		if sub != "" {
			owner = sub + "." + owner
		}
		if s.Records != nil {
			for _, rec := range *s.Records {
				if _, err := dns.NewRR(fmt.Sprintf("%s 3600 IN %s %s", owner, s.Type, rec)); err != nil {
					bad("records", fmt.Sprintf("Record content malformed: %s", rec))
				}
			}
		}
		if j >= 0 {
			if s.TTL != nil {
				next[j].TTL = *s.TTL
			}
			if s.Records != nil {
				next[j].Records = *s.Records
			}
			next[j].Touched = now
		} else {
			next = append(next, fakeRRset{Created: now, Domain: name, Subname: sub, Name: owner, Type: s.Type, TTL: *s.TTL, Records: *s.Records, Touched: now})
		}
	}
	if failed {
		f.reply(w, http.StatusBadRequest, errs)
		return
	}
	// Stage 2: a CNAME must be alone at its name.
	for _, s := range next {
		if s.Type != "CNAME" {
			continue
		}
		for _, o := range next {
			if o.Subname == s.Subname && o.Type != "CNAME" {
				f.reply(w, http.StatusBadRequest, map[string]string{"detail": fmt.Sprintf("RRset with conflicting type present: %s (%s). (No other RRsets are allowed alongside CNAME.)", s.Name, o.Type)})
				return
			}
		}
	}
	d.sets = next
	d.serial++
	f.reply(w, http.StatusOK, []any{})
}
