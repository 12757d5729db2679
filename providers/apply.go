package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libdns/libdns"
	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// Read returns what provider p serves for zone origin, SOA included, as a
// normalized collection. It uses the adapter's lossless ZoneReader when it
// has one, and libdns GetRecords otherwise; transient failures are retried.
func Read(ctx context.Context, p Provider, origin string) (*zone.RRsets, error) {
	origin = dns.CanonicalName(origin)
	var rrs []dns.RR
	if zr, ok := p.(ZoneReader); ok {
		err := Retry(ctx, func() (err error) {
			rrs, err = zr.ReadZone(ctx, origin)
			return err
		})
		if err != nil {
			return nil, err
		}
	} else {
		var recs []libdns.Record
		err := Retry(ctx, func() (err error) {
			recs, err = p.GetRecords(ctx, origin)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			rr, err := FromLibdns(rec, origin)
			if err != nil {
				return nil, err
			}
			rrs = append(rrs, rr)
		}
	}
	set := zone.NewRRsets()
	for _, rr := range rrs {
		if _, err := set.Add(rr); err != nil {
			return nil, fmt.Errorf("zone %s: record read back: %v", origin, err)
		}
	}
	return set, nil
}

// TransientError marks a failure worth retrying (a timeout, a 5xx, a 429).
// RetryAfter, when set, is how long the backend asked us to wait.
type TransientError struct {
	Err        error
	RetryAfter time.Duration
}

// Error returns the underlying error's text.
func (e *TransientError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *TransientError) Unwrap() error { return e.Err }

// Retry policy for transient failures.
var (
	// MaxAttempts is how many times one operation is tried.
	MaxAttempts = 4
	// BaseBackoff is the first wait between attempts; it doubles each time.
	BaseBackoff = 200 * time.Millisecond
	// MaxBackoff caps one wait, including a backend's Retry-After.
	MaxBackoff = 30 * time.Second
)

// Retry runs op until it succeeds, fails with a non-transient error, the
// attempts run out or ctx ends. Waits double from BaseBackoff, or follow
// a TransientError's RetryAfter.
func Retry(ctx context.Context, op func() error) error {
	wait := BaseBackoff
	for attempt := 1; ; attempt++ {
		err := op()
		var te *TransientError
		if err == nil || !errors.As(err, &te) || attempt >= MaxAttempts {
			return err
		}
		d := wait
		if te.RetryAfter > 0 {
			d = te.RetryAfter
		}
		d = min(d, MaxBackoff)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

// ApplyError reports a plan that did not fully land: which change failed and
// how many changes before it were applied.
type ApplyError struct {
	Provider string
	Zone     string
	// Change is the change that failed (zero when the failure was not tied
	// to one change).
	Change zone.Change
	// Applied is the number of the plan's changes known to have landed.
	Applied int
	Err     error
}

// Error names the provider, zone and failed change, and how many landed.
func (e *ApplyError) Error() string {
	where := fmt.Sprintf("provider %s: zone %s", e.Provider, e.Zone)
	if e.Change.Action != 0 {
		where += ": " + e.Change.String()
	}
	return fmt.Sprintf("%s: %v (%d changes applied before the failure)", where, e.Err, e.Applied)
}

// Unwrap returns the adapter's error.
func (e *ApplyError) Unwrap() error { return e.Err }

// Apply applies plan to provider p exactly: the plan's changes, nothing
// else, in order. It returns the number of changes that landed. Adapters
// with a Batcher get the changes in batches of at most MaxBatchChanges; the
// others get one libdns call per change. Transient failures are retried.
// Re-running after a failure converges: a new plan holds only what did not
// land.
func Apply(ctx context.Context, p Provider, plan *zone.Plan) (int, error) {
	changes := applyOrder(plan.Changes)
	applied := 0
	fail := func(c zone.Change, err error) (int, error) {
		return applied, &ApplyError{Provider: plan.Provider, Zone: plan.Zone, Change: c, Applied: applied, Err: err}
	}
	if b, ok := p.(Batcher); ok {
		size := p.Capabilities().MaxBatchChanges
		if size <= 0 {
			size = len(changes)
		}
		for start := 0; start < len(changes); {
			end := batchEnd(changes, start, size)
			batch := changes[start:end]
			err := Retry(ctx, func() error {
				for {
					n, err := b.ApplyChanges(ctx, plan.Zone, batch)
					// Changes that landed are not resent on a retry.
					applied += n
					batch = batch[n:]
					if err == nil && len(batch) > 0 {
						return fmt.Errorf("adapter applied %d of %d changes without an error", n, n+len(batch))
					}
					// A transient failure after some changes landed (one
					// message of several) is progress, not a failed
					// attempt: resume with the rest at once. The batch
					// shrinks each time, so this ends.
					var te *TransientError
					if err != nil && n > 0 && len(batch) > 0 && errors.As(err, &te) {
						continue
					}
					return err
				}
			})
			if err != nil {
				var c zone.Change
				if len(batch) > 0 {
					c = batch[0]
				}
				return fail(c, err)
			}
			start = end
		}
		return applied, nil
	}
	for _, c := range changes {
		err := Retry(ctx, func() error { return applyOne(ctx, p, plan.Zone, c) })
		if err != nil {
			return fail(c, err)
		}
		applied++
	}
	return applied, nil
}

// applyOrder returns the changes in the order they are sent. The set is
// the plan's, exactly; only the order differs: first the address records
// (A, AAAA) that are created or updated, then every other change, then the
// address records that are deleted, each phase in the plan's canonical
// order. A backend may check each batch on its own: BIND refuses an UPDATE
// adding an MX, SRV or NS whose in-zone target has no address yet
// (check-integrity), which happens when the target's A record falls in a
// later message of a large sync. Names with a CNAME change keep all their
// changes together in the middle phase, since a CNAME cannot coexist with
// other data (a type change must land in one message).
func applyOrder(changes []zone.Change) []zone.Change {
	hasCNAME := map[string]bool{}
	for _, c := range changes {
		if c.Key.Type == dns.TypeCNAME {
			hasCNAME[c.Key.Name] = true
		}
	}
	const (
		first = iota
		middle
		last
	)
	phase := func(c zone.Change) int {
		if hasCNAME[c.Key.Name] || (c.Key.Type != dns.TypeA && c.Key.Type != dns.TypeAAAA) {
			return middle
		}
		if c.Action == zone.Delete {
			return last
		}
		return first
	}
	out := make([]zone.Change, 0, len(changes))
	for _, want := range []int{first, middle, last} {
		for _, c := range changes {
			if phase(c) == want {
				out = append(out, c)
			}
		}
	}
	return out
}

// batchEnd returns where a batch that starts at start and may hold size
// changes ends: before the first change of an owner name the limit would
// cut in two, when the batch holds something else too, so a name's changes
// (a type change among them) land in one batch.
func batchEnd(changes []zone.Change, start, size int) int {
	end := min(start+size, len(changes))
	if end == len(changes) {
		return end
	}
	cut := end
	for cut > start && changes[cut-1].Key.Name == changes[end].Key.Name {
		cut--
	}
	if cut == start {
		return end // one name holds more changes than a batch: no choice
	}
	return cut
}

// applyOne applies one change through the libdns interfaces.
func applyOne(ctx context.Context, p Provider, origin string, c zone.Change) error {
	switch c.Action {
	case zone.Create, zone.Update:
		recs := make([]libdns.Record, len(c.New.Records))
		for i, rr := range c.New.Records {
			recs[i] = ToLibdns(rr, origin)
		}
		_, err := p.SetRecords(ctx, origin, recs)
		return err
	case zone.Delete:
		recs := make([]libdns.Record, len(c.Old.Records))
		for i, rr := range c.Old.Records {
			recs[i] = ToLibdns(rr, origin)
		}
		_, err := p.DeleteRecords(ctx, origin, recs)
		return err
	}
	return fmt.Errorf("unknown action %v", c.Action)
}
