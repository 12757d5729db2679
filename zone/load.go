package zone

// Load reads the configuration file at path, expands ${ENV} references,
// loads every zone's records (inline or from a master file) and validates
// what zone-level rules can check. It returns the configuration (nil when
// the file could not be parsed at all) and every finding.
func Load(path string) (*Config, Findings) {
	panic("TODO: implemented by the config work")
}
