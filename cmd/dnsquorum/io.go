package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"
)

// IO is the one place commands read input and write output. It knows
// whether the streams are terminals, whether color is wanted, and which
// secrets must never be shown: everything written through Out and ErrOut
// has them redacted. Tests swap in buffers with TestIO.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	colorForced                    *bool

	mu      sync.Mutex
	secrets []string
}

// SystemIO returns the process's standard streams.
func SystemIO() *IO {
	ios := &IO{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	ios.Out = &redactWriter{w: os.Stdout, io: ios}
	ios.ErrOut = &redactWriter{w: os.Stderr, io: ios}
	return ios
}

// TestIO returns an IO over buffers, with no terminal, plus the buffers.
func TestIO(stdin string) (*IO, *strings.Builder, *strings.Builder) {
	out, errOut := &strings.Builder{}, &strings.Builder{}
	ios := &IO{In: strings.NewReader(stdin)}
	ios.Out = &redactWriter{w: out, io: ios}
	ios.ErrOut = &redactWriter{w: errOut, io: ios}
	return ios, out, errOut
}

// SetTTY overrides terminal detection (tests).
func (s *IO) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IO) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IO) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt reports whether we may ask the user a question: both standard
// input and standard output must be terminals.
func (s *IO) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

// ColorEnabled reports whether output to Out may be colored: only on a
// terminal, and never when NO_COLOR is set.
func (s *IO) ColorEnabled() bool {
	if s.colorForced != nil {
		return *s.colorForced
	}
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	return s.stdoutTTY && os.Getenv("TERM") != "dumb"
}

// SetColor forces color on or off (tests).
func (s *IO) SetColor(on bool) { s.colorForced = &on }

// minSecretLen is the length below which an ${ENV} value is not treated as
// a secret: redacting "53" or "x" everywhere would wreck every output, and
// no key, token or URL is that short.
const minSecretLen = 6

// AddSecrets registers values that must never appear in output.
func (s *IO) AddSecrets(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if len(v) >= minSecretLen {
			s.secrets = append(s.secrets, v)
		}
	}
}

// Redact returns text with every registered secret replaced by "[redacted]".
func (s *IO) Redact(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.secrets {
		text = strings.ReplaceAll(text, v, "[redacted]")
	}
	return text
}

// Confirm asks a yes/no question on the terminal; the answer is no unless
// the user types y or yes.
func (s *IO) Confirm(question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(s.In).ReadString('\n')
	if err != nil && line == "" {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// Color helpers: they return plain text when color is off.

// Green colors s green.
func (s *IO) Green(t string) string { return s.paint("32", t) }

// Red colors s red.
func (s *IO) Red(t string) string { return s.paint("31", t) }

// Yellow colors s yellow.
func (s *IO) Yellow(t string) string { return s.paint("33", t) }

// Bold makes s bold.
func (s *IO) Bold(t string) string { return s.paint("1", t) }

func (s *IO) paint(code, t string) string {
	if !s.ColorEnabled() {
		return t
	}
	return "\x1b[" + code + "m" + t + "\x1b[0m"
}

// redactWriter removes secrets from everything written through it.
type redactWriter struct {
	w  io.Writer
	io *IO
}

func (r *redactWriter) Write(p []byte) (int, error) {
	clean := r.io.Redact(string(p))
	if _, err := io.WriteString(r.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}
