package zone

import (
	"errors"
	"fmt"
	"strings"
)

// Severity ranks a validation finding.
type Severity int

const (
	// Warning: allowed, but probably not what was meant.
	Warning Severity = iota + 1
	// Error: the configuration cannot be used.
	Error
)

// String returns "warning" or "error".
func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// MarshalText renders the severity for JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Finding is one problem found in the configuration or a zone's records.
type Finding struct {
	Pos      Position `json:"position"`
	Severity Severity `json:"severity"`
	// Rule is a stable identifier of the check ("cname-with-other-data").
	Rule string `json:"rule"`
	// Zone is the zone concerned, if any.
	Zone string `json:"zone,omitempty"`
	// Message says what is wrong, naming the record or setting.
	Message string `json:"message"`
}

// String renders "file:line:col: severity: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s", f.Pos, f.Severity, f.Message)
}

// Findings is a list of findings in the order they were found.
type Findings []Finding

// HasErrors reports whether any finding is an error.
func (fs Findings) HasErrors() bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

// Count returns the number of errors and warnings.
func (fs Findings) Count() (errs, warnings int) {
	for _, f := range fs {
		if f.Severity == Error {
			errs++
		} else {
			warnings++
		}
	}
	return
}

// Err returns nil when there are no errors, and otherwise an error listing
// every error finding, one per line.
func (fs Findings) Err() error {
	var lines []string
	for _, f := range fs {
		if f.Severity == Error {
			lines = append(lines, f.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(strings.Join(lines, "\n"))
}
