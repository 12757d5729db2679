package alert

import (
	"context"
	"errors"
	"fmt"

	"github.com/dnsquorum/dnsquorum/internal/flock"
)

// lockFile takes the exclusive lock on path (see internal/flock), waiting
// for another run until ctx is done so a stuck holder never blocks a run
// forever.
func lockFile(ctx context.Context, path string) (func(), error) {
	unlock, err := flock.Lock(ctx, path, 0o600)
	if errors.Is(err, flock.ErrHeld) {
		return nil, fmt.Errorf("alert state lock %s: another run holds it: %w", path, ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("alert state lock %s: %w", path, err)
	}
	return unlock, nil
}
