//go:build !unix

package flock

import (
	"context"
	"errors"
	"io/fs"
	"os"
)

// Lock takes an exclusive lock by creating the file at path (O_EXCL, mode
// perm) and returns the function that releases it by removing the file.
// While the file exists, Lock tries again with growing pauses until ctx
// ends; its error then wraps ErrHeld and ctx.Err(). Other failures are
// *fs.PathError values naming path.
func Lock(ctx context.Context, path string, perm fs.FileMode) (unlock func(), err error) {
	d := firstWait
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if err := wait(ctx, path, &d); err != nil {
			return nil, err
		}
	}
}
