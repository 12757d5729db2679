// Package labtest gives tests the addresses and credentials of the lab's
// real nameservers (testdata/lab/lab.sh), read from its lab.env file.
//
// Without a running lab, tests that need it are skipped, unless
// DNSQUORUM_LAB_REQUIRED=1 (as in CI), where they fail: a lab test must never
// pass silently because the lab was missing.
package labtest

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Env is the parsed lab.env: every KEY=value line.
type Env map[string]string

// Dir returns the lab directory: $LAB_DIR or /tmp/dnsquorum-lab.
func Dir() string {
	if d := os.Getenv("LAB_DIR"); d != "" {
		return d
	}
	return "/tmp/dnsquorum-lab"
}

// Load reads lab.env, skipping (or, with DNSQUORUM_LAB_REQUIRED=1, failing)
// the test when the lab is not running.
func Load(t testing.TB) Env {
	t.Helper()
	env, err := Read(filepath.Join(Dir(), "lab.env"))
	if err == nil {
		// lab.env can outlive the lab: make sure the parent answers TCP.
		c, derr := net.DialTimeout("tcp", net.JoinHostPort(env["LAB_PARENT"], env["LAB_PORT"]), time.Second)
		if derr == nil {
			c.Close()
		} else {
			err = derr
		}
	}
	if err != nil {
		if os.Getenv("DNSQUORUM_LAB_REQUIRED") == "1" {
			t.Fatalf("lab required but not running (start it with testdata/lab/lab.sh start): %v", err)
		}
		t.Skipf("lab not running (testdata/lab/lab.sh start): %v", err)
	}
	return env
}

// Read parses a lab.env file.
func Read(path string) (Env, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := Env{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		env[k] = unquote(v)
	}
	return env, sc.Err()
}

// Addr returns "ip:port" for the lab server whose address variable is key
// (LAB_BIND, LAB_KNOT, LAB_PDNS, LAB_NSD, LAB_PARENT).
func (e Env) Addr(key string) string {
	return net.JoinHostPort(e[key], e["LAB_PORT"])
}

// unquote undoes the shell quoting lab.sh writes (printf %q: backslash
// escapes, or surrounding quotes).
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// Words splits a command-line variable (LAB_NSD_RELOAD, LAB_RNDC, ...) into
// its words.
func (e Env) Words(key string) []string { return strings.Fields(e[key]) }
