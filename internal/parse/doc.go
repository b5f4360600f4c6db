// Package parse is backrules' parse stage and its only reader of YAML.
//
// Everything backrules reads as YAML (rule files, profiles and the test-case
// files) goes through [Document], which holds a document to a
// strict subset of YAML, the same for every reader:
//
//   - UTF-8 text (a leading byte order mark is dropped), at most one
//     document;
//   - no anchors, aliases or merge keys (<<): each value is written out,
//     which keeps a file readable and rules out "billion laughs" inputs;
//   - no tags but the core ones a reader could mean: !!str, !!int, !!float,
//     !!bool, !!null, !!seq and !!map (no !!binary, !!set, !custom...);
//   - every mapping key a string.
//
// Each problem is an [*Error] with the line and column of the offending
// text, counted as an editor counts them, and the JSON path of the value
// ("conditions[1]", "cases[0].profile").
//
// A reader that refuses a document must still be able to act on what it
// says, such as the red flags of a profile: [ReadablePart] returns what
// can be read of a text that Document refuses, what its YAML means where
// that is well defined (an alias as its anchor's value, the first
// document, the lines before a syntax error), and never more.
//
// [ToJSON] turns a checked node into JSON, so that a YAML input and a JSON
// input can go through one strict JSON decoder and be held to the same
// rules with the same messages: the profile decoder of package recommend
// works this way. The JSON keeps a table from its lines back to positions in
// the YAML source, so that the decoder's errors can point into the YAML.
package parse
