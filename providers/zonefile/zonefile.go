// Package zonefile is the provider adapter for servers fed from RFC 1035
// master files (NSD, Knot, BIND without dynamic updates): it reads the
// zone's current state from the file, writes the whole file back
// atomically with the SOA serial bumped, then runs a reload command.
//
// Config:
//
//	providers:
//	  nsd:
//	    type: zonefile
//	    path: /var/lib/nsd/{zone}zone   # {zone}: the zone name with its final dot
//	    reload: [nsd-control, reload, "{zone}"]   # {zone}: without the final dot
//	    reload_timeout: 30s
//	    serial: increment               # or "date": YYYYMMDDnn
//	    soa:                            # for files this adapter creates
//	      mname: ns1.example.net.
//	      rname: hostmaster.example.net.
//	      ttl: 3600
//	      refresh: 3600
//	      retry: 600
//	      expire: 604800
//	      minimum: 300
//	    nameservers: [ns1.example.net.] # apex NS for files it creates
//
// {zone} in reload arguments is the zone name without its final dot, the
// form the manuals of nsd-control, knotc and rndc write (all three accept
// both forms). In path it keeps the dot, so "{zone}zone" names
// "example.com.zone".
//
// A write is one atomic step: a temporary file in the same directory,
// fsync, rename over the zone file, fsync of the directory. Every
// read-modify-write holds an exclusive flock on path+".lock", so two syncs
// never interleave. When the reload command fails, the records written are
// taken back out of the file (its serial stays bumped, so the next write
// still goes up), and the change reports as not applied: the file keeps
// matching what the server serves, and the next sync writes and reloads
// again.
package zonefile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/internal/flock"
	"github.com/dnsquorum/dnsquorum/providers"
	"github.com/dnsquorum/dnsquorum/zone"
)

// TypeName is the adapter's name in the config file's "type:" key.
const TypeName = "zonefile"

// Defaults for settings left out.
const (
	// DefaultReloadTimeout bounds the reload command.
	DefaultReloadTimeout = 30 * time.Second
	// DefaultLockTimeout bounds the wait for another sync's lock.
	DefaultLockTimeout = 60 * time.Second
	// DefaultTTL applies to records of a file that gives neither a TTL nor
	// a $TTL.
	DefaultTTL = 3600
)

func init() {
	providers.Register(providers.Adapter(TypeName,
		"an RFC 1035 master file written atomically, then a reload command (NSD, Knot, BIND)",
		func(s Settings, pc *zone.ProviderConfig) (*Provider, error) {
			dir := "."
			if pc.Pos.File != "" {
				dir = filepath.Dir(pc.Pos.File)
			}
			return New(s, dir, pc.Nameservers)
		}))
}

// Settings are the adapter's settings.
type Settings struct {
	// Path is the zone file; "{zone}" is replaced with the zone name (with
	// its final dot). Relative paths are relative to the config file.
	Path string `yaml:"path"`
	// Reload is the command run after each write, as an argument list (no
	// shell); "{zone}" in an argument is replaced with the zone name
	// without its final dot. Empty: no command.
	Reload []string `yaml:"reload"`
	// ReloadTimeout bounds the reload command (30s by default).
	ReloadTimeout time.Duration `yaml:"reload_timeout"`
	// Serial is how the SOA serial moves on each write: "increment" (the
	// default: +1, RFC 1982 arithmetic) or "date" (YYYYMMDDnn, UTC).
	Serial string `yaml:"serial"`
	// SOA gives the SOA of files the adapter creates.
	SOA SOASettings `yaml:"soa"`
	// LockTimeout bounds the wait for another sync's lock (60s by default).
	LockTimeout time.Duration `yaml:"lock_timeout"`
}

// SOASettings are the SOA fields of a zone file the adapter creates. MName
// defaults to the first apex nameserver, RName to hostmaster.<zone>.
type SOASettings struct {
	// MName is the primary nameserver.
	MName string `yaml:"mname"`
	// RName is the responsible person's mailbox, as a domain name.
	RName string `yaml:"rname"`
	// TTL is the TTL of the SOA and of the apex NS records (3600).
	TTL uint32 `yaml:"ttl"`
	// Refresh, Retry, Expire and Minimum are the SOA timers (3600, 600,
	// 604800, 300).
	Refresh uint32 `yaml:"refresh"`
	Retry   uint32 `yaml:"retry"`
	Expire  uint32 `yaml:"expire"`
	Minimum uint32 `yaml:"minimum"`
}

// UnmarshalYAML decodes the soa mapping, refusing unknown keys (the
// config decoder checks only the top level).
func (s *SOASettings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i]; k.Value {
			case "mname", "rname", "ttl", "refresh", "retry", "expire", "minimum":
			default:
				return fmt.Errorf("line %d:%d: unknown setting \"soa.%s\" (known: mname, rname, ttl, refresh, retry, expire, minimum)", k.Line, k.Column, k.Value)
			}
		}
	}
	type plain SOASettings
	return n.Decode((*plain)(s))
}

// Provider reads and writes zone files. It is safe for concurrent use, and
// with other processes using the same lock files.
type Provider struct {
	// LibdnsMethods are the libdns record methods, each one locked
	// read-modify-write of the file (EditZone).
	providers.LibdnsMethods

	path          string
	reload        []string
	reloadTimeout time.Duration
	lockTimeout   time.Duration
	dateSerial    bool
	soa           SOASettings
	nameservers   []string
	// now is the clock for date serials (tests replace it).
	now func() time.Time
}

var (
	_ providers.Provider    = (*Provider)(nil)
	_ providers.ZoneReader  = (*Provider)(nil)
	_ providers.Batcher     = (*Provider)(nil)
	_ providers.ZoneCreator = (*Provider)(nil)
	_ providers.ZoneEditor  = (*Provider)(nil)
)

// New returns a provider for s. Relative paths resolve against baseDir;
// nameservers are the apex NS of files it creates when the zone names none.
func New(s Settings, baseDir string, nameservers []string) (*Provider, error) {
	if s.Path == "" {
		return nil, errors.New("path is required")
	}
	if strings.Count(s.Path, "{zone}") > 1 {
		return nil, errors.New(`path: "{zone}" may appear once`)
	}
	path := s.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(baseDir, path)
	}
	p := &Provider{
		path:          path,
		reload:        s.Reload,
		reloadTimeout: s.ReloadTimeout,
		lockTimeout:   s.LockTimeout,
		soa:           s.SOA,
		now:           time.Now,
	}
	p.Store = p
	if len(s.Reload) > 0 && s.Reload[0] == "" {
		return nil, errors.New("reload: the command name is empty")
	}
	if p.reloadTimeout < 0 || p.lockTimeout < 0 {
		return nil, errors.New("reload_timeout and lock_timeout must not be negative")
	}
	if p.reloadTimeout == 0 {
		p.reloadTimeout = DefaultReloadTimeout
	}
	if p.lockTimeout == 0 {
		p.lockTimeout = DefaultLockTimeout
	}
	switch s.Serial {
	case "", "increment":
	case "date":
		p.dateSerial = true
	default:
		return nil, fmt.Errorf("serial %q: want increment or date", s.Serial)
	}
	for _, f := range []*string{&p.soa.MName, &p.soa.RName} {
		if *f != "" {
			c, err := zone.CanonicalName(*f, ".")
			if err != nil {
				return nil, fmt.Errorf("soa: %v", err)
			}
			*f = c
		}
	}
	ns, err := zone.CanonicalNames(nameservers, ".")
	if err != nil {
		return nil, fmt.Errorf("nameservers: %v", err)
	}
	p.nameservers = ns
	return p, nil
}

// Capabilities: every type, apex NS, zone creation, and atomic batches (one
// rename).
func (p *Provider) Capabilities() providers.Capabilities {
	return providers.Capabilities{ApexNS: true, CreateZone: true, AtomicBatch: true}
}

// FilePath returns the zone file of zone origin.
func (p *Provider) FilePath(origin string) (string, error) {
	origin, err := zone.CanonicalName(origin, ".")
	if err != nil {
		return "", fmt.Errorf("zone %q: %v", origin, err)
	}
	if !strings.Contains(p.path, "{zone}") {
		return p.path, nil
	}
	// The name becomes part of a path: no separators, no "..".
	if strings.ContainsAny(origin, `/\`) || strings.Contains(origin, "..") || origin == "." {
		return "", fmt.Errorf("zone %s: the name cannot be used in a file path", origin)
	}
	return strings.Replace(p.path, "{zone}", origin, 1), nil
}

// reloadArgv returns the reload command for origin.
func (p *Provider) reloadArgv(origin string) []string {
	name := strings.TrimSuffix(origin, ".")
	if name == "" {
		name = "."
	}
	argv := make([]string, len(p.reload))
	for i, a := range p.reload {
		argv[i] = strings.ReplaceAll(a, "{zone}", name)
	}
	return argv
}

// ReadZone returns the records of the zone's file, SOA included. A missing
// file is providers.ErrZoneNotFound.
func (p *Provider) ReadZone(ctx context.Context, origin string) ([]dns.RR, error) {
	origin, err := zone.CanonicalName(origin, ".")
	if err != nil {
		return nil, fmt.Errorf("zone %q: %v", origin, err)
	}
	path, err := p.FilePath(origin)
	if err != nil {
		return nil, err
	}
	return p.readRecords(path, origin)
}

// readRecords parses the zone file, checking every record is inside the
// zone and the apex has one SOA. Errors name the file and line.
func (p *Provider) readRecords(path, origin string) ([]dns.RR, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("zone %s: %s: %w", origin, path, providers.ErrZoneNotFound)
	}
	// path is relative to the working directory, not to its own directory.
	recs, err := zone.ReadMasterFile(filepath.Base(path), origin, filepath.Dir(path), DefaultTTL)
	if err != nil {
		return nil, err
	}
	out := make([]dns.RR, len(recs))
	soas := 0
	for i, r := range recs {
		h := r.RR.Header()
		if !zone.InZone(h.Name, origin) {
			return nil, fmt.Errorf("%s: record %s is outside zone %s", r.Pos, h.Name, origin)
		}
		if h.Rrtype == dns.TypeSOA {
			if !strings.EqualFold(h.Name, origin) {
				return nil, fmt.Errorf("%s: SOA record at %s, not at the apex", r.Pos, h.Name)
			}
			soas++
		}
		out[i] = r.RR
	}
	if soas != 1 {
		return nil, fmt.Errorf("%s: zone %s: want exactly one SOA record at the apex, found %d", path, origin, soas)
	}
	return out, nil
}

// readFile reads the zone file as a normalized collection.
func (p *Provider) readFile(path, origin string) (*zone.RRsets, error) {
	rrs, err := p.readRecords(path, origin)
	if err != nil {
		return nil, err
	}
	set := zone.NewRRsets()
	for _, rr := range rrs {
		if _, err := set.Add(rr); err != nil {
			return nil, fmt.Errorf("%s: zone %s: %v", path, origin, err)
		}
	}
	return set, nil
}

// ApplyChanges applies the changes to the file's current content and
// writes it once, with the serial bumped, then reloads. Under the file's
// lock, every change is checked against the file first (a create must find
// no set, an update or delete the set the plan saw): a file edited since the
// plan was made is refused, whole. SOA changes are refused: the adapter
// owns the serial. It reports all changes applied or none.
func (p *Provider) ApplyChanges(ctx context.Context, origin string, changes []zone.Change) (int, error) {
	if len(changes) == 0 {
		return 0, nil
	}
	err := p.edit(ctx, origin, func(z *zone.RRsets) (bool, error) {
		return true, applyTo(z, origin, changes)
	})
	var partial *reloadError
	if errors.As(err, &partial) && partial.inFile {
		return len(changes), err
	}
	if err != nil {
		return 0, err
	}
	return len(changes), nil
}

// EditZone implements providers.ZoneEditor: one read-modify-write of the
// file under its lock, so concurrent libdns writes (from this process or
// another) never lose each other's records. When plan returns no changes,
// the file is not written.
func (p *Provider) EditZone(ctx context.Context, origin string, plan func(*zone.RRsets) ([]zone.Change, error)) error {
	return p.edit(ctx, origin, func(z *zone.RRsets) (bool, error) {
		changes, err := plan(z)
		if err != nil || len(changes) == 0 {
			return false, err
		}
		return true, applyTo(z, dns.CanonicalName(origin), changes)
	})
}

// applyTo applies changes to z, the file's content, checking each against
// it first (see ApplyChanges).
func applyTo(z *zone.RRsets, origin string, changes []zone.Change) error {
	for _, c := range changes {
		if c.Key.Type == dns.TypeSOA {
			return fmt.Errorf("%s: the SOA is managed by the zonefile adapter", c)
		}
		if !zone.InZone(c.Key.Name, origin) {
			return fmt.Errorf("%s: outside zone %s", c, origin)
		}
		cur := z.Get(c.Key)
		switch c.Action {
		case zone.Create:
			if cur != nil {
				return fmt.Errorf("%s: the file already holds this RRset (edited since the plan?)", c)
			}
			z.Put(c.New.Clone())
		case zone.Update:
			if cur == nil || !cur.Equal(c.Old) {
				return fmt.Errorf("%s: the file's records differ from the plan's (edited since the plan?)", c)
			}
			z.Put(c.New.Clone())
		case zone.Delete:
			if cur == nil || !cur.Equal(c.Old) {
				return fmt.Errorf("%s: the file's records differ from the plan's (edited since the plan?)", c)
			}
			z.Remove(c.Key)
		default:
			return fmt.Errorf("%s: unknown action %v", c, c.Action)
		}
	}
	return nil
}

// edit runs one locked read-modify-write of the zone's file: f changes the
// content and says whether anything changed; then the file is written with
// the serial bumped and the server reloaded.
func (p *Provider) edit(ctx context.Context, origin string, f func(*zone.RRsets) (bool, error)) error {
	origin, path, unlock, err := p.lockZone(ctx, origin)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := p.readFile(path, origin)
	if err != nil {
		return err
	}
	next := cur.Clone()
	changed, err := f(next)
	if err != nil || !changed {
		return err
	}
	serial := p.bump(next, origin)
	if err := p.write(path, origin, next); err != nil {
		return err
	}
	if err := p.runReload(ctx, origin); err != nil {
		// Take the records back out, keeping the new serial: the file
		// matches what the server serves, and the next write goes higher.
		setSerial(cur, origin, serial)
		if werr := p.write(path, origin, cur); werr != nil {
			return &reloadError{err: err, inFile: true, restore: werr, path: path}
		}
		return &reloadError{err: err, path: path}
	}
	return nil
}

// reloadError is a failed reload after a write, and what became of the
// file.
type reloadError struct {
	err error
	// inFile is true when the new records stay in the file (taking them
	// out failed too).
	inFile  bool
	restore error
	path    string
}

func (e *reloadError) Error() string {
	if e.inFile {
		return fmt.Sprintf("%v; restoring the previous records also failed (%v): %s holds the new records, reload the server by hand", e.err, e.restore, e.path)
	}
	return fmt.Sprintf("%v (%s was restored to its previous records, serial bumped)", e.err, e.path)
}

func (e *reloadError) Unwrap() error { return e.err }

// EnsureZone creates the zone's file when it does not exist: a SOA from the
// soa settings and the given apex nameservers (the provider's configured
// ones when empty), then reloads. When the reload fails the new file is
// removed again. An existing file is left as it is.
func (p *Provider) EnsureZone(ctx context.Context, origin string, nameservers []string) error {
	origin, path, unlock, err := p.lockZone(ctx, origin)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	ns, err := zone.CanonicalNames(nameservers, ".")
	if err != nil {
		return fmt.Errorf("zone %s: nameserver: %v", origin, err)
	}
	if len(ns) == 0 {
		ns = p.nameservers
	}
	z, err := p.newZone(origin, ns)
	if err != nil {
		return err
	}
	if err := p.write(path, origin, z); err != nil {
		return err
	}
	if err := p.runReload(ctx, origin); err != nil {
		if rerr := os.Remove(path); rerr != nil {
			return fmt.Errorf("%v; removing the new file also failed: %v", err, rerr)
		}
		return fmt.Errorf("%v (the new file %s was removed)", err, path)
	}
	return nil
}

// newZone returns the content of a new zone file: SOA and apex NS.
func (p *Provider) newZone(origin string, ns []string) (*zone.RRsets, error) {
	s := p.soa
	if s.MName == "" {
		if len(ns) == 0 {
			return nil, fmt.Errorf("zone %s: creating its file needs soa.mname or nameservers", origin)
		}
		s.MName = ns[0]
	}
	if s.RName == "" {
		s.RName = "hostmaster." + origin
	}
	def := func(v *uint32, d uint32) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.TTL, 3600)
	def(&s.Refresh, 3600)
	def(&s.Retry, 600)
	def(&s.Expire, 604800)
	def(&s.Minimum, 300)
	z := zone.NewRRsets()
	soa := &dns.SOA{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: s.TTL},
		Ns: s.MName, Mbox: s.RName, Serial: nextSerial(0, p.dateSerial, p.now()),
		Refresh: s.Refresh, Retry: s.Retry, Expire: s.Expire, Minttl: s.Minimum}
	if _, err := z.Add(soa); err != nil {
		return nil, err
	}
	for _, n := range ns {
		if _, err := z.Add(&dns.NS{Hdr: dns.RR_Header{Name: origin, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: s.TTL}, Ns: n}); err != nil {
			return nil, err
		}
	}
	return z, nil
}

// bump moves the serial of z's SOA on and returns the new value.
func (p *Provider) bump(z *zone.RRsets, origin string) uint32 {
	s := z.Get(zone.Key{Name: origin, Type: dns.TypeSOA})
	serial := nextSerial(s.Records[0].(*dns.SOA).Serial, p.dateSerial, p.now())
	setSerial(z, origin, serial)
	return serial
}

func setSerial(z *zone.RRsets, origin string, serial uint32) {
	s := z.Get(zone.Key{Name: origin, Type: dns.TypeSOA}).Clone()
	s.Records[0].(*dns.SOA).Serial = serial
	z.Put(s)
}

// nextSerial returns the serial after old: old+1 modulo 2^32 (RFC 1982),
// or with date serials the larger (in RFC 1982 order) of today's
// YYYYMMDD00 (UTC) and old+1.
func nextSerial(old uint32, date bool, now time.Time) uint32 {
	next := old + 1
	if date {
		y, m, d := now.UTC().Date()
		today := uint32(y*1000000 + int(m)*10000 + d*100)
		if serialGreater(today, next) {
			next = today
		}
	}
	return next
}

// serialGreater reports whether a > b in RFC 1982 serial arithmetic.
func serialGreater(a, b uint32) bool {
	return a != b && (a-b) < 1<<31
}

// write renders z as a master file and puts it in place atomically.
func (p *Provider) write(path, origin string, z *zone.RRsets) error {
	var buf bytes.Buffer
	err := zone.WriteMasterFile(&buf, origin, z, zone.MasterFileOptions{
		Header: []string{"Zone " + origin + " written by dnsquorum (zonefile adapter): edits here are planned away by the next sync."},
	})
	if err != nil {
		return fmt.Errorf("zone %s: rendering the master file: %v", origin, err)
	}
	return writeAtomic(path, buf.Bytes())
}

// writeAtomic replaces path with data in one rename: a temporary file in the
// same directory, written and fsynced, takes the old file's permissions
// (and owner, when allowed), is renamed over path, and the directory is
// fsynced. On any error path is untouched. A symbolic link is followed:
// its target is replaced.
func writeAtomic(path string, data []byte) (err error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	dir := filepath.Dir(path)
	mode := fs.FileMode(0o644)
	uid, gid := -1, -1
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(sys.Uid), int(sys.Gid)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %v", tmp.Name(), err)
	}
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %v", tmp.Name(), err)
	}
	if uid >= 0 && (uid != os.Geteuid() || gid != os.Getegid()) {
		// Keep the server's ownership when we may (root); otherwise the
		// file becomes ours, still readable by its mode.
		_ = tmp.Chown(uid, gid)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: fsync: %v", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %v", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("%s written, but syncing its directory failed: %v", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("%s written, but syncing its directory failed: %v", path, err)
	}
	return nil
}

// lockZone canonicalizes origin and takes the lock of its file; it
// returns the canonical name, the file's path and the unlock function.
func (p *Provider) lockZone(ctx context.Context, origin string) (string, string, func(), error) {
	name, err := zone.CanonicalName(origin, ".")
	if err != nil {
		return "", "", nil, fmt.Errorf("zone %q: %v", origin, err)
	}
	path, err := p.FilePath(name)
	if err != nil {
		return "", "", nil, err
	}
	unlock, err := p.lock(ctx, path)
	if err != nil {
		return "", "", nil, err
	}
	return name, path, unlock, nil
}

// lock takes the exclusive lock on path+".lock" (see internal/flock),
// waiting for another holder up to the lock timeout or the end of ctx.
func (p *Provider) lock(ctx context.Context, path string) (func(), error) {
	name := path + ".lock"
	lctx, cancel := context.WithTimeout(ctx, p.lockTimeout)
	defer cancel()
	unlock, err := flock.Lock(lctx, name, 0o644)
	switch {
	case errors.Is(err, flock.ErrHeld) && ctx.Err() == nil:
		return nil, fmt.Errorf("lock %s: held by another sync for over %v", name, p.lockTimeout)
	case errors.Is(err, flock.ErrHeld):
		return nil, fmt.Errorf("lock %s: held by another sync: %w", name, ctx.Err())
	case err != nil:
		return nil, fmt.Errorf("lock: %v", err)
	}
	return unlock, nil
}

// maxOutput bounds the reload command output kept for an error.
const maxOutput = 2000

// runReload runs the reload command for origin (if any). Its error names
// the command (its first word: the arguments may hold secrets) and carries
// its output.
func (p *Provider) runReload(ctx context.Context, origin string) error {
	if len(p.reload) == 0 {
		return nil
	}
	argv := p.reloadArgv(origin)
	rctx, cancel := context.WithTimeout(ctx, p.reloadTimeout)
	defer cancel()
	cmd := exec.CommandContext(rctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	what := fmt.Sprintf("reload command %s", filepath.Base(argv[0]))
	if errors.Is(rctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("did not finish within %v", p.reloadTimeout)
	}
	var out []string
	if s := strings.TrimSpace(stderr.String()); s != "" {
		out = append(out, "stderr: "+clip(s))
	}
	if s := strings.TrimSpace(stdout.String()); s != "" {
		out = append(out, "stdout: "+clip(s))
	}
	if len(out) > 0 {
		return fmt.Errorf("%s: %v: %s", what, err, strings.Join(out, "; "))
	}
	return fmt.Errorf("%s: %v", what, err)
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxOutput {
		return strings.ToValidUTF8(s[:maxOutput], "") + "..."
	}
	return s
}
