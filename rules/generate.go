package rules

// GUIDANCE.md is generated from the rules; a test fails when it is stale.
//go:generate go run ./internal/guidance -o GUIDANCE.md
