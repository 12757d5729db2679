// Package digitalocean is the DigitalOcean DNS adapter, built on the
// official SDK (github.com/digitalocean/godo).
//
// Config:
//
//	providers:
//	  do:
//	    type: digitalocean
//	    token: ${DIGITALOCEAN_TOKEN}   # a scoped token: domain:read, domain:update
//	    rate_limit: 1.39               # requests per second (documented: 5,000/hour, 250/minute)
//	    endpoint: http://127.0.0.1:8080 # tests only: a fake API
//
// DigitalOcean specifics: records are individual objects with IDs, changed
// one request at a time (the API has no batch and no transaction), so a
// failed change leaves the ones before it applied (reported exactly, and
// the next run converges). The apex NS records (ns1-3.digitalocean.com)
// and the SOA are DigitalOcean's: neither read nor written. TXT data is one
// text without string boundaries: a TXT record of several strings cannot be
// stored as such (refused with an error naming the record; validate reports
// it first, see providers.Capabilities.SingleStringTXT), except a text over
// 255 octets, stored joined. Minimum TTL 30.
package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/httpapi"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Documented DigitalOcean limits.
const (
	// DefaultRateLimit keeps a token bucket under 5,000 requests per hour.
	DefaultRateLimit = 5000.0 / 3600
	// MinTTL is the smallest TTL the API accepts.
	MinTTL = 30
	// perPage is the listing page size (the API's maximum is 200).
	perPage = 200
)

// Windows are DigitalOcean's documented limits, enforced besides the token
// bucket: 250 requests per minute and 5,000 per hour.
var Windows = []cloud.Window{{N: 250, Per: time.Minute}, {N: 5000, Per: time.Hour}}

// supported lists the record types of the DigitalOcean API.
var supported = []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCAA, dns.TypeCNAME, dns.TypeMX, dns.TypeNS, dns.TypeSRV, dns.TypeTXT}

func init() {
	providers.Register(providers.Adapter("digitalocean",
		"DigitalOcean DNS (official godo SDK, API token)",
		func(s Settings, _ *zone.ProviderConfig) (*Provider, error) { return New(s) }))
}

// Settings are the digitalocean adapter's settings.
type Settings struct {
	// Token is a personal access token (scopes domain:read, domain:update).
	Token httpapi.Secret `yaml:"token" json:"token"`
	// RateLimit is the number of requests per second (default 5000/3600).
	RateLimit float64 `yaml:"rate_limit" json:"rate_limit,omitempty"`
	// Endpoint overrides the API root (a fake, in tests).
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
}

// String renders the settings with the token redacted.
func (s Settings) String() string {
	return fmt.Sprintf("digitalocean.Settings{Token:%s RateLimit:%g Endpoint:%q}", s.Token.GoString(), s.RateLimit, s.Endpoint)
}

// GoString is String, so %#v redacts too.
func (s Settings) GoString() string { return s.String() }

// Provider is the DigitalOcean adapter. It is safe for concurrent use.
type Provider struct {
	// LibdnsMethods are the libdns record methods, on ReadZone and
	// ApplyChanges.
	providers.LibdnsMethods

	client  *godo.Client
	limiter *cloud.Limiter
	token   string
	perPage int

	ids cloud.RecordIDs[int] // the records' IDs, as last read or written
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.ZoneReader = (*Provider)(nil)
	_ providers.Batcher    = (*Provider)(nil)
)

// bearer adds the token to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(req)
}

// New builds a DigitalOcean adapter.
func New(s Settings) (*Provider, error) {
	if s.Token == "" {
		return nil, errors.New("token is required")
	}
	if s.RateLimit < 0 {
		return nil, errors.New("rate_limit must not be negative")
	}
	if s.RateLimit == 0 {
		s.RateLimit = DefaultRateLimit
	}
	lim := cloud.NewLimiter(s.RateLimit, nil, Windows...)
	hc := &http.Client{
		Transport: &cloud.Transport{Limiter: lim, Base: bearer{token: s.Token.Value(), base: http.DefaultTransport}},
		// A redirect could carry the token elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	opts := []godo.ClientOpt{godo.SetUserAgent("dnsquorum")}
	if s.Endpoint != "" {
		opts = append(opts, godo.SetBaseURL(strings.TrimSuffix(s.Endpoint, "/")+"/"))
	}
	c, err := godo.New(hc, opts...)
	if err != nil {
		return nil, fmt.Errorf("endpoint: %v", err)
	}
	p := &Provider{client: c, limiter: lim, token: s.Token.Value(), perPage: perPage}
	p.Store = p
	return p, nil
}

// Capabilities: no apex NS, no atomic batches, minimum TTL 30, one text
// per TXT record.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{Types: supported, RateLimit: DefaultRateLimit, MinTTL: MinTTL, SingleStringTXT: true}
}

// wrap names the zone, marks 429 and 5xx transient (with Retry-After or
// the rate-limit reset time) and explains 401/403. godo's errors carry the
// URL, never the token; the token is scrubbed all the same.
func (p *Provider) wrap(origin, op string, resp *godo.Response, err error) error {
	if err == nil {
		return nil
	}
	msg := strings.ReplaceAll(err.Error(), p.token, "[redacted]")
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	var er *godo.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		status = er.Response.StatusCode
		msg = fmt.Sprintf("HTTP %d: %s", status, strings.ReplaceAll(er.Message, p.token, "[redacted]"))
	}
	e := fmt.Errorf("digitalocean: zone %s: %s: %s", origin, op, msg)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("%w (check the token and its domain scopes)", e)
	case status == http.StatusTooManyRequests || status >= 500:
		te := &providers.TransientError{Err: e}
		if resp != nil && resp.Response != nil {
			if d, ok := httpapi.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				te.RetryAfter = d
			} else if !resp.Rate.Reset.Time.IsZero() {
				// RateLimit-Reset: when the hourly allowance refills.
				te.RetryAfter = max(0, time.Until(resp.Rate.Reset.Time))
			}
		}
		return te
	case status == 0 && resp == nil:
		// No response at all: a network failure, worth a retry.
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return e
		}
		return &providers.TransientError{Err: e}
	}
	return e
}

// call runs one request, retrying transient failures.
func (p *Provider) call(ctx context.Context, origin, op string, f func() (*godo.Response, error)) error {
	return providers.Retry(ctx, func() error {
		resp, err := f()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return p.wrap(origin, op, resp, err)
	})
}

func domainName(origin string) string { return strings.TrimSuffix(origin, ".") }

// ReadZone returns the zone's records but the SOA and the apex NS set.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	origin = dns.CanonicalName(origin)
	var all []godo.DomainRecord
	for page := 1; ; page++ {
		var recs []godo.DomainRecord
		var resp *godo.Response
		err := p.call(ctx, origin, "list records", func() (*godo.Response, error) {
			var err error
			recs, resp, err = p.client.Domains.Records(ctx, domainName(origin), &godo.ListOptions{Page: page, PerPage: p.perPage})
			return resp, err
		})
		if err != nil {
			if resp != nil && resp.StatusCode == http.StatusNotFound {
				return nil, fmt.Errorf("digitalocean: zone %s: %w", origin, providers.ErrZoneNotFound)
			}
			return nil, err
		}
		all = append(all, recs...)
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() || len(recs) == 0 {
			break
		}
	}
	ids := cloud.IDTable[int]{}
	var out []dns.RR
	for _, r := range all {
		rr, err := fromRecord(r, origin)
		if err != nil {
			return nil, fmt.Errorf("digitalocean: zone %s: record %d: %v", origin, r.ID, err)
		}
		if rr == nil {
			continue
		}
		ids.Set(rr, r.ID)
		out = append(out, rr)
	}
	p.ids.Replace(origin, ids)
	return out, nil
}

// host makes a DigitalOcean target absolute: "@" is the zone, a name
// without a final dot is absolute as it stands.
func host(s, origin string) string {
	switch s {
	case "@":
		return origin
	case "", ".":
		return "."
	}
	return dns.Fqdn(s)
}

// quote renders raw text as one quoted character-string.
func quote(s string) string { return `"` + zone.EscapeText(s) + `"` }

// fromRecord converts an API record; nil for the SOA, the apex NS set and
// types this adapter does not manage.
func fromRecord(r godo.DomainRecord, origin string) (dns.RR, error) {
	t, ok := dns.StringToType[r.Type]
	if !ok || !slices.Contains(supported, t) {
		return nil, nil
	}
	name := origin
	if r.Name != "@" && r.Name != "" {
		name = r.Name + "." + origin
		if strings.HasSuffix(r.Name, ".") {
			name = r.Name
		}
	}
	if t == dns.TypeNS && dns.CanonicalName(name) == origin {
		return nil, nil
	}
	var data string
	switch t {
	case dns.TypeCNAME, dns.TypeNS:
		data = host(r.Data, origin)
	case dns.TypeMX:
		data = fmt.Sprintf("%d %s", r.Priority, host(r.Data, origin))
	case dns.TypeSRV:
		data = fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, host(r.Data, origin))
	case dns.TypeCAA:
		data = fmt.Sprintf("%d %s %s", r.Flags, r.Tag, quote(r.Data))
	case dns.TypeTXT:
		data = quote(r.Data)
	default:
		data = r.Data
	}
	return cloud.ParseRR(name, uint32(r.TTL), r.Type, data)
}

// toRequest converts a record to the API's edit request.
func toRequest(rr dns.RR, origin string) (*godo.DomainRecordEditRequest, error) {
	h := rr.Header()
	req := &godo.DomainRecordEditRequest{Type: dns.Type(h.Rrtype).String(), Name: zone.RelativeName(h.Name, origin), TTL: int(h.Ttl)}
	switch v := rr.(type) {
	case *dns.A:
		req.Data = v.A.String()
	case *dns.AAAA:
		req.Data = v.AAAA.String()
	case *dns.CNAME:
		req.Data = v.Target
	case *dns.NS:
		req.Data = v.Ns
	case *dns.MX:
		req.Data, req.Priority = v.Mx, int(v.Preference)
	case *dns.SRV:
		req.Data, req.Priority, req.Weight, req.Port = v.Target, int(v.Priority), int(v.Weight), int(v.Port)
	case *dns.CAA:
		req.Data, req.Flags, req.Tag = v.Value, int(v.Flag), v.Tag
	case *dns.TXT:
		if !providers.OneText(v.Txt) {
			return nil, fmt.Errorf("TXT %s has %d strings: DigitalOcean stores one text per record", h.Name, len(v.Txt))
		}
		req.Data = providers.ToLibdns(rr, origin).RR().Data
	default:
		return nil, fmt.Errorf("%s: type not supported by DigitalOcean", dns.Type(h.Rrtype))
	}
	return req, nil
}

// ApplyChanges applies the changes one record request at a time: deletes,
// edits (TTL changes of kept records), creates. DigitalOcean has no
// transactions: it returns the number of changes fully applied before a
// failure.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	origin = dns.CanonicalName(origin)
	domain := domainName(origin)
	// Check every change before sending anything.
	for _, c := range changes {
		if c.Key.Type == dns.TypeSOA || (c.Key.Type == dns.TypeNS && c.Key.Name == origin) {
			return 0, fmt.Errorf("digitalocean: zone %s: %s: the SOA and apex NS records are DigitalOcean's", origin, c)
		}
		if c.New != nil {
			for _, rr := range c.New.Records {
				if _, err := toRequest(rr, origin); err != nil {
					return 0, fmt.Errorf("digitalocean: zone %s: %s: %v", origin, c, err)
				}
			}
		}
	}
	ids, err := p.ids.For(ctx, origin, changes, p.readIDs)
	if err != nil {
		return 0, err
	}
	for i, c := range changes {
		have := ids[c.Key]
		for _, rr := range c.Removed() {
			id, ok := have[zone.Rdata(rr)]
			if !ok {
				continue // not there (deleted by an earlier, interrupted attempt)
			}
			if err := p.call(ctx, origin, "delete record", func() (*godo.Response, error) {
				return p.client.Domains.DeleteRecord(ctx, domain, id)
			}); err != nil && !isNotFound(err) {
				return i, err
			}
			p.ids.Drop(origin, c.Key, func(data string, _ int) bool { return data == zone.Rdata(rr) })
		}
		if c.Action == zone.Update && c.New.TTL != c.Old.TTL {
			for _, rr := range c.New.Records {
				id, ok := have[zone.Rdata(rr)]
				if !ok {
					continue
				}
				req, _ := toRequest(rr, origin)
				if err := p.call(ctx, origin, "edit record", func() (*godo.Response, error) {
					_, resp, err := p.client.Domains.EditRecord(ctx, domain, id, req)
					return resp, err
				}); err != nil {
					return i, err
				}
			}
		}
		for _, rr := range c.Added() {
			if _, ok := have[zone.Rdata(rr)]; ok {
				continue // already there (created by an earlier, interrupted attempt)
			}
			req, _ := toRequest(rr, origin)
			var created *godo.DomainRecord
			if err := p.call(ctx, origin, "create record", func() (*godo.Response, error) {
				var resp *godo.Response
				var err error
				created, resp, err = p.client.Domains.CreateRecord(ctx, domain, req)
				return resp, err
			}); err != nil {
				return i, err
			}
			p.ids.Set(origin, rr, created.ID)
		}
	}
	return len(changes), nil
}

func isNotFound(err error) bool {
	var er *godo.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// readIDs reads the zone for its record IDs.
func (p *Provider) readIDs(ctx context.Context, origin string) error {
	_, err := p.ReadZone(ctx, origin)
	return err
}
