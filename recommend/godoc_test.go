package recommend_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExportedIdentifierDocumented checks that go doc -all reads as
// the reference for the packages a program imports: every exported
// function, method, type, constant and variable has a doc comment, and
// every exported struct field has one, or shares the comment of the field
// on the line above it (a group such as "File and Line say where").
func TestEveryExportedIdentifierDocumented(t *testing.T) {
	for _, dir := range []string{".", "report", "../cdshooks", "../rules"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			for _, missing := range undocumented(fset, f) {
				t.Errorf("%s: %s has no doc comment", dir, missing)
			}
		}
	}
}

// undocumented lists the exported identifiers of f without documentation.
func undocumented(fset *token.FileSet, f *ast.File) []string {
	var out []string
	line := func(p token.Pos) int { return fset.Position(p).Line }
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil || !exportedRecv(d) {
				continue
			}
			out = append(out, fset.Position(d.Pos()).String()+" "+d.Name.Name)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if s.Doc == nil && d.Doc == nil {
						out = append(out, fset.Position(s.Pos()).String()+" type "+s.Name.Name)
					}
					st, ok := s.Type.(*ast.StructType)
					if !ok {
						continue
					}
					prev := 0 // the line of the last field that is documented or in a group
					for _, fl := range st.Fields.List {
						documented := fl.Doc != nil || fl.Comment != nil || line(fl.Pos()) == prev+1
						if documented {
							prev = line(fl.End())
						}
						for _, n := range fl.Names {
							if n.IsExported() && !documented {
								out = append(out, fset.Position(n.Pos()).String()+" field "+s.Name.Name+"."+n.Name)
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
							out = append(out, fset.Position(n.Pos()).String()+" "+n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// exportedRecv reports whether a method's receiver type is exported, so
// that go doc shows it (a function has no receiver and counts as shown).
func exportedRecv(d *ast.FuncDecl) bool {
	if d.Recv == nil {
		return true
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}

// TestReadmeLayoutNamesEveryFile checks that the README's Layout section,
// which tells a newcomer who owns what, names every source file of the
// stages: a file added without a word there is a house with a room that
// is on no plan.
func TestReadmeLayoutNamesEveryFile(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(readme), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no Layout section")
	}
	layout, _, _ = strings.Cut(layout, "\n## ")
	for _, dir := range []string{".", "report", "../internal/parse", "../cdshooks"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := filepath.Base(f)
			if strings.HasSuffix(name, "_test.go") || strings.Contains(name, "_plan9") || strings.Contains(name, "_windows") {
				continue
			}
			if !strings.Contains(layout, "`"+name+"`") {
				t.Errorf("README's Layout does not name %s", f)
			}
		}
	}
}
