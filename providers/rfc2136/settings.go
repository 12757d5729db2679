package rfc2136

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/dnsquorum/dnsquorum/zone"
)

// DefaultTimeout bounds one exchange (dial, write, read) when the settings
// give no timeout.
const DefaultTimeout = 10 * time.Second

// Settings are the rfc2136 adapter's settings. Printing them with any fmt
// verb redacts the TSIG secret.
//
//	providers:
//	  bind:
//	    type: rfc2136
//	    server: 192.0.2.53:53
//	    tsig: { name: dnsquorum., algorithm: hmac-sha256, secret: ${TSIG_SECRET} }
//	    timeout: 10s
//	    serial_prerequisite: true
type Settings struct {
	// Server is the primary server's "host:port" (port 53 when omitted).
	Server string `yaml:"server"`
	// TSIG is the key that signs every UPDATE and AXFR (optional).
	TSIG TSIG `yaml:"tsig"`
	// Timeout bounds one exchange, as a Go duration ("10s", the default).
	Timeout string `yaml:"timeout"`
	// SerialPrerequisite makes every UPDATE require the SOA read before
	// planning, so a concurrent edit is detected instead of overwritten.
	SerialPrerequisite bool `yaml:"serial_prerequisite"`
}

// TSIG is a transaction signature key (RFC 8945). Printing it with any fmt
// verb redacts the secret.
type TSIG struct {
	// Name is the key's name ("dnsquorum.").
	Name string `yaml:"name"`
	// Algorithm is hmac-sha256 (the default), hmac-sha384 or hmac-sha512.
	Algorithm string `yaml:"algorithm"`
	// Secret is the base64 key material. Never printed.
	Secret string `yaml:"secret"`
}

// redacted replaces secrets wherever settings are printed.
const redacted = "[redacted]"

// Format prints the key with its secret redacted, whatever the verb.
func (t TSIG) Format(f fmt.State, verb rune) {
	secret := ""
	if t.Secret != "" {
		secret = redacted
	}
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "rfc2136.TSIG{Name:%q, Algorithm:%q, Secret:%q}", t.Name, t.Algorithm, secret)
		return
	}
	type plain TSIG
	c := plain(t)
	c.Secret = secret
	fmt.Fprintf(f, fmt.FormatString(f, verb), c)
}

// String renders the key with its secret redacted.
func (t TSIG) String() string { return fmt.Sprintf("%+v", t) }

// GoString renders the key as Go syntax with its secret redacted.
func (t TSIG) GoString() string { return fmt.Sprintf("%#v", t) }

// Format prints the settings with the TSIG secret redacted, whatever the
// verb.
func (s Settings) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprintf(f, "rfc2136.Settings{Server:%q, TSIG:%#v, Timeout:%q, SerialPrerequisite:%t}", s.Server, s.TSIG, s.Timeout, s.SerialPrerequisite)
		return
	}
	// plain has no methods; its TSIG field keeps its redacting Format.
	type plain Settings
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(s))
}

// String renders the settings with the TSIG secret redacted.
func (s Settings) String() string { return fmt.Sprintf("%+v", s) }

// GoString renders the settings as Go syntax with the TSIG secret redacted.
func (s Settings) GoString() string { return fmt.Sprintf("%#v", s) }

// config is the validated form of Settings.
type config struct {
	server       string
	key          *tsigKey // nil: unsigned
	timeout      time.Duration
	serialPrereq bool
}

// settingsError names where in the config file a setting is wrong.
func settingsError(pc *zone.ProviderConfig, key, format string, args ...any) error {
	pos := pc.Pos
	if n := settingNode(pc.Settings, key); n != nil {
		pos.Line, pos.Col = n.Line, n.Column
	}
	return fmt.Errorf("%s: provider %q: %s: %s", pos, pc.Name, key, fmt.Sprintf(format, args...))
}

// settingNode returns the value node of a dotted key ("tsig.secret") in a
// mapping node, or nil.
func settingNode(n *yaml.Node, key string) *yaml.Node {
	for _, part := range strings.Split(key, ".") {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// parseConfig decodes and checks a provider entry's settings. Errors name
// file:line:col and never include the secret.
func parseConfig(pc *zone.ProviderConfig) (*config, error) {
	// The nested tsig mapping is not covered by the strict decoder.
	if n := settingNode(pc.Settings, "tsig"); n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i]; k.Value {
			case "name", "algorithm", "secret":
			default:
				pos := pc.Pos
				pos.Line, pos.Col = k.Line, k.Column
				return nil, fmt.Errorf("%s: provider %q: tsig: unknown setting %q (want name, algorithm, secret)", pos, pc.Name, k.Value)
			}
		}
	}
	var s Settings
	if err := pc.Decode(&s); err != nil {
		return nil, redactErr(err, s.TSIG.Secret)
	}
	return parseSettings(pc, s)
}

// parseSettings checks decoded settings; pc says where they were written.
// No error quotes the secret, even one pasted into another setting.
func parseSettings(pc *zone.ProviderConfig, s Settings) (*config, error) {
	c, err := checkSettings(pc, s)
	if err != nil {
		return nil, redactErr(err, strings.TrimSpace(s.TSIG.Secret))
	}
	return c, nil
}

func checkSettings(pc *zone.ProviderConfig, s Settings) (*config, error) {
	c := &config{timeout: DefaultTimeout, serialPrereq: s.SerialPrerequisite}
	server, err := normalizeServer(s.Server)
	if err != nil {
		return nil, settingsError(pc, "server", "%v", err)
	}
	c.server = server
	if s.Timeout != "" {
		d, err := time.ParseDuration(s.Timeout)
		if err != nil || d <= 0 {
			return nil, settingsError(pc, "timeout", "%q is not a positive duration (e.g. 10s)", s.Timeout)
		}
		c.timeout = d
	}
	if s.TSIG != (TSIG{}) {
		if s.TSIG.Name == "" {
			return nil, settingsError(pc, "tsig", "name is required with a TSIG key")
		}
		if s.TSIG.Secret == "" {
			return nil, settingsError(pc, "tsig", "secret is required with a TSIG key")
		}
		key, err := newTSIGKey(s.TSIG)
		if err != nil {
			return nil, settingsError(pc, "tsig", "%v", err)
		}
		c.key = key
	}
	return c, nil
}

// redactErr replaces secret in err's text (a decoder may quote a value).
func redactErr(err error, secret string) error {
	if err == nil || len(secret) < 4 || !strings.Contains(err.Error(), secret) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), secret, redacted))
}

// normalizeServer checks "host:port" and adds port 53 when it is missing.
func normalizeServer(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("required (host:port of the primary server)")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		// No port: a bare host or IPv6 address.
		host, port = strings.Trim(s, "[]"), "53"
		if strings.ContainsAny(host, "[] /") {
			return "", fmt.Errorf("%q is not host:port", s)
		}
	}
	if host == "" {
		return "", fmt.Errorf("%q has no host", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not a number from 1 to 65535", s, port)
	}
	return net.JoinHostPort(host, port), nil
}

// tsigKey signs and verifies messages with one HMAC key; it implements
// dns.TsigProvider. It never prints its secret.
type tsigKey struct {
	name string // canonical key name
	alg  string // canonical algorithm name ("hmac-sha256.")
	// mac returns a new HMAC keyed with the secret. The secret lives only
	// in this closure, so no fmt verb can reach it, even through
	// reflection on unexported fields.
	mac func() hash.Hash
}

// macSizes are the algorithms' MAC lengths in octets.
var algorithms = map[string]struct {
	hash    func() hash.Hash
	macSize int
}{
	dns.HmacSHA256: {sha256.New, 32},
	dns.HmacSHA384: {sha512.New384, 48},
	dns.HmacSHA512: {sha512.New, 64},
}

func newTSIGKey(t TSIG) (*tsigKey, error) {
	name, err := zone.CanonicalName(t.Name, ".")
	if err != nil {
		return nil, fmt.Errorf("name: %v", err)
	}
	algName := t.Algorithm
	if algName == "" {
		algName = "hmac-sha256"
	}
	alg := dns.CanonicalName(algName)
	a, ok := algorithms[alg]
	if !ok {
		return nil, fmt.Errorf("algorithm %q is not supported (want hmac-sha256, hmac-sha384 or hmac-sha512)", t.Algorithm)
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(t.Secret))
	if err != nil || len(secret) == 0 {
		// Never quote the secret, not even a fragment of it.
		return nil, fmt.Errorf("secret is not valid base64 key material")
	}
	return &tsigKey{name: name, alg: alg, mac: func() hash.Hash { return hmac.New(a.hash, secret) }}, nil
}

// Format prints the key's name and algorithm, never its secret.
func (k *tsigKey) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "tsig key %s (%s)", k.name, strings.TrimSuffix(k.alg, "."))
}

// macSize returns the length of the key's MACs.
func (k *tsigKey) macSize() int { return algorithms[k.alg].macSize }

// Generate implements dns.TsigProvider.
func (k *tsigKey) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	if dns.CanonicalName(t.Hdr.Name) != k.name {
		return nil, dns.ErrSecret
	}
	if dns.CanonicalName(t.Algorithm) != k.alg {
		return nil, dns.ErrKeyAlg
	}
	m := k.mac()
	m.Write(msg)
	return m.Sum(nil), nil
}

// Verify implements dns.TsigProvider.
func (k *tsigKey) Verify(msg []byte, t *dns.TSIG) error {
	want, err := k.Generate(msg, t)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(t.MAC)
	if err != nil || !hmac.Equal(got, want) {
		return dns.ErrSig
	}
	return nil
}
