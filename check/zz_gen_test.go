package check

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestGenSeeds(t *testing.T) {
	dir := "testdata/fuzz/FuzzResponse"
	os.MkdirAll(dir, 0o755)
	names := []string{"referral-with-glue", "authoritative-soa", "nxdomain", "truncated", "cname-chain"}
	for i, m := range seedResponses() {
		b, _ := m.Pack()
		os.WriteFile(filepath.Join(dir, names[i]), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)), 0o644)
	}
	dir = "testdata/fuzz/FuzzParseServerAddr"
	os.MkdirAll(dir, 0o755)
	for i, s := range []string{"127.0.0.10", "127.0.0.10:5353", "[::1]:53", "::ffff:127.0.0.1", "[fe80::1%lo]:53", "ns1.example.test:53"} {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), []byte(fmt.Sprintf("go test fuzz v1\nstring(%q)\n", s)), 0o644)
	}
}
