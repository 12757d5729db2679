//go:build unix

package flock

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// Lock takes an exclusive lock on the lock file at path, creating it with
// mode perm when missing, and returns the function that releases it. While
// another holder has it, Lock tries again with growing pauses until ctx
// ends; its error then wraps ErrHeld and ctx.Err(). Other failures are
// *fs.PathError values naming path.
func Lock(ctx context.Context, path string, perm fs.FileMode) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, perm)
	if err != nil {
		return nil, err
	}
	d := firstWait
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, &fs.PathError{Op: "flock", Path: path, Err: err}
		}
		if err := wait(ctx, path, &d); err != nil {
			f.Close()
			return nil, err
		}
	}
}
