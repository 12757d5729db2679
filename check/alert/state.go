package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// StateFormatVersion is the version of the state file's JSON.
const StateFormatVersion = 1

// State is what alerting remembers between runs: every problem that is open,
// or resolved but not yet announced to every sink that heard of it.
type State struct {
	FormatVersion int       `json:"format_version"`
	Updated       time.Time `json:"updated"`
	// Problems by Problem.Key.
	Problems map[string]*Record `json:"problems"`
}

// Record is one problem's history.
type Record struct {
	Problem
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Open is false once a run saw the problem gone.
	Open       bool       `json:"open"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	// Sinks holds, per sink name, the last notification the sink accepted
	// about this problem. A sink with a mark must hear the recovery.
	Sinks map[string]Mark `json:"sinks,omitempty"`
}

// Mark is the last notification a sink accepted about a problem.
type Mark struct {
	At       time.Time `json:"at"`
	Severity Severity  `json:"severity"`
}

// NewState returns an empty state.
func NewState() *State {
	return &State{FormatVersion: StateFormatVersion, Problems: map[string]*Record{}}
}

// Keys returns the problem keys in order.
func (s *State) Keys() []string {
	keys := make([]string, 0, len(s.Problems))
	for k := range s.Problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Open returns the open records in key order.
func (s *State) Open() []*Record {
	var out []*Record
	for _, k := range s.Keys() {
		if r := s.Problems[k]; r.Open {
			out = append(out, r)
		}
	}
	return out
}

// Store loads and saves the state under an exclusive lock.
type Store interface {
	// Lock takes the store's lock, waiting until ctx is done; unlock
	// releases it.
	Lock(ctx context.Context) (unlock func(), err error)
	// Load reads the state; a missing state is empty, a corrupt one an
	// error.
	Load() (*State, error)
	// Save replaces the state.
	Save(*State) error
}

// FileStore keeps the state in a JSON file, written atomically (temporary
// file, fsync, rename, fsync of the directory) and guarded by an advisory
// lock on Path+".lock", so concurrent runs on one machine take turns.
type FileStore struct {
	Path string
}

// Lock takes the exclusive lock on Path+".lock", creating the directory and
// lock file when needed.
func (f *FileStore) Lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return nil, fmt.Errorf("alert state %s: %w", f.Path, err)
	}
	return lockFile(ctx, f.Path+".lock")
}

// Load reads the state file. A missing file is an empty state; a file that
// is not valid state JSON is an error (never silently reset: it would
// re-page every open problem).
func (f *FileStore) Load() (*State, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("alert state %s: %w", f.Path, err)
	}
	return ParseState(b, f.Path)
}

// ParseState decodes state JSON; name is used in errors.
func ParseState(b []byte, name string) (*State, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var st State
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("alert state %s: corrupt (%v); fix or remove it by hand", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("alert state %s: corrupt (data after the JSON object); fix or remove it by hand", name)
	}
	if st.FormatVersion != StateFormatVersion {
		return nil, fmt.Errorf("alert state %s: format_version %d, this dnsquorum reads %d", name, st.FormatVersion, StateFormatVersion)
	}
	if st.Problems == nil {
		st.Problems = map[string]*Record{}
	}
	for k, r := range st.Problems {
		if r == nil || r.Key() != k {
			return nil, fmt.Errorf("alert state %s: corrupt (problem %q does not match its key)", name, k)
		}
	}
	return &st, nil
}

// Save writes the state atomically.
func (f *FileStore) Save(st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(f.Path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("alert state %s: %w", f.Path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("alert state %s: %w", f.Path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("alert state %s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("alert state %s: %w", f.Path, err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("alert state %s: %w", f.Path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// MemoryStore keeps the state in memory (tests, and watch without a state
// file).
type MemoryStore struct {
	mu    sync.Mutex
	state []byte
	lock  chan struct{}
	once  sync.Once
}

// Lock takes the store's lock.
func (m *MemoryStore) Lock(ctx context.Context) (func(), error) {
	m.once.Do(func() { m.lock = make(chan struct{}, 1) })
	select {
	case m.lock <- struct{}{}:
		return func() { <-m.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Load returns a copy of the saved state.
func (m *MemoryStore) Load() (*State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return NewState(), nil
	}
	return ParseState(m.state, "(memory)")
}

// Save replaces the state.
func (m *MemoryStore) Save(st *State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state = b
	return nil
}
