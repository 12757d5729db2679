// Package cloudflare is the Cloudflare DNS adapter: a small client for the
// Cloudflare API v4 (zones, dns_records and the atomic dns_records/batch
// endpoint) on top of providers/httpapi.
//
// Config:
//
//	providers:
//	  cf:
//	    type: cloudflare
//	    api_token: ${CLOUDFLARE_API_TOKEN}  # Zone:Read + DNS:Edit on the zones
//	    proxied: [www, "@", shop.example.com.] # optional: owners whose A/AAAA/CNAME go through Cloudflare's proxy
//	    batch_size: 200                     # record operations per batch (Free plan 200, paid 3,500)
//	    rate_limit: 4                       # requests per second (documented: 1,200 per 5 minutes)
//	    endpoint: http://127.0.0.1:8080     # tests only: a fake API
//
// Why not the official SDK: github.com/cloudflare/cloudflare-go/v4 is not
// served by the module proxy, and v0 (the legacy API client, deprecated)
// predates the batch endpoint. The five endpoints used here fit in a few
// hundred lines on the shared HTTP client.
//
// Cloudflare specifics: the apex NS and SOA are Cloudflare's own and are
// neither read nor written; TTL 1 means "automatic" and reads back as 300
// (what Cloudflare serves), as do proxied records; the minimum TTL is 60;
// records are individual objects with IDs, so an RRset change becomes
// deletes, patches and posts inside one batch request, which Cloudflare
// executes in a single database transaction.
package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/httpapi"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Documented Cloudflare limits and defaults.
const (
	// DefaultEndpoint is the API v4 root.
	DefaultEndpoint = "https://api.cloudflare.com/client/v4"
	// DefaultRateLimit is 1,200 requests per five minutes, per second.
	DefaultRateLimit = 4
	// DefaultBatchSize is the batch endpoint's limit on the Free plan
	// (paid plans: 3,500).
	DefaultBatchSize = 200
	// MinTTL is the smallest TTL besides 1 (automatic); Enterprise zones
	// accept 30.
	MinTTL = 60
	// autoTTL is what TTL 1 (automatic) serves.
	autoTTL = 300
	// perPage is the listing page size.
	perPage = 1000
)

// supported lists the types this adapter reads and writes. Cloudflare also
// has CERT, DNSKEY, LOC, OPENPGPKEY and SMIMEA, left out here.
var supported = []uint16{
	dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeDS, dns.TypeHTTPS, dns.TypeMX,
	dns.TypeNAPTR, dns.TypeNS, dns.TypePTR, dns.TypeSRV, dns.TypeSSHFP, dns.TypeSVCB, dns.TypeTLSA,
	dns.TypeTXT, dns.TypeURI,
}

func init() {
	providers.Register(providers.Adapter("cloudflare",
		"Cloudflare DNS (API v4, API token; atomic batches)",
		func(s Settings, _ *zone.ProviderConfig) (*Provider, error) { return New(s) }))
}

// Settings are the cloudflare adapter's settings.
type Settings struct {
	// APIToken is an API token with Zone:Read and DNS:Edit on the zones.
	APIToken httpapi.Secret `yaml:"api_token" json:"api_token"`
	// Proxied lists owner names whose A, AAAA and CNAME records are created
	// proxied (orange cloud): relative names ("www", "@") apply in every
	// zone of this provider, absolute ones ("www.example.com.") in theirs.
	Proxied []string `yaml:"proxied" json:"proxied,omitempty"`
	// BatchSize bounds the record operations of one batch request (default
	// 200, the Free plan's limit).
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty"`
	// RateLimit is the number of requests per second (default 4).
	RateLimit float64 `yaml:"rate_limit" json:"rate_limit,omitempty"`
	// Endpoint overrides the API root (a fake, in tests).
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
}

// String renders the settings with the token redacted.
func (s Settings) String() string {
	return fmt.Sprintf("cloudflare.Settings{APIToken:%s Proxied:%q BatchSize:%d RateLimit:%g Endpoint:%q}",
		s.APIToken.GoString(), s.Proxied, s.BatchSize, s.RateLimit, s.Endpoint)
}

// GoString is String, so %#v redacts too.
func (s Settings) GoString() string { return s.String() }

// Provider is the Cloudflare adapter. It is safe for concurrent use.
type Provider struct {
	// LibdnsMethods are the libdns record methods, on ReadZone and
	// ApplyChanges.
	providers.LibdnsMethods

	api       *httpapi.Client
	limiter   *cloud.Limiter
	batchSize int
	proxied   []string
	// perPage is the listing page size (tests use small pages).
	perPage int

	mu      sync.Mutex
	zoneIDs map[string]string
	// ids are the records' Cloudflare IDs, as last read or written.
	ids cloud.RecordIDs[string]
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.ZoneReader = (*Provider)(nil)
	_ providers.Batcher    = (*Provider)(nil)
)

// New builds a Cloudflare adapter.
func New(s Settings) (*Provider, error) {
	if s.APIToken == "" {
		return nil, errors.New("api_token is required")
	}
	if s.RateLimit < 0 || s.BatchSize < 0 {
		return nil, errors.New("rate_limit and batch_size must not be negative")
	}
	if s.RateLimit == 0 {
		s.RateLimit = DefaultRateLimit
	}
	if s.BatchSize == 0 {
		s.BatchSize = DefaultBatchSize
	}
	if s.Endpoint == "" {
		s.Endpoint = DefaultEndpoint
	}
	for _, n := range s.Proxied {
		if _, err := zone.CanonicalName(n, "example.invalid."); err != nil {
			return nil, fmt.Errorf("proxied: %v", err)
		}
	}
	lim := cloud.NewLimiter(s.RateLimit, nil)
	api, err := httpapi.New(httpapi.Config{
		BaseURL:   s.Endpoint,
		Header:    map[string][]string{"Authorization": {"Bearer " + s.APIToken.Value()}},
		UserAgent: "dnsquorum",
	})
	if err != nil {
		return nil, fmt.Errorf("endpoint: %v", err)
	}
	p := &Provider{
		api: api, limiter: lim, batchSize: s.BatchSize, proxied: s.Proxied, perPage: perPage,
		zoneIDs: map[string]string{},
	}
	p.Store = p
	return p, nil
}

// Capabilities: apex NS not editable, atomic batches, minimum TTL 60.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{
		Types:           supported,
		AtomicBatch:     true,
		MaxBatchChanges: p.batchSize,
		RateLimit:       DefaultRateLimit,
		MinTTL:          MinTTL,
	}
}

// envelope is every API v4 response.
type envelope[T any] struct {
	Success    bool       `json:"success"`
	Errors     []apiError `json:"errors"`
	Result     T          `json:"result"`
	ResultInfo *struct {
		Page       int `json:"page"`
		PerPage    int `json:"per_page"`
		Count      int `json:"count"`
		TotalCount int `json:"total_count"`
		TotalPages int `json:"total_pages"`
	} `json:"result_info"`
}

type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// record is a DNS record object of the API.
type record struct {
	ID       string         `json:"id,omitempty"`
	Type     string         `json:"type,omitempty"`
	Name     string         `json:"name,omitempty"`
	Content  string         `json:"content,omitempty"`
	Data     map[string]any `json:"data,omitempty"`
	Priority *uint16        `json:"priority,omitempty"`
	TTL      uint32         `json:"ttl,omitempty"`
	Proxied  *bool          `json:"proxied,omitempty"`
}

// do sends one request and checks the envelope. Errors name the zone and
// never the token (httpapi scrubs it).
func (p *Provider) do(ctx context.Context, origin, method, path string, in, out any) error {
	err := providers.Retry(ctx, func() error {
		// Pace outside httpapi's per-request timeout: a wait is not a slow answer.
		if err := p.limiter.Wait(ctx); err != nil {
			return err
		}
		return p.api.Do(ctx, method, path, in, out)
	})
	if err == nil {
		return nil
	}
	switch httpapi.StatusOf(err) {
	case 401, 403:
		return fmt.Errorf("cloudflare: zone %s: %v (check api_token and its permissions: Zone:Read, DNS:Edit)", origin, err)
	}
	var te *providers.TransientError
	if errors.As(err, &te) {
		return &providers.TransientError{Err: fmt.Errorf("cloudflare: zone %s: %w", origin, te.Err), RetryAfter: te.RetryAfter}
	}
	return fmt.Errorf("cloudflare: zone %s: %w", origin, err)
}

func apiName(fqdn string) string { return strings.TrimSuffix(fqdn, ".") }

// zoneID looks the zone up by name.
func (p *Provider) zoneID(ctx context.Context, origin string) (string, error) {
	p.mu.Lock()
	id, ok := p.zoneIDs[origin]
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	var env envelope[[]struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}]
	if err := p.do(ctx, origin, "GET", "/zones?name="+url.QueryEscape(apiName(origin)), nil, &env); err != nil {
		return "", err
	}
	for _, z := range env.Result {
		if dns.CanonicalName(z.Name) == origin {
			p.mu.Lock()
			p.zoneIDs[origin] = z.ID
			p.mu.Unlock()
			return z.ID, nil
		}
	}
	return "", fmt.Errorf("cloudflare: zone %s: not in this account (or not visible to the token): %w", origin, providers.ErrZoneNotFound)
}

// list returns every record of the zone, page by page.
func (p *Provider) list(ctx context.Context, origin, id string) ([]record, error) {
	var all []record
	for page := 1; ; page++ {
		var env envelope[[]record]
		path := fmt.Sprintf("/zones/%s/dns_records?page=%d&per_page=%d", url.PathEscape(id), page, p.perPage)
		if err := p.do(ctx, origin, "GET", path, nil, &env); err != nil {
			return nil, err
		}
		all = append(all, env.Result...)
		if env.ResultInfo == nil || page >= env.ResultInfo.TotalPages || len(env.Result) == 0 {
			return all, nil
		}
	}
}

// ReadZone returns every record Cloudflare lets this tool manage: all of
// the zone but the SOA and the apex NS set.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	origin = dns.CanonicalName(origin)
	id, err := p.zoneID(ctx, origin)
	if err != nil {
		return nil, err
	}
	recs, err := p.list(ctx, origin, id)
	if err != nil {
		return nil, err
	}
	ids := cloud.IDTable[string]{}
	var out []dns.RR
	for _, r := range recs {
		rr, err := fromRecord(r)
		if err != nil {
			return nil, fmt.Errorf("cloudflare: zone %s: record %s: %v", origin, r.ID, err)
		}
		if rr == nil {
			continue
		}
		h := rr.Header()
		if h.Rrtype == dns.TypeNS && h.Name == origin {
			continue // the apex NS set is Cloudflare's
		}
		ids.Set(rr, r.ID)
		out = append(out, rr)
	}
	p.ids.Replace(origin, ids)
	return out, nil
}

// fromRecord converts an API record to a normalized record; nil for types
// this adapter does not manage.
func fromRecord(r record) (dns.RR, error) {
	t, ok := dns.StringToType[r.Type]
	if !ok || !slices.Contains(supported, t) {
		return nil, nil
	}
	name := dns.Fqdn(r.Name)
	ttl := r.TTL
	if ttl == 1 {
		ttl = autoTTL
	}
	data, err := rdata(t, r)
	if err != nil {
		return nil, err
	}
	return cloud.ParseRR(name, ttl, r.Type, data)
}

// host makes a target name from the API absolute.
func host(s string) string {
	if s == "" || s == "." {
		return "."
	}
	return dns.Fqdn(s)
}

// str returns data[k] as presentation text.
func str(data map[string]any, k string) string {
	switch v := data[k].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// quote renders raw text as one quoted character-string.
func quote(s string) string { return `"` + zone.EscapeText(s) + `"` }

// rdata renders an API record's data in presentation format.
func rdata(t uint16, r record) (string, error) {
	d := r.Data
	prio := func() string {
		if r.Priority != nil {
			return strconv.Itoa(int(*r.Priority))
		}
		return str(d, "priority")
	}
	switch t {
	case dns.TypeCNAME, dns.TypeNS, dns.TypePTR:
		return host(r.Content), nil
	case dns.TypeMX:
		return prio() + " " + host(r.Content), nil
	case dns.TypeTXT:
		c := strings.TrimSpace(r.Content)
		if strings.HasPrefix(c, `"`) {
			return c, nil
		}
		return quote(r.Content), nil
	case dns.TypeSRV:
		if d != nil {
			return fmt.Sprintf("%s %s %s %s", str(d, "priority"), str(d, "weight"), str(d, "port"), host(str(d, "target"))), nil
		}
	case dns.TypeCAA:
		if d != nil {
			return fmt.Sprintf("%s %s %s", str(d, "flags"), str(d, "tag"), quote(str(d, "value"))), nil
		}
	case dns.TypeURI:
		if d != nil {
			return fmt.Sprintf("%s %s %s", prio(), str(d, "weight"), quote(str(d, "target"))), nil
		}
	case dns.TypeTLSA:
		if d != nil {
			return fmt.Sprintf("%s %s %s %s", str(d, "usage"), str(d, "selector"), str(d, "matching_type"), str(d, "certificate")), nil
		}
	case dns.TypeSSHFP:
		if d != nil {
			return fmt.Sprintf("%s %s %s", str(d, "algorithm"), str(d, "type"), str(d, "fingerprint")), nil
		}
	case dns.TypeDS:
		if d != nil {
			return fmt.Sprintf("%s %s %s %s", str(d, "key_tag"), str(d, "algorithm"), str(d, "digest_type"), str(d, "digest")), nil
		}
	case dns.TypeHTTPS, dns.TypeSVCB:
		if d != nil {
			return strings.TrimSpace(fmt.Sprintf("%s %s %s", str(d, "priority"), host(str(d, "target")), str(d, "value"))), nil
		}
	case dns.TypeNAPTR:
		if d != nil {
			return fmt.Sprintf("%s %s %s %s %s %s", str(d, "order"), str(d, "preference"), quote(str(d, "flags")),
				quote(str(d, "service")), quote(str(d, "regex")), host(str(d, "replacement"))), nil
		}
	}
	return r.Content, nil
}

// toRecord converts a record to the API's shape: content for the simple
// types, priority for MX, the data object for the structured ones.
func (p *Provider) toRecord(rr dns.RR, origin string) record {
	h := rr.Header()
	r := record{Type: dns.Type(h.Rrtype).String(), Name: apiName(h.Name), TTL: h.Ttl}
	switch v := rr.(type) {
	case *dns.A, *dns.AAAA:
		r.Content = zone.Rdata(rr)
	case *dns.CNAME:
		r.Content = apiName(v.Target)
	case *dns.NS:
		r.Content = apiName(v.Ns)
	case *dns.PTR:
		r.Content = apiName(v.Ptr)
	case *dns.MX:
		r.Content, r.Priority = apiName(v.Mx), &v.Preference
	case *dns.TXT:
		r.Content = zone.Rdata(rr)
	case *dns.SRV:
		r.Data = map[string]any{"priority": v.Priority, "weight": v.Weight, "port": v.Port, "target": apiName(v.Target)}
	case *dns.CAA:
		r.Data = map[string]any{"flags": v.Flag, "tag": v.Tag, "value": v.Value}
	case *dns.URI:
		r.Priority = &v.Priority
		r.Data = map[string]any{"weight": v.Weight, "target": v.Target}
	case *dns.TLSA:
		r.Data = map[string]any{"usage": v.Usage, "selector": v.Selector, "matching_type": v.MatchingType, "certificate": v.Certificate}
	case *dns.SSHFP:
		r.Data = map[string]any{"algorithm": v.Algorithm, "type": v.Type, "fingerprint": v.FingerPrint}
	case *dns.DS:
		r.Data = map[string]any{"key_tag": v.KeyTag, "algorithm": v.Algorithm, "digest_type": v.DigestType, "digest": v.Digest}
	case *dns.HTTPS:
		r.Data = svcbData(&v.SVCB)
	case *dns.SVCB:
		r.Data = svcbData(v)
	case *dns.NAPTR:
		r.Data = map[string]any{"order": v.Order, "preference": v.Preference, "flags": v.Flags, "service": v.Service, "regex": v.Regexp, "replacement": v.Replacement}
	default:
		r.Content = zone.Rdata(rr)
	}
	if h.Rrtype == dns.TypeA || h.Rrtype == dns.TypeAAAA || h.Rrtype == dns.TypeCNAME {
		px := p.isProxied(h.Name, origin)
		r.Proxied = &px
	}
	return r
}

func svcbData(v *dns.SVCB) map[string]any {
	var kv []string
	for _, e := range v.Value {
		kv = append(kv, e.Key().String()+"="+strconv.Quote(e.String()))
	}
	return map[string]any{"priority": v.Priority, "target": v.Target, "value": strings.Join(kv, " ")}
}

// isProxied reports whether the proxied setting names owner.
func (p *Provider) isProxied(owner, origin string) bool {
	for _, n := range p.proxied {
		if c, err := zone.CanonicalName(n, origin); err == nil && c == owner {
			return true
		}
	}
	return false
}

// batch is one POST /zones/{id}/dns_records/batch body.
type batch struct {
	Deletes []record `json:"deletes,omitempty"`
	Patches []record `json:"patches,omitempty"`
	Posts   []record `json:"posts,omitempty"`
	// planned counts the plan changes it carries; keys their keys.
	planned int
	keys    []zone.Key
}

func (b *batch) ops() int { return len(b.Deletes) + len(b.Patches) + len(b.Posts) }

// ApplyChanges turns RRset changes into record operations and sends them in
// atomic batch requests of at most batch_size operations (a change is never
// split across two requests). It returns the number of changes in requests
// that succeeded.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	origin = dns.CanonicalName(origin)
	id, err := p.zoneID(ctx, origin)
	if err != nil {
		return 0, err
	}
	ids, err := p.ids.For(ctx, origin, changes, p.readIDs)
	if err != nil {
		return 0, err
	}
	var batches []*batch
	cur := &batch{}
	for _, c := range changes {
		if c.Key.Type == dns.TypeSOA || (c.Key.Type == dns.TypeNS && c.Key.Name == origin) {
			return 0, fmt.Errorf("cloudflare: zone %s: %s: the SOA and apex NS records are Cloudflare's", origin, c)
		}
		if !slices.Contains(supported, c.Key.Type) {
			return 0, fmt.Errorf("cloudflare: zone %s: %s: type not supported by this adapter", origin, c)
		}
		var b batch
		have := ids[c.Key]
		oldTTL := uint32(0)
		if c.Old != nil {
			oldTTL = c.Old.TTL
		}
		for _, rr := range c.Removed() {
			rid, ok := have[zone.Rdata(rr)]
			if !ok {
				return 0, fmt.Errorf("cloudflare: zone %s: %s: no record ID for %q: the zone changed since it was read", origin, c, zone.Rdata(rr))
			}
			b.Deletes = append(b.Deletes, record{ID: rid})
		}
		if c.Action == zone.Update && c.New.TTL != oldTTL {
			for _, rr := range c.New.Records {
				rid, ok := have[zone.Rdata(rr)]
				if !ok {
					continue // added below, with the new TTL
				}
				r := p.toRecord(rr, origin)
				r.ID = rid
				b.Patches = append(b.Patches, r)
			}
		}
		for _, rr := range c.Added() {
			b.Posts = append(b.Posts, p.toRecord(rr, origin))
		}
		if cur.planned > 0 && cur.ops()+b.ops() > p.batchSize {
			batches = append(batches, cur)
			cur = &batch{}
		}
		cur.Deletes = append(cur.Deletes, b.Deletes...)
		cur.Patches = append(cur.Patches, b.Patches...)
		cur.Posts = append(cur.Posts, b.Posts...)
		cur.planned++
		cur.keys = append(cur.keys, c.Key)
	}
	if cur.planned > 0 {
		batches = append(batches, cur)
	}
	applied := 0
	for _, b := range batches {
		var env envelope[struct {
			Posts   []record `json:"posts"`
			Patches []record `json:"patches"`
		}]
		if err := p.do(ctx, origin, "POST", "/zones/"+url.PathEscape(id)+"/dns_records/batch", b, &env); err != nil {
			return applied, err
		}
		p.remember(origin, b, env.Result.Posts)
		applied += b.planned
	}
	return applied, nil
}

// readIDs reads the zone for its record IDs.
func (p *Provider) readIDs(ctx context.Context, origin string) error {
	_, err := p.ReadZone(ctx, origin)
	return err
}

// remember updates the ID cache after a successful batch: deleted IDs go,
// created records come in.
func (p *Provider) remember(origin string, b *batch, posted []record) {
	gone := map[string]bool{}
	for _, d := range b.Deletes {
		gone[d.ID] = true
	}
	for _, k := range b.keys {
		p.ids.Drop(origin, k, func(_, id string) bool { return gone[id] })
	}
	for _, r := range posted {
		rr, err := fromRecord(r)
		if err != nil || rr == nil {
			continue
		}
		p.ids.Set(origin, rr, r.ID)
	}
}
