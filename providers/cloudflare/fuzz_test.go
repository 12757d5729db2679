package cloudflare

import (
	"encoding/json"
	"testing"
)

// FuzzRecord feeds API record objects to the reader: an error or a record,
// never a panic.
func FuzzRecord(f *testing.F) {
	for _, s := range []string{
		`{"type":"A","name":"a.example.com","content":"192.0.2.1","ttl":1}`,
		`{"type":"MX","name":"example.com","content":"mx.example.net","priority":10,"ttl":300}`,
		`{"type":"SRV","name":"_sip._tcp.example.com","data":{"priority":1,"weight":2,"port":5060,"target":"sip.example.net"},"ttl":300}`,
		`{"type":"TXT","name":"t.example.com","content":"\"a\" \"b\"","ttl":300}`,
		`{"type":"CAA","name":"example.com","data":{"flags":0,"tag":"issue","value":"x\ny"},"ttl":300}`,
		`{"type":"TXT","name":"t.example.com","content":"x\n$INCLUDE /etc/passwd","ttl":300}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r record
		if json.Unmarshal([]byte(s), &r) != nil {
			return
		}
		_, _ = fromRecord(r)
	})
}
