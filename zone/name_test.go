package zone

import (
	"slices"
	"strings"
	"testing"
)

func TestCanonicalNames(t *testing.T) {
	got, err := CanonicalNames([]string{"NS1.Example.NET.", "ns2", "bücher.example."}, "example.org.")
	want := []string{"ns1.example.net.", "ns2.example.org.", "xn--bcher-kva.example."}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("CanonicalNames = %q, %v; want %q", got, err, want)
	}
	if got, err := CanonicalNames(nil, "."); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no names: %#v, %v; want an empty, non-nil slice", got, err)
	}
	if _, err := CanonicalNames([]string{"ok.", "bad..name."}, "."); err == nil || !strings.Contains(err.Error(), "bad..name.") {
		t.Errorf("invalid name: err = %v, want it named", err)
	}
}
