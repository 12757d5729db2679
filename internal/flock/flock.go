// Package flock takes exclusive locks on lock files, so that two runs (two
// processes, or two holders in one process) never run a critical section
// at the same time: the zonefile adapter around a zone file's
// read-modify-write, alerting around its state file.
//
// On Unix the lock is flock(2) on the file, which the kernel drops when
// the holder's process dies; the file itself stays. Elsewhere the lock is
// the file's existence (created with O_EXCL, removed on unlock): a crashed
// holder leaves it behind, to be removed by hand.
package flock

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrHeld is wrapped by Lock's error when ctx ended while another holder
// kept the lock; the error wraps ctx's error too.
var ErrHeld = errors.New("held by another holder")

// Pauses between attempts: the first, doubling up to the last.
const (
	firstWait = 5 * time.Millisecond
	maxWait   = 200 * time.Millisecond
)

// wait pauses before the next attempt, growing *d; it returns the error
// to give up with when ctx ends first.
func wait(ctx context.Context, path string, d *time.Duration) error {
	t := time.NewTimer(*d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%s: %w: %w", path, ErrHeld, ctx.Err())
	case <-t.C:
	}
	*d = min(*d*2, maxWait)
	return nil
}
