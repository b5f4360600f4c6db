package parse

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"
)

// WideEncoding returns the name of the encoding src is in when it is
// UTF-16 or UTF-32 rather than UTF-8, or "": when it starts with the byte
// order mark of either, or, without one, when its first character is an
// ASCII character written in one of them, as a text editor saving
// "Unicode" writes a profile or a rule file (a NUL byte, which no UTF-8
// YAML or JSON text holds, beside the character). A UTF-32 byte order
// mark is tested first: the little-endian one starts with UTF-16's.
func WideEncoding(src []byte) string {
	switch {
	case bytes.HasPrefix(src, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(src, []byte{0, 0, 0xFE, 0xFF}):
		return "UTF-32"
	case bytes.HasPrefix(src, []byte{0xFF, 0xFE}), bytes.HasPrefix(src, []byte{0xFE, 0xFF}):
		return "UTF-16"
	case len(src) >= 4 && isASCII(src[0]) && src[1] == 0 && src[2] == 0 && src[3] == 0,
		len(src) >= 4 && src[0] == 0 && src[1] == 0 && src[2] == 0 && isASCII(src[3]):
		return "UTF-32"
	case len(src) >= 2 && isASCII(src[0]) && src[1] == 0, len(src) >= 2 && src[0] == 0 && isASCII(src[1]):
		return "UTF-16"
	}
	return ""
}

// isASCII reports whether c is a printable ASCII character or a blank.
func isASCII(c byte) bool {
	return c == '\t' || c == '\n' || c == '\r' || (' ' <= c && c < 0x7F)
}

// WideToUTF8 returns src as UTF-8 when [WideEncoding] names its encoding
// (its byte order mark dropped, a code unit that is not a character read
// as U+FFFD, an odd byte at the end dropped), and src itself otherwise:
// for a reader that refuses such a text, as it must, and must still read
// what it says, such as the red flags a profile names. Lines and columns
// of the text it returns are those of src's characters.
func WideToUTF8(src []byte) []byte {
	enc := WideEncoding(src)
	if enc == "" {
		return src
	}
	var order binary.ByteOrder = binary.LittleEndian
	if enc == "UTF-32" {
		switch {
		case bytes.HasPrefix(src, []byte{0xFF, 0xFE, 0, 0}):
			src = src[4:]
		case bytes.HasPrefix(src, []byte{0, 0, 0xFE, 0xFF}):
			src, order = src[4:], binary.BigEndian
		case src[0] == 0:
			order = binary.BigEndian
		}
		out := make([]byte, 0, len(src)/4)
		for ; len(src) >= 4; src = src[4:] {
			out = utf8.AppendRune(out, rune(order.Uint32(src)))
		}
		return out
	}
	switch {
	case bytes.HasPrefix(src, []byte{0xFF, 0xFE}):
		src = src[2:]
	case bytes.HasPrefix(src, []byte{0xFE, 0xFF}):
		src, order = src[2:], binary.BigEndian
	case src[0] == 0:
		order = binary.BigEndian
	}
	units := make([]uint16, len(src)/2)
	for i := range units {
		units[i] = order.Uint16(src[2*i:])
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out
}
