package main

import (
	"bytes"
	"os"
	"testing"
)

// TestSheetUpToDate fails when docs/movements.svg is not what the command
// draws now: run go run ./internal/tools/contactsheet from the module root.
func TestSheetUpToDate(t *testing.T) {
	want, err := sheet()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../../docs/movements.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, got) {
		t.Error("docs/movements.svg is out of date: run go run ./internal/tools/contactsheet")
	}
}
