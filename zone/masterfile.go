package zone

import "github.com/miekg/dns"

// MasterRecord is one record read from a master file, with where it was
// written.
type MasterRecord struct {
	RR  dns.RR
	Pos Position
}

// ReadMasterFile parses the RFC 1035 master file at path with miekg/dns's
// ZoneParser: origin is the initial $ORIGIN, defaultTTL applies when neither
// the record nor $TTL gives one. $INCLUDE is allowed for files inside
// baseDir (relative paths resolve against baseDir); an include that escapes
// it is refused. Records are returned as parsed (not normalized). Errors are
// *MasterFileError values naming file and line.
func ReadMasterFile(path, origin, baseDir string, defaultTTL uint32) ([]MasterRecord, error) {
	panic("TODO: implemented by the master-file work")
}

// MasterFileError is a parse error in a master file.
type MasterFileError struct {
	Pos Position
	Msg string
}

func (e *MasterFileError) Error() string { return e.Pos.String() + ": " + e.Msg }
