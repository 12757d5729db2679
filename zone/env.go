package zone

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// envRef is a problem with one ${ENV} reference.
type envRef struct {
	node *yaml.Node
	msg  string
	rule string
}

// expandEnv replaces ${NAME} references in every scalar value (not the keys)
// below n, in place. NAME is [A-Za-z_][A-Za-z0-9_]*; "$${" stands for a
// literal "${". lookup returns a variable's value and whether it is set.
// Substituted values are appended to secrets; problems (an unset variable,
// a malformed reference) are returned, one per reference, naming the
// variable but never a value.
// seen holds the nodes already expanded (aliases share nodes, and a node
// must not be expanded twice: "$${X}" would become a reference again).
func expandEnv(n *yaml.Node, lookup func(string) (string, bool), secrets *[]string, seen map[*yaml.Node]bool) []envRef {
	var probs []envRef
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.ScalarNode:
			if !strings.Contains(n.Value, "$") {
				return
			}
			out, changed, p := expandString(n.Value, lookup, secrets)
			for _, msg := range p {
				rule := RuleUnsetEnv
				if !strings.HasPrefix(msg, "environment variable") {
					rule = RuleInvalidEnvRef
				}
				probs = append(probs, envRef{node: n, msg: msg, rule: rule})
			}
			if changed {
				n.Value = out
				// Let the adapter's decoder resolve the expanded value
				// (a port given as "${PORT}" decodes into an int).
				n.Tag, n.Style = "", 0
			}
		case yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i])
			}
		case yaml.SequenceNode, yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c)
			}
		case yaml.AliasNode:
			walk(n.Alias)
		}
	}
	walk(n)
	return probs
}

// expandString expands the references in s. It reports whether anything
// changed and the problems found.
func expandString(s string, lookup func(string) (string, bool), secrets *[]string) (string, bool, []string) {
	var b strings.Builder
	var probs []string
	changed := false
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			i++
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			b.WriteString("${")
			i += 3
			changed = true
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				probs = append(probs, "unterminated ${ reference (write $${ for a literal ${)")
				b.WriteString(s[i:])
				i = len(s)
				continue
			}
			name := s[i+2 : i+2+end]
			i += 2 + end + 1
			if !validEnvName(name) {
				probs = append(probs, fmt.Sprintf("invalid environment variable name %q in ${...} (want letters, digits and _)", name))
				continue
			}
			v, ok := lookup(name)
			if !ok {
				probs = append(probs, fmt.Sprintf("environment variable %s is not set", name))
				continue
			}
			if v != "" {
				*secrets = append(*secrets, v)
			}
			b.WriteString(v)
			changed = true
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), changed, probs
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
