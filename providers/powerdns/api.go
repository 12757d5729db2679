package powerdns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
)

// apiZone is the part of GET /servers/{id}/zones/{zone} we use.
type apiZone struct {
	Name   string     `json:"name"`
	Serial uint32     `json:"serial"`
	RRsets []apiRRset `json:"rrsets"`
}

// apiRRset is one RRset as the API reads and writes it. Comments are
// neither read nor written (a REPLACE leaves them alone).
type apiRRset struct {
	Name       string      `json:"name"`
	Type       string      `json:"type"`
	TTL        uint32      `json:"ttl"`
	ChangeType string      `json:"changetype,omitempty"`
	Records    []apiRecord `json:"records,omitempty"`
}

// MarshalJSON leaves the TTL out of DELETE entries (PowerDNS ignores it)
// and keeps it, even 0, everywhere else.
func (s apiRRset) MarshalJSON() ([]byte, error) {
	type plain apiRRset
	if s.ChangeType == "DELETE" {
		return json.Marshal(struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			ChangeType string `json:"changetype"`
		}{s.Name, s.Type, s.ChangeType})
	}
	return json.Marshal(plain(s))
}

// apiRecord is one record of an RRset.
type apiRecord struct {
	Content  string `json:"content"`
	Disabled bool   `json:"disabled"`
}

// apiCreateZone is the body of POST /servers/{id}/zones.
type apiCreateZone struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Nameservers []string `json:"nameservers"`
	SOAEditAPI  string   `json:"soa_edit_api"`
}

// patch sends sets in as few PATCHes as max_body_bytes and
// max_batch_changes allow, in order, and returns how many sets landed.
func (p *Provider) patch(ctx context.Context, origin string, sets []apiRRset) (int, error) {
	const head, tail = `{"rrsets":[`, `]}`
	frags := make([][]byte, len(sets))
	for i, s := range sets {
		b, err := json.Marshal(s)
		if err != nil {
			return 0, fmt.Errorf("%s %s: encoding: %v", s.Name, s.Type, err)
		}
		if len(head)+len(b)+len(tail) > p.maxBody {
			return 0, fmt.Errorf("%s %s: the RRset alone takes %d bytes, over max_body_bytes %d", s.Name, s.Type, len(b), p.maxBody)
		}
		frags[i] = b
	}
	applied := 0
	var body bytes.Buffer
	for start := 0; start < len(frags); {
		body.Reset()
		body.WriteString(head)
		end := start
		for end < len(frags) {
			if p.maxChanges > 0 && end-start >= p.maxChanges {
				break
			}
			if end > start && body.Len()+1+len(frags[end])+len(tail) > p.maxBody {
				break
			}
			if end > start {
				body.WriteByte(',')
			}
			body.Write(frags[end])
			end++
		}
		body.WriteString(tail)
		if err := p.api.DoRaw(ctx, http.MethodPatch, p.zonePath(origin), body.Bytes(), nil); err != nil {
			if notFound(err) {
				return applied, fmt.Errorf("zone %s: %w (%v)", origin, providers.ErrZoneNotFound, err)
			}
			return applied, err
		}
		applied += end - start
		start = end
	}
	return applied, nil
}

// parseRRsets turns the API's RRsets into records. Disabled records are
// left out: the server does not serve them. All records go through one
// master-file parser run (fast for big zones); when that fails, each record
// is parsed alone to name the culprit.
func parseRRsets(origin string, sets []apiRRset) ([]dns.RR, error) {
	type line struct{ name, typ, content string }
	var lines []line
	var text strings.Builder
	for _, s := range sets {
		for _, r := range s.Records {
			if r.Disabled {
				continue
			}
			c := r.Content
			if s.Type == "SVCB" || s.Type == "HTTPS" {
				c = svcbKeyNames(c)
			}
			lines = append(lines, line{s.Name, s.Type, c})
			text.WriteString(masterLine(s.Name, s.TTL, s.Type, c))
			text.WriteByte('\n')
		}
	}
	out := make([]dns.RR, 0, len(lines))
	zp := dns.NewZoneParser(strings.NewReader(text.String()), origin, "")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		out = append(out, rr)
	}
	if zp.Err() == nil && len(out) == len(lines) {
		return out, nil
	}
	// Slow path: find the record that does not parse.
	out = out[:0]
	for _, l := range lines {
		rr, err := parseOne(origin, masterLine(l.name, 0, l.typ, l.content))
		if err != nil {
			return nil, fmt.Errorf("zone %s: record %s %s %q as read from PowerDNS: %v", origin, l.name, l.typ, l.content, err)
		}
		out = append(out, rr)
	}
	return out, nil
}

// parseOne parses a single master-file line, refusing anything that holds
// more or less than one record.
func parseOne(origin, s string) (dns.RR, error) {
	zp := dns.NewZoneParser(strings.NewReader(s), origin, "")
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no record")
	}
	if _, more := zp.Next(); more {
		return nil, fmt.Errorf("content holds more than one record")
	}
	return rr, nil
}

// masterLine renders one record as a master-file line. Line breaks in the
// content are kept out (they would start a new record).
func masterLine(name string, ttl uint32, typ, content string) string {
	content = strings.NewReplacer("\n", " ", "\r", " ").Replace(content)
	return name + " " + strconv.FormatUint(uint64(ttl), 10) + " IN " + typ + " " + content
}

// svcbKeyNames rewrites the SvcParam keys PowerDNS prints as "keyNNN"
// (dohpath, ohttp: it does not know them by name) to the names miekg/dns
// wants: it refuses "key7=..." for a key it knows as "dohpath".
func svcbKeyNames(c string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(c); i++ {
		if !quoted && strings.HasPrefix(c[i:], "key") && (i == 0 || c[i-1] == ' ') {
			j := i + 3
			for j < len(c) && c[j] >= '0' && c[j] <= '9' {
				j++
			}
			if j > i+3 && (j == len(c) || c[j] == '=' || c[j] == ' ') {
				if n, err := strconv.ParseUint(c[i+3:j], 10, 16); err == nil {
					if name := dns.SVCBKey(n).String(); !strings.HasPrefix(name, "key") && name != "" {
						b.WriteString(name)
						i = j - 1
						continue
					}
				}
			}
		}
		switch c[i] {
		case '\\':
			b.WriteByte(c[i])
			if i+1 < len(c) {
				i++
				b.WriteByte(c[i])
			}
			continue
		case '"':
			quoted = !quoted
		}
		b.WriteByte(c[i])
	}
	return b.String()
}
