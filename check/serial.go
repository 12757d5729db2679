package check

// SerialLess reports whether serial a is before serial b in RFC 1982
// serial number arithmetic (32 bits): b is newer when it is ahead by less
// than 2^31. Serials exactly 2^31 apart are unordered: neither is less.
func SerialLess(a, b uint32) bool {
	return a != b && b-a < 1<<31
}

// NewestSerial returns the serial no other serial is newer than (RFC 1982).
// ok is false when the serials cannot be ordered (they span half the
// serial space or more); the first serial is returned then.
func NewestSerial(serials []uint32) (newest uint32, ok bool) {
	if len(serials) == 0 {
		return 0, true
	}
	for _, c := range serials {
		best := true
		for _, o := range serials {
			if o != c && !SerialLess(o, c) {
				best = false
				break
			}
		}
		if best {
			return c, true
		}
	}
	return serials[0], false
}
