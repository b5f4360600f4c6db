package mdsafe

import "testing"

func TestLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Walk daily.", "Walk daily."},
		{"one line", "Walk\n\n  daily.\t", "Walk daily."},
		{"link", "[click](javascript:alert(1))", `\[click\](javascript:alert(1))`},
		{"image", "![x](http://e.test/a.png)", `!\[x\](http://e.test/a.png)`},
		{"autolink and html", "<http://e.test> <b>x</b>", `\<http://e.test\> \<b\>x\</b\>`},
		{"emphasis and code", "*a* _b_ `c` ~d~", "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~"},
		{"heading and table", "# h | t", `\# h \| t`},
		{"backslash first", `\[`, `\\\[`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.in); got != tt.want {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
