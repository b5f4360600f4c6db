package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadmeQuickStart checks that the output the README shows for its
// Quick start command is what the command prints: the golden file of the
// same profile.
func TestReadmeQuickStart(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "prints:\n\n```text\n"
	i := strings.Index(string(readme), start)
	if i < 0 {
		t.Fatalf("README.md has no %q block after the Quick start commands", start)
	}
	shown := string(readme[i+len(start):])
	shown = shown[:strings.Index(shown, "```")]
	golden, err := os.ReadFile("../../testdata/golden/default-profile-text.golden")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(golden), shown); diff != "" {
		t.Errorf("README.md's Quick start output differs from testdata/golden/default-profile-text.golden (-want +got):\n%s", diff)
	}
}
