package digitalocean

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

	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud/cloudtest"
)

// fake is a local DigitalOcean API v2 serving the documented shapes
// (docs.digitalocean.com/reference/api, "Domain Records"):
//   - GET    /v2/domains/{domain}/records        List All Domain Records
//     (page, per_page; links.pages.next/last; meta.total)
//   - POST   /v2/domains/{domain}/records        Create a New Domain Record (201)
//   - PUT    /v2/domains/{domain}/records/{id}   Update a Domain Record
//   - DELETE /v2/domains/{domain}/records/{id}   Delete a Domain Record (204)
//
// Errors are {"id": ..., "message": ...}: 401 "unauthorized", 404
// "not_found", 422 "unprocessable_entity", and 429 "too_many_requests"
// with the RateLimit-Limit/-Remaining/-Reset headers and Retry-After.
type fake struct {
	t     testing.TB
	srv   *httptest.Server
	clock cloud.Clock
	token string

	mu       sync.Mutex
	domains  map[string][]fakeRecord
	nextID   int
	throttle int
	// failOn makes every request from the one whose number (1-based) it
	// names on fail with 500.
	failOn int
	// meter checks rate limits on the shared clock.
	meter    cloudtest.Meter
	requests int
	writes   int
}

type fakeRecord struct {
	ID       int    `json:"id"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Data     string `json:"data"`
	Priority *int   `json:"priority"`
	Port     *int   `json:"port"`
	TTL      int    `json:"ttl"`
	Weight   *int   `json:"weight"`
	Flags    *int   `json:"flags"`
	Tag      string `json:"tag,omitempty"`
}

func newFake(t testing.TB, clock cloud.Clock, token string) *fake {
	f := &fake{t: t, clock: clock, token: token, domains: map[string][]fakeRecord{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// addDomain creates a domain with DigitalOcean's SOA and apex NS records.
func (f *fake) addDomain(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.domains[name] = nil
	f.store(name, fakeRecord{Type: "SOA", Name: "@", Data: "1800", TTL: 1800})
	for _, ns := range []string{"ns1.digitalocean.com", "ns2.digitalocean.com", "ns3.digitalocean.com"} {
		f.store(name, fakeRecord{Type: "NS", Name: "@", Data: ns, TTL: 1800})
	}
}

func (f *fake) store(domain string, r fakeRecord) fakeRecord {
	f.nextID++
	r.ID = 1000 + f.nextID
	f.domains[domain] = append(f.domains[domain], r)
	return r
}

func (f *fake) snapshot(domain string) []fakeRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.domains[domain])
}

func (f *fake) reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if body != nil {
		json.NewEncoder(w).Encode(body)
	}
}

func (f *fake) fail(w http.ResponseWriter, status int, id, msg string) {
	f.reply(w, status, map[string]string{"id": id, "message": msg, "request_id": "fake-req"})
}

func (f *fake) count() {
	f.requests++
	f.meter.Count(f.clock.Now(), fmt.Sprintf("request %d", f.requests))
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count()
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		f.fail(w, http.StatusUnauthorized, "unauthorized", "Unable to authenticate you.")
		return
	}
	if f.throttle > 0 {
		f.throttle--
		w.Header().Set("RateLimit-Limit", "5000")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(f.clock.Now().Add(time.Minute).Unix(), 10))
		w.Header().Set("Retry-After", "2")
		f.fail(w, http.StatusTooManyRequests, "too_many_requests", "API Rate limit exceeded.")
		return
	}
	if f.failOn > 0 && f.requests >= f.failOn {
		f.fail(w, http.StatusInternalServerError, "server_error", "Server was unable to give you a response.")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 4 || parts[0] != "v2" || parts[1] != "domains" || parts[3] != "records" {
		f.fail(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	domain := parts[2]
	recs, ok := f.domains[domain]
	if !ok {
		f.fail(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	switch {
	case r.Method == "GET" && len(parts) == 4:
		f.list(w, r, domain, recs)
	case r.Method == "POST" && len(parts) == 4:
		f.writes++
		in, ok := f.decode(w, r)
		if !ok {
			return
		}
		f.reply(w, http.StatusCreated, map[string]any{"domain_record": f.store(domain, in)})
	case (r.Method == "PUT" || r.Method == "DELETE") && len(parts) == 5:
		f.writes++
		id, _ := strconv.Atoi(parts[4])
		i := slices.IndexFunc(recs, func(x fakeRecord) bool { return x.ID == id })
		if i < 0 {
			f.fail(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
			return
		}
		if r.Method == "DELETE" {
			f.domains[domain] = slices.Delete(recs, i, i+1)
			f.reply(w, http.StatusNoContent, nil)
			return
		}
		in, ok := f.decode(w, r)
		if !ok {
			return
		}
		in.ID = id
		recs[i] = in
		f.reply(w, http.StatusOK, map[string]any{"domain_record": in})
	default:
		f.fail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed")
	}
}

// decode reads and validates a record from a request body; on a bad one
// it answers the error and returns false.
func (f *fake) decode(w http.ResponseWriter, r *http.Request) (fakeRecord, bool) {
	var in fakeRecord
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.fail(w, http.StatusBadRequest, "bad_request", err.Error())
		return in, false
	}
	if msg := check(in); msg != "" {
		f.fail(w, http.StatusUnprocessableEntity, "unprocessable_entity", msg)
		return in, false
	}
	return in, true
}

// check validates a record as the API does (a subset).
func check(r fakeRecord) string {
	switch r.Type {
	case "A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT":
	default:
		return "Type is not valid"
	}
	if r.TTL < 30 {
		return "TTL must be at least 30 seconds"
	}
	if r.Name == "" || r.Data == "" {
		return "Name and data are required"
	}
	if r.Type == "CAA" && (r.Tag == "" || r.Flags == nil) {
		return "CAA records need flags and tag"
	}
	if (r.Type == "MX" || r.Type == "SRV") && r.Priority == nil {
		return "Priority is required"
	}
	return ""
}

func (f *fake) list(w http.ResponseWriter, r *http.Request, domain string, recs []fakeRecord) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if per < 1 {
		per = 20
	}
	if per > 200 {
		per = 200
	}
	start := min((page-1)*per, len(recs))
	end := min(start+per, len(recs))
	last := max(1, (len(recs)+per-1)/per)
	base := fmt.Sprintf("%s/v2/domains/%s/records?per_page=%d&page=", f.srv.URL, domain, per)
	pages := map[string]string{}
	if page > 1 {
		pages["first"] = base + "1"
		pages["prev"] = base + strconv.Itoa(page-1)
	}
	if page < last {
		pages["next"] = base + strconv.Itoa(page+1)
		pages["last"] = base + strconv.Itoa(last)
	}
	out := slices.Clone(recs[start:end])
	if out == nil {
		out = []fakeRecord{}
	}
	f.reply(w, http.StatusOK, map[string]any{
		"domain_records": out,
		"links":          map[string]any{"pages": pages},
		"meta":           map[string]int{"total": len(recs)},
	})
}
