// Package rules holds the default backrules rule set: sources, vocabulary,
// movements and rules, as YAML files embedded in the binary.
//
// See GUIDANCE.md in this folder for the advice the rules give, generated
// from the rules themselves.
package rules

import "embed"

// FS holds the default rule files, at its root.
//
//go:embed *.yaml
var FS embed.FS
