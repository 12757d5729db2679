// Package cloud holds what the cloud provider adapters (cloudflare, route53,
// digitalocean, desec) share: request pacing against a provider's documented
// rate limits, with a clock tests can replace; a cache of the API's record
// IDs; and parsing an API's record pieces into a normalized record. (Their
// libdns record methods are providers.LibdnsMethods.)
package cloud

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Clock tells the time and waits. Production code uses RealClock; tests use
// a FakeClock so that pacing is checked without waiting on the wall clock.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Sleep waits for d or until ctx ends.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// FakeClock is a clock whose Sleep advances its time at once. It is safe for
// concurrent use.
type FakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFakeClock returns a fake clock set at start.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{t: start} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep advances the fake time by d.
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.t = c.t.Add(d)
		c.mu.Unlock()
	}
	return nil
}

// Window is a documented "N requests per Per" limit, enforced as a sliding
// window (as deSEC and DigitalOcean document theirs).
type Window struct {
	N   int
	Per time.Duration
}

// String renders "15/1m0s".
func (w Window) String() string { return fmt.Sprintf("%d/%s", w.N, w.Per) }

// Limiter paces requests: a token bucket (golang.org/x/time/rate, burst 1,
// so requests are evenly spaced and no one-second window sees more than the
// rate) plus optional sliding windows for providers that document several
// limits at once. Wait blocks until one more request is allowed by all of
// them. A nil *Limiter allows everything.
type Limiter struct {
	mu      sync.Mutex
	clock   Clock
	bucket  *rate.Limiter
	windows []windowLog
}

type windowLog struct {
	Window
	sent []time.Time // ring of the last N send times
	next int
}

// NewLimiter returns a limiter allowing perSecond requests per second (0 or
// less: no bucket) and at most w.N requests in any w.Per. A nil clock means
// the wall clock.
func NewLimiter(perSecond float64, clock Clock, windows ...Window) *Limiter {
	if clock == nil {
		clock = RealClock{}
	}
	l := &Limiter{clock: clock}
	if perSecond > 0 {
		l.bucket = rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	for _, w := range windows {
		if w.N > 0 && w.Per > 0 {
			l.windows = append(l.windows, windowLog{Window: w})
		}
	}
	return l
}

// SetClock replaces the limiter's clock (tests).
func (l *Limiter) SetClock(c Clock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clock = c
}

// Clock returns the limiter's clock.
func (l *Limiter) Clock() Clock {
	if l == nil {
		return RealClock{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.clock
}

// Wait blocks until one more request is allowed, or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		now := l.clock.Now()
		var wait time.Duration
		for i := range l.windows {
			w := &l.windows[i]
			if len(w.sent) < w.N {
				continue
			}
			if d := w.sent[w.next].Add(w.Per).Sub(now); d > wait {
				wait = d
			}
		}
		if wait == 0 && l.bucket != nil {
			r := l.bucket.ReserveN(now, 1)
			if d := r.DelayFrom(now); d > 0 {
				r.CancelAt(now)
				wait = d
			}
		}
		if wait <= 0 {
			for i := range l.windows {
				w := &l.windows[i]
				if len(w.sent) < w.N {
					w.sent = append(w.sent, now)
					continue
				}
				w.sent[w.next] = now
				w.next = (w.next + 1) % w.N
			}
			return nil
		}
		if err := l.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Transport is an http.RoundTripper that waits on Limiter before each
// request, for SDK clients that take an *http.Client.
type Transport struct {
	Limiter *Limiter
	// Base is the underlying transport (nil: http.DefaultTransport).
	Base http.RoundTripper
}

// RoundTrip waits for the limiter, then sends req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.Limiter.Wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}
