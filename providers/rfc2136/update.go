package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// unit is what never splits across UPDATE messages: the update RRs of one
// RRset change (or of one libdns record).
type unit struct {
	desc string   // "+ www.example.test. A", for errors
	name string   // canonical owner, to keep one owner's units together
	pre  []dns.RR // deletions, sent before every addition of the message
	add  []dns.RR // additions
	post []dns.RR // deletions sent after the additions (apex NS)
	size int      // uncompressed encoded size of all its RRs
}

func (u *unit) measure() {
	u.size = 0
	for _, part := range [][]dns.RR{u.pre, u.add, u.post} {
		for _, rr := range part {
			u.size += dns.Len(rr)
		}
	}
}

// removeRRset is the RFC 2136 section 2.5.2 "delete an RRset" record.
func removeRRset(name string, t uint16) dns.RR {
	return &dns.ANY{Hdr: dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassANY}}
}

// removeRR is the RFC 2136 section 2.5.4 "delete an RR from an RRset"
// record for rr.
func removeRR(rr dns.RR) dns.RR {
	c := dns.Copy(rr)
	c.Header().Class = dns.ClassNONE
	c.Header().Ttl = 0
	return c
}

// addRR is the RFC 2136 section 2.5.1 "add to an RRset" record for rr.
func addRR(rr dns.RR, ttl uint32) dns.RR {
	c := dns.Copy(rr)
	c.Header().Class = dns.ClassINET
	c.Header().Ttl = ttl
	return c
}

// ttlPlaceholder is the nameserver added and deleted within one UPDATE to
// change the TTL of an apex NS set (RFC 2606 reserves .invalid).
const ttlPlaceholder = "dnsquorum-ttl-change.invalid."

// changeUnit turns one RRset change into update RRs. An update or create
// deletes the RRset and adds the new records in one message. The apex NS
// set cannot be deleted whole (servers ignore it, RFC 2136 sections
// 3.4.2.3 and 3.4.2.4): its new records are added first, with the new TTL,
// which an addition sets for the whole RRset; then the old ones that are
// not kept are deleted one by one, so no nameserver is lost on the way
// (PowerDNS defers apex NS deletions to the end of the message anyway).
func changeUnit(origin string, c zone.Change) (unit, error) {
	u := unit{desc: c.String(), name: c.Key.Name}
	switch {
	case c.Key.Type == dns.TypeSOA:
		return u, fmt.Errorf("%s: the SOA is left to the server; refusing to change it", c)
	case !zone.InZone(c.Key.Name, origin):
		return u, fmt.Errorf("%s: name is outside zone %s", c, origin)
	case (c.Action == zone.Create || c.Action == zone.Update) && (c.New == nil || len(c.New.Records) == 0):
		return u, fmt.Errorf("%s: no records to set", c)
	case c.Action == zone.Delete && c.Old == nil:
		return u, fmt.Errorf("%s: no records to delete", c)
	}
	apexNS := c.Key.Name == origin && c.Key.Type == dns.TypeNS
	switch c.Action {
	case zone.Create, zone.Update:
		if !apexNS {
			u.pre = append(u.pre, removeRRset(c.Key.Name, c.Key.Type))
		}
		for _, rr := range c.New.Records {
			u.add = append(u.add, addRR(rr, c.New.TTL))
		}
		if apexNS {
			if c.Old != nil && c.Old.TTL != c.New.TTL && len(c.Added()) == 0 {
				// A TTL change alone. An addition sets the whole RRset's TTL
				// on BIND, Knot and PowerDNS, but Knot ignores re-adding a
				// record that is there, and PowerDNS performs apex NS
				// deletions after every addition of the message, so
				// deleting and re-adding a kept record loses it there.
				// A placeholder added and deleted within this (atomic)
				// message is an addition everywhere and never served.
				tmp := &dns.NS{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: c.New.TTL}, Ns: ttlPlaceholder}
				u.add = append(u.add, tmp)
				u.post = append(u.post, removeRR(tmp))
			}
			for _, rr := range c.Removed() {
				u.post = append(u.post, removeRR(rr))
			}
		}
	case zone.Delete:
		if apexNS {
			for _, rr := range c.Old.Records {
				u.pre = append(u.pre, removeRR(rr))
			}
		} else {
			u.pre = append(u.pre, removeRRset(c.Key.Name, c.Key.Type))
		}
	default:
		return u, fmt.Errorf("%s: unknown action %v", c, c.Action)
	}
	u.measure()
	return u, nil
}

// ApplyChanges applies the changes in as few UPDATE messages as fit in
// 65,535 octets each (measured by encoded size, TSIG included), sent in
// order over one TCP connection. Each message is atomic on the server; one
// change, and one owner name's changes, never straddle two messages. It
// returns how many changes landed: all of those in the messages before a
// failing one.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	origin = dns.CanonicalName(origin)
	if len(changes) == 0 {
		return 0, nil
	}
	units := make([]unit, len(changes))
	for i, c := range changes {
		u, err := changeUnit(origin, c)
		if err != nil {
			return 0, fmt.Errorf("rfc2136 %s: zone %s: %v", p.cfg.server, origin, err)
		}
		units[i] = u
	}
	return p.send(ctx, origin, units, p.cfg.serialPrereq)
}

// send sends units in UPDATE messages and returns how many landed. With
// prereq, every message requires the SOA last read (or left by the
// previous message).
func (p *Provider) send(ctx context.Context, origin string, units []unit, prereq bool) (int, error) {
	if len(units) == 0 {
		return 0, nil
	}
	var soa *dns.SOA
	if prereq {
		if soa = p.soas.get(origin); soa == nil {
			return 0, fmt.Errorf("rfc2136 %s: zone %s: serial_prerequisite: the zone was not read before this update, so there is no SOA serial to require; read it first", p.cfg.server, origin)
		}
	}
	msgs, err := p.split(origin, units, soa)
	if err != nil {
		return 0, err
	}
	c, err := p.dial(ctx, "UPDATE", origin)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	landed := 0
	for i, r := range msgs {
		m := p.updateMsg(origin, units[r[0]:r[1]], soa)
		if n := m.Len() + p.tsigLen(); n > dns.MaxMsgSize {
			// split measured wrong: never send what the server would cut.
			return landed, fmt.Errorf("rfc2136 %s: zone %s: internal error: UPDATE message %d is %d octets", p.cfg.server, origin, i+1, n)
		}
		_, err := c.exchange(ctx, "UPDATE", origin, m, soa != nil)
		if err != nil {
			var se *ServerError
			switch {
			case errors.As(err, &se) && se.concurrent:
				se.Detail += fmt.Sprintf(" (required SOA serial %d", soa.Serial)
				if now, qerr := c.querySOA(ctx, origin); qerr == nil {
					se.Detail += fmt.Sprintf(", the server now has %d", now.Serial)
				}
				se.Detail += ")"
				if p.soas.unanswered(origin) {
					se.Detail += "; an earlier attempt went unanswered and may have landed, changing the serial itself"
				}
			case soa != nil && !errors.As(err, &se):
				// No answer: the message may have landed, bumping the
				// serial, and a retry would then fail its prerequisite.
				p.soas.markUnanswered(origin)
			}
			return landed, fmt.Errorf("%w (UPDATE message %d of %d, changes %d to %d of %d, from %s)",
				err, i+1, len(msgs), r[0]+1, r[1], len(units), units[r[0]].desc)
		}
		landed = r[1]
		if soa != nil {
			p.soas.clearUnanswered(origin)
			// The server bumped the serial: the next message requires the
			// new SOA. (An edit slipping in between this answer and that
			// query goes unnoticed.)
			if soa, err = c.querySOA(ctx, origin); err != nil {
				return landed, err
			}
			p.soas.set(origin, soa)
		}
	}
	return landed, nil
}

// sendRetry is send for the libdns methods, which have no caller to retry
// for them: transient failures (SERVFAIL, timeouts) are retried with
// providers.Retry, resuming after the messages that landed. Every message
// is safe to send twice (deleting what is gone and adding what is there
// change nothing).
func (p *Provider) sendRetry(ctx context.Context, origin string, units []unit) error {
	return providers.Retry(ctx, func() error {
		n, err := p.send(ctx, origin, units, false)
		units = units[n:]
		return err
	})
}

// updateMsg builds one UPDATE: all deletions first, then additions, then
// the apex NS deletions that must follow their additions.
func (p *Provider) updateMsg(origin string, units []unit, soa *dns.SOA) *dns.Msg {
	m := new(dns.Msg)
	m.SetUpdate(origin)
	m.Compress = true
	if soa != nil {
		// RFC 2136 section 2.4.2: RRset exists (value dependent).
		pr := dns.Copy(soa)
		pr.Header().Class, pr.Header().Ttl = dns.ClassINET, 0
		m.Answer = []dns.RR{pr}
	}
	n := 0
	for _, u := range units {
		n += len(u.pre) + len(u.add) + len(u.post)
	}
	m.Ns = make([]dns.RR, 0, n)
	for _, u := range units {
		m.Ns = append(m.Ns, u.pre...)
	}
	for _, u := range units {
		m.Ns = append(m.Ns, u.add...)
	}
	for _, u := range units {
		m.Ns = append(m.Ns, u.post...)
	}
	return m
}

// tsigLen is the largest TSIG record the key adds to a message.
func (p *Provider) tsigLen() int {
	k := p.cfg.key
	if k == nil {
		return 0
	}
	t := &dns.TSIG{
		Hdr:       dns.RR_Header{Name: k.name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: k.alg, MACSize: uint16(k.macSize()), MAC: strings.Repeat("00", k.macSize()),
		OtherLen: 6, OtherData: strings.Repeat("00", 6),
	}
	return dns.Len(t)
}

// split groups units into messages of at most 65,535 octets once signed,
// in order, and returns each message's [start, end) range of units. One
// owner name's units stay in one message when they fit in one, so a type
// change at a name (delete A, add CNAME) is never split; a single unit
// that does not fit in an empty message is an error, before anything is
// sent.
func (p *Provider) split(origin string, units []unit, soa *dns.SOA) ([][2]int, error) {
	limit := dns.MaxMsgSize - p.tsigLen()
	empty := p.updateMsg(origin, nil, soa)
	base := empty.Len()
	// exact returns the compressed length of the message holding units[a:b].
	exact := func(a, b int) int { return p.updateMsg(origin, units[a:b], soa).Len() }

	var msgs [][2]int
	start, est := 0, base // est bounds the current message's length from above
	// add tries to put units[i:j] (one owner's, or one unit) in the
	// current message, closing it first when they do not fit.
	add := func(i, j, size int) bool {
		if est+size <= limit {
			est += size
			return true
		}
		if i > start {
			est = exact(start, i) // compression made room, maybe
			if est+size <= limit {
				est += size
				return true
			}
			msgs = append(msgs, [2]int{start, i})
			start, est = i, base
		}
		if est+size <= limit {
			est += size
			return true
		}
		// Alone in a message, measured exactly.
		if exact(i, j) <= limit {
			est = exact(i, j)
			return true
		}
		return false
	}
	for i := 0; i < len(units); {
		j, size := i, 0
		for j < len(units) && units[j].name == units[i].name {
			size += units[j].size
			j++
		}
		if add(i, j, size) {
			i = j
			continue
		}
		// The owner's units do not fit in one message: one by one.
		for k := i; k < j; k++ {
			if !add(k, k+1, units[k].size) {
				return nil, fmt.Errorf("rfc2136 %s: zone %s: %s: %d octets of update records do not fit in one %d-octet UPDATE message, and one RRset change is never split",
					p.cfg.server, origin, units[k].desc, units[k].size, dns.MaxMsgSize)
			}
		}
		i = j
	}
	if start < len(units) {
		msgs = append(msgs, [2]int{start, len(units)})
	}
	return msgs, nil
}
