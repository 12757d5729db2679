package labtest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReadUnquotesShellValues(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lab.env")
	text := "# comment\nLAB_PORT=53\nLAB_NSD_RELOAD=nsd-control\\ -c\\ /x/nsd.conf\\ reload\nexport LAB_Q='a b'\nLAB_D=\"c d\"\n"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"LAB_PORT": "53", "LAB_NSD_RELOAD": "nsd-control -c /x/nsd.conf reload", "LAB_Q": "a b", "LAB_D": "c d"}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("%s = %q, want %q", k, e[k], v)
		}
	}
	if got := e.Words("LAB_NSD_RELOAD"); len(got) != 4 || got[3] != "reload" {
		t.Errorf("Words = %q", got)
	}
	if got := (Env{"LAB_BIND": "127.0.0.11", "LAB_PORT": "5353"}).Addr("LAB_BIND"); got != "127.0.0.11:5353" {
		t.Errorf("Addr = %q", got)
	}
}
