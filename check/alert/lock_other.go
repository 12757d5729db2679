//go:build !unix

package alert

import (
	"context"
	"fmt"
	"os"
	"time"
)

// lockFile takes an exclusive lock by creating path (O_EXCL), polling until
// ctx is done. A crashed run leaves the file behind; remove it by hand.
func lockFile(ctx context.Context, path string) (func(), error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !os.IsExist(err) {
			return nil, fmt.Errorf("alert state lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("alert state lock %s: another run holds it: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
