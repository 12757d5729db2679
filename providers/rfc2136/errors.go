package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/providers"
)

// ErrConcurrentEdit is returned (wrapped) when serial_prerequisite is on and
// the zone's SOA changed between the read the plan was made from and the
// UPDATE: someone else edited the zone. Nothing of that message was
// applied; plan again.
var ErrConcurrentEdit = errors.New("the zone changed since it was read (concurrent edit): plan again")

// ServerError is a DNS response that refused an operation: it names the
// server, the zone, the operation and the response code.
type ServerError struct {
	// Server is the "host:port" that answered.
	Server string
	// Zone is the zone of the operation.
	Zone string
	// Op is "UPDATE", "AXFR" or "SOA query".
	Op string
	// Rcode is the response code (dns.RcodeRefused, ...).
	Rcode int
	// TSIGError is the TSIG error the server reported (dns.RcodeBadSig,
	// dns.RcodeBadKey, dns.RcodeBadTime), or 0.
	TSIGError uint16
	// Detail explains the code and what to check.
	Detail string
	// concurrent marks a failed SOA serial prerequisite.
	concurrent bool
}

// Error renders "rfc2136 SERVER: zone ZONE: OP: RCODE[/TSIGERROR]: detail".
func (e *ServerError) Error() string {
	code := dns.RcodeToString[e.Rcode]
	if code == "" {
		code = fmt.Sprintf("RCODE%d", e.Rcode)
	}
	if e.TSIGError != 0 {
		code += "/" + tsigErrorName(e.TSIGError)
	}
	msg := fmt.Sprintf("rfc2136 %s: zone %s: %s: %s", e.Server, e.Zone, e.Op, code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Is lets errors.Is(err, ErrConcurrentEdit) match a failed serial
// prerequisite.
func (e *ServerError) Is(target error) bool {
	return target == ErrConcurrentEdit && e.concurrent
}

func tsigErrorName(code uint16) string {
	switch code {
	case dns.RcodeBadSig:
		return "BADSIG"
	case dns.RcodeBadKey:
		return "BADKEY"
	case dns.RcodeBadTime:
		return "BADTIME"
	case dns.RcodeBadTrunc:
		return "BADTRUNC"
	}
	return fmt.Sprintf("TSIG error %d", code)
}

// responseError maps a response that is not NOERROR to an error; SERVFAIL
// is transient.
func (p *Provider) responseError(op, origin string, r *dns.Msg, prereq bool) error {
	e := &ServerError{Server: p.cfg.server, Zone: origin, Op: op, Rcode: r.Rcode}
	if t := r.IsTsig(); t != nil {
		e.TSIGError = t.Error
	}
	keyName := "(none)"
	if p.cfg.key != nil {
		keyName = p.cfg.key.name
	}
	switch {
	case e.TSIGError == dns.RcodeBadSig:
		e.Detail = fmt.Sprintf("the server rejects the signature made with TSIG key %s (wrong secret?)", keyName)
	case e.TSIGError == dns.RcodeBadKey:
		e.Detail = fmt.Sprintf("the server does not know TSIG key %s with this algorithm", keyName)
	case e.TSIGError == dns.RcodeBadTime:
		e.Detail = "the server's clock and ours differ by more than the TSIG fudge (300 s)"
	case r.Rcode == dns.RcodeRefused:
		e.Detail = fmt.Sprintf("the server refuses it (does it serve the zone, and does it allow %s with TSIG key %s?)", op, keyName)
	case r.Rcode == dns.RcodeNotAuth:
		e.Detail = fmt.Sprintf("the server is not authoritative for the zone, or does not accept TSIG key %s", keyName)
	case r.Rcode == dns.RcodeNotZone:
		e.Detail = "a record is outside the zone"
	case r.Rcode == dns.RcodeNXRrset && prereq:
		e.Detail = "the SOA prerequisite failed: the zone changed since it was read (concurrent edit); plan again"
		e.concurrent = true
	case r.Rcode == dns.RcodeServerFailure:
		e.Detail = "server failure"
		return &providers.TransientError{Err: e}
	case r.Rcode == dns.RcodeFormatError:
		e.Detail = "the server could not parse the message"
	case r.Rcode == dns.RcodeNotImplemented:
		e.Detail = "the server does not implement it"
	}
	return e
}

// netError wraps a network failure (dial, timeout, reset) as transient.
func (p *Provider) netError(ctx context.Context, op, origin string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("rfc2136 %s: zone %s: %s: %w", p.cfg.server, origin, op, ctx.Err())
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		err = fmt.Errorf("no answer within %s (timeout): %w", p.cfg.timeout, err)
	}
	return &providers.TransientError{Err: fmt.Errorf("rfc2136 %s: zone %s: %s: %w", p.cfg.server, origin, op, err)}
}
