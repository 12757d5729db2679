package zone

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"
)

// Rule identifiers of the findings Load reports. They are stable: scripts
// and the JSON output of `dnsquorum validate` rely on them.
const (
	// RuleReadConfig (error): the configuration file cannot be read.
	RuleReadConfig = "read-config"
	// RuleYAMLSyntax (error): the file is not valid YAML, or holds more
	// than one document.
	RuleYAMLSyntax = "yaml-syntax"
	// RuleInvalidValue (error): a value has the wrong shape (a list where
	// a mapping belongs, an empty value, a bad number).
	RuleInvalidValue = "invalid-value"
	// RuleUnknownKey (error): a key the format does not define. Unknown
	// provider settings are reported by the adapter (provider-settings).
	RuleUnknownKey = "unknown-key"
	// RuleDuplicateKey (error): a key given twice in one mapping, or two
	// zone names that are the same zone.
	RuleDuplicateKey = "duplicate-key"
	// RuleMissingKey (error): a required key or section is missing.
	RuleMissingKey = "missing-key"
	// RuleUnsetEnv (error): a ${NAME} reference to an unset variable.
	RuleUnsetEnv = "unset-env"
	// RuleInvalidEnvRef (error): a malformed ${...} reference.
	RuleInvalidEnvRef = "invalid-env-reference"
	// RuleLiteralSecret (warning): a secret-looking setting (secret,
	// password, token, api_key, ...) written into the file instead of
	// coming from ${ENV}.
	RuleLiteralSecret = "literal-secret"
	// RuleInvalidProviderName (error): a provider name with characters
	// other than letters, digits, '_', '-', '.'.
	RuleInvalidProviderName = "invalid-provider-name"
	// RuleUnusedProvider (warning): a provider no zone uses.
	RuleUnusedProvider = "unused-provider"
	// RuleUnknownProvider (error): a zone names a provider that is not
	// defined.
	RuleUnknownProvider = "unknown-provider"
	// RuleNoProviders (error): a zone without providers.
	RuleNoProviders = "no-providers"
	// RuleSingleProvider (warning): a zone served by one provider only.
	RuleSingleProvider = "single-provider"
	// RuleInvalidZoneName (error): a zone name that is not a valid
	// host-style domain name.
	RuleInvalidZoneName = "invalid-zone-name"
	// RuleZoneSource (error): a zone with both records: and file:, or
	// neither.
	RuleZoneSource = "zone-source"
	// RuleMasterFile (error): the zone's master file cannot be read or
	// parsed.
	RuleMasterFile = "master-file"
	// RuleInvalidIgnoreRule (error): an ignore entry that does not parse.
	RuleInvalidIgnoreRule = "invalid-ignore-rule"
	// RuleInvalidOwner (error): an owner name that is not a domain name.
	RuleInvalidOwner = "invalid-owner"
	// RuleOwnerOutsideZone (error): an owner that is not the zone's apex
	// or below it.
	RuleOwnerOutsideZone = "owner-outside-zone"
	// RuleUnknownRecordType (error): a record type miekg/dns does not know.
	RuleUnknownRecordType = "unknown-record-type"
	// RuleUnmanagedType (error): SOA or a DNSSEC type (RRSIG, NSEC, NSEC3,
	// NSEC3PARAM, DNSKEY, CDS, CDNSKEY) in the records. dnsquorum never
	// manages them: each provider keeps its own SOA (serials differ
	// between providers by design) and signs on its own. Writing one
	// inline is an error rather than a warning because it could never take
	// effect; the same records in a master file are left out silently,
	// since every master file has a SOA.
	RuleUnmanagedType = "unmanaged-type"
	// RuleBadRdata (error): a value miekg/dns cannot parse for its type;
	// the message carries the parser's text.
	RuleBadRdata = "bad-rdata"
	// RuleTTLRange (error): a TTL that is not a whole number from 0 to
	// 2147483647 (RFC 2181 section 8).
	RuleTTLRange = "ttl-out-of-range"
	// RuleDuplicateValue (error): the same value twice in one RRset (after
	// normalization), or a provider listed twice for a zone.
	RuleDuplicateValue = "duplicate-value"
	// RuleTTLMismatch (warning): records of one RRset written with
	// different TTLs; the set takes the lowest (RFC 2181 section 5.2).
	RuleTTLMismatch = "ttl-mismatch"
	// RuleCNAMEAtApex (error): a CNAME at the zone's apex, where SOA and NS
	// must live.
	RuleCNAMEAtApex = "cname-at-apex"
	// RuleCNAMEWithOtherData (error): a CNAME beside other records at the
	// same name (RFC 1034 section 3.6.2).
	RuleCNAMEWithOtherData = "cname-with-other-data"
	// RuleMultipleCNAME (error): more than one CNAME record at a name.
	RuleMultipleCNAME = "multiple-cname"
	// RuleTargetIsIP (error): an NS, MX, SRV or CNAME target written as an
	// IP address (a relative "192.0.2.1" becomes the name
	// 192.0.2.1.example.com.).
	RuleTargetIsIP = "target-is-ip"
	// RuleTargetIsCNAME (error): an NS, MX or SRV target that is a CNAME
	// inside the zone (RFC 2181 section 10.3).
	RuleTargetIsCNAME = "target-is-cname"
	// RuleMissingGlue (error): a delegation (NS below the apex) to a
	// nameserver inside the delegated name, without an A or AAAA record
	// for it in the zone.
	RuleMissingGlue = "missing-glue"
	// RuleEmptyZone (error): a zone without any record. A zone with only
	// NS records is not empty.
	RuleEmptyZone = "empty-zone"
	// RuleNoApexNS (warning): no NS records at the apex.
	RuleNoApexNS = "no-apex-ns"
	// RuleApexNSMissingProvider (warning): the apex NS set names none of
	// the nameservers a provider of the zone declares (its
	// "nameservers:" setting).
	RuleApexNSMissingProvider = "apex-ns-missing-provider"
	// RuleIgnoredRecord (warning): a desired record that an ignore rule
	// covers, so it is never pushed.
	RuleIgnoredRecord = "ignored-record"
	// RuleInternal (error): a bug in dnsquorum while loading.
	RuleInternal = "internal"
)

// unmanagedType reports whether records of type t are never managed by
// dnsquorum (see RuleUnmanagedType).
func unmanagedType(t uint16) bool {
	switch t {
	case dns.TypeSOA, dns.TypeRRSIG, dns.TypeNSEC, dns.TypeNSEC3, dns.TypeNSEC3PARAM, dns.TypeDNSKEY, dns.TypeCDS, dns.TypeCDNSKEY:
		return true
	}
	return false
}

func unmanagedReason(t uint16) string {
	if t == dns.TypeSOA {
		return "SOA is never managed: each provider keeps its own SOA and serial; remove it"
	}
	return "DNSSEC records are never managed: each provider signs the zone itself; remove it"
}

// validateZone builds z.Records from the zone's source records and checks
// the zone-level rules. sourceKey is the records:/file: key; hadErrors is
// true when reading the zone already reported errors (an empty result is
// then no news).
func (l *loader) validateZone(z *ZoneConfig, recs []sourceRecord, sourceKey *yaml.Node, hadErrors bool) {
	what := "zone " + z.Name
	// Per record, in file order: duplicates and TTL mismatches.
	kept := recs[:0:0]
	for _, r := range recs {
		h := r.rr.Header()
		k := Key{h.Name, h.Rrtype}
		ttl, prevTTL := h.Ttl, uint32(0)
		if prev := z.Records.Get(k); prev != nil {
			prevTTL = prev.TTL
		}
		switch z.Records.addNormalized(r.rr) {
		case Duplicate:
			l.add(r.pos, Error, RuleDuplicateValue, z.Name, "%s %s: value %q is already in the set (at %s)", h.Name, dns.Type(h.Rrtype), strings.TrimSpace(Rdata(r.rr)), z.Origins[k])
			continue
		case TTLMismatch:
			l.add(r.pos, Warning, RuleTTLMismatch, z.Name, "%s %s: TTL %d differs from the set's TTL %d (set at %s); the whole set uses the lowest, %d", h.Name, dns.Type(h.Rrtype), ttl, prevTTL, z.Origins[k], min(ttl, prevTTL))
		}
		if _, ok := z.Origins[k]; !ok {
			z.Origins[k] = r.pos
		}
		kept = append(kept, r)
	}

	if z.Records.Len() == 0 {
		if !hadErrors {
			l.errorf(sourceKey, RuleEmptyZone, z.Name, "%s has no records", what)
		}
		return
	}

	// Index: the types present at each name.
	types := make(map[string][]uint16, z.Records.Len())
	for k := range z.Records.sets {
		types[k.Name] = append(types[k.Name], k.Type)
	}
	has := func(name string, t uint16) bool {
		return z.Records.sets[Key{name, t}] != nil
	}

	// CNAME rules, once per set.
	for k, s := range z.Records.sets {
		if k.Type != dns.TypeCNAME {
			continue
		}
		pos := z.Origins[k]
		if k.Name == z.Name {
			l.add(pos, Error, RuleCNAMEAtApex, z.Name, "%s CNAME: a CNAME cannot be at the zone's apex (SOA and NS live there)", k.Name)
		} else if others := otherTypes(types[k.Name], dns.TypeCNAME); len(others) > 0 {
			l.add(pos, Error, RuleCNAMEWithOtherData, z.Name, "%s CNAME: a CNAME cannot sit beside other records at the same name (%s here)", k.Name, strings.Join(others, ", "))
		}
		if len(s.Records) > 1 {
			l.add(pos, Error, RuleMultipleCNAME, z.Name, "%s CNAME: %d CNAME records at one name; a name has at most one", k.Name, len(s.Records))
		}
	}

	// Per record: targets.
	for _, r := range kept {
		h := r.rr.Header()
		target := rrTarget(r.rr)
		if target == "" || target == "." {
			continue
		}
		desc := fmt.Sprintf("%s %s", h.Name, dns.Type(h.Rrtype))
		if ipLike(target, z.Name) {
			shown := target
			if ip := strings.TrimSuffix(target, "."); net.ParseIP(ip) == nil {
				// Written without the final dot: show what was written.
				shown = fmt.Sprintf("%s (read as %s)", RelativeName(target, z.Name), target)
			}
			l.add(r.pos, Error, RuleTargetIsIP, z.Name, "%s: target %s is an IP address; %s targets must be host names (with A/AAAA records)", desc, shown, dns.Type(h.Rrtype))
			continue
		}
		if h.Rrtype != dns.TypeCNAME && InZone(target, z.Name) && has(target, dns.TypeCNAME) {
			l.add(r.pos, Error, RuleTargetIsCNAME, z.Name, "%s: target %s is a CNAME; %s targets must name the host itself (RFC 2181 section 10.3)", desc, target, dns.Type(h.Rrtype))
		}
		if h.Rrtype == dns.TypeNS && h.Name != z.Name && InZone(target, h.Name) && !has(target, dns.TypeA) && !has(target, dns.TypeAAAA) {
			l.add(r.pos, Error, RuleMissingGlue, z.Name, "%s: delegation to %s, inside the delegated name, needs glue: add an A or AAAA record for %s", desc, target, target)
		}
	}

	// Apex NS and the providers' nameservers.
	apexNS := z.Records.Get(Key{z.Name, dns.TypeNS})
	if apexNS == nil {
		l.warnf(sourceKey, RuleNoApexNS, z.Name, "%s declares no NS records at its apex; list every provider's nameservers there so the delegation can be checked", what)
	} else {
		names := map[string]bool{}
		for _, rr := range apexNS.Records {
			names[rr.(*dns.NS).Ns] = true
		}
		for _, pn := range z.Providers {
			pc := l.cfg.Provider(pn)
			if pc == nil || len(pc.Nameservers) == 0 {
				continue
			}
			found := false
			for _, ns := range pc.Nameservers {
				found = found || names[ns]
			}
			if !found {
				l.add(z.Origins[apexNS.Key()], Warning, RuleApexNSMissingProvider, z.Name, "%s NS: the apex NS set names none of provider %q's nameservers (%s)", z.Name, pn, strings.Join(pc.Nameservers, ", "))
			}
		}
	}

	// Desired records that an ignore rule hides.
	if len(z.Ignore) > 0 {
		for _, s := range z.Records.Sorted() {
			rel := RelativeName(s.Name, z.Name)
			for _, ir := range z.Ignore {
				if ir.Match(rel, s.Type) {
					l.add(z.Origins[s.Key()], Warning, RuleIgnoredRecord, z.Name, "%s %s: covered by ignore rule %q, so never pushed", s.Name, s.TypeString(), strings.TrimSpace(ir.Name+" "+ir.Type))
					break
				}
			}
		}
	}
}

// otherTypes returns the mnemonics of types other than skip, sorted.
func otherTypes(ts []uint16, skip uint16) []string {
	var out []string
	for _, t := range ts {
		if t != skip {
			out = append(out, dns.Type(t).String())
		}
	}
	slices.Sort(out)
	return out
}

// rrTarget returns the host name an NS, MX, SRV or CNAME record points to,
// or "" for other types.
func rrTarget(rr dns.RR) string {
	switch t := rr.(type) {
	case *dns.NS:
		return t.Ns
	case *dns.MX:
		return t.Mx
	case *dns.SRV:
		return t.Target
	case *dns.CNAME:
		return t.Target
	}
	return ""
}

// ipLike reports whether target was written as an IP address: absolute
// ("192.0.2.1.") or relative and completed with the zone's name
// ("192.0.2.1.example.com.").
func ipLike(target, origin string) bool {
	if net.ParseIP(strings.TrimSuffix(target, ".")) != nil {
		return true
	}
	if target != origin && InZone(target, origin) {
		return net.ParseIP(RelativeName(target, origin)) != nil
	}
	return false
}
