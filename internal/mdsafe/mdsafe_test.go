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

func TestLinkURL(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"https://www.nice.org.uk/guidance/ng59", true},
		{"http://e.test/a?b=c#d", true},
		{"HTTPS://E.TEST/x", true},
		{"", false},
		{"javascript:alert(1)", false},
		{"data:text/html,<b>x</b>", false},
		{"/relative/path", false},
		{"//e.test/no-scheme", false},
		{"ftp://e.test/x", false},
		{"https:opaque", false},
		{"https://", false},
		{"https://user:pw@e.test/", false},
		{" https://e.test/", false},
		{"https://e.test/ ", false},
		{"https://e.test/a b", false},
		{"https://e.test/a\nb", false},
		{"https://e.test/a\tb", false},
		{"https://e.test/a>b", false},
		{"https://e.test/<b>", false},
		{`https://e.test/a"b`, false},
		{"https://e.test/a`b", false},
		{`https://e.test/a\b`, false},
		{"https://e.test/%zz", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := LinkURL(tt.in); got != tt.want {
				t.Errorf("LinkURL(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
