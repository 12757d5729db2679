package main

import (
	"errors"
	"fmt"
)

// Exit codes shared by every command. diff and sync follow Terraform's
// -detailed-exitcode; check follows the Nagios plugin convention.
const (
	// ExitOK: success; for diff, nothing to change; for check, OK.
	ExitOK = 0
	// ExitError: the command failed (bad input, a provider error); for
	// check, WARNING.
	ExitError = 1
	// ExitChanges: diff found changes pending; for check, CRITICAL.
	ExitChanges = 2
	// ExitUnknown: check could not run (Nagios UNKNOWN).
	ExitUnknown = 3
)

// ExitError carries the exit code a command wants. A nil Err means the
// command already explained itself on its output.
type exitError struct {
	Code int
	Err  error
}

func (e *exitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *exitError) Unwrap() error { return e.Err }

// exitCode returns err as an exit error with the given code, silent when err
// is nil.
func exitCode(code int, err error) error { return &exitError{Code: code, Err: err} }

// flagError marks a usage mistake: the message is followed by a hint to see
// --help.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

func flagErrorf(format string, args ...any) error {
	return &flagError{fmt.Errorf(format, args...)}
}

// codeOf maps a command's error to the process exit code; every error that
// is not an exitError is a plain failure (1).
func codeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitError
}
