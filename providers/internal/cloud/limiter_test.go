package cloud

import (
	"context"
	"testing"
	"time"
)

// TestLimiter checks the bucket spacing and the sliding windows on a fake
// clock: 2 per second, at most 5 per minute.
func TestLimiter(t *testing.T) {
	clock := NewFakeClock(time.Unix(0, 0))
	l := NewLimiter(2, clock, Window{N: 5, Per: time.Minute})
	var at []time.Duration
	for i := 0; i < 7; i++ {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		at = append(at, clock.Now().Sub(time.Unix(0, 0)))
	}
	want := []time.Duration{0, 500 * time.Millisecond, time.Second, 1500 * time.Millisecond, 2 * time.Second, time.Minute, time.Minute + 500*time.Millisecond}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("request times %v, want %v", at, want)
		}
	}
}

func TestLimiterNilAndCancel(t *testing.T) {
	var l *Limiter
	if err := l.Wait(context.Background()); err != nil {
		t.Fatalf("nil limiter: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := NewLimiter(1, nil)
	r.Wait(context.Background())
	if err := r.Wait(ctx); err == nil {
		t.Fatal("a cancelled wait returned nil")
	}
}
