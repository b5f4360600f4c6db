package parse

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	slashpath "path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/figure"
	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/internal/words"
	"gopkg.in/yaml.v3"
)

// The rule-file parser: YAML rule files in, the declarations of
// declarations.go out. Nothing here knows about CEL or about other files;
// cross-references are checked by the compile stage, which reads the
// declarations and never the YAML.

// Add parses one rule file, src, named name, adding its declarations to rs
// and its problems to iss. Line breaks in src must already be normalized
// (see NormalizeLineBreaks).
func (rs *RuleSet) Add(name string, src []byte, iss *Issues) {
	rs.AddDecoded(name, src, Decode(src), iss)
}

// Decoded is a rule file's YAML read by Decode, or the problem reading
// it, for AddDecoded.
type Decoded struct {
	top *yaml.Node
	err error
}

// Decode reads rule file src as YAML, strictly (see Document). It reads
// nothing else, so that the files of a rule set can be decoded at once
// on several goroutines, and added in their order with AddDecoded.
func Decode(src []byte) Decoded {
	top, err := Document(src, "a rule file")
	return Decoded{top, err}
}

// AddDecoded is Add for a file Decode has read: d must be Decode(src).
func (rs *RuleSet) AddDecoded(name string, src []byte, d Decoded, iss *Issues) {
	parseFile(name, src, d, rs, iss)
}

// Schemas: the keys each mapping allows, with the required ones first.
var (
	topKeys      = []string{"sources", "vocabulary", "movements", "rules", "version", "progress"}
	progressKeys = []string{"id", "when", "because", "cite", "step", "refer"}
	sourceKeys   = []string{"id", "title", "publisher", "kind", "author", "url", "sections"}
	vocabKeys    = []string{"id", "label", "codes"}
	floorVocab   = []string{"id", "label", "codes", "floor", "also_called"}
	riskVocab    = []string{"id", "label", "codes", "risk_factor", "counts_when_past"}
	riskFlags    = []string{"id", "label", "codes", "floor", "risk_factor", "counts_when_past", "also_called"}
	equipVocab   = []string{"id", "label", "prop", "codes"}
	floorKeys    = []string{"urgency", "withhold"}
	codeKeys     = []string{"system", "code", "subcodes"}
	movementKeys = []string{"id", "name", "kind", "how", "dose", "pose", "tags", "equipment", "levels"}
	poseKeys     = []string{"base", "start", "end", "props", "under", "spine", "turn", "anchor"}
	levelKeys    = []string{"dose", "how"}
	ruleKeys     = []string{"id", "when", "because", "cite", "description", RecommendKey, AvoidKey, CautionKey, "refer", "say"}
	selectorKeys = []string{"movements", "tags", "kinds", "because", "priority"}
	referKeys    = []string{"urgency", "message", "clinician", "withhold", "pathway", "invites_activity", "keep_active", "within"}
	sayKeys      = []string{"kind", "message"}
	citeKeys     = []string{"source", "locator", "claim", "position"}
)

const (
	nSourceRequired   = 4
	nVocabRequired    = 2
	nCodeRequired     = 2
	nFloorRequired    = 2
	nMovementRequired = 5
	nLevelRequired    = 1
	nRuleRequired     = 4
	nReferRequired    = 2
	nSayRequired      = 2
	nCiteRequired     = 3
)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// fileParser parses one rule file into a document.
type fileParser struct {
	file string
	src  []byte
	iss  *Issues
	doc  *RuleSet
	// unknownKeys counts unknown keys reported so far, so that a rule with
	// a misspelled effect is not also reported as having no effect.
	unknownKeys int
}

// parseFile adds the declarations in src, decoded as d, to doc, and any
// problems to iss.
func parseFile(name string, src []byte, d Decoded, doc *RuleSet, iss *Issues) {
	p := &fileParser{file: name, src: src, iss: iss, doc: doc}
	doc.Files = append(doc.Files, File{Name: name, Src: src})
	if iss.files == nil {
		iss.files = map[string][]byte{}
	}
	iss.files[name] = src
	// The strict reader of every YAML input (see Document): UTF-8, one
	// document, no anchors, aliases, merge keys or custom tags, string
	// keys.
	top, err := d.top, d.err
	var perr *Error
	switch {
	case errors.Is(err, ErrNoDocument):
		iss.Add(FilePos{name, Pos{1, 1}}, "file holds no YAML document: add sources, vocabulary, movements or rules, or delete the file")
		return
	case errors.As(err, &perr):
		pos := FilePos{name, perr.Pos}
		if WideEncoding(src) != "" {
			pos.Pos = Pos{} // the file as a whole: its lines cannot be shown
		}
		iss.Add(pos, "%s", Format(Pos{}, perr.Path, perr.Value, perr.Message))
		return
	case err != nil:
		iss.Add(FilePos{File: name}, "%s", err)
		return
	case isNull(top):
		iss.Add(FilePos{name, Pos{1, 1}}, "file holds no YAML document: add sources, vocabulary, movements or rules, or delete the file")
		return
	}
	if top.Kind == yaml.MappingNode && len(top.Content) > 0 && top.Content[0].Value == "cases" {
		p.iss.Add(p.pos(top.Content[0]), "this is a test-case file, not rules: name it *_test.yaml or move it to a folder named tests")
		return
	}
	f, ok := p.mapping(top, "a rule file", topKeys, 0)
	if !ok {
		return
	}
	if n := f["version"]; n != nil {
		if v, ok := p.prose(n, "the rule set version"); ok {
			p.doc.Version = append(p.doc.Version, v)
		}
	}
	if n := f["sources"]; n != nil {
		for _, item := range p.sequence(n, "sources") {
			p.source(item)
		}
	}
	if n := f["vocabulary"]; n != nil {
		p.vocabulary(n)
	}
	if n := f["movements"]; n != nil {
		for _, item := range p.sequence(n, "movements") {
			p.movement(item)
		}
	}
	if n := f["rules"]; n != nil {
		for _, item := range p.sequence(n, "rules") {
			p.rule(item)
		}
	}
	if n := f["progress"]; n != nil {
		for _, item := range p.sequence(n, "progress") {
			p.progress(item)
		}
	}
}

// progress parses a progression rule.
func (p *fileParser) progress(n *yaml.Node) {
	f, ok := p.mapping(n, "a progression rule", progressKeys, 4)
	if !ok {
		return
	}
	r := &ProgressRule{Because: p.str(f["because"], "the rule's because")}
	if w, ok := p.text(f["when"], "the progression rule's when"); ok {
		r.When = w
		r.WhenAt = newOffsets(p.file, p.src, f["when"])
	}
	if s := f["step"]; s != nil {
		r.Step, _ = p.text(s, "the progression rule's step")
	}
	if rn := f["refer"]; rn != nil {
		r.Refer = p.refer(rn)
		if w := r.Refer.Within; w.S != "" {
			// A review is not ordered among the rule set's referrals,
			// so a timing would be ignored.
			p.iss.Add(w.Pos, "a programme review is not ordered among the referrals by within: say how soon in its message, and remove within")
		}
	}
	r.Cite = p.cites(f["cite"])
	id, ok := p.id(f["id"], "the progression rule id")
	if !ok {
		return
	}
	r.ID = id
	if r.Step.S == "" && r.Refer == nil {
		p.iss.Add(p.pos(n), "progression rule %q has no effect: add step or refer", id.S)
	}
	p.doc.Progress = append(p.doc.Progress, r)
}

func (p *fileParser) pos(n *yaml.Node) FilePos {
	return FilePos{p.file, Pos{n.Line, n.Column}}
}

// mapping checks that n is a mapping whose keys are all in keys, and that
// the first nRequired of keys are present. It returns the values by key.
func (p *fileParser) mapping(n *yaml.Node, what string, keys []string, nRequired int) (map[string]*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		p.iss.Add(p.pos(n), "%s must be a mapping of keys to values, found %s", what, describe(n))
		return nil, false
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	keyLine := make(map[string]int, len(n.Content)/2)
	suggested := map[string]bool{} // keys a misspelled key was taken for
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.iss.Add(p.pos(k), "a key in %s must be plain text, found %s", what, describe(k))
			continue
		}
		switch {
		case keyLine[k.Value] != 0:
			p.iss.Add(p.pos(k), "duplicate key %q in %s (first at line %d)", k.Value, what, keyLine[k.Value])
		case !slices.Contains(keys, k.Value):
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, what)
			if s := words.Closest(k.Value, keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
				suggested[s] = true
			} else {
				msg += fmt.Sprintf(" (allowed: %s)", strings.Join(keys, ", "))
			}
			p.iss.Add(p.pos(k), "%s", msg)
			p.unknownKeys++
		default:
			keyLine[k.Value] = k.Line
			out[k.Value] = v
		}
	}
	var missing []string
	for _, k := range keys[:nRequired] {
		if _, ok := out[k]; !ok && keyLine[k] == 0 && !suggested[k] {
			missing = append(missing, fmt.Sprintf("%q", k))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		p.iss.Add(p.pos(n), "%s is missing the required key %s", what, missing[0])
	default:
		p.iss.Add(p.pos(n), "%s is missing the required keys %s and %s", what,
			strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
	}
	return out, true
}

// sequence checks that n is a list and returns its items. A missing node
// gives no items.
func (p *fileParser) sequence(n *yaml.Node, what string) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.iss.Add(p.pos(n), "%s must be a list, found %s", what, describe(n))
		return nil
	}
	return n.Content
}

// str returns the text of a string scalar, checked as prose. A missing node
// gives "" and no issue: required keys are checked by mapping.
func (p *fileParser) str(n *yaml.Node, what string) string {
	t, _ := p.prose(n, what)
	return t.S
}

// prose returns a string scalar with its Pos, as text does, that people
// read: it is shown on terminals among other places, so it may not hold
// control characters other than line feeds and tabs, nor invisible format
// characters such as the bidirectional overrides; YAML lets them in
// through escapes in double-quoted text ("\e"). With text's check, no
// character XML 1.0 refuses gets through either.
func (p *fileParser) prose(n *yaml.Node, what string) (Text, bool) {
	t, ok := p.text(n, what)
	if !ok {
		return Text{}, false
	}
	if i := strings.IndexFunc(t.S, invisible); i >= 0 {
		r, _ := utf8.DecodeRuneInString(t.S[i:])
		p.iss.Add(t.Pos, "%s holds the invisible character %U: remove it", what, r)
		return Text{}, false
	}
	if n.Style == 0 && n.LineComment != "" {
		// In text without quotes, YAML reads " #" as the start of a
		// comment: "the #1 cause" would end at "the", and a claim or a
		// caution lose their second half without a word.
		p.iss.Add(p.commentPos(n), "%s ends before %q: in text without quotes, YAML reads a # after a space as the start of a comment and drops the rest of the line; put the whole text in quotes, or move a comment to a line of its own",
			what, clip(n.LineComment, 40))
		return Text{}, false
	}
	return t, true
}

// commentPos returns the position of n's line comment: the first # of it
// from n's start on, or n's own position when it cannot be found.
func (p *fileParser) commentPos(n *yaml.Node) FilePos {
	start := lineStart(p.src, n.Line)
	if start < 0 {
		return p.pos(n)
	}
	line := Line(p.src, n.Line)
	start += runeOffset(line, n.Column-1)
	i := bytes.Index(p.src[start:], []byte(n.LineComment))
	if i < 0 {
		return p.pos(n)
	}
	return FilePos{p.file, PosAt(p.src, start+i)}
}

// runeOffset returns the byte offset of the k-th character of s (from 0),
// or len(s) when s is shorter.
func runeOffset(s string, k int) int {
	for i := range s {
		if k <= 0 {
			return i
		}
		k--
	}
	return len(s)
}

// clip returns s, cut to at most n characters with "…" when it is longer.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// invisible reports whether prose may not hold r: a control character
// other than a line feed or a tab, or an invisible format character.
func invisible(r rune) bool {
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r))
}

// noncharacter reports whether r is one of the 66 Unicode noncharacters:
// U+FDD0 to U+FDEF and the last two code points of every plane (U+FFFE,
// U+FFFF, U+1FFFE, ...). They are for a program's own use and are not
// text: U+FFFE and U+FFFF are not even allowed in XML, so a name or a how
// holding one would make a movement's picture (SVG) unreadable.
func noncharacter(r rune) bool {
	return r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE && r <= unicode.MaxRune
}

// text returns a string scalar with its Pos. It reports nodes that are
// not strings, strings that are blank and strings that hold a Unicode
// noncharacter. The strict YAML reader already refuses a lone surrogate
// and the control characters outside escapes; prose refuses the escaped
// ones, so that rule text never holds a character XML 1.0 does not allow.
func (p *fileParser) text(n *yaml.Node, what string) (Text, bool) {
	if n == nil {
		return Text{}, false
	}
	if isNull(n) {
		p.iss.Add(p.pos(n), "%s must not be empty", what)
		return Text{}, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = " (put it in quotes if you meant it as text)"
		}
		p.iss.Add(p.pos(n), "%s must be text, found %s%s", what, describe(n), hint)
		return Text{}, false
	}
	if strings.TrimSpace(n.Value) == "" {
		p.iss.Add(p.pos(n), "%s must not be empty", what)
		return Text{}, false
	}
	if i := strings.IndexFunc(n.Value, noncharacter); i >= 0 {
		r, _ := utf8.DecodeRuneInString(n.Value[i:])
		p.iss.Add(p.pos(n), "%s holds %U, a Unicode noncharacter, which is not text (and not allowed in XML, such as a movement's picture): remove it",
			what, r)
		return Text{}, false
	}
	return Text{n.Value, p.pos(n)}, true
}

// ReservedMovementID is the one id a movement may not have: the command
// line's -explain and the service's /explain take it for the referrals.
const ReservedMovementID = "referral"

// id returns an identifier, checking its spelling. A value of a fixed
// set (a kind, an urgency, a step) is read with text instead: the
// compile stage checks it against the set, with a did-you-mean, and a
// second message here for the same mistake would add nothing.
func (p *fileParser) id(n *yaml.Node, what string, reserved ...string) (Text, bool) {
	t, ok := p.text(n, what)
	if ok && !idPattern.MatchString(t.S) {
		p.iss.Add(t.Pos, "%s %q is not valid: %s", what, t.S, idRule(t.S, reserved...))
		return t, false
	}
	return t, ok
}

// ids returns a list of identifiers. An id listed twice is an error, as
// a list of them is a set: the second would say nothing, and is most
// often a slip for another.
func (p *fileParser) ids(n *yaml.Node, what string) []Text {
	var out []Text
	for _, item := range p.sequence(n, what) {
		t, ok := p.text(item, "an entry of "+what)
		if ok && !idPattern.MatchString(t.S) {
			p.iss.Add(t.Pos, "%q in %s is not a valid id: %s", t.S, what, idRule(t.S))
			ok = false
		}
		if i := slices.IndexFunc(out, func(o Text) bool { return o.S == t.S }); ok && i >= 0 {
			p.iss.Add(t.Pos, "%q is listed twice in %s (first at line %d, column %d): list each once", t.S, what, out[i].Pos.Line, out[i].Pos.Column)
			ok = false
		}
		if ok {
			out = append(out, t)
		}
	}
	return out
}

// idRule explains what an id looks like, with a corrected id for s when
// lowercasing it and joining its words with '_' gives one, and it is not
// one of the reserved ids, which would only be refused in turn.
func idRule(s string, reserved ...string) string {
	msg := "an id starts with a lowercase letter and uses only lowercase letters, digits, '_' and '-'"
	fixed := strings.Join(strings.Fields(strings.ToLower(s)), "_")
	switch {
	case slices.Contains(reserved, fixed):
		msg += fmt.Sprintf(" (%q is reserved: choose another id)", fixed)
	case fixed != s && idPattern.MatchString(fixed):
		msg += fmt.Sprintf(" (did you mean %q?)", fixed)
	}
	return msg
}

func (p *fileParser) boolean(n *yaml.Node, what string) bool {
	if n == nil {
		return false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.iss.Add(p.pos(n), "%s must be true or false, found %s", what, describe(n))
		return false
	}
	switch strings.ToLower(n.Value) {
	case "true":
		return true
	case "false":
		return false
	}
	// An explicit !!bool tag on another spelling, such as !!bool yes.
	p.iss.Add(p.pos(n), "%s must be true or false, found %q", what, n.Value)
	return false
}

func (p *fileParser) source(n *yaml.Node) {
	f, ok := p.mapping(n, "a source", sourceKeys, nSourceRequired)
	if !ok {
		return
	}
	s := &Source{
		Title:     p.str(f["title"], "the source title"),
		Publisher: p.str(f["publisher"], "the source publisher"),
		Author:    p.str(f["author"], "the source author"),
		URL:       p.str(f["url"], "the source url"),
	}
	if s.URL != "" && !mdsafe.LinkURL(s.URL) {
		p.iss.Add(p.pos(f["url"]), "the source url %s is not an absolute http or https URL: give the document's web address, such as https://example.org/guideline, or leave url out", Quote(s.URL))
		s.URL = ""
	}
	s.Kind, _ = p.text(f["kind"], "the source kind")
	if n := f["sections"]; n != nil {
		items := p.sequence(n, "sections")
		if n.Kind == yaml.SequenceNode && len(items) == 0 {
			p.iss.Add(p.pos(n), "sections must list at least one heading of the source, or be left out")
		}
		s.Sections = []Text{}
		for _, item := range items {
			t, ok := p.prose(item, "a section of the source")
			if !ok {
				continue
			}
			// A locator must name a section exactly, so spaces at either
			// end would make a section no locator can name as written.
			if trimmed := strings.TrimSpace(t.S); trimmed != t.S {
				p.iss.Add(t.Pos, "the section %s has spaces at its start or end, which a locator would have to copy: write %s", Quote(t.S), Quote(trimmed))
				continue
			}
			if i := slices.IndexFunc(s.Sections, func(u Text) bool { return u.S == t.S }); i >= 0 {
				p.iss.Add(t.Pos, "the section %s is listed twice (first at line %d): list each heading once", Quote(t.S), s.Sections[i].Pos.Line)
				continue
			}
			s.Sections = append(s.Sections, t)
		}
	}
	id, ok := p.id(f["id"], "the source id")
	if !ok {
		return
	}
	s.ID = id
	p.doc.Sources = append(p.doc.Sources, s)
}

func (p *fileParser) vocabulary(n *yaml.Node) {
	names := make([]string, len(p.doc.Fields))
	for i, f := range p.doc.Fields {
		names[i] = f.Name
	}
	f, ok := p.mapping(n, "the vocabulary", names, 0)
	if !ok {
		return
	}
	for fi, field := range p.doc.Fields {
		list := f[field.Name]
		if list == nil {
			continue
		}
		what := "vocabulary." + field.Name
		keys := vocabKeys
		switch {
		case field.Floors && field.RiskFactors:
			keys = riskFlags
		case field.Floors:
			keys = floorVocab
		case field.RiskFactors:
			keys = riskVocab
		case field.Name == EquipmentField:
			keys = equipVocab
		}
		for _, item := range p.sequence(list, what) {
			m, ok := p.mapping(item, "an entry of "+what, keys, nVocabRequired)
			if !ok {
				continue
			}
			label := p.str(m["label"], "the label")
			id, ok := p.id(m["id"], "the "+field.Label+" id")
			if ok && len(id.S) > p.doc.MaxIDLen {
				p.iss.Add(id.Pos, "the %s id is %d bytes long, over the limit of %d: profiles cannot hold a longer value", field.Label, len(id.S), p.doc.MaxIDLen)
				ok = false
			}
			var codes []Code
			if n := m["codes"]; n != nil {
				codes = p.codes(n, fi, id.S)
			}
			var floor *Floor
			var prop Text
			var also []Text
			switch {
			case field.Floors:
				floor = p.floor(m["floor"], item, field.Label, id.S)
				also = p.alsoCalled(m["also_called"])
			case field.Name == EquipmentField:
				prop = p.prop(m["prop"], item, id.S)
			}
			risk := field.RiskFactors && p.boolean(m["risk_factor"], "risk_factor")
			past := field.RiskFactors && p.boolean(m["counts_when_past"], "counts_when_past")
			if ok {
				p.doc.Vocab = append(p.doc.Vocab, &Term{Field: fi, ID: id, Label: label, Codes: codes, Floor: floor, Prop: prop, RiskFactor: risk, CountsWhenPast: past, AlsoCalled: also})
			}
		}
	}
}

// minNameLen is the fewest characters a name of one word in a red flag's
// also_called may have: a word of one or two letters ("MS", "TB") is too
// often another word, or another abbreviation, in the text it is looked
// for in.
const minNameLen = 3

// alsoCalled parses n, the also_called list of a red flag: the other names
// people write it by, each of ASCII letters, digits, spaces and hyphens
// (what the engine reads as the words of a name), and a name of one word
// at least minNameLen characters long. It returns the names it accepts,
// or nil when n is nil. Names the same as each other or as another red
// flag's are the compile stage's to find, as they may be in other files.
func (p *fileParser) alsoCalled(n *yaml.Node) []Text {
	if n == nil {
		return nil
	}
	items := p.sequence(n, "also_called")
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		p.iss.Add(p.pos(n), "also_called must list at least one other name of the red flag, such as [cauda equina syndrome], or be left out")
	}
	var out []Text
	for _, item := range items {
		t, ok := p.prose(item, "a name in also_called")
		if !ok {
			continue
		}
		if i := strings.IndexFunc(t.S, func(r rune) bool { return !nameRune(r) }); i >= 0 {
			r, _ := utf8.DecodeRuneInString(t.S[i:])
			msg := fmt.Sprintf("the name %s holds %q, which is not read as part of a name: write it with letters a to z, digits, spaces and hyphens only", Quote(t.S), r)
			if fixed := nameFix(t.S); fixed != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", fixed)
			}
			p.iss.Add(t.Pos, "%s", msg)
			continue
		}
		w := strings.Fields(strings.ReplaceAll(t.S, "-", " "))
		if len(w) == 0 {
			p.iss.Add(t.Pos, "the name %s holds no letter or digit: write a name of the red flag, or remove it", Quote(t.S))
			continue
		}
		if len(w) == 1 && len(w[0]) < minNameLen {
			p.iss.Add(t.Pos, "the name %s is one word of fewer than %d characters, which other text holds too often to count as this red flag: write the name in full", Quote(t.S), minNameLen)
			continue
		}
		out = append(out, t)
	}
	return out
}

// nameRune reports whether r may be part of a name in also_called: an
// ASCII letter or digit, a space or a hyphen.
func nameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == ' ' || r == '-'
}

// nameFix suggests a name in also_called for s, which holds a character
// nameRune refuses: s without full stops and apostrophes ("C.E.S." is
// CES, "Pott's disease" Potts disease), its other such characters made
// spaces; "" when that leaves no word, or s holds a letter outside a to
// z, which only its writer can put in ASCII.
func nameFix(s string) string {
	if strings.ContainsFunc(s, func(r rune) bool { return r >= utf8.RuneSelf && unicode.IsLetter(r) }) {
		return ""
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '.' || r == '\'' || r == '\u2019':
			return -1
		case nameRune(r):
			return r
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// prop parses the prop n of the equipment entry at entry, whose id is id:
// the prop that draws the equipment in a movement's picture, one of
// figure.Props, or figure.NoProp for equipment the pictures do not show.
// A missing prop is reported at the entry, with the prop to add: every
// piece of equipment is drawn, or says it is not. It returns the prop, or
// a Text with an empty S when it is missing or wrong.
func (p *fileParser) prop(n, entry *yaml.Node, id string) Text {
	allowed := fmt.Sprintf("one of %s, or %s for equipment the pictures do not show, with the reason in a comment",
		strings.Join(figure.Props, ", "), figure.NoProp)
	if n == nil {
		if misspelled(entry, "prop", equipVocab) {
			return Text{} // reported, with a did-you-mean
		}
		name := "equipment"
		if id != "" {
			name = fmt.Sprintf("equipment %q", id)
		}
		p.iss.Add(p.pos(entry), "%s declares no prop: add prop: %s, the prop that draws it in the pictures of the movements that use it (%s)",
			name, propFor(id), allowed)
		return Text{}
	}
	t, ok := p.id(n, "the equipment's prop")
	if !ok {
		return Text{}
	}
	if t.S != figure.NoProp && !slices.Contains(figure.Props, t.S) {
		p.iss.Add(t.Pos, "unknown prop %q%s: a prop is %s", t.S, words.DidYouMean(t.S, figure.Props), allowed)
		return Text{}
	}
	return t
}

// propFor suggests the prop for the equipment id: the prop of that name,
// or the one its last words name (band for resistance_band), or the
// closest; "<prop>" when none comes near.
func propFor(id string) string {
	for _, pr := range figure.Props {
		if id == pr || strings.HasSuffix(id, "_"+pr) || strings.HasSuffix(id, "-"+pr) {
			return pr
		}
	}
	if pr := words.Closest(id, figure.Props); pr != "" {
		return pr
	}
	return "<prop>"
}

// floor parses the safety floor n of the vocabulary entry at entry, a
// label such as "red flag" with the id id. A missing floor is reported at
// the entry, since every such entry must declare one.
func (p *fileParser) floor(n, entry *yaml.Node, label, id string) *Floor {
	if n == nil {
		name := label
		if id != "" {
			name = fmt.Sprintf("%s %q", label, id)
		}
		p.iss.Add(p.pos(entry), "%s declares no floor: add floor: {urgency: emergency, urgent, routine or none, withhold: true or false}, the least this %s alone must lead to", name, label)
		return nil
	}
	f, ok := p.mapping(n, "floor", floorKeys, nFloorRequired)
	if !ok {
		return nil
	}
	fl := &Floor{Pos: p.pos(n)}
	fl.Urgency, _ = p.text(f["urgency"], "the floor urgency")
	if w := f["withhold"]; w != nil {
		fl.Withhold = p.boolean(w, "floor.withhold")
	}
	if fl.Urgency.S == "" || f["withhold"] == nil {
		return nil
	}
	return fl
}

// codes parses the codes of the vocabulary term id of field fi: a list of
// mappings of a system URI and a code. A code already given to a term is
// reported, wherever in the rule set that term is.
func (p *fileParser) codes(n *yaml.Node, fi int, id string) []Code {
	items := p.sequence(n, "codes")
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		p.iss.Add(p.pos(n), "codes must list at least one code: give {system, code} entries, or remove the key")
	}
	var out []Code
	for _, item := range items {
		m, ok := p.mapping(item, "a code", codeKeys, nCodeRequired)
		if !ok {
			continue
		}
		sys, sysOK := p.codeText(m["system"], "the code system")
		if sysOK && !absoluteURI(sys.S) {
			p.iss.Add(sys.Pos, "the code system %q is not an absolute URI: name it by its URI, such as http://snomed.info/sct or http://hl7.org/fhir/sid/icd-10-cm", sys.S)
			sysOK = false
		}
		code, codeOK := p.codeText(m["code"], "the code")
		subcodes := false
		if n := m["subcodes"]; n != nil {
			subcodes = p.boolean(n, "subcodes")
			if subcodes && sysOK && !slices.Contains(PrefixSystems, sys.S) {
				p.iss.Add(p.pos(n), "subcodes: true is for code systems whose codes nest by prefix (%s), not %s: list each code instead",
					strings.Join(PrefixSystems, ", "), sys.S)
				subcodes = false
			}
		}
		if !sysOK || !codeOK {
			continue
		}
		key := [2]string{sys.S, code.S}
		if p.doc.codeAt == nil {
			p.doc.codeAt = map[[2]string]codeUse{}
		}
		if first, dup := p.doc.codeAt[key]; dup {
			p.iss.Add(code.Pos, "code %q of %s is given twice: %s %q has it at %s; a code stands for one term",
				code.S, sys.S, p.doc.Fields[first.field].Label, first.id, first.pos)
			continue
		}
		p.doc.codeAt[key] = codeUse{field: fi, id: id, pos: code.Pos}
		out = append(out, Code{System: sys, Code: code, Subcodes: subcodes})
	}
	return out
}

// codeText reads a code system or a code: text without white space or
// invisible characters, which no code system uses and which would make
// two spellings of one code differ.
func (p *fileParser) codeText(n *yaml.Node, what string) (Text, bool) {
	t, ok := p.text(n, what)
	if !ok {
		return t, false
	}
	for _, r := range t.S {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			p.iss.Add(t.Pos, "%s %s holds the character %U: write it without spaces or invisible characters", what, Quote(t.S), r)
			return t, false
		}
	}
	return t, true
}

// absoluteURI reports whether s is an absolute URI: a scheme, and for a
// hierarchical URI such as http://..., a host.
func absoluteURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return false
	}
	if u.Opaque != "" {
		return true // urn:oid:2.16.840.1.113883.6.96 and the like
	}
	return u.Host != ""
}

func (p *fileParser) movement(n *yaml.Node) {
	f, ok := p.mapping(n, "a movement", movementKeys, nMovementRequired)
	if !ok {
		return
	}
	m := &Movement{
		Name: p.str(f["name"], "the movement name"),
		How:  p.str(f["how"], "the movement's how"),
		Dose: p.str(f["dose"], "the movement's dose"),
	}
	m.Kind, _ = p.text(f["kind"], "the movement kind")
	m.Tags = p.ids(f["tags"], "tags")
	m.Equipment = p.ids(f["equipment"], "equipment")
	if pn := f["pose"]; pn != nil {
		m.PosePos = p.pos(pn)
		m.Pose = p.pose(pn)
		if m.Pose != nil {
			// The picture must agree with what the rules say the movement
			// does to the back; the compile stage checks that it draws
			// the equipment, whose props the vocabulary gives.
			for _, msg := range figure.Check(*m.Pose, tokens(m.Tags)) {
				p.iss.Add(m.PosePos, "the pose: %s", msg)
			}
		}
	} else if !misspelled(n, "pose", movementKeys) {
		// Every movement is drawn: a page, a report or an app shows its
		// picture beside it.
		name := "the movement"
		if id := f["id"]; id != nil && id.Kind == yaml.ScalarNode {
			name = "movement " + Quote(id.Value)
		}
		p.iss.Add(p.pos(n), "%s has no pose: every movement is drawn; add one after dose, such as pose: %s, "+
			"with the props its equipment needs, then set the joint angles of its start and end frames (see rules/schema.json)",
			name, minimalPose(tokens(m.Tags)))
	}
	if ln := f["levels"]; ln != nil {
		m.LevelsPos = p.pos(ln)
		for _, item := range p.sequence(ln, "levels") {
			lf, ok := p.mapping(item, "a level", levelKeys, nLevelRequired)
			if !ok {
				continue
			}
			dose, ok := p.text(lf["dose"], "the level's dose")
			if !ok {
				continue
			}
			m.Levels = append(m.Levels, Level{Dose: Text{S: p.str(lf["dose"], "the level's dose"), Pos: dose.Pos},
				How: p.str(lf["how"], "the level's how")})
		}
	}
	id, ok := p.id(f["id"], "the movement id", ReservedMovementID)
	if !ok {
		return
	}
	if id.S == ReservedMovementID {
		p.iss.Add(id.Pos, "the movement id %q is reserved: -explain referral, and \"movement\": \"referral\" in POST /explain, explain the referrals, so this movement could never be explained: choose another id",
			id.S)
		return
	}
	m.ID = id
	p.doc.Movements = append(p.doc.Movements, m)
}

// misspelled reports whether the mapping n has a key that mapping took
// for a misspelling of key (it reported the key, with a did-you-mean), so
// that key is not also reported missing.
func misspelled(n *yaml.Node, key string, keys []string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && !slices.Contains(keys, k.Value) && words.Closest(k.Value, keys) == key {
			return true
		}
	}
	return false
}

// minimalPose is the smallest pose that Check accepts for a movement with
// tags, for a rule author to copy and fill in: standing still, or lying
// the way a facing tag asks (figure.Facings).
func minimalPose(tags []string) string {
	for _, f := range figure.Facings {
		if slices.ContainsFunc(f.Tags, func(t string) bool { return slices.Contains(tags, t) }) {
			tilt := (f.MinTilt + f.MaxTilt) / 2
			return fmt.Sprintf("{base: %s, start: {tilt: %g}, end: {tilt: %g}}", f.Base, tilt, tilt)
		}
	}
	return "{base: standing, start: {}, end: {}}"
}

// tokens returns the strings of ts.
func tokens(ts []Text) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.S
	}
	return out
}

// pose reads a movement's pose and checks it against what figure can
// draw and a body can do; it returns nil when anything is wrong.
func (p *fileParser) pose(n *yaml.Node) *figure.Pose {
	f, ok := p.mapping(n, "a pose", poseKeys, 3)
	if !ok {
		return nil
	}
	good := true
	out := &figure.Pose{}
	if t, ok := p.id(f["base"], "the pose base"); ok {
		if !slices.Contains(figure.Bases, t.S) {
			p.iss.Add(t.Pos, "unknown pose base %q (allowed: %s)", t.S, strings.Join(figure.Bases, ", "))
			good = false
		}
		out.Base = t.S
	} else {
		good = false
	}
	for _, t := range p.ids(f["props"], "props") {
		if !slices.Contains(figure.Props, t.S) {
			p.iss.Add(t.Pos, "unknown prop %q (allowed: %s)", t.S, strings.Join(figure.Props, ", "))
			good = false
			continue
		}
		out.Props = append(out.Props, t.S)
	}
	if u := f["under"]; u != nil {
		x, ok := poseNumber(u)
		if !ok || !(x >= 0 && x <= 1) {
			p.iss.Add(p.pos(u), "the pose's under must be a number from 0 (the pelvis) to 1 (the shoulders), found %s", describe(u))
			good = false
		}
		out.Under = &x
	}
	if u := f["turn"]; u != nil {
		x, ok := poseNumber(u)
		if !ok || !(x >= 0 && x <= figure.MaxTurn) {
			p.iss.Add(p.pos(u), "the pose's turn must be a number of degrees from 0 (a side view) to %g, found %s", figure.MaxTurn, describe(u))
			good = false
		}
		out.Turn = x
	}
	if an := f["anchor"]; an != nil {
		t, ok := p.id(an, "the pose's anchor")
		if ok && !slices.Contains(figure.Anchors, t.S) {
			p.iss.Add(t.Pos, "unknown anchor %q (allowed: %s)", t.S, strings.Join(figure.Anchors, ", "))
			ok = false
		}
		good = good && ok
		out.Anchor = t.S
	}
	// Without a spine, the movement's tags give the shape of the back.
	if sn := f["spine"]; sn != nil {
		t, ok := p.id(sn, "the pose's spine")
		if ok && !slices.Contains(figure.SpineNames(), t.S) {
			p.iss.Add(t.Pos, "unknown spine %q (allowed: %s)", t.S, strings.Join(figure.SpineNames(), ", "))
			ok = false
		}
		good = good && ok
		out.Spine = t.S
	}
	var okS, okE bool
	out.Start, okS = p.frame(f["start"], "the pose's start")
	out.End, okE = p.frame(f["end"], "the pose's end")
	if !good || !okS || !okE {
		return nil
	}
	return out
}

// poseNumber reads a number of a pose: a YAML int or float, as YAML reads
// it (0x10, 1e1, .inf and .nan are numbers; the checks of each value
// refuse the last two), and false for anything else.
func poseNumber(n *yaml.Node) (float64, bool) {
	var x float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&x) != nil {
		return 0, false
	}
	return x, true
}

// frame reads a key frame: angles in degrees by joint name.
func (p *fileParser) frame(n *yaml.Node, what string) (figure.Frame, bool) {
	if n == nil {
		return nil, false
	}
	names := make([]string, len(figure.Joints))
	for i, j := range figure.Joints {
		names[i] = j.Name
	}
	f, ok := p.mapping(n, what, names, 0)
	if !ok {
		return nil, false
	}
	out := figure.Frame{}
	good := true
	for k, v := range f {
		x, ok := poseNumber(v)
		if !ok {
			p.iss.Add(p.pos(v), "the %s angle in %s must be a number of degrees, found %s", k, what, describe(v))
			good = false
			continue
		}
		if err := figure.CheckAngle(k, x); err != nil {
			p.iss.Add(p.pos(v), "the %s angle in %s: %v", k, what, err)
			good = false
			continue
		}
		out[k] = x
	}
	return out, good
}

func (p *fileParser) rule(n *yaml.Node) {
	unknownBefore := p.unknownKeys
	f, ok := p.mapping(n, "a rule", ruleKeys, nRuleRequired)
	if !ok {
		return
	}
	var whenNode *yaml.Node
	r := &Rule{
		Because: p.str(f["because"], "the rule's because"),
	}
	r.Description = p.str(f["description"], "the rule description")
	if w := f["when"]; w != nil && w.Kind == yaml.ScalarNode && (isNull(w) || w.Tag == "!!str" && strings.TrimSpace(w.Value) == "") {
		p.iss.Add(p.pos(w), "the rule's when must not be empty: write a CEL condition, or \"true\" for a rule that always applies")
	} else if w != nil && w.Kind == yaml.ScalarNode && w.Anchor == "" && (w.Tag == "!!bool" || w.Tag == "!!int" || w.Tag == "!!float") {
		// A plain true, false or number is CEL source too: when: true is
		// how a rule that always applies is written.
		r.When, whenNode = w.Value, w
		if w.Tag == "!!bool" {
			r.When = strings.ToLower(w.Value) // YAML's True is CEL's true
		}
	} else if w, ok := p.text(f["when"], "the rule's when"); ok {
		r.When, whenNode = w.S, f["when"]
	}
	hasEffect := false
	for e, name := range EffectNames {
		if n := f[name]; n != nil {
			r.Effects[e] = p.selector(n, name)
			hasEffect = true
		}
	}
	if n := f["refer"]; n != nil {
		r.Refer = p.refer(n)
		hasEffect = true
	}
	if n := f["say"]; n != nil {
		r.Say = p.say(n)
		hasEffect = true
	}
	r.Cite = p.cites(f["cite"])
	id, ok := p.id(f["id"], "the rule id")
	if !ok {
		return
	}
	r.ID = id
	if !hasEffect && p.unknownKeys == unknownBefore {
		p.iss.Add(p.pos(n), "rule %q has no effect: add recommend, avoid, caution, refer or say", id.S)
	}
	if whenNode != nil {
		r.WhenAt = newOffsets(p.file, p.src, whenNode)
	}
	p.doc.Rules = append(p.doc.Rules, r)
}

// selector parses an effect: a list of movement ids, or a mapping of
// movements, tags and kinds.
func (p *fileParser) selector(n *yaml.Node, name string) *Selector {
	s := &Selector{}
	unknownBefore := p.unknownKeys
	switch n.Kind {
	case yaml.SequenceNode:
		s.Movements = p.ids(n, name)
	case yaml.ScalarNode:
		msg := fmt.Sprintf("%s must be a list of movement ids, or a mapping of movements, tags and kinds; found %s", name, describe(n))
		if n.Tag == "!!str" && idPattern.MatchString(n.Value) {
			msg += fmt.Sprintf(" (write [%s])", n.Value)
		}
		p.iss.Add(p.pos(n), "%s", msg)
		return s
	default:
		f, ok := p.mapping(n, name, selectorKeys, 0)
		if !ok {
			return s
		}
		s.Movements = p.ids(f["movements"], name+".movements")
		s.Tags = p.ids(f["tags"], name+".tags")
		s.Kinds = p.ids(f["kinds"], name+".kinds")
		s.Because = p.str(f["because"], name+".because")
		if n := f["priority"]; n != nil {
			s.Priority = p.priority(n, name)
		}
		if f["movements"] == nil && f["tags"] == nil && f["kinds"] == nil && len(n.Content) > 0 && p.unknownKeys == unknownBefore {
			p.iss.Add(p.pos(n), "%s selects nothing: give movements, tags or kinds beside its because", name)
		}
	}
	if len(s.Movements)+len(s.Tags)+len(s.Kinds) == 0 && len(n.Content) == 0 {
		p.iss.Add(p.pos(n), "%s selects nothing: list movement ids, or give movements, tags or kinds", name)
	}
	return s
}

// priority reads the priority of an effect: a whole number from 1 to
// MaxPriority, on a recommend effect only. It returns 0 after reporting a
// problem.
func (p *fileParser) priority(n *yaml.Node, effect string) int {
	if effect != EffectNames[Recommend] {
		p.iss.Add(p.pos(n), "%s.priority: only a recommend effect has a priority, which places its movement in the plan; move it to the rule that recommends the movement", effect)
		return 0
	}
	what := effect + ".priority"
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		hint := ""
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			hint = " (write it without quotes)"
		}
		p.iss.Add(p.pos(n), "%s must be a whole number from 1 (start first) to %d, found %s%s", what, MaxPriority, describe(n), hint)
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil || v < 1 || v > MaxPriority {
		p.iss.Add(p.pos(n), "%s must be a whole number from 1 (start first) to %d, found %s", what, MaxPriority, n.Value)
		return 0
	}
	return int(v)
}

// say parses a rule's key message.
func (p *fileParser) say(n *yaml.Node) *Message {
	f, ok := p.mapping(n, "say", sayKeys, nSayRequired)
	if !ok {
		return &Message{}
	}
	m := &Message{Text: p.str(f["message"], "say.message")}
	m.Kind, _ = p.text(f["kind"], "the message kind")
	return m
}

func (p *fileParser) refer(n *yaml.Node) *Referral {
	f, ok := p.mapping(n, "refer", referKeys, nReferRequired)
	if !ok {
		return &Referral{}
	}
	r := &Referral{Message: p.str(f["message"], "the referral message")}
	r.Urgency, _ = p.text(f["urgency"], "the referral urgency")
	if n := f["clinician"]; n != nil {
		r.Clinician = p.str(n, "refer.clinician")
		r.ClinicianPos = p.pos(n)
	}
	if n := f["withhold"]; n != nil {
		r.Withhold = p.boolean(n, "withhold")
	}
	if n := f["pathway"]; n != nil {
		r.Pathway, _ = p.id(n, "the referral pathway")
	}
	if n := f["invites_activity"]; n != nil {
		r.InvitesActivity = p.boolean(n, "invites_activity")
		r.InvitesActivityPos = p.pos(n)
	}
	if n := f["keep_active"]; n != nil {
		r.KeepActive = p.boolean(n, "keep_active")
		r.KeepActivePos = p.pos(n)
	}
	if n := f["within"]; n != nil {
		if w, ok := p.id(n, "the referral timing"); ok {
			r.Within = w
		}
	}
	return r
}

// cites parses the cite list of a rule or a progression rule, n (nil when
// the key is missing, which mapping reports): a list with no citation is
// refused, since every rule needs a source.
func (p *fileParser) cites(n *yaml.Node) []Citation {
	items := p.sequence(n, "cite")
	if n != nil && n.Kind == yaml.SequenceNode && len(items) == 0 {
		p.iss.Add(p.pos(n), "cite must list at least one citation: every rule needs a source")
	}
	var out []Citation
	for _, item := range items {
		if c, ok := p.citation(item); ok {
			out = append(out, c)
		}
	}
	return out
}

func (p *fileParser) citation(n *yaml.Node) (Citation, bool) {
	f, ok := p.mapping(n, "a citation", citeKeys, nCiteRequired)
	if !ok {
		return Citation{}, false
	}
	c := Citation{
		Locator: p.str(f["locator"], "the citation locator"),
		Claim:   p.str(f["claim"], "the citation claim"),
	}
	if n := f["locator"]; n != nil {
		c.LocatorPos = p.pos(n)
	}
	if n := f["position"]; n != nil {
		// Read as text, not as an id: the compile stage knows which
		// positions fit the rule, and suggests one of those.
		if t, ok := p.prose(n, "the citation position"); ok {
			c.Position = t
		}
	}
	c.Source, ok = p.id(f["source"], "the citation source")
	return c, ok
}

// IsRuleFile reports whether name, a slash-separated path, is a rule file:
// a YAML file (*.yaml or *.yml) that is not a case file.
func IsRuleFile(name string) bool {
	return isYAML(name) && !IsCaseFile(name)
}

// IsCaseFile reports whether name, a slash-separated path, is a test-case
// file: *_test.yaml or *_test.yml, or any YAML file in a folder named
// tests.
func IsCaseFile(name string) bool {
	if !isYAML(name) {
		return false
	}
	if strings.HasSuffix(strings.TrimSuffix(name, slashpath.Ext(name)), "_test") {
		return true
	}
	return slices.Contains(strings.Split(slashpath.Dir(name), "/"), "tests")
}

func isYAML(name string) bool {
	e := strings.ToLower(slashpath.Ext(name))
	return e == ".yaml" || e == ".yml"
}
