package rfc2136

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/internal/labtest"
	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// scratch is the lab zone this package's tests own on BIND, Knot and
// PowerDNS.
const scratch = "scratch.test."

// labServers are the lab servers that take dynamic updates.
var labServers = []struct{ name, key string }{
	{"bind", "LAB_BIND"},
	{"knot", "LAB_KNOT"},
	{"pdns", "LAB_PDNS"},
}

// labSettings returns settings for the lab server whose address variable
// is key, signed with the lab's TSIG key.
func labSettings(env labtest.Env, key string) Settings {
	return Settings{
		Server:  env.Addr(key),
		TSIG:    TSIG{Name: env["LAB_TSIG_NAME"], Algorithm: env["LAB_TSIG_ALG"], Secret: env["LAB_TSIG_SECRET"]},
		Timeout: "30s",
	}
}

func newProvider(t testing.TB, s Settings) *Provider {
	t.Helper()
	p, err := NewFromSettings("test", s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// read reads the zone from p, failing the test on error.
func read(t testing.TB, p *Provider, origin string) *zone.RRsets {
	t.Helper()
	got, err := providers.Read(ctxT(t), p, origin)
	if err != nil {
		t.Fatalf("read %s: %v", origin, err)
	}
	return got
}

// planOpts plans everything but the SOA, apex NS included.
var planOpts = zone.PlanOptions{ManageApexNS: true, SafetyThreshold: -1}

// withBase returns the SOA and apex NS of actual plus the records of text.
func withBase(actual *zone.RRsets, origin, text string) *zone.RRsets {
	d := zone.MustParse(origin, text)
	for _, t := range []uint16{dns.TypeSOA, dns.TypeNS} {
		if s := actual.Get(zone.Key{Name: origin, Type: t}); s != nil && d.Get(s.Key()) == nil {
			d.Put(s.Clone())
		}
	}
	return d
}

// syncZone makes the zone on p hold its SOA and apex NS plus text, and checks
// that it converged.
func syncZone(t testing.TB, p *Provider, origin, text string) *zone.Plan {
	t.Helper()
	actual := read(t, p, origin)
	desired := withBase(actual, origin, text)
	plan := zone.NewPlan(origin, "test", desired, actual, planOpts)
	if _, err := providers.Apply(ctxT(t), p, plan); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if again := zone.NewPlan(origin, "test", desired, read(t, p, origin), planOpts); !again.Empty() {
		t.Fatalf("not converged: %d changes left, first %s", len(again.Changes), again.Changes[0])
	}
	return plan
}

// proxy is a DNS-over-TCP proxy in front of a lab server that records the
// UPDATE messages going through and can refuse one of them itself.
type proxy struct {
	addr   string
	target string
	mu     sync.Mutex
	sizes  []int // octets of each UPDATE message seen, TSIG included
	// failName: an UPDATE touching this owner is answered REFUSED
	// instead of being forwarded ("": none). Matching a name, not a
	// message number, keeps retries of earlier messages from shifting it.
	failName string
}

func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	px := &proxy{addr: ln.Addr().String(), target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go px.serve(c)
		}
	}()
	return px
}

func (px *proxy) updates() []int {
	px.mu.Lock()
	defer px.mu.Unlock()
	return append([]int(nil), px.sizes...)
}

func (px *proxy) failOn(name string) {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.failName, px.sizes = name, nil
}

func readFrame(r io.Reader) ([]byte, error) {
	var n uint16
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}

func writeFrame(w io.Writer, mu *sync.Mutex, b []byte) error {
	mu.Lock()
	defer mu.Unlock()
	out := make([]byte, 2+len(b))
	binary.BigEndian.PutUint16(out, uint16(len(b)))
	copy(out[2:], b)
	_, err := w.Write(out)
	return err
}

func (px *proxy) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", px.target)
	if err != nil {
		return
	}
	defer up.Close()
	var wmu sync.Mutex
	go func() {
		for {
			b, err := readFrame(up)
			if err != nil {
				c.Close()
				return
			}
			if writeFrame(c, &wmu, b) != nil {
				return
			}
		}
	}()
	for {
		b, err := readFrame(c)
		if err != nil {
			return
		}
		var req dns.Msg
		if req.Unpack(b) == nil && req.Opcode == dns.OpcodeUpdate {
			px.mu.Lock()
			px.sizes = append(px.sizes, len(b))
			fail := false
			for _, rr := range req.Ns {
				fail = fail || (px.failName != "" && rr.Header().Name == px.failName)
			}
			px.mu.Unlock()
			if fail {
				resp := new(dns.Msg)
				resp.SetRcode(&req, dns.RcodeRefused)
				resp.Extra = nil
				out, _ := resp.Pack()
				if writeFrame(c, &wmu, out) != nil {
					return
				}
				continue
			}
		}
		if _, err := up.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)); err != nil {
			return
		}
	}
}
