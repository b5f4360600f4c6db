//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSpecialCaseFiles checks that rulecheck refuses, without opening it, a
// case file that could block forever or never end, and follows a link to a
// regular case file.
func TestSpecialCaseFiles(t *testing.T) {
	rules, err := os.ReadFile("../../testdata/rulecheck/passing/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		make       func(t *testing.T, caseFile string)
		wantCode   int
		wantStderr string // %s stands for the case file's path
	}{
		{"named pipe", func(t *testing.T, caseFile string) {
			if err := syscall.Mkfifo(caseFile, 0o644); err != nil {
				t.Skipf("cannot make a named pipe: %v", err)
			}
		}, 1, "error: read test cases: %s: a named pipe, not a regular file: case files must be plain files\n"},
		{"link to /dev/zero", func(t *testing.T, caseFile string) {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero")
			}
			if err := os.Symlink("/dev/zero", caseFile); err != nil {
				t.Skipf("cannot make a symbolic link: %v", err)
			}
		}, 1, "error: read test cases: %s: symlink to a device, not to a regular file: case files must be plain files\n"},
		{"link to a regular file", func(t *testing.T, caseFile string) {
			target, err := filepath.Abs("../../testdata/rulecheck/passing/rules_test.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, caseFile); err != nil {
				t.Skipf("cannot make a symbolic link: %v", err)
			}
		}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), rules, 0o644); err != nil {
				t.Fatal(err)
			}
			caseFile := filepath.Join(dir, "x_test.yaml")
			tt.make(t, caseFile)
			var stdout, stderr bytes.Buffer
			if code := run([]string{dir}, &stdout, &stderr); code != tt.wantCode {
				t.Errorf("exit status = %d, want %d; stdout:\n%s", code, tt.wantCode, stdout.String())
			}
			want := tt.wantStderr
			if want != "" {
				want = fmt.Sprintf(want, caseFile)
			}
			if diff := cmp.Diff(want, stderr.String()); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
