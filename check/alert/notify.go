package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// NotificationFormatVersion is the version of the JSON the webhook and exec
// sinks receive.
const NotificationFormatVersion = 1

// Notification is what one run tells one sink: one entry per zone that has
// news for it. The webhook sink POSTs it as JSON; the exec sink writes it to
// the command's standard input.
type Notification struct {
	FormatVersion int    `json:"format_version"`
	Sink          string `json:"sink"`
	// Vantage names the machine that ran the check (informational: two
	// vantage points seeing one problem send the same dedup keys).
	Vantage string       `json:"vantage,omitempty"`
	SentAt  time.Time    `json:"sent_at"`
	Zones   []ZoneNotice `json:"zones"`
}

// Item statuses in a ZoneNotice.
const (
	// StatusNew: the sink hears of the problem for the first time.
	StatusNew = "new"
	// StatusChanged: the problem's severity changed since the sink last
	// heard of it (PreviousSeverity).
	StatusChanged = "changed"
	// StatusRepeat: still open, repeated because renotify passed.
	StatusRepeat = "repeat"
	// StatusOpen: still open, already known to the sink (context).
	StatusOpen = "open"
	// StatusResolved: gone since the sink heard of it.
	StatusResolved = "resolved"
)

// ZoneNotice is one zone's part of a notification.
type ZoneNotice struct {
	Zone string `json:"zone"`
	// Status is "firing" while any problem the sink sees is open, else
	// "resolved".
	Status string `json:"status"`
	// Severity is the worst open severity ("ok" when resolved).
	Severity Severity `json:"severity"`
	// DedupKey identifies the zone's alert (ZoneDedupKey).
	DedupKey string `json:"dedup_key"`
	// Since is when the oldest open problem was first seen.
	Since *time.Time `json:"since,omitempty"`
	// Findings are the zone's open problems and those just resolved.
	Findings []Item `json:"findings"`
}

// Item is one problem in a notification.
type Item struct {
	Problem
	Key      string `json:"key"`
	DedupKey string `json:"dedup_key"`
	// Status is one of StatusNew, StatusChanged, StatusRepeat, StatusOpen,
	// StatusResolved.
	Status           string     `json:"status"`
	PreviousSeverity *Severity  `json:"previous_severity,omitempty"`
	FirstSeen        time.Time  `json:"first_seen"`
	LastSeen         time.Time  `json:"last_seen"`
	ResolvedAt       *time.Time `json:"resolved_at,omitempty"`
}

// Firing reports whether the item is an open problem.
func (i Item) Firing() bool { return i.Status != StatusResolved }

// counts returns how many items are new or changed, and resolved.
func (z ZoneNotice) counts() (triggered, resolved, open int) {
	for _, it := range z.Findings {
		switch it.Status {
		case StatusNew, StatusChanged:
			triggered++
		case StatusResolved:
			resolved++
		}
		if it.Firing() {
			open++
		}
	}
	return
}

// sender delivers one notification to one sink.
type sender interface {
	send(ctx context.Context, n *Notification) error
}

// deliveryError is a failed delivery: it names the sink, never its URL.
type deliveryError struct {
	Sink     string
	Attempts int
	Err      error
	// FailedZones, when not nil, lists the only zones that were not
	// delivered (sinks that send one request per zone).
	FailedZones map[string]bool
}

func (e *deliveryError) Error() string {
	return fmt.Sprintf("alert sink %q: %v (after %d attempts)", e.Sink, e.Err, e.Attempts)
}

func (e *deliveryError) Unwrap() error { return e.Err }

// retrier tries an operation with exponential backoff and jitter, honoring
// a server's Retry-After.
type retrier struct {
	attempts int
	base     time.Duration
	max      time.Duration
	sleep    func(ctx context.Context, d time.Duration) error
}

// retryable is an error worth another attempt, optionally after a wait the
// server asked for.
type retryable struct {
	err   error
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// do runs op until it succeeds, fails for good, or attempts run out. It
// returns the number of attempts made.
func (r retrier) do(ctx context.Context, op func(ctx context.Context) error) (int, error) {
	wait := r.base
	var err error
	for i := 1; ; i++ {
		err = op(ctx)
		var re *retryable
		if err == nil || !errors.As(err, &re) || i >= r.attempts {
			return i, err
		}
		d := wait/2 + rand.N(wait/2+1) // jitter in [wait/2, wait]
		if re.after > d {
			d = re.after
		}
		if d > r.max {
			d = r.max
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return i, err
		}
		if serr := r.sleep(ctx, d); serr != nil {
			return i, err
		}
		if wait < r.max {
			wait *= 2
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// httpPoster POSTs JSON bodies with a per-attempt timeout and retries.
type httpPoster struct {
	client  *http.Client
	timeout time.Duration
	retry   retrier
	redact  func(string) string
}

// post sends body to target, retrying network errors, 408, 425, 429 and
// 5xx. Errors never contain target: net/http's *url.Error is unwrapped.
func (p *httpPoster) post(ctx context.Context, target string, headers map[string]string, body []byte) (int, error) {
	return p.retry.do(ctx, func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, p.timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(actx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return errors.New("cannot build the request (check the url)")
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "dnsquorum-alert/1")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := p.client.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &retryable{err: errors.New(p.redact(err.Error()))}
		}
		defer resp.Body.Close()
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return nil
		}
		msg := fmt.Errorf("HTTP %d %s", resp.StatusCode, p.redact(strings.TrimSpace(string(snippet))))
		switch {
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout ||
			resp.StatusCode == http.StatusTooEarly || resp.StatusCode >= 500:
			return &retryable{err: msg, after: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
		}
		return msg
	})
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). It returns 0 when absent or unparsable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
