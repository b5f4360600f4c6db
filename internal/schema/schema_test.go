package schema_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/schema"
	"github.com/backrules/backrules/recommend"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite rules/schema.json")

// compile compiles a generated schema with the validator.
func compile(t *testing.T, eng *recommend.Engine) *jsonschema.Schema {
	t.Helper()
	src, err := schema.Generate(eng)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("rule-file.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("rule-file.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return sch
}

// validate converts a YAML rule file to JSON, as the parse stage reads it,
// and validates it.
func validate(sch *jsonschema.Schema, src []byte) error {
	node, err := parse.Document(src, "a rule file")
	if err != nil {
		return err
	}
	j, err := parse.ToJSON(node)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j.Text))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// TestDefaultRulesValid validates every default rule file against the
// schema generated for the default rules.
func TestDefaultRulesValid(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	sch := compile(t, eng)
	files, err := filepath.Glob("../../rules/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(sch, src); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		})
	}
}

// TestSchemaFileUpToDate checks that rules/schema.json, which the rule
// files name for editors, is the schema generated for the default rules.
// Run with -update to rewrite it.
func TestSchemaFileUpToDate(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	want, err := schema.Generate(eng)
	if err != nil {
		t.Fatal(err)
	}
	const path = "../../rules/schema.json"
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go run ./examples/rulecheck -schema rules > rules/schema.json, or this test with -update", path)
	}
}

// schemaLevel are the fixtures of testdata/invalid whose mistakes a schema
// can see: keys, types, closed sets, missing parts. The others need the
// whole rule set (duplicate ids, references, CEL) or are not YAML a schema
// reads (syntax errors, anchors, encodings, sizes). refer-withhold-not-bool
// is left out because the YAML reader already refuses its withhold: yes,
// before a schema sees it.
var schemaLevel = []string{
	"case-file-read-as-rules",
	"cel-plain-number-when",
	"citation-missing-claim-locator",
	"effect-because-mistakes",
	"effect-selects-nothing",
	"floor-declaration-mistakes",
	"invalid-ids",
	"missing-required-keys",
	"missing-required-keys-every-level",
	"movement-picture-mistakes",
	"priority-mistakes",
	"rule-empty-when",
	"rule-no-citation",
	"rule-no-effect",
	"say-mistakes",
	"source-kind-unknown",
	"source-url-not-web",
	"unknown-key-every-level",
	"unknown-key-rule",
	"unknown-key-top",
	"vocabulary-codes-mistakes",
	"wrong-scalar-types",
	"yaml-top-level-list",
	"movement-id-reserved",
	"ids-listed-twice",
}

// TestInvalidFixturesFail validates the schema-level fixtures of
// testdata/invalid against the generic schema: each has a rule file that
// fails.
func TestInvalidFixturesFail(t *testing.T) {
	sch := compile(t, nil)
	for _, name := range schemaLevel {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../../testdata/invalid", name+".txtar"))
			if err != nil {
				t.Fatal(err)
			}
			files := ruleFiles(data)
			if len(files) == 0 {
				t.Fatal("no rule files in the fixture")
			}
			failed := false
			for _, src := range files {
				err := validate(sch, src)
				var ve *jsonschema.ValidationError
				if errors.As(err, &ve) {
					failed = true
				} else if err != nil {
					t.Fatalf("not a schema failure: %v", err)
				}
			}
			if !failed {
				t.Error("every rule file of the fixture passes the schema")
			}
		})
	}
}

// ruleFiles returns the YAML sections of a txtar fixture.
func ruleFiles(data []byte) [][]byte {
	var out [][]byte
	var cur *bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		s := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") && len(s) > 6 {
			name := strings.TrimSpace(s[3 : len(s)-3])
			cur = nil
			if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
				out = append(out, nil)
				cur = &bytes.Buffer{}
			}
			continue
		}
		if cur != nil {
			cur.WriteString(line)
			out[len(out)-1] = cur.Bytes()
		}
	}
	return out
}

// TestSchemaPictures checks that the generic schema asks what Load asks
// of the pictures: a pose for every movement, and a prop, one of the
// figure's or none, for every piece of equipment.
func TestSchemaPictures(t *testing.T) {
	sch := compile(t, nil)
	const movement = "movements:\n  - {id: m, name: M, kind: stretch, how: Do it., dose: Once."
	tests := []struct {
		name, src string
		valid     bool
	}{
		{"a movement with a pose", movement + ", pose: {base: standing, start: {}, end: {}}}\n", true},
		{"a movement without a pose", movement + "}\n", false},
		{"equipment with a prop", "vocabulary:\n  equipment:\n    - {id: exercise_mat, label: Mat, prop: mat}\n", true},
		{"equipment drawn by none", "vocabulary:\n  equipment:\n    - {id: kettlebell, label: Kettlebell, prop: none}\n", true},
		{"equipment without a prop", "vocabulary:\n  equipment:\n    - {id: exercise_mat, label: Mat}\n", false},
		{"equipment with an unknown prop", "vocabulary:\n  equipment:\n    - {id: kettlebell, label: Kettlebell, prop: kettlebell}\n", false},
		{"a condition with a prop", "vocabulary:\n  conditions:\n    - {id: sciatica, label: Sciatica, prop: mat}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate(sch, []byte(tt.src))
			var ve *jsonschema.ValidationError
			if err != nil && !errors.As(err, &ve) {
				t.Fatalf("not a schema failure: %v", err)
			}
			if got := err == nil; got != tt.valid {
				t.Errorf("valid = %v, want %v (%v)", got, tt.valid, err)
			}
		})
	}
}
