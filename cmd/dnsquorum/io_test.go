package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestIORedactsSecrets(t *testing.T) {
	ios, out, errOut := TestIO("")
	ios.AddSecrets("s3cr3t-token-value", "53", "")
	fmt.Fprintf(ios.Out, "token=s3cr3t-token-value port=53\n")
	fmt.Fprintf(ios.ErrOut, "error: bad key s3cr3t-token-value\n")
	if strings.Contains(out.String()+errOut.String(), "s3cr3t-token-value") {
		t.Fatalf("secret leaked: %q %q", out, errOut)
	}
	if got := out.String(); got != "token=[redacted] port=53\n" {
		t.Errorf("stdout %q: short values are not secrets and stay", got)
	}
}

func TestIOColorOnlyOnTTYWithoutNoColor(t *testing.T) {
	ios, _, _ := TestIO("")
	t.Setenv("TERM", "xterm")
	if got := ios.Red("x"); got != "x" {
		t.Errorf("no TTY: %q, want plain", got)
	}
	ios.SetTTY(false, true, true)
	if got := ios.Red("x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("TTY: %q, want red", got)
	}
	t.Setenv("NO_COLOR", "1")
	if got := ios.Red("x"); got != "x" {
		t.Errorf("NO_COLOR: %q, want plain", got)
	}
}

func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "yes\n": true, "YES\n": true, "n\n": false, "\n": false, "": false, "maybe\n": false} {
		ios, _, _ := TestIO(in)
		if got, _ := ios.Confirm("Apply?"); got != want {
			t.Errorf("Confirm(%q) = %v, want %v", in, got, want)
		}
	}
}
