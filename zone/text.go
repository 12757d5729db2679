package zone

import (
	"strconv"
	"strings"
)

// EscapeText turns raw octets into one character-string in miekg/dns's
// escaped presentation form, without the surrounding quotes: a double
// quote or backslash gets a backslash, every octet outside printable ASCII
// becomes \DDD. This is the form dns.TXT holds its strings in; wrapped in
// double quotes it is master-file text.
func EscapeText(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			b.WriteByte('0' + c/100)
			b.WriteByte('0' + c/10%10)
			b.WriteByte('0' + c%10)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// UnescapeStrings joins character-strings in miekg/dns's escaped
// presentation form (\DDD and \X escapes, as dns.TXT holds them) into the
// raw octets they stand for; the inverse of EscapeText. A backslash at the
// very end stands for itself.
func UnescapeStrings(ss ...string) string {
	if len(ss) == 1 && !strings.Contains(ss[0], `\`) {
		return ss[0]
	}
	var b strings.Builder
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '\\' || i+1 >= len(s) {
				b.WriteByte(c)
				continue
			}
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				n, _ := strconv.Atoi(s[i+1 : i+4])
				b.WriteByte(byte(n))
				i += 3
				continue
			}
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}
