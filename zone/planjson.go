package zone

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// PlanFormatVersion is the version of the plan JSON schema below. It
// changes only when a field changes meaning or disappears; new fields may be
// added within a version.
const PlanFormatVersion = 1

// PlanJSON is the machine-readable form of a Plan, stable within
// format_version 1:
//
//	{
//	  "format_version": 1,
//	  "zone": "example.com.",             // canonical zone name
//	  "provider": "bind",                 // provider name in the config
//	  "create_zone": false,               // the provider lacks the zone; applying creates it
//	  "basis": "sha256:…",                // fingerprint of the managed records the plan was computed from
//	  "changes": [                        // canonical order of (name, type)
//	    {"action": "create"|"update"|"delete",
//	     "name": "www.example.com.", "type": "A",
//	     "old": {"ttl": 300, "records": ["192.0.2.1"]} | null,   // null for create
//	     "new": {"ttl": 300, "records": ["192.0.2.2"]} | null}   // null for delete
//	  ],
//	  "summary": {"create": 0, "update": 1, "delete": 0, "existing_records": 12, "desired_records": 12},
//	  "safety": {"threshold": 0.3, "min_records": 10, "affected_records": 1, "requires_force": false, "reason": "…"}
//	}
//
// Records are presentation-format RDATA, sorted, exactly as the RRset holds
// them. changes is [] (never null) for an empty plan.
type PlanJSON struct {
	FormatVersion int          `json:"format_version"`
	Zone          string       `json:"zone"`
	Provider      string       `json:"provider"`
	CreateZone    bool         `json:"create_zone"`
	Basis         string       `json:"basis"`
	Changes       []ChangeJSON `json:"changes"`
	Summary       Summary      `json:"summary"`
	Safety        Safety       `json:"safety"`
}

// ChangeJSON is one change of a PlanJSON.
type ChangeJSON struct {
	Action string     `json:"action"`
	Name   string     `json:"name"`
	Type   string     `json:"type"`
	Old    *RRsetJSON `json:"old"`
	New    *RRsetJSON `json:"new"`
}

// RRsetJSON is an RRset's TTL and records (presentation-format RDATA).
type RRsetJSON struct {
	TTL     uint32   `json:"ttl"`
	Records []string `json:"records"`
}

// JSON returns the plan's machine-readable form.
func (p *Plan) JSON() PlanJSON {
	out := PlanJSON{
		FormatVersion: PlanFormatVersion,
		Zone:          p.Zone,
		Provider:      p.Provider,
		CreateZone:    p.CreateZone,
		Basis:         p.Basis,
		Changes:       make([]ChangeJSON, 0, len(p.Changes)),
		Summary:       p.Summary,
		Safety:        p.Safety,
	}
	for _, c := range p.Changes {
		out.Changes = append(out.Changes, ChangeJSON{
			Action: c.Action.String(),
			Name:   c.Key.Name,
			Type:   dns.Type(c.Key.Type).String(),
			Old:    rrsetJSON(c.Old),
			New:    rrsetJSON(c.New),
		})
	}
	return out
}

func rrsetJSON(s *RRset) *RRsetJSON {
	if s == nil {
		return nil
	}
	return &RRsetJSON{TTL: s.TTL, Records: s.Rdata()}
}

// ErrPlanFormat is returned (wrapped) by ReadPlanJSON for a plan written in
// a format version this build does not know.
var ErrPlanFormat = errors.New("unsupported plan format_version")

// ReadPlanJSON reads a plan written as PlanJSON back into a Plan, refusing
// unknown format versions and unknown fields. Records are parsed and
// normalized again, so the result compares equal to the plan written.
func ReadPlanJSON(r io.Reader) (*Plan, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var pj PlanJSON
	if err := dec.Decode(&pj); err != nil {
		return nil, fmt.Errorf("plan: %v", err)
	}
	if pj.FormatVersion != PlanFormatVersion {
		return nil, fmt.Errorf("plan: %w %d (this build reads %d)", ErrPlanFormat, pj.FormatVersion, PlanFormatVersion)
	}
	p := &Plan{Zone: pj.Zone, Provider: pj.Provider, CreateZone: pj.CreateZone, Basis: pj.Basis, Summary: pj.Summary, Safety: pj.Safety}
	for i, cj := range pj.Changes {
		c, err := cj.change()
		if err != nil {
			return nil, fmt.Errorf("plan: changes[%d] (%s %s): %v", i, cj.Name, cj.Type, err)
		}
		p.Changes = append(p.Changes, c)
	}
	return p, nil
}

func (cj ChangeJSON) change() (Change, error) {
	t, ok := dns.StringToType[strings.ToUpper(cj.Type)]
	if !ok {
		return Change{}, fmt.Errorf("unknown type %q", cj.Type)
	}
	name, err := CanonicalName(cj.Name, "")
	if err != nil {
		return Change{}, err
	}
	c := Change{Key: Key{name, t}}
	switch cj.Action {
	case "create":
		c.Action = Create
	case "update":
		c.Action = Update
	case "delete":
		c.Action = Delete
	default:
		return Change{}, fmt.Errorf("unknown action %q", cj.Action)
	}
	if c.Old, err = cj.Old.rrset(c.Key); err != nil {
		return Change{}, fmt.Errorf("old: %v", err)
	}
	if c.New, err = cj.New.rrset(c.Key); err != nil {
		return Change{}, fmt.Errorf("new: %v", err)
	}
	if (c.Old == nil) != (c.Action == Create) || (c.New == nil) != (c.Action == Delete) {
		return Change{}, fmt.Errorf("%s with old %v and new %v", cj.Action, c.Old != nil, c.New != nil)
	}
	return c, nil
}

func (sj *RRsetJSON) rrset(k Key) (*RRset, error) {
	if sj == nil {
		return nil, nil
	}
	z := NewRRsets()
	typ := dns.Type(k.Type).String()
	for _, rd := range sj.Records {
		rr, err := NewRR(fmt.Sprintf("%s %d IN %s %s", k.Name, sj.TTL, typ, rd), k.Name)
		if err != nil {
			// The position is that of the line built here: leave it out.
			msg := strings.TrimPrefix(parseErrorRE.ReplaceAllString(err.Error(), ""), "dns: ")
			return nil, fmt.Errorf("record %q: %s", rd, msg)
		}
		z.addNormalized(rr)
	}
	s := z.Get(k)
	if s == nil {
		return nil, fmt.Errorf("no records")
	}
	return s, nil
}

// Fingerprint returns "sha256:" and the hex SHA-256 of every record in the
// collection: the uncompressed wire form of each record (owner, type, class,
// TTL, RDATA), sets ordered by owner octets then type, records in the set's
// order. Equal collections have equal fingerprints; any change of a record
// or a TTL changes it.
func (z *RRsets) Fingerprint() string {
	sets := make([]*RRset, 0, len(z.sets))
	for _, s := range z.sets {
		sets = append(sets, s)
	}
	return fingerprint(sets)
}

// fingerprint is Fingerprint over the given sets (which it sorts).
func fingerprint(sets []*RRset) string {
	slices.SortFunc(sets, func(a, b *RRset) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.Type) - int(b.Type)
	})
	h := sha256.New()
	// Large enough for any record: RDATA is at most 65,535 octets.
	buf := make([]byte, 65535+512)
	for _, s := range sets {
		for _, rr := range s.Records {
			off, err := dns.PackRR(rr, buf, 0, nil, false)
			if err != nil {
				// Normalized records always pack; hash the text
				// instead of failing.
				io.WriteString(h, rr.String())
				continue
			}
			h.Write(buf[:off])
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
