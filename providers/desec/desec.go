// Package desec is the deSEC adapter (desec.io, a non-profit DNSSEC
// hosting service): a small client for its REST API on top of
// providers/httpapi. deSEC has no official Go SDK.
//
// Config:
//
//	providers:
//	  desec:
//	    type: desec
//	    token: ${DESEC_TOKEN}          # a token scoped to the domains (see docs/providers.md)
//	    minimum_ttl: 3600              # the domain's minimum TTL (deSEC's default 3600)
//	    batch_size: 1000               # RRsets per bulk request
//	    rate_limit: 2                  # RRset writes per second (documented: 2/s, 15/min, 100/h, 300/day per domain)
//	    endpoint: http://127.0.0.1:8080 # tests only: a fake API
//
// deSEC's API is RRset-based: the whole plan goes in bulk PATCH requests to
// /domains/{name}/rrsets/, which deSEC applies atomically (an RRset with no
// records is a deletion). Reads page with the cursor parameter and the Link
// header. The apex NS set is editable; the SOA and the DNSSEC records are
// deSEC's and are neither read nor written.
package desec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/httpapi"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Documented deSEC limits and defaults.
const (
	// DefaultEndpoint is the API root.
	DefaultEndpoint = "https://desec.io/api/v1"
	// DefaultRateLimit is dns_api_per_domain_expensive's per-second rate.
	DefaultRateLimit = 2
	// DefaultMinimumTTL is a new domain's minimum TTL.
	DefaultMinimumTTL = 3600
	// DefaultBatchSize is the number of RRsets per bulk request.
	DefaultBatchSize = 1000
	// readRate is dns_api_cheap's per-second rate.
	readRate = 10
)

// Documented rate limits besides the per-second buckets (sliding windows).
var (
	// ReadWindows: dns_api_cheap.
	ReadWindows = []cloud.Window{{N: 50, Per: time.Minute}}
	// WriteWindows: dns_api_per_domain_expensive.
	WriteWindows = []cloud.Window{{N: 15, Per: time.Minute}, {N: 100, Per: time.Hour}, {N: 300, Per: 24 * time.Hour}}
	// AccountWindows: user, any request.
	AccountWindows = []cloud.Window{{N: 2000, Per: 24 * time.Hour}}
)

// supported lists the types deSEC serves through its API: PowerDNS's,
// less ALIAS and DNAME (disabled), SOA and the DNSSEC types (managed by
// deSEC).
var supported = []uint16{
	dns.TypeA, dns.TypeAAAA, dns.TypeAFSDB, dns.TypeAPL, dns.TypeCAA, dns.TypeCERT, dns.TypeCNAME,
	dns.TypeDHCID, dns.TypeDS, dns.TypeEUI48, dns.TypeEUI64, dns.TypeHINFO, dns.TypeHTTPS, dns.TypeKX,
	dns.TypeL32, dns.TypeL64, dns.TypeLOC, dns.TypeLP, dns.TypeMX, dns.TypeNAPTR, dns.TypeNID, dns.TypeNS,
	dns.TypeOPENPGPKEY, dns.TypePTR, dns.TypeRP, dns.TypeSMIMEA, dns.TypeSPF, dns.TypeSRV, dns.TypeSSHFP,
	dns.TypeSVCB, dns.TypeTLSA, dns.TypeTXT, dns.TypeURI,
}

func init() {
	providers.Register(providers.Adapter("desec",
		"deSEC (desec.io REST API, token; atomic bulk RRset changes)",
		func(s Settings, _ *zone.ProviderConfig) (*Provider, error) { return New(s) }))
}

// Settings are the desec adapter's settings.
type Settings struct {
	// Token is a deSEC API token.
	Token httpapi.Secret `yaml:"token" json:"token"`
	// MinimumTTL is the domains' minimum TTL (default 3600, deSEC's).
	MinimumTTL uint32 `yaml:"minimum_ttl" json:"minimum_ttl,omitempty"`
	// BatchSize bounds the RRsets of one bulk request (default 1000).
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty"`
	// RateLimit is the number of write requests per second (default 2).
	RateLimit float64 `yaml:"rate_limit" json:"rate_limit,omitempty"`
	// Endpoint overrides the API root (a fake, in tests).
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
}

// String renders the settings with the token redacted.
func (s Settings) String() string {
	return fmt.Sprintf("desec.Settings{Token:%s MinimumTTL:%d BatchSize:%d RateLimit:%g Endpoint:%q}",
		s.Token.GoString(), s.MinimumTTL, s.BatchSize, s.RateLimit, s.Endpoint)
}

// GoString is String, so %#v redacts too.
func (s Settings) GoString() string { return s.String() }

// Provider is the deSEC adapter. It is safe for concurrent use.
type Provider struct {
	// LibdnsMethods are the libdns record methods, on ReadZone and
	// ApplyChanges.
	providers.LibdnsMethods

	api       *httpapi.Client
	pacer     *pacer
	minTTL    uint32
	batchSize int
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.ZoneReader = (*Provider)(nil)
	_ providers.Batcher    = (*Provider)(nil)
)

// pacer holds the read (GET), write and account limiters; as the
// transport, it hands the Link header back to the caller (httpapi returns
// bodies only).
type pacer struct {
	reads, writes, account *cloud.Limiter
	base                   http.RoundTripper
}

type linkKey struct{}

// wait blocks until a request with method is allowed by its class's
// limiter and the account's.
func (p *pacer) wait(ctx context.Context, method string) error {
	lim := p.writes
	if method == http.MethodGet {
		lim = p.reads
	}
	for _, l := range []*cloud.Limiter{lim, p.account} {
		if err := l.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// RoundTrip sends req and stores the response's Link header where the
// request's context asks for it.
func (p *pacer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.base.RoundTrip(req)
	if err == nil {
		if link, ok := req.Context().Value(linkKey{}).(*string); ok {
			*link = resp.Header.Get("Link")
		}
	}
	return resp, err
}

// setClock moves every limiter to clock (tests).
func (p *pacer) setClock(c cloud.Clock) {
	for _, l := range []*cloud.Limiter{p.reads, p.writes, p.account} {
		l.SetClock(c)
	}
}

// New builds a deSEC adapter.
func New(s Settings) (*Provider, error) {
	if s.Token == "" {
		return nil, errors.New("token is required")
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
	if s.MinimumTTL == 0 {
		s.MinimumTTL = DefaultMinimumTTL
	}
	if s.Endpoint == "" {
		s.Endpoint = DefaultEndpoint
	}
	pc := &pacer{
		reads:   cloud.NewLimiter(readRate, nil, ReadWindows...),
		writes:  cloud.NewLimiter(s.RateLimit, nil, WriteWindows...),
		account: cloud.NewLimiter(0, nil, AccountWindows...),
		base:    http.DefaultTransport,
	}
	api, err := httpapi.New(httpapi.Config{
		BaseURL:   s.Endpoint,
		Header:    map[string][]string{"Authorization": {"Token " + s.Token.Value()}},
		Transport: pc,
		UserAgent: "dnsquorum",
		ErrorText: errorText,
	})
	if err != nil {
		return nil, fmt.Errorf("endpoint: %v", err)
	}
	p := &Provider{api: api, pacer: pc, minTTL: s.MinimumTTL, batchSize: s.BatchSize}
	p.Store = p
	return p, nil
}

// Capabilities: apex NS editable, atomic bulk requests, the domain's
// minimum TTL.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{
		Types:           supported,
		ApexNS:          true,
		AtomicBatch:     true,
		MaxBatchChanges: p.batchSize,
		RateLimit:       DefaultRateLimit,
		MinTTL:          p.minTTL,
	}
}

// errorText renders deSEC's error bodies: {"detail": ...}, a field map
// ({"ttl": ["..."]}), or, for bulk requests, a list of those, one per
// RRset ({} for the ones without errors).
func errorText(body []byte) string {
	var list []json.RawMessage
	if json.Unmarshal(body, &list) == nil {
		var parts []string
		for i, item := range list {
			if s := errorText(item); s != "" && s != "{}" {
				parts = append(parts, fmt.Sprintf("RRset %d: %s", i+1, s))
			}
		}
		return strings.Join(parts, "; ")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		if len(obj) == 0 {
			return ""
		}
		var keys []string
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var parts []string
		for _, k := range keys {
			var s string
			if json.Unmarshal(obj[k], &s) == nil {
				parts = append(parts, s)
				if k != "detail" {
					parts[len(parts)-1] = k + ": " + s
				}
				continue
			}
			var ss []string
			if json.Unmarshal(obj[k], &ss) == nil {
				parts = append(parts, k+": "+strings.Join(ss, " "))
				continue
			}
			parts = append(parts, k+": "+errorText(obj[k]))
		}
		return strings.Join(parts, "; ")
	}
	return httpapi.DefaultErrorText(body)
}

// do sends one request, retrying transient failures; errors name the zone
// and never the token.
func (p *Provider) do(ctx context.Context, origin, method, path string, in, out any) error {
	err := providers.Retry(ctx, func() error {
		// Pace outside httpapi's per-request timeout: a wait is not a slow answer.
		if err := p.pacer.wait(ctx, method); err != nil {
			return err
		}
		return p.api.Do(ctx, method, path, in, out)
	})
	if err == nil {
		return nil
	}
	switch httpapi.StatusOf(err) {
	case 401, 403:
		return fmt.Errorf("desec: zone %s: %v (check the token and its scope)", origin, err)
	case 404:
		return fmt.Errorf("desec: zone %s: %v: %w", origin, err, providers.ErrZoneNotFound)
	}
	var te *providers.TransientError
	if errors.As(err, &te) {
		return &providers.TransientError{Err: fmt.Errorf("desec: zone %s: %w", origin, te.Err), RetryAfter: te.RetryAfter}
	}
	return fmt.Errorf("desec: zone %s: %w", origin, err)
}

// rrset is deSEC's RRset object.
type rrset struct {
	Subname string   `json:"subname"`
	Type    string   `json:"type"`
	TTL     uint32   `json:"ttl,omitempty"`
	Records []string `json:"records"`
}

func domainPath(origin string) string {
	return "/domains/" + url.PathEscape(strings.TrimSuffix(origin, ".")) + "/rrsets/"
}

var nextLink = regexp.MustCompile(`<([^>]*)>\s*;\s*rel="next"`)

// ReadZone returns every RRset deSEC shows (all but SOA and DNSSEC), page
// by page with the cursor parameter.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	origin = dns.CanonicalName(origin)
	cursor := ""
	var out []dns.RR
	for {
		var link string
		var page []rrset
		lctx := context.WithValue(ctx, linkKey{}, &link)
		if err := p.do(lctx, origin, "GET", domainPath(origin)+"?cursor="+url.QueryEscape(cursor), nil, &page); err != nil {
			return nil, err
		}
		for _, s := range page {
			name := origin
			if s.Subname != "" {
				name = s.Subname + "." + origin
			}
			for _, data := range s.Records {
				rr, err := cloud.ParseRR(name, s.TTL, s.Type, data)
				if err != nil {
					return nil, fmt.Errorf("desec: zone %s: %v", origin, err)
				}
				out = append(out, rr)
			}
		}
		m := nextLink.FindStringSubmatch(link)
		if m == nil {
			return out, nil
		}
		u, err := url.Parse(m[1])
		if err != nil {
			return nil, fmt.Errorf("desec: zone %s: bad Link header", origin)
		}
		next := u.Query().Get("cursor")
		if next == "" || next == cursor {
			return nil, fmt.Errorf("desec: zone %s: pagination does not advance", origin)
		}
		cursor = next
	}
}

// toRRset converts an RRset (nil: deletion of key) to deSEC's object.
func toRRset(k zone.Key, s *zone.RRset, origin string) rrset {
	sub := ""
	if k.Name != origin {
		sub = strings.TrimSuffix(k.Name, "."+origin)
	}
	out := rrset{Subname: sub, Type: dns.Type(k.Type).String(), Records: []string{}}
	if s != nil {
		out.TTL = s.TTL
		out.Records = s.Rdata()
	}
	return out
}

// ApplyChanges sends the changes as bulk PATCH requests of at most
// batch_size RRsets, each applied atomically by deSEC. It returns the
// number of changes in requests that succeeded.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	origin = dns.CanonicalName(origin)
	var body []rrset
	for _, c := range changes {
		if !slices.Contains(supported, c.Key.Type) {
			return 0, fmt.Errorf("desec: zone %s: %s: type not served by deSEC", origin, c)
		}
		if !zone.InZone(c.Key.Name, origin) {
			return 0, fmt.Errorf("desec: zone %s: %s: name outside the zone", origin, c)
		}
		body = append(body, toRRset(c.Key, c.New, origin))
	}
	applied := 0
	for start := 0; start < len(body); start += p.batchSize {
		end := min(start+p.batchSize, len(body))
		if err := p.do(ctx, origin, "PATCH", domainPath(origin), body[start:end], nil); err != nil {
			return applied, err
		}
		applied = end
	}
	return applied, nil
}
