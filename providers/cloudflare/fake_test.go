package cloudflare

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

	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud/cloudtest"
)

// fake is a local Cloudflare API v4 serving the documented shapes
// (developers.cloudflare.com/api, "DNS Records for a Zone" and "Zones"):
//   - GET  /zones?name=                      List Zones (by name)
//   - GET  /zones/{id}/dns_records           List DNS Records (page, per_page, result_info)
//   - POST /zones/{id}/dns_records/batch     Batch DNS Records: deletes, patches,
//     puts, posts, executed in that order in one transaction; all or nothing
//
// Every answer is the {success, errors, messages, result} envelope. Auth is
// "Authorization: Bearer <token>"; a wrong token gets 403 with error code
// 10000. throttle makes the next requests fail with 429 and Retry-After.
type fake struct {
	t     testing.TB
	srv   *httptest.Server
	clock cloud.Clock
	token string

	mu       sync.Mutex
	zones    map[string]string // id -> name (no trailing dot)
	records  map[string][]fakeRecord
	nextID   int
	throttle int
	// maxOps is the batch endpoint's operation limit (200: Free plan).
	maxOps int
	// meter checks rate limits on the shared clock.
	meter    cloudtest.Meter
	requests int
	batches  int
}

type fakeRecord struct {
	ID       string         `json:"id"`
	ZoneID   string         `json:"zone_id"`
	Type     string         `json:"type"`
	Name     string         `json:"name"`
	Content  string         `json:"content,omitempty"`
	Data     map[string]any `json:"data,omitempty"`
	Priority *int           `json:"priority,omitempty"`
	TTL      int            `json:"ttl"`
	Proxied  bool           `json:"proxied"`
}

func newFake(t testing.TB, clock cloud.Clock, token string) *fake {
	f := &fake{t: t, clock: clock, token: token, zones: map[string]string{}, records: map[string][]fakeRecord{}, maxOps: 200}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) addZone(id, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.zones[id] = strings.TrimSuffix(name, ".")
	f.records[id] = nil
}

// add stores a record directly (test setup).
func (f *fake) add(zoneID string, r fakeRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	r.ID = fmt.Sprintf("rec%06d", f.nextID)
	r.ZoneID = zoneID
	f.records[zoneID] = append(f.records[zoneID], r)
}

func (f *fake) snapshot(zoneID string) []fakeRecord {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.records[zoneID])
}

type envErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (f *fake) reply(w http.ResponseWriter, status int, result any, info any, errs ...envErr) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"success": status < 300, "errors": errs, "messages": []any{}, "result": result}
	if errs == nil {
		body["errors"] = []any{}
	}
	if info != nil {
		body["result_info"] = info
	}
	json.NewEncoder(w).Encode(body)
}

// count records a request on the clock and checks every window.
func (f *fake) count() {
	f.requests++
	f.meter.Count(f.clock.Now(), fmt.Sprintf("request %d", f.requests))
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count()
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		f.reply(w, http.StatusForbidden, nil, nil, envErr{10000, "Authentication error"})
		return
	}
	if f.throttle > 0 {
		f.throttle--
		w.Header().Set("Retry-After", "1")
		f.reply(w, http.StatusTooManyRequests, nil, nil, envErr{971, "Please wait and consider throttling your request speed"})
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == "GET" && len(parts) == 1 && parts[0] == "zones":
		f.listZones(w, r.URL.Query().Get("name"))
	case len(parts) >= 3 && parts[0] == "zones" && parts[2] == "dns_records":
		id := parts[1]
		if _, ok := f.zones[id]; !ok {
			f.reply(w, http.StatusNotFound, nil, nil, envErr{7003, "Could not route to /zones/" + id + ", perhaps your object identifier is invalid?"})
			return
		}
		switch {
		case r.Method == "GET" && len(parts) == 3:
			f.listRecords(w, id, r.URL.Query())
		case r.Method == "POST" && len(parts) == 4 && parts[3] == "batch":
			f.batch(w, r, id)
		default:
			f.reply(w, http.StatusMethodNotAllowed, nil, nil, envErr{10405, "method not allowed"})
		}
	default:
		f.reply(w, http.StatusNotFound, nil, nil, envErr{7000, "No route for that URI"})
	}
}

func (f *fake) listZones(w http.ResponseWriter, name string) {
	var out []map[string]any
	for id, n := range f.zones {
		if name == "" || n == name {
			out = append(out, map[string]any{"id": id, "name": n, "status": "active"})
		}
	}
	f.reply(w, http.StatusOK, out, map[string]int{"page": 1, "per_page": 20, "count": len(out), "total_count": len(out), "total_pages": 1})
}

func (f *fake) listRecords(w http.ResponseWriter, id string, q map[string][]string) {
	get := func(k string, def int) int {
		if v, ok := q[k]; ok {
			if n, err := strconv.Atoi(v[0]); err == nil {
				return n
			}
		}
		return def
	}
	page, per := get("page", 1), get("per_page", 100)
	if per < 5 || per > 5000000 {
		f.reply(w, http.StatusBadRequest, nil, nil, envErr{1004, "per_page must be between 5 and 5000000"})
		return
	}
	recs := f.records[id]
	total := len(recs)
	pages := (total + per - 1) / per
	start := min((page-1)*per, total)
	end := min(start+per, total)
	result := slices.Clone(recs[start:end])
	if result == nil {
		result = []fakeRecord{}
	}
	f.reply(w, http.StatusOK, result, map[string]int{"page": page, "per_page": per, "count": len(result), "total_count": total, "total_pages": pages})
}

type batchReq struct {
	Deletes []struct {
		ID string `json:"id"`
	} `json:"deletes"`
	Patches []fakeRecord `json:"patches"`
	Puts    []fakeRecord `json:"puts"`
	Posts   []fakeRecord `json:"posts"`
}

var dataTypes = map[string][]string{
	"SRV":   {"priority", "weight", "port", "target"},
	"CAA":   {"flags", "tag", "value"},
	"URI":   {"weight", "target"},
	"TLSA":  {"usage", "selector", "matching_type", "certificate"},
	"SSHFP": {"algorithm", "type", "fingerprint"},
	"DS":    {"key_tag", "algorithm", "digest_type", "digest"},
	"HTTPS": {"priority", "target", "value"},
	"SVCB":  {"priority", "target", "value"},
	"NAPTR": {"order", "preference", "flags", "service", "regex", "replacement"},
}

var contentTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "NS": true, "PTR": true, "MX": true, "TXT": true}

// check validates one record as the API does (a subset: type, name, TTL,
// the fields each type needs, proxiable types).
func (f *fake) check(zoneName string, r fakeRecord) string {
	if r.Name != zoneName && !strings.HasSuffix(r.Name, "."+zoneName) {
		return fmt.Sprintf("DNS record name %q is not in zone %s", r.Name, zoneName)
	}
	if r.TTL != 1 && (r.TTL < 60 || r.TTL > 86400) {
		return "TTL must be between 60 and 86400 seconds, or 1 for Automatic"
	}
	if fields, ok := dataTypes[r.Type]; ok {
		for _, k := range fields {
			if _, ok := r.Data[k]; !ok {
				return fmt.Sprintf("%s record: data.%s is required", r.Type, k)
			}
		}
	} else if !contentTypes[r.Type] {
		return "Invalid or unsupported record type " + r.Type
	} else if r.Content == "" {
		return "content is required"
	}
	if r.Type == "MX" && r.Priority == nil {
		return "MX record: priority is required"
	}
	if r.Proxied && r.Type != "A" && r.Type != "AAAA" && r.Type != "CNAME" {
		return r.Type + " records cannot be proxied"
	}
	if strings.HasSuffix(r.Content, ".") && r.Type != "TXT" {
		return "content must not end with a dot"
	}
	return ""
}

func same(a, b fakeRecord) bool {
	if a.Type != b.Type || a.Name != b.Name || a.Content != b.Content {
		return false
	}
	if (a.Priority == nil) != (b.Priority == nil) || (a.Priority != nil && *a.Priority != *b.Priority) {
		return false
	}
	ad, _ := json.Marshal(a.Data)
	bd, _ := json.Marshal(b.Data)
	return string(ad) == string(bd)
}

// batch applies deletes, patches, puts and posts, in that order, to a copy,
// and commits only when every operation succeeded.
func (f *fake) batch(w http.ResponseWriter, r *http.Request, id string) {
	f.batches++
	var req batchReq
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.reply(w, http.StatusBadRequest, nil, nil, envErr{9207, "Request body is invalid: " + err.Error()})
		return
	}
	if n := len(req.Deletes) + len(req.Patches) + len(req.Puts) + len(req.Posts); n > f.maxOps {
		f.reply(w, http.StatusBadRequest, nil, nil, envErr{81067, fmt.Sprintf("Batch of %d operations exceeds the plan's limit of %d", n, f.maxOps)})
		return
	}
	zname := f.zones[id]
	next := slices.Clone(f.records[id])
	find := func(rid string) int { return slices.IndexFunc(next, func(x fakeRecord) bool { return x.ID == rid }) }
	var errs []envErr
	for _, d := range req.Deletes {
		i := find(d.ID)
		if i < 0 {
			errs = append(errs, envErr{81044, "Record " + d.ID + " does not exist."})
			continue
		}
		next = slices.Delete(next, i, i+1)
	}
	var patched, posted []fakeRecord
	for _, p := range req.Patches {
		i := find(p.ID)
		if i < 0 {
			errs = append(errs, envErr{81044, "Record " + p.ID + " does not exist."})
			continue
		}
		cur := next[i]
		if p.TTL != 0 {
			cur.TTL = p.TTL
		}
		if p.Content != "" {
			cur.Content = p.Content
		}
		if p.Data != nil {
			cur.Data = p.Data
		}
		if p.Priority != nil {
			cur.Priority = p.Priority
		}
		cur.Proxied = p.Proxied
		if msg := f.check(zname, cur); msg != "" {
			errs = append(errs, envErr{9000, msg})
			continue
		}
		next[i] = cur
		patched = append(patched, cur)
	}
	if len(req.Puts) > 0 {
		errs = append(errs, envErr{9000, "puts: not used by this client"})
	}
	for _, p := range req.Posts {
		if msg := f.check(zname, p); msg != "" {
			errs = append(errs, envErr{9000, msg})
			continue
		}
		if slices.ContainsFunc(next, func(x fakeRecord) bool { return same(x, p) }) {
			errs = append(errs, envErr{81058, "An identical record already exists."})
			continue
		}
		f.nextID++
		p.ID = fmt.Sprintf("rec%06d", f.nextID)
		p.ZoneID = id
		next = append(next, p)
		posted = append(posted, p)
	}
	if len(errs) > 0 {
		f.reply(w, http.StatusBadRequest, nil, nil, errs...)
		return
	}
	f.records[id] = next
	f.reply(w, http.StatusOK, map[string]any{"deletes": req.Deletes, "patches": patched, "puts": []any{}, "posts": posted}, nil)
}

// apexNS adds the apex NS records Cloudflare assigns (read-only here).
func (f *fake) apexNS(id string) {
	name := f.zones[id]
	f.add(id, fakeRecord{Type: "NS", Name: name, Content: "ada.ns.cloudflare.com", TTL: 86400})
	f.add(id, fakeRecord{Type: "NS", Name: name, Content: "bob.ns.cloudflare.com", TTL: 86400})
}
