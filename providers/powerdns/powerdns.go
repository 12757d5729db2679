// Package powerdns is the provider adapter for the PowerDNS Authoritative
// Server's HTTP API (v1, authenticated with X-API-Key).
//
// It reads a zone with one GET, applies a batch of RRset changes with one
// PATCH (REPLACE with every record of the set, or DELETE), which PowerDNS
// runs in one backend transaction, and creates missing zones with a POST
// (kind Native, SOA-EDIT-API INCREASE, so every change bumps the serial).
// It never sends the SOA: the server owns it, and deleting it through the API
// leaves PowerDNS answering REFUSED for the whole zone. Disabled records are
// not served, so they are not read either; a REPLACE of their RRset drops
// them. Record comments are neither read nor written.
//
// PowerDNS accepts record content only in its own presentation format
// ("Not in expected format" otherwise); content.go spells out where that
// differs from miekg/dns's (SVCB/HTTPS parameters, LOC, CERT, types it does
// not know by name), each case checked against a real server.
//
// Config:
//
//	providers:
//	  pdns:
//	    type: powerdns
//	    url: http://127.0.0.1:8081       # the API's base URL (required)
//	    api_key: ${PDNS_API_KEY}         # required; never printed
//	    server_id: localhost             # default
//	    timeout: 30s                     # per request
//	    rate_limit: 0                    # requests per second, 0: none
//	    max_batch_changes: 0             # RRsets per PATCH, 0: no limit
//	    max_body_bytes: 2000000          # PATCH body cap (webserver-max-bodysize)
//	    nameservers: [ns1.example.net.]  # apex NS for zones it creates
package powerdns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/httpapi"
	"github.com/dnsquorum/dnsquorum/zone"
)

// TypeName is the adapter's name in the config file's "type:" key.
const TypeName = "powerdns"

// DefaultMaxBodyBytes keeps a PATCH body under PowerDNS's default
// webserver-max-bodysize of 2 MiB.
const DefaultMaxBodyBytes = 2_000_000

func init() {
	providers.Register(providers.Adapter(TypeName,
		"the PowerDNS Authoritative HTTP API (one PATCH per batch, creates zones)",
		func(s Settings, pc *zone.ProviderConfig) (*Provider, error) {
			return New(s, pc.Nameservers)
		}))
}

// Settings are the adapter's settings. The API key is a httpapi.Secret, and
// String and GoString redact it too, so printing the settings never shows
// it.
type Settings struct {
	// URL is the API's base URL, without /api/v1 ("http://127.0.0.1:8081").
	URL string `yaml:"url"`
	// APIKey is sent as X-API-Key.
	APIKey httpapi.Secret `yaml:"api_key"`
	// ServerID is the server in the API's paths ("localhost" by default).
	ServerID string `yaml:"server_id"`
	// Timeout bounds each request (30s by default).
	Timeout time.Duration `yaml:"timeout"`
	// RateLimit is the sustained number of requests per second (0: none).
	RateLimit float64 `yaml:"rate_limit"`
	// MaxBatchChanges caps the RRsets of one PATCH (0: no cap; the body
	// size cap still applies).
	MaxBatchChanges int `yaml:"max_batch_changes"`
	// MaxBodyBytes caps one PATCH body (DefaultMaxBodyBytes by default); a
	// batch that does not fit goes in several PATCHes.
	MaxBodyBytes int `yaml:"max_body_bytes"`
}

// String renders the settings with the API key redacted.
func (s Settings) String() string {
	return fmt.Sprintf("powerdns.Settings{URL:%q APIKey:%q ServerID:%q Timeout:%v RateLimit:%v MaxBatchChanges:%d MaxBodyBytes:%d}",
		redactURL(s.URL), s.APIKey.String(), s.ServerID, s.Timeout, s.RateLimit, s.MaxBatchChanges, s.MaxBodyBytes)
}

// GoString is String, for %#v.
func (s Settings) GoString() string { return s.String() }

// settingsFields is Settings without its methods, for encoding.
type settingsFields Settings

// MarshalJSON encodes the settings with the key and any URL password
// redacted.
func (s Settings) MarshalJSON() ([]byte, error) {
	s.URL = redactURL(s.URL)
	return json.Marshal(settingsFields(s))
}

// MarshalYAML encodes the settings with the key and any URL password
// redacted.
func (s Settings) MarshalYAML() (any, error) {
	s.URL = redactURL(s.URL)
	return settingsFields(s), nil
}

// redactURL hides a password in u.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		if strings.Contains(u, "@") {
			return "[invalid URL]"
		}
		return u
	}
	return p.Redacted()
}

// Provider talks to one PowerDNS server's API. It is safe for concurrent
// use.
type Provider struct {
	// LibdnsMethods are the libdns record methods, on ReadZone and
	// ApplyChanges: a write is one read, then one PATCH (atomic).
	providers.LibdnsMethods

	api         *httpapi.Client
	serverID    string
	maxChanges  int
	maxBody     int
	nameservers []string
}

var (
	_ providers.Provider    = (*Provider)(nil)
	_ providers.ZoneReader  = (*Provider)(nil)
	_ providers.Batcher     = (*Provider)(nil)
	_ providers.ZoneCreator = (*Provider)(nil)
)

// New returns a provider for s. nameservers are the apex NS names for zones
// it creates when the zone itself names none.
func New(s Settings, nameservers []string) (*Provider, error) {
	if s.URL == "" {
		return nil, errors.New("url is required")
	}
	if s.APIKey == "" {
		return nil, errors.New("api_key is required (use ${ENV_VAR} to keep it out of the file)")
	}
	if s.Timeout < 0 || s.MaxBatchChanges < 0 || s.MaxBodyBytes < 0 {
		return nil, errors.New("timeout, max_batch_changes and max_body_bytes must not be negative")
	}
	if s.ServerID == "" {
		s.ServerID = "localhost"
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	api, err := httpapi.New(httpapi.Config{
		BaseURL:   s.URL,
		Header:    http.Header{"X-Api-Key": {s.APIKey.Value()}},
		Timeout:   s.Timeout,
		RateLimit: s.RateLimit,
		UserAgent: "dnsquorum",
	})
	if err != nil {
		return nil, fmt.Errorf("url: %v", err)
	}
	ns, err := zone.CanonicalNames(nameservers, ".")
	if err != nil {
		return nil, fmt.Errorf("nameservers: %v", err)
	}
	p := &Provider{api: api, serverID: s.ServerID, maxChanges: s.MaxBatchChanges, maxBody: s.MaxBodyBytes, nameservers: ns}
	p.Store = p
	return p, nil
}

// String describes the provider without its credentials.
func (p *Provider) String() string { return "powerdns(" + p.api.String() + ")" }

// Capabilities: every type (types PowerDNS does not know by name go in
// RFC 3597 form), apex NS, zone creation, and atomic batches.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{
		ApexNS:          true,
		CreateZone:      true,
		AtomicBatch:     true,
		MaxBatchChanges: p.maxChanges,
		MaxBatchBytes:   p.maxBody,
	}
}

// zonePath returns the API path of zone origin.
func (p *Provider) zonePath(origin string) string {
	return "/api/v1/servers/" + url.PathEscape(p.serverID) + "/zones/" + url.PathEscape(zoneID(origin))
}

// zoneID turns a zone name into PowerDNS's zone id: characters other than
// letters, digits, '.', '-' and '_' become "=XX" (hex).
func zoneID(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}

// canonicalZone checks and canonicalizes a zone name given to a method.
func canonicalZone(origin string) (string, error) {
	z, err := zone.CanonicalName(origin, ".")
	if err != nil {
		return "", fmt.Errorf("zone %q: %v", origin, err)
	}
	return z, nil
}

// notFound reports whether err says the zone does not exist: 404, or the
// 422 "Could not find domain" older versions answer.
func notFound(err error) bool {
	var se *httpapi.StatusError
	if !errors.As(err, &se) {
		return false
	}
	return se.Status == http.StatusNotFound ||
		(se.Status == http.StatusUnprocessableEntity && strings.Contains(se.Message, "Could not find domain"))
}

// ReadZone returns every enabled record of the zone, SOA included. A zone
// the server does not have is providers.ErrZoneNotFound.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return nil, err
	}
	var z apiZone
	// A GET is safe to repeat: transient failures (PowerDNS answers 500
	// while its SQLite backend is locked by another writer) are retried.
	err = providers.Retry(ctx, func() error {
		z = apiZone{}
		return p.api.Do(ctx, http.MethodGet, p.zonePath(origin), nil, &z)
	})
	if err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("zone %s: %w", origin, providers.ErrZoneNotFound)
		}
		return nil, err
	}
	return parseRRsets(origin, z.RRsets)
}

// EnsureZone creates the zone when the server does not have it: kind
// Native, SOA-EDIT-API INCREASE, and nameservers as its apex NS set (the
// provider's configured nameservers when nameservers is empty). An existing
// zone is left as it is.
func (p *Provider) EnsureZone(ctx context.Context, origin string, nameservers []string) error {
	origin, err := canonicalZone(origin)
	if err != nil {
		return err
	}
	ns, err := zone.CanonicalNames(nameservers, ".")
	if err != nil {
		return fmt.Errorf("zone %s: nameserver: %v", origin, err)
	}
	if len(ns) == 0 {
		ns = append(ns, p.nameservers...)
	}
	body := apiCreateZone{Name: origin, Kind: "Native", Nameservers: ns, SOAEditAPI: "INCREASE"}
	// Retried on transient failures: a POST that landed before its answer
	// was lost gets 409 the second time, which is success.
	return providers.Retry(ctx, func() error {
		err := p.api.Do(ctx, http.MethodPost, "/api/v1/servers/"+url.PathEscape(p.serverID)+"/zones", body, nil)
		if httpapi.StatusOf(err) == http.StatusConflict {
			// Already there (possibly created by our own earlier attempt).
			return nil
		}
		return err
	})
}

// ApplyChanges applies the changes with one PATCH: REPLACE for creates and
// updates (every record of the new set), DELETE for deletes. PowerDNS runs
// a PATCH in one transaction, so it lands whole or not at all. Deletes go
// first in the PATCH: PowerDNS checks each RRset against the state left by
// the ones before it, so an A set turning into a CNAME needs the A deleted
// before the CNAME is set.
//
// A batch whose body would pass max_body_bytes or max_batch_changes goes
// in several PATCHes, each atomic; applied is then the number of leading
// changes (in the given order) whose PATCH landed. A retry resends the
// rest, which is safe: REPLACE and DELETE are idempotent. SOA changes are
// refused: the server owns the SOA.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	origin, err := canonicalZone(origin)
	if err != nil {
		return 0, err
	}
	sets := make([]apiRRset, 0, len(changes))
	index := make([]int, 0, len(changes))
	for pass := range 2 {
		for i, c := range changes {
			if (c.Action == zone.Delete) != (pass == 0) {
				continue
			}
			s, err := changeRRset(origin, c)
			if err != nil {
				return 0, err
			}
			sets = append(sets, s)
			index = append(index, i)
		}
	}
	landed, err := p.patch(ctx, origin, sets)
	done := make([]bool, len(changes))
	for _, i := range index[:landed] {
		done[i] = true
	}
	applied := 0
	for applied < len(changes) && done[applied] {
		applied++
	}
	return applied, err
}

// changeRRset turns one plan change into its PATCH entry.
func changeRRset(origin string, c zone.Change) (apiRRset, error) {
	if c.Key.Type == dns.TypeSOA {
		return apiRRset{}, fmt.Errorf("%s: the SOA is managed by PowerDNS and never sent", c)
	}
	if !zone.InZone(c.Key.Name, origin) {
		return apiRRset{}, fmt.Errorf("%s: name is outside zone %s", c, origin)
	}
	switch c.Action {
	case zone.Create, zone.Update:
		if c.New == nil || len(c.New.Records) == 0 {
			return apiRRset{}, fmt.Errorf("%s: no records to set", c)
		}
		return replaceRRset(c.New)
	case zone.Delete:
		return apiRRset{Name: c.Key.Name, Type: apiType(c.Key.Type), ChangeType: "DELETE"}, nil
	}
	return apiRRset{}, fmt.Errorf("%s: unknown action %v", c, c.Action)
}

// replaceRRset returns the REPLACE entry that sets s.
func replaceRRset(s *zone.RRset) (apiRRset, error) {
	out := apiRRset{Name: s.Name, Type: apiType(s.Type), TTL: s.TTL, ChangeType: "REPLACE", Records: make([]apiRecord, len(s.Records))}
	for i, rr := range s.Records {
		c, err := content(rr)
		if err != nil {
			return apiRRset{}, err
		}
		out.Records[i] = apiRecord{Content: c}
	}
	return out, nil
}
