package parse

// Describing YAML nodes in the rule parser's messages. Syntax errors,
// encodings, anchors and tags are checked by Document, the one strict
// reader (strict.go).

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names what a node holds, for messages: a collection by its
// kind (see Kind), and a scalar with its value, "the number 5".
func describe(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return Kind(n)
	}
	switch n.Tag {
	case "!!str":
		return fmt.Sprintf("the text %q", n.Value)
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	case "!!null":
		return "nothing"
	}
	return fmt.Sprintf("a value tagged %s", n.Tag)
}
