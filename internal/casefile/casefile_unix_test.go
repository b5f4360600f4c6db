//go:build unix

package casefile_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLoadFSSpecialFiles checks that LoadFS follows a link to a regular
// file and refuses, without opening them, the files that could block
// forever or never end: a named pipe, a link to a device, and a link that
// leads nowhere or to a folder.
func TestLoadFSSpecialFiles(t *testing.T) {
	const valid = "cases:\n  - name: a\n    profile: {}\n"
	tests := []struct {
		name    string
		make    func(t *testing.T, dir string) // makes x_test.yaml in dir
		want    []string
		wantErr string
	}{
		{name: "link to a regular file", want: []string{"a"},
			make: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "target.txt"), valid)
				link(t, "target.txt", filepath.Join(dir, "x_test.yaml"))
			}},
		{name: "named pipe", wantErr: "x_test.yaml: a named pipe, not a regular file: case files must be plain files",
			make: func(t *testing.T, dir string) {
				if err := syscall.Mkfifo(filepath.Join(dir, "x_test.yaml"), 0o644); err != nil {
					t.Skipf("cannot make a named pipe: %v", err)
				}
			}},
		{name: "link to /dev/zero", wantErr: "x_test.yaml: symlink to a device, not to a regular file: case files must be plain files",
			make: func(t *testing.T, dir string) {
				if _, err := os.Stat("/dev/zero"); err != nil {
					t.Skip("no /dev/zero")
				}
				link(t, "/dev/zero", filepath.Join(dir, "x_test.yaml"))
			}},
		{name: "broken link", wantErr: "x_test.yaml: broken symlink: its target does not exist: point it at a case file, or delete it",
			make: func(t *testing.T, dir string) {
				link(t, "nowhere.yaml", filepath.Join(dir, "x_test.yaml"))
			}},
		{name: "link to a folder", wantErr: "x_test.yaml: symlink to a folder, named like a case file: links to folders are not followed: rename the link, or link the files one by one",
			make: func(t *testing.T, dir string) {
				if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
					t.Fatal(err)
				}
				link(t, "sub", filepath.Join(dir, "x_test.yaml"))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.make(t, dir)
			checkLoadFS(t, os.DirFS(dir), false, tt.want, tt.wantErr)
		})
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Skipf("cannot make a symbolic link: %v", err)
	}
}
