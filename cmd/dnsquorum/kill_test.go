package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// dyingProxy forwards DNS-over-TCP to a real server and "kills the server"
// when the client sends message number dieAt (1-based, counted over all
// connections): that message is never delivered, every connection is cut
// and the listener closes, so reconnects are refused. revive listens again
// on the same address.
type dyingProxy struct {
	t        *testing.T
	upstream string
	addr     string
	dieAt    int

	mu    sync.Mutex
	seen  int
	dead  bool
	ln    net.Listener
	conns []net.Conn
}

func startDyingProxy(t *testing.T, upstream string, dieAt int) *dyingProxy {
	p := &dyingProxy{t: t, upstream: upstream, dieAt: dieAt}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.kill)
	return p
}

func (p *dyingProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln, p.dead = ln, false
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

// revive listens again on the proxy's address, delivering everything.
func (p *dyingProxy) revive() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("revive: %v", err)
	}
	p.mu.Lock()
	p.dieAt = 0
	p.mu.Unlock()
	p.serve(ln)
}

func (p *dyingProxy) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dead = true
	if p.ln != nil {
		p.ln.Close()
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *dyingProxy) handle(c net.Conn) {
	up, err := net.Dial("tcp", p.upstream)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.dead {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()
	go func() { _, _ = io.Copy(c, up); c.Close() }()
	for {
		var l [2]byte
		if _, err := io.ReadFull(c, l[:]); err != nil {
			up.Close()
			return
		}
		msg := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(c, msg); err != nil {
			up.Close()
			return
		}
		p.mu.Lock()
		p.seen++
		die := p.dieAt > 0 && p.seen >= p.dieAt
		p.mu.Unlock()
		if die {
			p.kill()
			return
		}
		if _, err := up.Write(append(l[:], msg...)); err != nil {
			return
		}
	}
}

// TestLabServerKilledMidSync: BIND "dies" (through a proxy) after the
// first UPDATE message of a sync that needs many; the other providers
// finish, the summary says how many changes landed at BIND, and once BIND
// is back the next sync applies the rest and converges.
func TestLabServerKilledMidSync(t *testing.T) {
	env, cfg := labSetup(t)
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Message 1 is the AXFR read, 2 the first UPDATE; the second UPDATE
	// (message 3) never arrives.
	proxy := startDyingProxy(t, env.Addr("LAB_BIND"), 3)
	text := strings.Replace(string(base), "server: 127.0.0.11:53", "server: "+proxy.addr+"\n    timeout: 2s", 1)
	var b strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&b, "      bulk%04d: { TXT: %q }\n", i, strings.Repeat(fmt.Sprintf("%04d", i), 50))
	}
	text = strings.Replace(text, "      sip: { A: 192.0.2.30 }\n", "      sip: { A: 192.0.2.30 }\n"+b.String(), 1)
	path := filepath.Join(t.TempDir(), "dnsquorum.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := run(t, "-c", path, "sync", "--yes", "--provider", "bind", "--provider", "knot")
	if code != ExitError {
		t.Fatalf("sync with BIND dying: exit %d, want 1\n%s", code, errOut)
	}
	if !strings.Contains(out, "ok knot example.test.: 1514 changes applied") {
		t.Errorf("knot must finish while bind dies:\n%s", lastLines(out, 6))
	}
	var landed, planned int
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "FAILED bind example.test.:") {
			fmt.Sscanf(line[strings.Index(line, "example.test.:")+len("example.test.:"):], " %d of %d changes applied", &landed, &planned)
		}
	}
	if planned != 1514 || landed == 0 || landed >= planned {
		t.Fatalf("bind summary: %d of %d landed; want some but not all of 1514\n%s", landed, planned, lastLines(out, 6))
	}

	// BIND is back. The next plan holds exactly what did not land.
	proxy.revive()
	code, out, errOut = run(t, "-c", path, "diff", "--provider", "bind")
	if code != ExitChanges || !strings.Contains(out, fmt.Sprintf("Plan: %d to create", planned-landed)) {
		t.Fatalf("diff after the kill: exit %d, want the %d missing creates\n%s%s", code, planned-landed, lastLines(out, 4), errOut)
	}
	if code, out, errOut = run(t, "-c", path, "sync", "--yes", "--provider", "bind"); code != ExitOK {
		t.Fatalf("converging sync: exit %d\n%s%s", code, lastLines(out, 4), errOut)
	}
	if code, out, _ = run(t, "-c", path, "diff", "--provider", "bind", "--provider", "knot"); code != ExitOK {
		t.Fatalf("diff after convergence: exit %d\n%s", code, lastLines(out, 4))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
