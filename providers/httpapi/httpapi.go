// Package httpapi is the small HTTP client the API-based provider adapters
// share (powerdns today, cloud providers later): a base URL, headers (the
// credentials) added to every request, JSON bodies both ways, a token-bucket
// rate limit, a per-request timeout, and errors that say what failed without
// ever showing a credential.
//
// Errors:
//   - a response outside 2xx is a *StatusError naming the method, the path
//     (never the full URL, never the query), the status and the API's own
//     error text;
//   - no response at all (refused, reset, timeout) is a *RequestError naming
//     the method and the path;
//   - 408, 429 and the retryable 5xx statuses, timeouts, resets and
//     unexpected EOFs come wrapped in a *providers.TransientError, carrying
//     the server's Retry-After (seconds or an HTTP date), so
//     providers.Retry retries them and honors the wait.
//
// Every header value given in Config.Header and any password in the base
// URL are secrets: they are scrubbed from every error message, and
// Client.String never shows them.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/dnsquorum/dnsquorum/providers"
)

// Defaults for Config fields left zero.
const (
	// DefaultTimeout bounds one request, from sending to the end of the
	// response body.
	DefaultTimeout = 30 * time.Second
	// MaxResponseBytes bounds a response body the client decodes.
	MaxResponseBytes = 256 << 20
	// maxErrorBody bounds how much of an error response is read for its
	// message.
	maxErrorBody = 64 << 10
	// maxMessage bounds the API error text kept in a StatusError.
	maxMessage = 512
)

// Secret is a credential read from the configuration (an API key, a token).
// It prints as "[redacted]" with every fmt verb and in JSON, YAML or text
// encodings, so logging a settings struct never leaks it; Value returns the
// real thing for the one place that needs it.
type Secret string

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// String returns "[redacted]" (or "" for an empty secret, so a missing key
// is visible).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString redacts the secret for %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalText redacts the secret in text-based encodings (JSON, YAML).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Config describes a Client.
type Config struct {
	// BaseURL is the API's root ("http://127.0.0.1:8081"); request paths are
	// appended to it. Required, http or https.
	BaseURL string
	// Header is sent with every request: typically the credentials
	// ("X-API-Key", "Authorization"). Every value is treated as a secret.
	Header http.Header
	// Timeout bounds each request (DefaultTimeout when zero).
	Timeout time.Duration
	// RateLimit is the sustained number of requests per second (0: no
	// limit).
	RateLimit float64
	// Burst is how many requests may go at once (default: RateLimit
	// rounded up, at least 1).
	Burst int
	// UserAgent is sent as User-Agent when set.
	UserAgent string
	// ErrorText extracts the API's error message from an error response
	// body (DefaultErrorText when nil).
	ErrorText func(body []byte) string
	// Transport carries the requests (a clone of http.DefaultTransport when
	// nil).
	Transport http.RoundTripper
}

// Client sends JSON requests to one API. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	header    http.Header
	timeout   time.Duration
	limiter   *rate.Limiter
	userAgent string
	errorText func([]byte) string
	http      *http.Client
	secrets   []string
}

// New returns a client for cfg. Its errors never contain the credentials.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("base URL is empty")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		// url.Parse quotes the input, which may hold a password.
		return nil, errors.New("base URL is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("base URL scheme %q: want http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("base URL has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("base URL must not carry a query or a fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	c := &Client{
		base:      u,
		header:    cfg.Header.Clone(),
		timeout:   cfg.Timeout,
		userAgent: cfg.UserAgent,
		errorText: cfg.ErrorText,
	}
	if c.header == nil {
		c.header = http.Header{}
	}
	for _, vs := range c.header {
		for _, v := range vs {
			if v != "" {
				c.secrets = append(c.secrets, v)
			}
		}
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		c.secrets = append(c.secrets, pw)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.errorText == nil {
		c.errorText = DefaultErrorText
	}
	if cfg.RateLimit < 0 {
		return nil, fmt.Errorf("rate limit %v: must not be negative", cfg.RateLimit)
	}
	if cfg.RateLimit > 0 {
		burst := cfg.Burst
		if burst <= 0 {
			burst = max(1, int(math.Ceil(cfg.RateLimit)))
		}
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), burst)
	}
	tr := cfg.Transport
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	c.http = &http.Client{
		Transport: tr,
		// A redirect could carry the credentials elsewhere: refuse them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

// String describes the client without its credentials: the base URL's
// scheme and host.
func (c *Client) String() string {
	return fmt.Sprintf("httpapi.Client(%s://%s%s)", c.base.Scheme, c.base.Host, c.base.Path)
}

// GoString is String, so %#v does not dump the headers.
func (c *Client) GoString() string { return c.String() }

// Redact replaces every secret the client knows in s with "[redacted]".
func (c *Client) Redact(s string) string {
	for _, sec := range c.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return s
}

// Do sends a request with method to path (below the base URL; it may carry a
// query) with in encoded as the JSON body (none when in is nil), and decodes
// a JSON response into out (ignored when out is nil or the body is empty).
// It waits for the rate limiter first. See the package doc for the errors.
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &RequestError{Method: method, Path: c.base.Path + pathOnly(path), Err: fmt.Errorf("encoding the request: %v", err)}
		}
		body = b
	}
	return c.DoRaw(ctx, method, path, body, out)
}

// DoRaw is Do with an already encoded JSON body (nil: none).
func (c *Client) DoRaw(ctx context.Context, method, path string, body []byte, out any) error {
	// Messages show the path on the server, never the scheme, host, user
	// information or query.
	shown := c.base.Path + pathOnly(path)
	fail := func(err error) error {
		return &RequestError{Method: method, Path: shown, Err: errors.New(c.Redact(err.Error()))}
	}
	u, err := c.resolve(path)
	if err != nil {
		return fail(err)
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return fail(fmt.Errorf("waiting for the rate limit: %w", ctxErr(ctx, err)))
		}
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(rctx, method, u.String(), rd)
	if err != nil {
		return fail(err)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return c.networkError(ctx, rctx, method, shown, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A partial body still makes a message; the status is what counts.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		se := &StatusError{
			Method:  method,
			Path:    shown,
			Status:  resp.StatusCode,
			Message: truncate(c.Redact(strings.TrimSpace(c.errorText(b))), maxMessage),
		}
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			se.RetryAfter = d
		}
		if se.Transient() {
			return &providers.TransientError{Err: se, RetryAfter: se.RetryAfter}
		}
		return se
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return c.networkError(ctx, rctx, method, shown, fmt.Errorf("reading the response: %w", err))
	}
	if len(b) > MaxResponseBytes {
		return fail(fmt.Errorf("response larger than %d bytes", MaxResponseBytes))
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fail(fmt.Errorf("decoding the %s response: %v", resp.Status, err))
	}
	return nil
}

// resolve appends path (and its query) to the base URL.
func (c *Client) resolve(path string) (*url.URL, error) {
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("path %q must start with /", pathOnly(path))
	}
	ref, err := url.Parse(path)
	if err != nil || ref.Scheme != "" || ref.Host != "" {
		return nil, fmt.Errorf("invalid path %q", pathOnly(path))
	}
	u := *c.base
	u.Path = c.base.Path + ref.Path
	u.RawPath = ""
	if ref.RawPath != "" {
		u.RawPath = c.base.EscapedPath() + ref.RawPath
	}
	u.RawQuery = ref.RawQuery
	return &u, nil
}

// networkError classifies a failure to get a response.
func (c *Client) networkError(ctx, rctx context.Context, method, path string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error's text holds the whole URL; keep only the cause.
		err = ue.Err
	}
	if ctx.Err() != nil {
		// The caller gave up: not the server's fault, not worth a retry.
		return &RequestError{Method: method, Path: path, Err: ctx.Err()}
	}
	re := &RequestError{Method: method, Path: path, Err: errors.New(c.Redact(err.Error()))}
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		re.Err = fmt.Errorf("no complete response within %v", c.timeout)
		re.Timeout = true
		return &providers.TransientError{Err: re}
	}
	if isTransientNetErr(rctx, err) {
		return &providers.TransientError{Err: re}
	}
	return re
}

// isTransientNetErr reports whether err is a timeout, a reset or a
// connection closed before the response ended.
func isTransientNetErr(rctx context.Context, err error) bool {
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF):
		return true
	}
	return false
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// StatusError is a response outside 2xx.
type StatusError struct {
	// Method is the request's method.
	Method string
	// Path is the request path without the query.
	Path string
	// Status is the HTTP status code.
	Status int
	// Message is the API's error text (secrets scrubbed, truncated).
	Message string
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
}

// Error renders "METHOD /path: HTTP 422 Unprocessable Entity: message".
func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Transient reports whether the status is worth retrying: 408, 429, 500,
// 502, 503, 504 and the other 5xx except 501 and 505.
func (e *StatusError) Transient() bool {
	switch {
	case e.Status == http.StatusRequestTimeout, e.Status == http.StatusTooManyRequests:
		return true
	case e.Status == http.StatusNotImplemented, e.Status == http.StatusHTTPVersionNotSupported:
		return false
	}
	return e.Status >= 500 && e.Status <= 599
}

// RequestError is a request that got no usable response: refused, reset,
// timed out, or a body that could not be decoded.
type RequestError struct {
	// Method is the request's method.
	Method string
	// Path is the request path without the query.
	Path string
	// Timeout is true when the request ran out of time.
	Timeout bool
	// Err is the cause, secrets scrubbed.
	Err error
}

// Error renders "METHOD /path: cause".
func (e *RequestError) Error() string { return e.Method + " " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// StatusOf returns the HTTP status of err when it is (or wraps) a
// *StatusError, and 0 otherwise.
func StatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// ParseRetryAfter parses a Retry-After header value: delay-seconds or an
// HTTP date (RFC 9110 section 10.2.3), relative to now. A date in the past
// means no wait. ok is false for an empty or malformed value.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// DefaultErrorText extracts an error message from an API error body: the
// "error", "message", "detail" or "error_description" string of a JSON
// object (with an "errors" list of strings or objects appended), or else
// the body's text.
func DefaultErrorText(body []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj != nil {
		var parts []string
		for _, k := range []string{"error", "message", "detail", "error_description"} {
			var s string
			if raw, ok := obj[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
				parts = append(parts, s)
				break
			}
		}
		if raw, ok := obj["errors"]; ok {
			var list []json.RawMessage
			if json.Unmarshal(raw, &list) == nil {
				for _, item := range list {
					var s string
					if json.Unmarshal(item, &s) == nil {
						parts = append(parts, s)
						continue
					}
					var m struct {
						Message string `json:"message"`
					}
					if json.Unmarshal(item, &m) == nil && m.Message != "" {
						parts = append(parts, m.Message)
					}
				}
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, "; ")
		}
	}
	return strings.Join(strings.Fields(string(body)), " ")
}

// pathOnly drops the query from a request path, for messages.
func pathOnly(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
