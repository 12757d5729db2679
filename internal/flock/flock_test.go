package flock

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"
)

// TestExclusive: a second holder waits while the first holds the lock,
// gives up with ErrHeld and ctx's error when ctx ends, and gets the lock
// once it is released.
func TestExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Lock(context.Background(), path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Lock(ctx, path, 0o600); !errors.Is(err, ErrHeld) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock while held: %v, want ErrHeld and the deadline", err)
	}

	got := make(chan error, 1)
	go func() {
		u, err := Lock(context.Background(), path, 0o600)
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a waiter got the lock while it was held (%v)", err)
	case <-time.After(20 * time.Millisecond):
	}
	unlock()
	if err := <-got; err != nil {
		t.Fatalf("waiter after the release: %v", err)
	}
	// Released by the waiter too: free again.
	u, err := Lock(context.Background(), path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	u()
}

// TestOpenError: a lock file that cannot be created is a PathError naming
// it, not ErrHeld.
func TestOpenError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "x.lock")
	_, err := Lock(context.Background(), path, 0o600)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != path || errors.Is(err, ErrHeld) {
		t.Fatalf("err = %v, want a PathError for %s", err, path)
	}
}

// TestCancelled: an already cancelled ctx still takes a free lock (the
// first attempt does not wait), and gives up at once on a held one.
func TestCancelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unlock, err := Lock(ctx, path, 0o600)
	if err != nil {
		t.Fatalf("free lock with a cancelled ctx: %v", err)
	}
	defer unlock()
	if _, err := Lock(ctx, path, 0o600); !errors.Is(err, ErrHeld) || !errors.Is(err, context.Canceled) {
		t.Fatalf("held lock with a cancelled ctx: %v", err)
	}
}
