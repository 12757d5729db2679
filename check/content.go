package check

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// answer is what one server served for one desired RRset.
type answer struct {
	// raw holds the served records of the RRset as received (none when
	// there is no such RRset).
	raw []dns.RR
	// desc says what was served instead when raw is empty ("NXDOMAIN",
	// "NODATA", "CNAME target.").
	desc string
	err  error
}

// rcodeError is an answer with an error rcode to a content query.
type rcodeError struct{ rcode int }

func (e *rcodeError) Error() string { return rcodeName(e.rcode) }

// compareAll compares the content of every server that answered
// authoritatively, all servers at once, the Concurrency budget shared
// among them.
func (r *run) compareAll(ctx context.Context, servers []*server) {
	var ok []*server
	for _, s := range servers {
		if s.Status == StatusOK {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return
	}
	workers := max(1, r.opts.Concurrency/len(ok))
	var wg sync.WaitGroup
	for _, s := range ok {
		wg.Go(func() { r.compareServer(ctx, s, workers) })
	}
	wg.Wait()
}

func (r *run) compareServer(ctx context.Context, s *server, workers int) {
	if r.opts.Mode == ModeAXFR {
		key, signed, kerr := r.tsigFor(s.Provider)
		var got map[zone.Key][]dns.RR
		err := kerr
		if err == nil {
			got, err = r.axfr(ctx, s, key, signed)
		}
		if err == nil {
			s.Mode = ModeAXFR
			r.compareZone(s, got)
			return
		}
		how := "unsigned zone transfer"
		if signed {
			how = "zone transfer signed with " + key.String()
		}
		if kerr != nil {
			how = "zone transfer"
		}
		s.findings = append(s.findings, Finding{Zone: r.zone, Check: CheckAXFR, Severity: OK, Nameserver: s.Nameserver,
			Address: s.Address, Provider: s.Provider, Record: r.zone + " AXFR", Got: reasonOfXfr(err),
			Message: fmt.Sprintf("%s failed (%s): compared by queries instead, records only this server has are not seen", how, reasonOfXfr(err))})
	}
	s.Mode = ModeQuery
	r.queryAll(ctx, s, workers)
}

// queryAll asks s for every desired RRset with workers parallel
// connections, then compares in canonical order.
func (r *run) queryAll(ctx context.Context, s *server, workers int) {
	results := make([]answer, len(r.desired))
	jobs := make(chan int)
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for w := 0; w < min(workers, len(r.desired)); w++ {
		wg.Go(func() {
			c := r.x.conn(s.hostport)
			defer c.close()
			for i := range jobs {
				results[i] = r.queryRRset(ctx, c, r.desired[i])
			}
			mu.Lock()
			s.TCP += c.tcps
			mu.Unlock()
		})
	}
	for i := range r.desired {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	failed := 0
	var first Finding
	for i, want := range r.desired {
		a := results[i]
		if a.err == nil && a.raw == nil && a.desc == "" {
			a.err = ctx.Err() // never asked: the context ended
		}
		if a.err != nil {
			failed++
			if failed == 1 {
				first = r.queryFailure(s, want, a.err)
			}
			continue
		}
		s.findings = append(s.findings, r.compareRaw(s, i, a.raw, a.desc)...)
	}
	s.Queries += len(r.desired)
	s.RRsets = len(r.desired) - failed
	if failed > 0 {
		if failed > 1 {
			first.Message += fmt.Sprintf(" (and %d more of the %d RRsets could not be compared)", failed-1, len(r.desired))
		}
		s.findings = append(s.findings, first)
	}
}

// queryFailure is the finding for a content query that got no usable
// answer from a server that answered its SOA probe.
func (r *run) queryFailure(s *server, want *zone.RRset, err error) Finding {
	f := Finding{Zone: r.zone, Severity: Critical, Nameserver: s.Nameserver, Address: s.Address, Provider: s.Provider,
		Record: want.Name + " " + want.TypeString(), Expected: rdataList(want), Got: err.Error()}
	var re *rcodeError
	if errors.As(err, &re) {
		f.Check = CheckLame
		f.Message = fmt.Sprintf("answers %s for a record of the zone", re)
	} else {
		f.Check = CheckUnreachable
		f.Message = fmt.Sprintf("no answer for a record of the zone: %v", err)
	}
	return f
}

// queryRRset asks for one desired RRset (RD=0) and reads the served
// RRset from the answer, or for a delegation's NS set and glue from the
// authority and additional sections of the referral.
func (r *run) queryRRset(ctx context.Context, c *conn, want *zone.RRset) answer {
	resp, err := c.exchange(ctx, msg(want.Name, want.Type, false))
	if err != nil {
		return answer{err: err}
	}
	return answerFrom(resp, want.Name, want.Type)
}

// answerFrom reads the RRset of name and type t from a response: from the
// answer, or for a delegation's NS set and glue from the authority and
// additional sections of a referral.
func answerFrom(resp *dns.Msg, name string, t uint16) answer {
	switch resp.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return answer{desc: "NXDOMAIN"}
	default:
		return answer{err: &rcodeError{resp.Rcode}}
	}
	for _, section := range [][]dns.RR{resp.Answer, resp.Ns, resp.Extra} {
		var raw []dns.RR
		for _, rr := range section {
			if h := rr.Header(); h.Rrtype == t && strings.EqualFold(h.Name, name) {
				raw = append(raw, rr)
			}
		}
		if len(raw) > 0 {
			return answer{raw: raw}
		}
	}
	for _, rr := range resp.Answer {
		if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, name) {
			return answer{desc: "CNAME " + dns.CanonicalName(c.Target)}
		}
	}
	return answer{desc: "NODATA"}
}

// rrsetFrom returns the normalized RRset of name and type t among rrs, or
// nil when there is none.
func rrsetFrom(rrs []dns.RR, name string, t uint16) (*zone.RRset, error) {
	var set *zone.RRsets
	for _, rr := range rrs {
		h := rr.Header()
		if h.Rrtype != t || !strings.EqualFold(h.Name, name) {
			continue
		}
		if set == nil {
			set = zone.NewRRsets()
		}
		if _, err := set.Add(rr); err != nil {
			return nil, fmt.Errorf("served record %s: %v", rr, err)
		}
	}
	if set == nil {
		return nil, nil
	}
	return set.Get(zone.Key{Name: dns.CanonicalName(name), Type: t}), nil
}

// compareRaw compares the i-th desired RRset with the records a server
// served for it, as received. Records that read exactly as the desired
// (normalized) ones, with its TTL, are equal without further work; any
// other answer is normalized first (zone.Normalize), so that case, IPv6
// and TXT spellings never count as drift.
func (r *run) compareRaw(s *server, i int, raw []dns.RR, desc string) []Finding {
	want := r.desired[i]
	if len(raw) == 0 {
		return r.compareSet(s, want, nil, desc)
	}
	if len(raw) == len(want.Records) {
		same := true
		got := make([]string, len(raw))
		for j, rr := range raw {
			if rr.Header().Ttl != want.TTL {
				same = false
				break
			}
			got[j] = zone.Rdata(rr)
		}
		if same {
			slices.Sort(got)
			if slices.Equal(got, r.wantRdata[i]) {
				return nil
			}
		}
	}
	set, err := rrsetFrom(raw, want.Name, want.Type)
	if err != nil {
		return []Finding{{Zone: r.zone, Check: CheckDrift, Severity: Critical, Nameserver: s.Nameserver, Address: s.Address,
			Provider: s.Provider, Record: want.Name + " " + want.TypeString(), Expected: rdataList(want), Got: err.Error(),
			Message: "the server serves a record that cannot be read"}}
	}
	return r.compareSet(s, want, set, desc)
}

// compareSet compares a desired RRset with what a server served: other
// data is drift (CRITICAL), only another TTL is a WARNING.
func (r *run) compareSet(s *server, want, got *zone.RRset, desc string) []Finding {
	f := Finding{Zone: r.zone, Nameserver: s.Nameserver, Address: s.Address, Provider: s.Provider,
		Record: want.Name + " " + want.TypeString()}
	switch {
	case got == nil:
		f.Check, f.Severity = CheckDrift, Critical
		f.Expected, f.Got = rdataList(want), desc
		f.Message = fmt.Sprintf("the server does not serve the RRset (%s)", desc)
	case !want.SameData(got):
		f.Check, f.Severity = CheckDrift, Critical
		f.Expected, f.Got = rdataList(want), rdataList(got)
		f.Message = "the server serves other data than desired"
	case want.TTL != got.TTL:
		f.Check, f.Severity = CheckTTL, Warning
		f.Expected, f.Got = strconv.FormatUint(uint64(want.TTL), 10), strconv.FormatUint(uint64(got.TTL), 10)
		f.Message = fmt.Sprintf("the server serves the desired data with TTL %d instead of %d", got.TTL, want.TTL)
	default:
		return nil
	}
	return []Finding{f}
}

// rdataList renders an RRset's data as "a, b, c".
func rdataList(s *zone.RRset) string { return strings.Join(s.Rdata(), ", ") }

// compareZone compares a whole transferred zone with the desired one:
// every desired RRset, and every managed RRset only the server has.
func (r *run) compareZone(s *server, got map[zone.Key][]dns.RR) {
	for i, want := range r.desired {
		s.findings = append(s.findings, r.compareRaw(s, i, got[want.Key()], "not in the zone transfer")...)
	}
	var extra []*zone.RRset
	for k, raw := range got {
		if !r.plan.Managed(r.zone, k) || r.z.Records.Get(k) != nil {
			continue
		}
		set, err := rrsetFrom(raw, k.Name, k.Type)
		if err != nil || set == nil {
			continue
		}
		extra = append(extra, set)
	}
	slices.SortFunc(extra, func(a, b *zone.RRset) int { return a.Key().Compare(b.Key()) })
	for _, g := range extra {
		s.findings = append(s.findings, Finding{Zone: r.zone, Check: CheckExtra, Severity: Critical, Nameserver: s.Nameserver,
			Address: s.Address, Provider: s.Provider, Record: g.Name + " " + g.TypeString(), Got: rdataList(g),
			Message: "the server serves an RRset the desired zone does not have"})
	}
	s.RRsets = len(r.desired)
	s.Queries++
}

// axfr transfers the zone from s over TCP, signed with key when signed.
func (r *run) axfr(ctx context.Context, s *server, key TSIGKey, signed bool) (map[zone.Key][]dns.RR, error) {
	d := net.Dialer{Timeout: r.opts.Timeout}
	nc, err := d.DialContext(ctx, "tcp", s.hostport)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	t := &dns.Transfer{Conn: &dns.Conn{Conn: nc}, ReadTimeout: r.opts.Timeout, WriteTimeout: r.opts.Timeout}
	m := new(dns.Msg)
	m.SetAxfr(r.zone)
	if signed {
		t.TsigSecret = map[string]string{key.Name: key.Secret}
		m.SetTsig(key.Name, key.Algorithm, 300, time.Now().Unix())
	}
	env, err := t.In(m, s.hostport)
	if err != nil {
		nc.Close()
		return nil, err
	}
	got := map[zone.Key][]dns.RR{}
	n := 0
	for e := range env {
		if err == nil && e.Error != nil {
			err = e.Error
		}
		if err != nil {
			continue // drain: the transfer goroutine closes the channel
		}
		for _, rr := range e.RR {
			h := rr.Header()
			if h.Rrtype == dns.TypeSOA {
				continue // first and last; never compared
			}
			name, nerr := zone.CanonicalName(h.Name, "")
			if nerr != nil {
				err = fmt.Errorf("served record %s: %v", rr, nerr)
				break
			}
			k := zone.Key{Name: name, Type: h.Rrtype}
			got[k] = append(got[k], rr)
			n++
		}
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("empty transfer")
	}
	return got, nil
}

var xfrRcode = regexp.MustCompile(`bad xfr rcode: (\d+)`)

// reasonOfXfr turns a transfer error into a short reason ("NOTAUTH").
func reasonOfXfr(err error) string {
	if m := xfrRcode.FindStringSubmatch(err.Error()); m != nil {
		rc, _ := strconv.Atoi(m[1])
		return rcodeName(rc)
	}
	return reasonOf(err)
}
