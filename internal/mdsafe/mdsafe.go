// Package mdsafe makes text from rule files safe to put in Markdown: the
// one escaper of the reports, the web page's neighbours and the CDS Hooks
// cards. Text from a rule file is data, never markup: escaped, it cannot
// add emphasis, code, a link, an image, a table, a heading or HTML to what
// a clinician or a patient reads. It sits beside package termsafe, which
// does the same for terminals.
package mdsafe

import (
	"net/url"
	"strings"
)

// escaper escapes the characters that could start Markdown markup, a link
// or HTML: emphasis, code, links, images, tables, headings, quotes and
// tags, and the & of a character reference: Markdown turns "&rlm;" into
// the invisible character it names, which Load refuses in rule prose, and
// "&amp;" into "&", so that the text would not show as written.
var escaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`, "~", `\~`, "&", `\&`,
)

// Line returns s as Markdown text on one line: its runs of white space,
// line breaks included, become single spaces, and every character that
// Markdown would act on is escaped with a backslash, so that the text
// shows as written and adds no markup, links or HTML.
func Line(s string) string {
	return escaper.Replace(strings.Join(strings.Fields(s), " "))
}

// LinkURL reports whether u may be shown as a link: the one check of the
// loader (internal/parse), the reports' Markdown, the web page and the CDS
// Hooks cards. It is true for an absolute http or https URL (the scheme in
// any case) with a host and no user information, with no white space
// around or in it, and none of the characters a Markdown link destination
// or an HTML attribute would misread (< > \ " `), so that a rule file
// cannot make a javascript:, data: or relative link.
func LinkURL(u string) bool {
	if strings.ContainsAny(u, "<> \t\n\r\\\"`") {
		return false
	}
	p, err := url.Parse(u)
	if err != nil || p.Opaque != "" || p.User != nil || p.Host == "" {
		return false
	}
	return (p.Scheme == "http" || p.Scheme == "https") && strings.TrimSpace(u) == u
}

// destEscaper percent-encodes what would end or break a link destination
// written in angle brackets, or the table cell around it: the brackets,
// white space, the backslash and the pipe.
var destEscaper = strings.NewReplacer(
	"<", "%3C", ">", "%3E", " ", "%20", "\t", "%09", "\n", "%0A", "\r", "%0D",
	`\`, "%5C", "|", "%7C",
)

// Destination returns u as a Markdown link or image destination, in angle
// brackets: "[text](" + Destination(u) + ")". The characters that would
// end the destination early, break a table cell around it or add an
// escape are percent-encoded, so that u stays one destination whatever it
// holds. It does not judge where u points: a link a reader may follow is
// first checked with LinkURL.
func Destination(u string) string {
	return "<" + destEscaper.Replace(u) + ">"
}

// Code returns s as a Markdown code span on one line: its runs of white
// space become single spaces, and it is fenced by one backtick more than
// the longest run of backticks inside it, with a space of padding where s
// starts or ends with a backtick, so that nothing in s can close the span.
// Backslashes inside a code span are shown as written, so nothing else is
// escaped. In a table cell, use CodeCell.
func Code(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// CodeCell is Code for a cell of a GitHub-flavoured Markdown table, where
// a pipe ends the cell even inside a code span unless it is escaped: each
// pipe is written as \|, which the table reads as a pipe in the span.
func CodeCell(s string) string {
	return strings.ReplaceAll(Code(s), "|", `\|`)
}
