// Package route53 is the Amazon Route 53 adapter, built on the official SDK
// (github.com/aws/aws-sdk-go-v2/service/route53).
//
// Config:
//
//	providers:
//	  aws:
//	    type: route53
//	    region: us-east-1            # optional; Route 53 is global
//	    # credentials: the standard AWS chain (AWS_ACCESS_KEY_ID/
//	    # AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, SSO, instance role),
//	    # or explicitly:
//	    access_key_id: ${AWS_ACCESS_KEY_ID}
//	    secret_access_key: ${AWS_SECRET_ACCESS_KEY}
//	    hosted_zone_ids: { example.com: Z0123456789 } # optional, when a name is ambiguous
//	    rate_limit: 5                # requests per second (default 5, the documented limit)
//	    endpoint: http://127.0.0.1:8080 # tests only: a fake Route 53
//
// Route 53 specifics handled here: changes go in atomic
// ChangeResourceRecordSets batches within the documented limits (1,000
// ResourceRecord elements and 32,000 value characters per request, UPSERT
// counting twice); TXT values are quoted strings with octal escapes; names
// come back absolute with octal escapes (a wildcard reads "\052"); SOA is
// never changed; alias and routing-policy (weighted, latency, ...) record
// sets are left alone: they are not read, so never deleted.
package route53

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	r53 "github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/providers/internal/cloud"
	"github.com/dnsquorum/dnsquorum/zone"
)

// Documented Route 53 limits.
const (
	// DefaultRateLimit is Route 53's documented API limit: five requests per
	// second per AWS account.
	DefaultRateLimit = 5
	// MaxRecordsPerRequest bounds the ResourceRecord elements of one
	// ChangeResourceRecordSets request (UPSERT counts each twice).
	MaxRecordsPerRequest = 1000
	// MaxValueCharsPerRequest bounds the characters of all Value elements
	// of one request (UPSERT counts each twice).
	MaxValueCharsPerRequest = 32000
	// MaxChangesPerBatch is the declared MaxBatchChanges.
	MaxChangesPerBatch = 1000
	// maxItems is the largest page ListResourceRecordSets returns.
	maxItems = 300
)

// supported lists the record types Route 53 serves (types.RRType).
var supported = []uint16{
	dns.TypeSOA, dns.TypeA, dns.TypeTXT, dns.TypeNS, dns.TypeCNAME, dns.TypeMX, dns.TypeNAPTR,
	dns.TypePTR, dns.TypeSRV, dns.TypeSPF, dns.TypeAAAA, dns.TypeCAA, dns.TypeDS, dns.TypeTLSA,
	dns.TypeSSHFP, dns.TypeSVCB, dns.TypeHTTPS,
}

func init() {
	providers.Register(providers.Adapter("route53",
		"Amazon Route 53 hosted zones (AWS SDK; credentials from the standard AWS chain)",
		func(s Settings, _ *zone.ProviderConfig) (*Provider, error) {
			return New(context.Background(), s)
		}))
}

// Settings are the route53 adapter's settings.
type Settings struct {
	// Region is the AWS region for the SDK (Route 53 is global; default
	// us-east-1).
	Region string `yaml:"region" json:"region,omitempty"`
	// Profile selects a shared-config profile (~/.aws/config).
	Profile string `yaml:"profile" json:"profile,omitempty"`
	// AccessKeyID, SecretAccessKey and SessionToken set static credentials;
	// when empty the standard AWS credential chain is used.
	AccessKeyID     string `yaml:"access_key_id" json:"access_key_id,omitempty"`
	SecretAccessKey string `yaml:"secret_access_key" json:"secret_access_key,omitempty"`
	SessionToken    string `yaml:"session_token" json:"session_token,omitempty"`
	// HostedZoneIDs maps zone names to hosted zone IDs, for names that
	// several hosted zones share.
	HostedZoneIDs map[string]string `yaml:"hosted_zone_ids" json:"hosted_zone_ids,omitempty"`
	// Endpoint overrides the API endpoint (a fake, in tests).
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
	// RateLimit is the number of requests per second (default 5).
	RateLimit float64 `yaml:"rate_limit" json:"rate_limit,omitempty"`
}

// String renders the settings with credentials redacted.
func (s Settings) String() string {
	red := func(v string) string {
		if v == "" {
			return `""`
		}
		return "[redacted]"
	}
	return fmt.Sprintf("route53.Settings{Region:%q Profile:%q AccessKeyID:%s SecretAccessKey:%s SessionToken:%s HostedZoneIDs:%v Endpoint:%q RateLimit:%g}",
		s.Region, s.Profile, red(s.AccessKeyID), red(s.SecretAccessKey), red(s.SessionToken), s.HostedZoneIDs, s.Endpoint, s.RateLimit)
}

// GoString is String, so %#v redacts too.
func (s Settings) GoString() string { return s.String() }

// Provider is the Route 53 adapter. It is safe for concurrent use.
type Provider struct {
	// LibdnsMethods are the libdns record methods, on ReadZone and
	// ApplyChanges.
	providers.LibdnsMethods

	client  *r53.Client
	limiter *cloud.Limiter
	ids     map[string]string // canonical zone -> configured hosted zone ID
	// pageSize is ListResourceRecordSets' maxitems (tests use small pages).
	pageSize int32

	mu     sync.Mutex
	zoneID map[string]string                // canonical zone -> hosted zone ID
	raw    map[string]map[zone.Key]rawRRset // last read, for exact DELETEs
}

// rawRRset is a record set as Route 53 returned it, with its normalized form.
type rawRRset struct {
	set  types.ResourceRecordSet
	norm *zone.RRset
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.ZoneReader = (*Provider)(nil)
	_ providers.Batcher    = (*Provider)(nil)
)

// New builds a Route 53 adapter.
func New(ctx context.Context, s Settings) (*Provider, error) {
	if s.RateLimit < 0 {
		return nil, fmt.Errorf("rate_limit %g: must not be negative", s.RateLimit)
	}
	if (s.AccessKeyID == "") != (s.SecretAccessKey == "") {
		return nil, fmt.Errorf("access_key_id and secret_access_key go together")
	}
	if s.RateLimit == 0 {
		s.RateLimit = DefaultRateLimit
	}
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	p := &Provider{
		limiter:  cloud.NewLimiter(s.RateLimit, nil),
		ids:      map[string]string{},
		pageSize: maxItems,
		zoneID:   map[string]string{},
		raw:      map[string]map[zone.Key]rawRRset{},
	}
	p.Store = p
	for name, id := range s.HostedZoneIDs {
		cn, err := zone.CanonicalName(name, ".")
		if err != nil {
			return nil, fmt.Errorf("hosted_zone_ids: %v", err)
		}
		p.ids[cn] = id
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		// Retries belong to providers.Retry, which sees TransientError.
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if s.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.Profile))
	}
	if s.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, s.SessionToken)))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %v", err)
	}
	p.client = r53.NewFromConfig(cfg, func(o *r53.Options) {
		if s.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.Endpoint)
		}
		// Pace every attempt, after signing, just before it is sent.
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("dnsquorumRateLimit",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					if err := p.limiter.Wait(ctx); err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
					return next.HandleFinalize(ctx, in)
				}), middleware.After)
		})
	})
	return p, nil
}

// Capabilities: apex NS editable, atomic batches of up to 1,000 changes.
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{
		Types:           supported,
		ApexNS:          true,
		AtomicBatch:     true,
		MaxBatchChanges: MaxChangesPerBatch,
		RateLimit:       DefaultRateLimit,
	}
}

// wrap turns an SDK error into one naming the zone, marking throttling and
// server errors transient. Credentials never appear in SDK errors.
func wrap(origin, op string, err error) error {
	if err == nil {
		return nil
	}
	var icb *types.InvalidChangeBatch
	if errors.As(err, &icb) {
		return fmt.Errorf("route53: zone %s: %s: invalid change batch: %s", origin, op, strings.Join(icb.Messages, "; "))
	}
	status := 0
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	msg := err.Error()
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg = ae.ErrorCode() + ": " + ae.ErrorMessage()
		switch ae.ErrorCode() {
		case "Throttling", "ThrottlingException", "PriorRequestNotComplete", "RequestLimitExceeded":
			return &providers.TransientError{Err: fmt.Errorf("route53: zone %s: %s: %s", origin, op, msg)}
		case "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "ExpiredToken":
			return fmt.Errorf("route53: zone %s: %s: not authorized (HTTP %d): %s: check the credentials and the IAM policy", origin, op, status, msg)
		}
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		return &providers.TransientError{Err: fmt.Errorf("route53: zone %s: %s: HTTP %d: %s", origin, op, status, msg)}
	}
	return fmt.Errorf("route53: zone %s: %s: %s", origin, op, msg)
}

// call runs one API request, retrying transient failures.
func call(ctx context.Context, f func() error) error {
	return providers.Retry(ctx, f)
}

// hostedZone returns the hosted zone ID for origin, looking it up by name.
func (p *Provider) hostedZone(ctx context.Context, origin string) (string, error) {
	p.mu.Lock()
	id, ok := p.zoneID[origin]
	if !ok {
		id, ok = p.ids[origin]
	}
	p.mu.Unlock()
	if ok {
		return id, nil
	}
	var out *r53.ListHostedZonesByNameOutput
	err := call(ctx, func() error {
		var err error
		out, err = p.client.ListHostedZonesByName(ctx, &r53.ListHostedZonesByNameInput{DNSName: aws.String(origin), MaxItems: aws.Int32(10)})
		return wrap(origin, "ListHostedZonesByName", err)
	})
	if err != nil {
		return "", err
	}
	var found []string
	for _, hz := range out.HostedZones {
		if hz.Name == nil || hz.Id == nil || decodeName(*hz.Name) != origin {
			continue
		}
		if hz.Config != nil && hz.Config.PrivateZone {
			continue
		}
		found = append(found, strings.TrimPrefix(*hz.Id, "/hostedzone/"))
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("route53: zone %s: no public hosted zone of that name: %w", origin, providers.ErrZoneNotFound)
	case 1:
	default:
		return "", fmt.Errorf("route53: zone %s: %d public hosted zones share the name (%s): choose one with hosted_zone_ids", origin, len(found), strings.Join(found, ", "))
	}
	p.mu.Lock()
	p.zoneID[origin] = found[0]
	p.mu.Unlock()
	return found[0], nil
}

// ReadZone lists every record set of the zone (SOA included), page by page.
// Alias and routing-policy sets are skipped: this tool does not manage them.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	origin = dns.CanonicalName(origin)
	id, err := p.hostedZone(ctx, origin)
	if err != nil {
		return nil, err
	}
	in := &r53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), MaxItems: aws.Int32(p.pageSize)}
	raw := map[zone.Key]rawRRset{}
	var out []dns.RR
	for {
		var page *r53.ListResourceRecordSetsOutput
		err := call(ctx, func() error {
			var err error
			page, err = p.client.ListResourceRecordSets(ctx, in)
			return wrap(origin, "ListResourceRecordSets", err)
		})
		if err != nil {
			return nil, err
		}
		for _, set := range page.ResourceRecordSets {
			if set.AliasTarget != nil || set.SetIdentifier != nil || set.TrafficPolicyInstanceId != nil {
				continue
			}
			rrs, err := fromSet(set)
			if err != nil {
				return nil, fmt.Errorf("route53: zone %s: %v", origin, err)
			}
			norm, err := zone.FromRecords(rrs)
			if err != nil {
				return nil, fmt.Errorf("route53: zone %s: %v", origin, err)
			}
			for _, s := range norm.Sorted() {
				raw[s.Key()] = rawRRset{set: set, norm: s}
			}
			out = append(out, rrs...)
		}
		if !page.IsTruncated {
			break
		}
		if page.NextRecordName == nil {
			return nil, fmt.Errorf("route53: zone %s: truncated listing without NextRecordName", origin)
		}
		in.StartRecordName, in.StartRecordType, in.StartRecordIdentifier = page.NextRecordName, page.NextRecordType, page.NextRecordIdentifier
	}
	p.mu.Lock()
	p.raw[origin] = raw
	p.mu.Unlock()
	return out, nil
}

// fromSet converts a Route 53 record set to records.
func fromSet(set types.ResourceRecordSet) ([]dns.RR, error) {
	if set.Name == nil {
		return nil, fmt.Errorf("record set without a name")
	}
	name := decodeName(*set.Name)
	var ttl uint32
	if set.TTL != nil {
		ttl = uint32(*set.TTL)
	}
	var out []dns.RR
	for _, r := range set.ResourceRecords {
		if r.Value == nil {
			continue
		}
		v := *r.Value
		if set.Type == types.RRTypeTxt || set.Type == types.RRTypeSpf {
			v = octalToDecimal(v)
		}
		rr, err := cloud.ParseRR(name, ttl, string(set.Type), v)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	return out, nil
}

// toSet converts an RRset to a Route 53 record set.
func toSet(s *zone.RRset) types.ResourceRecordSet {
	set := types.ResourceRecordSet{
		Name: aws.String(encodeName(s.Name)),
		Type: types.RRType(s.TypeString()),
		TTL:  aws.Int64(int64(s.TTL)),
	}
	for _, rr := range s.Records {
		v := zone.Rdata(rr)
		if s.Type == dns.TypeTXT || s.Type == dns.TypeSPF {
			v = decimalToOctal(v)
		}
		set.ResourceRecords = append(set.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return set
}

// request is one ChangeResourceRecordSets call: the plan changes it carries.
type request struct {
	changes []types.Change
	planned int // number of plan changes
}

// cost returns the ResourceRecord elements and value characters of a
// change as Route 53 counts them (UPSERT twice).
func cost(c types.Change) (records, chars int) {
	for _, r := range c.ResourceRecordSet.ResourceRecords {
		records++
		chars += len(aws.ToString(r.Value))
	}
	if c.Action == types.ChangeActionUpsert {
		records, chars = 2*records, 2*chars
	}
	return records, chars
}

// ApplyChanges applies changes in as few atomic ChangeResourceRecordSets
// requests as the documented limits allow. Creates and updates are UPSERTs;
// deletes send the exact record set last read. It returns the number of
// changes in requests that succeeded.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	origin = dns.CanonicalName(origin)
	id, err := p.hostedZone(ctx, origin)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	raw := p.raw[origin]
	p.mu.Unlock()
	var reqs []request
	cur := request{}
	curRecords, curChars := 0, 0
	for _, c := range changes {
		if c.Key.Type == dns.TypeSOA {
			return 0, fmt.Errorf("route53: zone %s: %s: the SOA record is never changed", origin, c)
		}
		var rc types.Change
		switch c.Action {
		case zone.Create, zone.Update:
			set := toSet(c.New)
			rc = types.Change{Action: types.ChangeActionUpsert, ResourceRecordSet: &set}
		case zone.Delete:
			set := toSet(c.Old)
			if r, ok := raw[c.Key]; ok && r.norm.Equal(c.Old) {
				set = r.set
			}
			rc = types.Change{Action: types.ChangeActionDelete, ResourceRecordSet: &set}
		default:
			return 0, fmt.Errorf("route53: zone %s: %s: unknown action", origin, c)
		}
		records, chars := cost(rc)
		if records > MaxRecordsPerRequest || chars > MaxValueCharsPerRequest {
			return 0, fmt.Errorf("route53: zone %s: %s: %d records and %d value characters exceed one request's limits (%d, %d)",
				origin, c, records, chars, MaxRecordsPerRequest, MaxValueCharsPerRequest)
		}
		if cur.planned > 0 && (curRecords+records > MaxRecordsPerRequest || curChars+chars > MaxValueCharsPerRequest || cur.planned >= MaxChangesPerBatch) {
			reqs = append(reqs, cur)
			cur, curRecords, curChars = request{}, 0, 0
		}
		cur.changes = append(cur.changes, rc)
		cur.planned++
		curRecords += records
		curChars += chars
	}
	if cur.planned > 0 {
		reqs = append(reqs, cur)
	}
	applied := 0
	for _, r := range reqs {
		_, err := p.client.ChangeResourceRecordSets(ctx, &r53.ChangeResourceRecordSetsInput{
			HostedZoneId: aws.String(id),
			ChangeBatch:  &types.ChangeBatch{Changes: r.changes, Comment: aws.String("dnsquorum")},
		})
		if err != nil {
			return applied, wrap(origin, "ChangeResourceRecordSets", err)
		}
		applied += r.planned
	}
	p.mu.Lock()
	delete(p.raw, origin) // stale now; the next read refills it
	p.mu.Unlock()
	return applied, nil
}

// decodeName turns a Route 53 name (octal escapes such as "\052" for "*",
// trailing dot optional) into a canonical name in miekg/dns's form.
func decodeName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if v, ok := octalAt(s, i); ok {
			i += 3
			writeNameByte(&b, v)
			continue
		}
		if c == '\\' && i+1 < len(s) {
			i++
			writeNameByte(&b, s[i])
			continue
		}
		b.WriteByte(c)
	}
	return dns.CanonicalName(dns.Fqdn(b.String()))
}

// writeNameByte writes one octet of a name label in miekg/dns's escaped form.
func writeNameByte(b *strings.Builder, c byte) {
	switch {
	case c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == ' ' || c == '@' || c == '$':
		b.WriteByte('\\')
		b.WriteByte(c)
	case c < '!' || c > '~':
		fmt.Fprintf(b, "\\%03d", c)
	default:
		b.WriteByte(c)
	}
}

// encodeName turns a miekg/dns name into Route 53's form: characters other
// than a-z, 0-9, '-', '_' and '*' (as a first label) as octal escapes.
func encodeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if v, ok := decimalAt(name, i); ok {
			fmt.Fprintf(&b, "\\%03o", v)
			i += 3
			continue
		}
		if c == '\\' && i+1 < len(name) {
			i++
			fmt.Fprintf(&b, "\\%03o", name[i])
			continue
		}
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteByte(c)
		case c == '*' && i == 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\%03o", c)
		}
	}
	return b.String()
}

// octalToDecimal turns Route 53's TXT escapes (\ooo octal) into miekg/dns's
// (\DDD decimal); other escapes (\" and \\) are the same in both.
func octalToDecimal(s string) string { return reescape(s, octalAt, "\\%03d") }

// decimalToOctal is the inverse of octalToDecimal.
func decimalToOctal(s string) string { return reescape(s, decimalAt, "\\%03o") }

// reescape rewrites each three-digit escape of s that at decodes in
// format (a Printf verb for one octet); other escapes are copied.
func reescape(s string, at func(string, int) (byte, bool), format string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if v, ok := at(s, i); ok {
			fmt.Fprintf(&b, format, v)
			i += 3
			continue
		}
		if s[i] == '\\' && i+1 < len(s) {
			b.WriteByte(s[i])
			b.WriteByte(s[i+1])
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// decimalAt decodes a "\DDD" decimal escape starting at s[i].
func decimalAt(s string, i int) (byte, bool) {
	if s[i] != '\\' || i+3 >= len(s) || !isDigit(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return 0, false
	}
	v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
	if v > 255 {
		return 0, false
	}
	return byte(v), true
}

// octalAt decodes a "\ooo" octal escape starting at s[i].
func octalAt(s string, i int) (byte, bool) {
	if s[i] != '\\' || i+3 >= len(s) || !isOctal(s[i+1]) || !isOctal(s[i+2]) || !isOctal(s[i+3]) {
		return 0, false
	}
	v := int(s[i+1]-'0')*64 + int(s[i+2]-'0')*8 + int(s[i+3]-'0')
	if v > 255 {
		return 0, false
	}
	return byte(v), true
}
