package powerdns

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnsquorum/dnsquorum/zone"
)

// knownTypes are the types PowerDNS 4.7 knows by name. It requires their
// content in exactly its own presentation ("zone representation", compared
// case-insensitively); other types go as "TYPEnnn" with RFC 3597 content.
var knownTypes = map[uint16]bool{
	dns.TypeA: true, dns.TypeNS: true, dns.TypeCNAME: true, dns.TypeSOA: true, dns.TypeMB: true,
	dns.TypeMG: true, dns.TypeMR: true, dns.TypePTR: true, dns.TypeHINFO: true, dns.TypeMINFO: true,
	dns.TypeMX: true, dns.TypeTXT: true, dns.TypeRP: true, dns.TypeAFSDB: true, dns.TypeKEY: true,
	dns.TypeAAAA: true, dns.TypeLOC: true, dns.TypeSRV: true, dns.TypeNAPTR: true, dns.TypeKX: true,
	dns.TypeCERT: true, dns.TypeDNAME: true, dns.TypeAPL: true, dns.TypeDS: true, dns.TypeSSHFP: true,
	dns.TypeIPSECKEY: true, dns.TypeRRSIG: true, dns.TypeNSEC: true, dns.TypeDNSKEY: true,
	dns.TypeDHCID: true, dns.TypeNSEC3: true, dns.TypeNSEC3PARAM: true, dns.TypeTLSA: true,
	dns.TypeSMIMEA: true, dns.TypeRKEY: true, dns.TypeCDS: true, dns.TypeCDNSKEY: true,
	dns.TypeOPENPGPKEY: true, dns.TypeCSYNC: true, dns.TypeZONEMD: true, dns.TypeSVCB: true,
	dns.TypeHTTPS: true, dns.TypeSPF: true, dns.TypeNID: true, dns.TypeL32: true, dns.TypeL64: true,
	dns.TypeLP: true, dns.TypeEUI48: true, dns.TypeEUI64: true, dns.TypeURI: true, dns.TypeCAA: true,
}

// apiType returns the type name the API uses for t.
func apiType(t uint16) string {
	if knownTypes[t] {
		return dns.TypeToString[t]
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// content returns rr's RDATA the way PowerDNS prints it, which is the only
// form its API accepts ("Not in expected format" otherwise). miekg/dns's
// presentation matches for most types; the exceptions are spelled out here
// and each is pinned by a test against the real server.
func content(rr dns.RR) (string, error) {
	if !knownTypes[rr.Header().Rrtype] {
		return generic(rr)
	}
	switch r := rr.(type) {
	case *dns.SVCB:
		return svcb(r.Priority, r.Target, r.Value), nil
	case *dns.HTTPS:
		return svcb(r.Priority, r.Target, r.Value), nil
	case *dns.LOC:
		return loc(r), nil
	case *dns.CERT:
		// PowerDNS wants the type and algorithm as numbers ("PGP" fails).
		return fmt.Sprintf("%d %d %d %s", r.Type, r.KeyTag, r.Algorithm, r.Certificate), nil
	case *dns.RFC3597:
		return generic(rr)
	}
	return zone.Rdata(rr), nil
}

// generic renders rr's RDATA in RFC 3597 form: \# length hex.
func generic(rr dns.RR) (string, error) {
	var u dns.RFC3597
	if r, ok := rr.(*dns.RFC3597); ok {
		u = *r
	} else if err := u.ToRFC3597(rr); err != nil {
		return "", fmt.Errorf("%s %s: %v", rr.Header().Name, dns.Type(rr.Header().Rrtype), err)
	}
	if u.Rdata == "" {
		return `\# 0`, nil
	}
	return fmt.Sprintf(`\# %d %s`, len(u.Rdata)/2, strings.ToLower(u.Rdata)), nil
}

// svcb renders SVCB/HTTPS RDATA as PowerDNS 4.7 does: parameters in key
// order, values unquoted except ech and keyNNNNN ones, no-default-alpn bare,
// and keys it does not know by name (dohpath, ohttp, ...) as keyNNNNN.
func svcb(prio uint16, target string, params []dns.SVCBKeyValue) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(prio)))
	b.WriteByte(' ')
	b.WriteString(target)
	for _, kv := range params {
		b.WriteByte(' ')
		switch k := kv.Key(); k {
		case dns.SVCB_NO_DEFAULT_ALPN:
			b.WriteString("no-default-alpn")
		case dns.SVCB_MANDATORY, dns.SVCB_ALPN, dns.SVCB_PORT, dns.SVCB_IPV4HINT, dns.SVCB_IPV6HINT:
			b.WriteString(k.String() + "=" + kv.String())
		case dns.SVCB_ECHCONFIG:
			b.WriteString(`ech="` + kv.String() + `"`)
		default:
			b.WriteString("key" + strconv.Itoa(int(k)) + `="` + kv.String() + `"`)
		}
	}
	return b.String()
}

// loc renders LOC RDATA as PowerDNS does: degrees without padding, sizes
// and precisions in meters with two decimals.
func loc(r *dns.LOC) string {
	coord := func(v, center uint32, pos, neg string) string {
		h := pos
		var d uint32
		if v >= center {
			d = v - center
		} else {
			h, d = neg, center-v
		}
		deg := d / dns.LOC_DEGREES
		d %= dns.LOC_DEGREES
		mins := d / dns.LOC_HOURS
		d %= dns.LOC_HOURS
		return fmt.Sprintf("%d %d %.3f %s", deg, mins, float64(d)/1000, h)
	}
	size := func(b uint8) float64 {
		// Mantissa in the high nibble, power of ten in the low, in cm.
		return float64(b>>4) * math.Pow(10, float64(b&0x0f)) / 100
	}
	alt := (float64(r.Altitude) - dns.LOC_ALTITUDEBASE*100) / 100
	return fmt.Sprintf("%s %s %.2fm %.2fm %.2fm %.2fm",
		coord(r.Latitude, dns.LOC_EQUATOR, "N", "S"), coord(r.Longitude, dns.LOC_PRIMEMERIDIAN, "E", "W"),
		alt, size(r.Size), size(r.HorizPre), size(r.VertPre))
}
