package mdsafe

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
		// Markdown reads a character reference as the character it names:
		// an invisible one that Load refuses in rule prose, or "&" for
		// "&amp;", which would not show as written.
		{"character references", "Walk &rlm;&ZeroWidthSpace; &amp; rest &#x202E;", `Walk \&rlm;\&ZeroWidthSpace; \&amp; rest \&\#x202E;`},
		{"ampersand alone", "Heat & ice", `Heat \& ice`},
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

func TestDestination(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "https://e.test/a.svg", "<https://e.test/a.svg>"},
		{"relative", "movements/walking.svg", "<movements/walking.svg>"},
		{"parentheses stay", "https://e.test/a_(b)", "<https://e.test/a_(b)>"},
		{"brackets end nothing", "a>b<c", "<a%3Eb%3Cc>"},
		{"white space", "a b\tc\nd\re", "<a%20b%09c%0Ad%0De>"},
		{"table cell", "a|b", "<a%7Cb>"},
		{"no escapes", `a\>b`, "<a%5C%3Eb>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Destination(tt.in)); diff != "" {
				t.Errorf("Destination(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		name, in, want, cell string
	}{
		{"plain", "profile.age > 50", "`profile.age > 50`", "`profile.age > 50`"},
		{"one line", "a\n  && b", "`a && b`", "`a && b`"},
		{"markup stays", `'x_y' in profile.f && *z* \ [l](u)`, "`'x_y' in profile.f && *z* \\ [l](u)`", "`'x_y' in profile.f && *z* \\ [l](u)`"},
		{"pipes", "a || b", "`a || b`", "`a \\|\\| b`"},
		{"backticks inside", "a `b` c", "``a `b` c``", "``a `b` c``"},
		{"backtick at the edge", "`x``", "``` `x`` ```", "``` `x`` ```"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Code(tt.in)); diff != "" {
				t.Errorf("Code(%q) (-want +got):\n%s", tt.in, diff)
			}
			if diff := cmp.Diff(tt.cell, CodeCell(tt.in)); diff != "" {
				t.Errorf("CodeCell(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
