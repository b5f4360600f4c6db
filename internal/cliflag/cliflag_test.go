package cliflag

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantOut string
	}{
		{"flags", []string{"-v"}, "", ""},
		{"help", []string{"-h"}, flag.ErrHelp.Error(), "usage: cmd [-v]\n  -v\tbe verbose\n"},
		{"unknown flag, printed nothing", []string{"-bogus"}, "flag provided but not defined: -bogus", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("cmd", flag.ContinueOnError)
			fs.Bool("v", false, "be verbose")
			var out strings.Builder
			err := Parse(fs, tt.args, &out, "usage: cmd [-v]")
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOut, out.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if tt.name == "help" && !errors.Is(err, flag.ErrHelp) {
				t.Errorf("error %v does not match flag.ErrHelp", err)
			}
		})
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(file, []byte("rules: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-dir")
	tests := []struct {
		name, path, wantErr string
	}{
		{"directory", dir, ""},
		{"file", file, file + " is a file, not a directory: give the directory that holds the rule files"},
		{"missing", missing, "stat " + missing + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotErr := ""
			if err := Dir(tt.path, "rule files"); err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
