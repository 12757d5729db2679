package check

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// ednsSize is the UDP payload size announced in queries (DNS Flag Day
// 2020): answers larger than this come back truncated and are asked again
// over TCP.
const ednsSize = 1232

// exchanger sends queries with bounded retries and timeouts.
type exchanger struct {
	timeout  time.Duration
	attempts int
	// queries and tcp count what was sent, for the benchmark and stats.
	queries, tcp atomic.Int64
}

// msg returns a query for name and type t with EDNS0; rd sets the
// recursion-desired bit (only for the resolver).
func msg(name string, t uint16, rd bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, t)
	m.RecursionDesired = rd
	m.SetEdns0(ednsSize, false)
	return m
}

// queryError is a query that got no usable answer, with a short reason for
// findings ("timeout", "connection refused").
type queryError struct {
	reason string
	err    error
}

func (e *queryError) Error() string { return e.reason }
func (e *queryError) Unwrap() error { return e.err }

// reasonOf turns a network error into a short reason.
func reasonOf(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "network unreachable"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "address not available"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// conn is one worker's connections to one server: a UDP socket reused for
// every query, and a TCP connection opened the first time an answer is
// truncated and kept for later ones. It is not safe for concurrent use.
type conn struct {
	x    *exchanger
	addr string
	udp  net.Conn
	tcp  *dns.Conn
	// rbuf and wbuf are reused for every UDP datagram.
	rbuf, wbuf []byte
	// tcps counts answers that needed TCP.
	tcps int
}

func (x *exchanger) conn(addr string) *conn { return &conn{x: x, addr: addr} }

// exchange sends one query to addr on a fresh connection.
func (x *exchanger) exchange(ctx context.Context, addr string, m *dns.Msg) (*dns.Msg, error) {
	c := x.conn(addr)
	defer c.close()
	return c.exchange(ctx, m)
}

func (c *conn) close() {
	if c.udp != nil {
		c.udp.Close()
		c.udp = nil
	}
	if c.tcp != nil {
		c.tcp.Close()
		c.tcp = nil
	}
}

// exchange sends m (its ID is replaced) over UDP and, when the answer is
// truncated, over TCP; a query without an answer is sent again, up to the
// exchanger's attempts. A REFUSED, SERVFAIL or other error rcode is an
// answer, not an error.
func (c *conn) exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	c.x.queries.Add(1)
	var last error
	for attempt := 0; attempt < c.x.attempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, &queryError{reasonOf(err), err}
		}
		m.Id = dns.Id()
		r, err := c.udpExchange(ctx, m)
		if err == nil && r.Truncated {
			c.x.tcp.Add(1)
			c.tcps++
			r, err = c.tcpExchange(ctx, m)
			if err != nil {
				err = &queryError{"truncated over UDP; over TCP: " + reasonOf(err), err}
			}
		}
		if err == nil {
			return r, nil
		}
		last = err
		if errors.Is(err, syscall.ECONNREFUSED) {
			// An ICMP port unreachable: nothing listens, no point waiting
			// for the other attempts' timeouts, but try again in case the
			// server was restarting.
			c.close()
		}
	}
	var qe *queryError
	if errors.As(last, &qe) {
		return nil, last
	}
	return nil, &queryError{reasonOf(last), last}
}

// deadline returns the end of one attempt.
func (c *conn) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(c.x.timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d
}

func (c *conn) dial(ctx context.Context, network string) (*dns.Conn, error) {
	d := net.Dialer{Timeout: c.x.timeout}
	nc, err := d.DialContext(ctx, network, c.addr)
	if err != nil {
		return nil, err
	}
	return &dns.Conn{Conn: nc, UDPSize: 4096}, nil
}

func (c *conn) udpExchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	if c.udp == nil {
		d := net.Dialer{Timeout: c.x.timeout}
		u, err := d.DialContext(ctx, "udp", c.addr)
		if err != nil {
			return nil, err
		}
		c.udp = u
		c.rbuf = make([]byte, 65535)
	}
	out, err := m.PackBuffer(c.wbuf)
	if err != nil {
		return nil, err
	}
	c.wbuf = out
	c.udp.SetDeadline(c.deadline(ctx))
	if _, err := c.udp.Write(out); err != nil {
		return nil, err
	}
	for {
		n, err := c.udp.Read(c.rbuf)
		if err != nil {
			return nil, err
		}
		r := new(dns.Msg)
		if err := r.Unpack(c.rbuf[:n]); err != nil {
			// A datagram that does not parse: skip it, as garbage or a
			// late answer; the deadline bounds the wait.
			continue
		}
		if r.Id != m.Id || !sameQuestion(r, m) {
			continue // a late answer to an earlier attempt
		}
		return r, nil
	}
}

func (c *conn) tcpExchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	for try := 0; try < 2; try++ {
		fresh := c.tcp == nil
		if fresh {
			t, err := c.dial(ctx, "tcp")
			if err != nil {
				return nil, err
			}
			c.tcp = t
		}
		c.tcp.SetDeadline(c.deadline(ctx))
		r, err := c.tcpRoundTrip(m)
		if err == nil {
			return r, nil
		}
		c.tcp.Close()
		c.tcp = nil
		if fresh {
			return nil, err
		}
		// The server may have closed an idle connection: once more on a
		// new one.
	}
	return nil, errors.New("unreachable")
}

func (c *conn) tcpRoundTrip(m *dns.Msg) (*dns.Msg, error) {
	if err := c.tcp.WriteMsg(m); err != nil {
		return nil, err
	}
	for {
		r, err := c.tcp.ReadMsg()
		if err != nil {
			return nil, err
		}
		if r.Id == m.Id && sameQuestion(r, m) {
			return r, nil
		}
	}
}

func sameQuestion(r, m *dns.Msg) bool {
	if len(r.Question) != 1 || len(m.Question) != 1 {
		return len(r.Question) == len(m.Question)
	}
	a, b := r.Question[0], m.Question[0]
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && strings.EqualFold(a.Name, b.Name)
}

// rcodeName returns the mnemonic of an rcode ("REFUSED").
func rcodeName(rc int) string {
	if s, ok := dns.RcodeToString[rc]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", rc)
}
