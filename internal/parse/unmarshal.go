package parse

import "gopkg.in/yaml.v3"

// Unmarshal decodes the YAML in src into v as yaml.v3 does on its own,
// without the checks of Document: it is the reference that tests compare
// the strict reading with, and no input should be read with it.
func Unmarshal(src []byte, v any) error {
	return yaml.Unmarshal(src, v)
}
