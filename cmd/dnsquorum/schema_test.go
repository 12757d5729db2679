package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dnsquorum/dnsquorum/providers"
)

var update = flag.Bool("update", false, "rewrite dnsquorum.schema.json from the code")

// schemaFile is the committed copy of the schema, at the repository root.
var schemaFile = filepath.Join("..", "..", "dnsquorum.schema.json")

// TestSchemaFile fails when the committed dnsquorum.schema.json differs from
// what `dnsquorum schema` prints. Regenerate it with
//
//	go test ./cmd/dnsquorum -run TestSchemaFile -update
//
// (or `go generate ./cmd/dnsquorum`).
func TestSchemaFile(t *testing.T) {
	code, out, errOut := runCLI(t, "schema")
	if code != ExitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if *update {
		if err := os.WriteFile(schemaFile, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./cmd/dnsquorum -run TestSchemaFile -update)", err)
	}
	if !bytes.Equal(committed, []byte(out)) {
		t.Errorf("%s is stale: regenerate it with: go test ./cmd/dnsquorum -run TestSchemaFile -update", schemaFile)
	}
}

// TestSchemaShape checks the schema's main points: draft 2020-12, required
// sections, the record value forms, every registered provider type.
func TestSchemaShape(t *testing.T) {
	_, out, _ := runCLI(t, "schema")
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema %v", s["$schema"])
	}
	get := func(v any, path ...string) any {
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%s: not an object", strings.Join(path, "."))
			}
			v = m[p]
		}
		return v
	}
	if req := get(s, "required"); len(req.([]any)) != 2 {
		t.Errorf("required %v", req)
	}
	zoneProps := get(s, "properties", "zones", "additionalProperties", "properties").(map[string]any)
	for _, k := range []string{"providers", "default_ttl", "ignore", "safety", "records", "file"} {
		if zoneProps[k] == nil {
			t.Errorf("zone key %s missing", k)
		}
	}
	if get(zoneProps, "default_ttl", "maximum").(float64) != 2147483647 {
		t.Errorf("default_ttl maximum %v", get(zoneProps, "default_ttl", "maximum"))
	}
	mx := get(zoneProps, "records", "additionalProperties", "properties", "MX", "$ref")
	if mx != "#/$defs/RecordValue" {
		t.Errorf("MX: %v", mx)
	}
	if forms := get(s, "$defs", "RecordValue", "oneOf").([]any); len(forms) != 3 {
		t.Errorf("record value forms %v", forms)
	}
	enum := get(s, "properties", "providers", "additionalProperties", "properties", "type", "enum").([]any)
	if len(enum) != len(providers.Types()) {
		t.Errorf("type enum %v, registered %v", enum, providers.Types())
	}
	if !strings.Contains(out, `"description": "Names of the providers`) {
		t.Errorf("no descriptions from doc tags")
	}
}
