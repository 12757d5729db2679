package check

import (
	"strings"
	"testing"
)

func TestSerialLess(t *testing.T) {
	for _, c := range []struct {
		a, b uint32
		less bool
	}{
		{1, 2, true},
		{2, 1, false},
		{5, 5, false},
		{4294967295, 0, true}, // wraps
		{4294967295, 2, true},
		{2, 4294967295, false},
		{0, 1 << 31, false}, // exactly half the space apart: unordered
		{1 << 31, 0, false},
		{0, 1<<31 - 1, true},
		{2026112401, 2026112402, true},
	} {
		if got := SerialLess(c.a, c.b); got != c.less {
			t.Errorf("SerialLess(%d, %d) = %v, want %v", c.a, c.b, got, c.less)
		}
	}
}

func TestNewestSerial(t *testing.T) {
	for _, c := range []struct {
		in     []uint32
		newest uint32
		ok     bool
	}{
		{[]uint32{10, 9, 10}, 10, true},
		{[]uint32{4294967295, 2, 1}, 2, true},
		{[]uint32{7}, 7, true},
		{[]uint32{0, 1 << 30, 1 << 31, 3 << 30}, 0, false}, // a full circle: no newest
	} {
		got, ok := NewestSerial(c.in)
		if got != c.newest || ok != c.ok {
			t.Errorf("NewestSerial(%v) = %d, %v; want %d, %v", c.in, got, ok, c.newest, c.ok)
		}
	}
}

func TestSeverityOrder(t *testing.T) {
	if Worst(Critical, Unknown) != Critical || Worst(Warning, Unknown) != Unknown || Worst(OK, Warning) != Warning {
		t.Error("Worst order: want OK < WARNING < UNKNOWN < CRITICAL")
	}
	for s, code := range map[Severity]int{OK: 0, Warning: 1, Critical: 2, Unknown: 3, Severity(9): 3} {
		if s.ExitCode() != code {
			t.Errorf("%v exit %d", s, s.ExitCode())
		}
	}
	var s Severity
	if err := s.UnmarshalText([]byte("critical")); err != nil || s != Critical {
		t.Errorf("unmarshal: %v %v", s, err)
	}
}

func TestFindingKeyAndString(t *testing.T) {
	f := Finding{Zone: "z.", Check: CheckDrift, Severity: Critical, Nameserver: "ns.", Address: "::1", Record: "www.z. A", Expected: "1.2.3.4", Message: "m"}
	if f.Key() != "z.|drift|ns.|::1|www.z. A" {
		t.Errorf("key %q", f.Key())
	}
	if f.String() != "CRITICAL z. drift ns. ::1 www.z. A: m (expected 1.2.3.4, got (none))" {
		t.Errorf("string %q", f.String())
	}
}

func TestTSIGKeyNeverShowsSecret(t *testing.T) {
	k := TSIGKey{Name: "k.", Algorithm: "hmac-sha256", Secret: "c2VjcmV0"}
	for _, s := range []string{k.String(), k.GoString()} {
		if s != "TSIG key k. (hmac-sha256)" {
			t.Errorf("%q", s)
		}
	}
	if _, err := (TSIGKey{Name: "k.", Algorithm: "hmac-sha999", Secret: "c2VjcmV0"}).normalize(); err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("bad algorithm: %v", err)
	}
	if _, err := (TSIGKey{Name: "k.", Algorithm: "hmac-sha256", Secret: "not base64!"}).normalize(); err == nil || strings.Contains(err.Error(), "not base64!") {
		t.Errorf("bad secret: %v", err)
	}
}
