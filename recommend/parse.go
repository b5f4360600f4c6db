package recommend

// Stage 1, parse: YAML rule files in, positioned declarations out. Nothing
// here knows about CEL or about other files; cross-references are checked by
// the compile stage.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// text is a string from a rule file with the position it came from.
type text struct {
	s   string
	pos position
}

type sourceDecl struct {
	id                            text
	title, publisher, author, url string
	kind                          text
}

type vocabDecl struct {
	field int // index into listFields
	id    text
	label string
}

type movementDecl struct {
	id        text
	name      string
	kind      text
	tags      []text
	equipment []text
	how, dose string
}

// selectorDecl picks movements by id, tag or kind. because, when set,
// replaces the rule's reason on the items this effect produces.
type selectorDecl struct {
	movements, tags, kinds []text
	because                string
}

type referDecl struct {
	urgency  text
	message  string
	withhold bool
}

type citeDecl struct {
	source  text
	locator string
	claim   string
}

// Effect kinds, in the order they appear in a rule.
const (
	effectRecommend = iota
	effectAvoid
	effectCaution
	numEffects
)

var effectNames = [numEffects]string{"recommend", "avoid", "caution"}

type ruleDecl struct {
	id          text
	description string
	when        string
	whenNode    *yaml.Node
	effects     [numEffects]*selectorDecl
	refer       *referDecl
	because     string
	cite        []citeDecl
}

// document is what the parse stage makes of a whole rule set.
type document struct {
	sources   []*sourceDecl
	vocab     []*vocabDecl
	movements []*movementDecl
	rules     []*ruleDecl
	// files maps each file name to its contents, for the CEL position mapping.
	files map[string][]byte
}

// Schemas: the keys each mapping allows, with the required ones first.
var (
	topKeys      = []string{"sources", "vocabulary", "movements", "rules"}
	sourceKeys   = []string{"id", "title", "publisher", "kind", "author", "url"}
	vocabKeys    = []string{"id", "label"}
	movementKeys = []string{"id", "name", "kind", "how", "dose", "tags", "equipment"}
	ruleKeys     = []string{"id", "when", "because", "cite", "description", "recommend", "avoid", "caution", "refer"}
	selectorKeys = []string{"movements", "tags", "kinds", "because"}
	referKeys    = []string{"urgency", "message", "withhold"}
	citeKeys     = []string{"source", "locator", "claim"}
)

const (
	nSourceRequired   = 4
	nVocabRequired    = 2
	nMovementRequired = 5
	nRuleRequired     = 4
	nReferRequired    = 2
	nCiteRequired     = 3
)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// fileParser parses one rule file into a document.
type fileParser struct {
	file string
	src  []byte
	iss  *issueList
	doc  *document
	// unknownKeys counts unknown keys reported so far, so that a rule with
	// a misspelled effect is not also reported as having no effect.
	unknownKeys int
}

// parseFile adds the declarations in src to doc, and any problems to iss.
func parseFile(name string, src []byte, doc *document, iss *issueList) {
	p := &fileParser{file: name, src: src, iss: iss, doc: doc}
	if !utf8.Valid(src) {
		p.invalidUTF8()
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			iss.add(position{name, 1, 1}, "file holds no YAML document: add sources, vocabulary, movements or rules, or delete the file")
			return
		}
		p.yamlError(err)
		return
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.yamlError(err)
		return
	case len(next.Content) == 0 || isNull(next.Content[0]):
		iss.add(p.pos(&next), "a rule file holds a single YAML document: delete this --- line, which starts an empty second one")
		return
	default:
		iss.add(p.pos(&next), "a rule file holds a single YAML document: move the document that starts here to a file of its own")
		return
	}
	if len(root.Content) == 0 || isNull(root.Content[0]) {
		iss.add(position{name, 1, 1}, "file holds no YAML document: add sources, vocabulary, movements or rules, or delete the file")
		return
	}
	if !p.noAnchors(&root) {
		return
	}
	top := root.Content[0]
	if top.Kind == yaml.MappingNode && len(top.Content) > 0 && top.Content[0].Value == "cases" {
		p.iss.add(p.pos(top.Content[0]), "this is a test-case file, not rules: name it *_test.yaml or move it to a folder named tests")
		return
	}
	f, ok := p.mapping(top, "a rule file", topKeys, 0)
	if !ok {
		return
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
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError reports a YAML syntax error, at the line with the mistake.
func (p *fileParser) yamlError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	line = yamlErrorLine(p.src, msg, line)
	s := lineOf(p.src, line)
	col := len([]rune(s)) - len([]rune(strings.TrimLeft(s, " "))) + 1
	switch {
	case strings.Contains(msg, "found character that cannot start any token") && strings.Contains(s, "\t"):
		msg += " (YAML does not allow tabs for indentation: use spaces)"
		col = len([]rune(s[:strings.IndexByte(s, '\t')])) + 1
	case strings.Contains(msg, "found unexpected end of stream"):
		msg += " (is a quote or a bracket left open?)"
		if i := strings.IndexAny(s, "\"'[{"); i >= 0 {
			col = len([]rune(s[:i])) + 1 // the likely opening quote or bracket
		}
	case strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "did not find expected '-' indicator"),
		strings.Contains(msg, "mapping values are not allowed in this context"):
		msg += " (check the indentation of this line against the lines above)"
	case strings.Contains(msg, "exceeded max depth"):
		msg += " (lists or mappings nest far too deep)"
	}
	p.iss.add(position{p.file, line, col}, "invalid YAML: %s", msg)
}

// yamlErrorLine returns the line of a YAML syntax error with message msg,
// which yaml.v3 reported at line reported. yaml.v3 often reports the line
// where the enclosing collection starts, or the line before the mistake, so
// this looks for the shortest run of whole lines from the top of the file
// that fails with the same message: its last line is where the mistake is,
// or where the quote or bracket it leaves open starts.
func yamlErrorLine(src []byte, msg string, reported int) int {
	fails := func(lines int) bool {
		end := lineStart(src, lines+1)
		if end < 0 {
			end = len(src)
		}
		err := decodeAll(src[:end])
		if err == nil {
			return false
		}
		got := err.Error()
		if m := yamlLine.FindStringSubmatch(got); m != nil {
			got = m[2]
		} else {
			got = strings.TrimPrefix(got, "yaml: ")
		}
		return got == msg
	}
	n := bytes.Count(src, []byte("\n")) + 1
	if !fails(n) {
		return max(reported, 1)
	}
	lo, hi := 1, n // fails(hi) holds
	for lo < hi {
		mid := lo + (hi-lo)/2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	// A mistake on the last line of a file without a final line break
	// shows only once the whole file is read; a trailing empty line is
	// never the place of the mistake.
	if hi == n && hi > 1 && lineOf(src, hi) == "" {
		hi--
	}
	return hi
}

// decodeAll decodes every YAML document in src, and returns the first error
// other than the end of the input.
func decodeAll(src []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// invalidUTF8 reports a file that is not UTF-8, at the first bad byte.
func (p *fileParser) invalidUTF8() {
	if bytes.HasPrefix(p.src, []byte{0xFF, 0xFE}) || bytes.HasPrefix(p.src, []byte{0xFE, 0xFF}) {
		p.iss.add(position{file: p.file}, "file is UTF-16 encoded: save it with UTF-8 encoding")
		return
	}
	line, col, b := invalidUTF8Position(p.src)
	p.iss.add(position{p.file, line, col}, "file is not valid UTF-8 (byte 0x%02x here): save it with UTF-8 encoding", b)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// noAnchors reports the first anchor or alias in the document, and how many
// there are, and returns false if there are any. Rule files do not support
// them: they make a file harder to read, and they are the vehicle of
// "billion laughs" attacks. The walk does not follow aliases, so it takes
// time in proportion to the file's size, however the aliases nest.
func (p *fileParser) noAnchors(root *yaml.Node) bool {
	var first *yaml.Node
	anchors, aliases := 0, 0
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Anchor != "" || n.Kind == yaml.AliasNode {
			if first == nil {
				first = n
			}
			if n.Kind == yaml.AliasNode {
				aliases++
			} else {
				anchors++
			}
		}
		for i := len(n.Content) - 1; i >= 0; i-- {
			stack = append(stack, n.Content[i])
		}
	}
	if first == nil {
		return true
	}
	what := "anchor &" + first.Anchor
	if first.Kind == yaml.AliasNode {
		what = "alias *" + first.Value
	}
	msg := what + ": rule files do not support YAML anchors and aliases: write each value out"
	if anchors+aliases > 1 {
		msg += fmt.Sprintf(" (this file has %s and %s)", count(anchors, "anchor"), count(aliases, "alias"))
	}
	p.iss.add(p.pos(first), "%s", msg)
	return false
}

// count returns "1 thing" or "n things".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (p *fileParser) pos(n *yaml.Node) position {
	return position{p.file, n.Line, n.Column}
}

// describe names what a node holds, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
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

// mapping checks that n is a mapping whose keys are all in keys, and that
// the first nRequired of keys are present. It returns the values by key.
func (p *fileParser) mapping(n *yaml.Node, what string, keys []string, nRequired int) (map[string]*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		p.iss.add(p.pos(n), "%s must be a mapping of keys to values, found %s", what, describe(n))
		return nil, false
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	keyLine := make(map[string]int, len(n.Content)/2)
	suggested := map[string]bool{} // keys a misspelled key was taken for
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.iss.add(p.pos(k), "a key in %s must be plain text, found %s", what, describe(k))
			continue
		}
		switch {
		case keyLine[k.Value] != 0:
			p.iss.add(p.pos(k), "duplicate key %q in %s (first at line %d)", k.Value, what, keyLine[k.Value])
		case !slices.Contains(keys, k.Value):
			msg := fmt.Sprintf("unknown key %q in %s", k.Value, what)
			if s := suggest(k.Value, keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
				suggested[s] = true
			} else {
				msg += fmt.Sprintf(" (allowed: %s)", strings.Join(keys, ", "))
			}
			p.iss.add(p.pos(k), "%s", msg)
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
		p.iss.add(p.pos(n), "%s is missing the required key %s", what, missing[0])
	default:
		p.iss.add(p.pos(n), "%s is missing the required keys %s and %s", what,
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
		p.iss.add(p.pos(n), "%s must be a list, found %s", what, describe(n))
		return nil
	}
	return n.Content
}

// str returns the text of a string scalar. A missing node gives "" and no
// issue: required keys are checked by mapping.
func (p *fileParser) str(n *yaml.Node, what string) string {
	t, _ := p.text(n, what)
	return t.s
}

// text returns a string scalar with its position. It reports nodes that are
// not strings and strings that are blank.
func (p *fileParser) text(n *yaml.Node, what string) (text, bool) {
	if n == nil {
		return text{}, false
	}
	if isNull(n) {
		p.iss.add(p.pos(n), "%s must not be empty", what)
		return text{}, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		hint := ""
		if n.Kind == yaml.ScalarNode {
			hint = " (put it in quotes if you meant it as text)"
		}
		p.iss.add(p.pos(n), "%s must be text, found %s%s", what, describe(n), hint)
		return text{}, false
	}
	if strings.TrimSpace(n.Value) == "" {
		p.iss.add(p.pos(n), "%s must not be empty", what)
		return text{}, false
	}
	return text{n.Value, p.pos(n)}, true
}

// id returns an identifier, checking its spelling.
func (p *fileParser) id(n *yaml.Node, what string) (text, bool) {
	t, ok := p.text(n, what)
	if ok && !idPattern.MatchString(t.s) {
		p.iss.add(t.pos, "%s %q is not valid: %s", what, t.s, idRule(t.s))
		return t, false
	}
	return t, ok
}

// ids returns a list of identifiers.
func (p *fileParser) ids(n *yaml.Node, what string) []text {
	var out []text
	for _, item := range p.sequence(n, what) {
		t, ok := p.text(item, "an entry of "+what)
		if ok && !idPattern.MatchString(t.s) {
			p.iss.add(t.pos, "%q in %s is not a valid id: %s", t.s, what, idRule(t.s))
			ok = false
		}
		if ok {
			out = append(out, t)
		}
	}
	return out
}

// idRule explains what an id looks like, with a corrected id for s when
// lowercasing it and joining its words with '_' gives one.
func idRule(s string) string {
	msg := "an id starts with a lowercase letter and uses only lowercase letters, digits, '_' and '-'"
	fixed := strings.Join(strings.Fields(strings.ToLower(s)), "_")
	if fixed != s && idPattern.MatchString(fixed) {
		msg += fmt.Sprintf(" (did you mean %q?)", fixed)
	}
	return msg
}

func (p *fileParser) boolean(n *yaml.Node, what string) bool {
	if n == nil {
		return false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.iss.add(p.pos(n), "%s must be true or false, found %s", what, describe(n))
		return false
	}
	switch strings.ToLower(n.Value) {
	case "true":
		return true
	case "false":
		return false
	}
	// An explicit !!bool tag on another spelling, such as !!bool yes.
	p.iss.add(p.pos(n), "%s must be true or false, found %q", what, n.Value)
	return false
}

func (p *fileParser) source(n *yaml.Node) {
	f, ok := p.mapping(n, "a source", sourceKeys, nSourceRequired)
	if !ok {
		return
	}
	s := &sourceDecl{
		title:     p.str(f["title"], "the source title"),
		publisher: p.str(f["publisher"], "the source publisher"),
		author:    p.str(f["author"], "the source author"),
		url:       p.str(f["url"], "the source url"),
	}
	s.kind, _ = p.id(f["kind"], "the source kind")
	id, ok := p.id(f["id"], "the source id")
	if !ok {
		return
	}
	s.id = id
	p.doc.sources = append(p.doc.sources, s)
}

func (p *fileParser) vocabulary(n *yaml.Node) {
	names := make([]string, numListFields)
	for i, lf := range listFields {
		names[i] = lf.name
	}
	f, ok := p.mapping(n, "the vocabulary", names, 0)
	if !ok {
		return
	}
	for fi, lf := range listFields {
		list := f[lf.name]
		if list == nil {
			continue
		}
		what := "vocabulary." + lf.name
		for _, item := range p.sequence(list, what) {
			m, ok := p.mapping(item, "an entry of "+what, vocabKeys, nVocabRequired)
			if !ok {
				continue
			}
			label := p.str(m["label"], "the label")
			id, ok := p.id(m["id"], "the "+lf.label+" id")
			if ok && len(id.s) > MaxEntryLen {
				p.iss.add(id.pos, "the %s id is %d bytes long, over the limit of %d: profiles cannot hold a longer value", lf.label, len(id.s), MaxEntryLen)
				ok = false
			}
			if ok {
				p.doc.vocab = append(p.doc.vocab, &vocabDecl{field: fi, id: id, label: label})
			}
		}
	}
}

func (p *fileParser) movement(n *yaml.Node) {
	f, ok := p.mapping(n, "a movement", movementKeys, nMovementRequired)
	if !ok {
		return
	}
	m := &movementDecl{
		name: p.str(f["name"], "the movement name"),
		how:  p.str(f["how"], "the movement's how"),
		dose: p.str(f["dose"], "the movement's dose"),
	}
	m.kind, _ = p.id(f["kind"], "the movement kind")
	m.tags = p.ids(f["tags"], "tags")
	m.equipment = p.ids(f["equipment"], "equipment")
	id, ok := p.id(f["id"], "the movement id")
	if !ok {
		return
	}
	m.id = id
	p.doc.movements = append(p.doc.movements, m)
}

func (p *fileParser) rule(n *yaml.Node) {
	unknownBefore := p.unknownKeys
	f, ok := p.mapping(n, "a rule", ruleKeys, nRuleRequired)
	if !ok {
		return
	}
	r := &ruleDecl{
		because: p.str(f["because"], "the rule's because"),
	}
	r.description = p.str(f["description"], "the rule description")
	if w := f["when"]; w != nil && w.Kind == yaml.ScalarNode && (isNull(w) || w.Tag == "!!str" && strings.TrimSpace(w.Value) == "") {
		p.iss.add(p.pos(w), "the rule's when must not be empty: write a CEL condition, or \"true\" for a rule that always applies")
	} else if w != nil && w.Kind == yaml.ScalarNode && w.Anchor == "" && (w.Tag == "!!bool" || w.Tag == "!!int" || w.Tag == "!!float") {
		// A plain true, false or number is CEL source too: when: true is
		// how a rule that always applies is written.
		r.when, r.whenNode = w.Value, w
		if w.Tag == "!!bool" {
			r.when = strings.ToLower(w.Value) // YAML's True is CEL's true
		}
	} else if w, ok := p.text(f["when"], "the rule's when"); ok {
		r.when, r.whenNode = w.s, f["when"]
	}
	hasEffect := false
	for e, name := range effectNames {
		if n := f[name]; n != nil {
			r.effects[e] = p.selector(n, name)
			hasEffect = true
		}
	}
	if n := f["refer"]; n != nil {
		r.refer = p.refer(n)
		hasEffect = true
	}
	if n := f["cite"]; n != nil {
		items := p.sequence(n, "cite")
		if n.Kind == yaml.SequenceNode && len(items) == 0 {
			p.iss.add(p.pos(n), "cite must list at least one citation: every rule needs a source")
		}
		for _, item := range items {
			if c, ok := p.citation(item); ok {
				r.cite = append(r.cite, c)
			}
		}
	}
	id, ok := p.id(f["id"], "the rule id")
	if !ok {
		return
	}
	r.id = id
	if !hasEffect && p.unknownKeys == unknownBefore {
		p.iss.add(p.pos(n), "rule %q has no effect: add recommend, avoid, caution or refer", id.s)
	}
	p.doc.rules = append(p.doc.rules, r)
}

// selector parses an effect: a list of movement ids, or a mapping of
// movements, tags and kinds.
func (p *fileParser) selector(n *yaml.Node, name string) *selectorDecl {
	s := &selectorDecl{}
	unknownBefore := p.unknownKeys
	switch n.Kind {
	case yaml.SequenceNode:
		s.movements = p.ids(n, name)
	case yaml.ScalarNode:
		msg := fmt.Sprintf("%s must be a list of movement ids, or a mapping of movements, tags and kinds; found %s", name, describe(n))
		if n.Tag == "!!str" && idPattern.MatchString(n.Value) {
			msg += fmt.Sprintf(" (write [%s])", n.Value)
		}
		p.iss.add(p.pos(n), "%s", msg)
		return s
	default:
		f, ok := p.mapping(n, name, selectorKeys, 0)
		if !ok {
			return s
		}
		s.movements = p.ids(f["movements"], name+".movements")
		s.tags = p.ids(f["tags"], name+".tags")
		s.kinds = p.ids(f["kinds"], name+".kinds")
		s.because = p.str(f["because"], name+".because")
		if f["movements"] == nil && f["tags"] == nil && f["kinds"] == nil && len(n.Content) > 0 && p.unknownKeys == unknownBefore {
			p.iss.add(p.pos(n), "%s selects nothing: give movements, tags or kinds beside its because", name)
		}
	}
	if len(s.movements)+len(s.tags)+len(s.kinds) == 0 && len(n.Content) == 0 {
		p.iss.add(p.pos(n), "%s selects nothing: list movement ids, or give movements, tags or kinds", name)
	}
	return s
}

func (p *fileParser) refer(n *yaml.Node) *referDecl {
	f, ok := p.mapping(n, "refer", referKeys, nReferRequired)
	if !ok {
		return &referDecl{}
	}
	r := &referDecl{message: p.str(f["message"], "the referral message")}
	r.urgency, _ = p.id(f["urgency"], "the referral urgency")
	if n := f["withhold"]; n != nil {
		r.withhold = p.boolean(n, "withhold")
	}
	return r
}

func (p *fileParser) citation(n *yaml.Node) (citeDecl, bool) {
	f, ok := p.mapping(n, "a citation", citeKeys, nCiteRequired)
	if !ok {
		return citeDecl{}, false
	}
	c := citeDecl{
		locator: p.str(f["locator"], "the citation locator"),
		claim:   p.str(f["claim"], "the citation claim"),
	}
	c.source, ok = p.id(f["source"], "the citation source")
	return c, ok
}

// normalizeLineBreaks turns every line break YAML knows other than \n and
// \r\n (a lone \r, and the Unicode NEL, LS and PS) into \n, so that YAML's
// line numbers and this package's agree. Files without them, nearly all,
// are returned as they are.
func normalizeLineBreaks(src []byte) []byte {
	if !bytes.ContainsAny(src, "\r\u0085\u2028\u2029") {
		return src
	}
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == '\r' && i+1 < len(src) && src[i+1] == '\n':
			out = append(out, '\r')
		case r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			out = append(out, '\n')
		default:
			out = append(out, src[i:i+size]...)
		}
		i += size
	}
	return out
}

// invalidUTF8Position returns the 1-based line and column of the first byte
// of src that is not valid UTF-8, and the byte.
func invalidUTF8Position(src []byte) (line, col int, b byte) {
	line, col = 1, 1
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return line, col, src[0]
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		src = src[size:]
	}
	return line, col, 0
}

// valuePosition maps an offset, in characters, inside the value of scalar n
// back to a 1-based line and column in src, the file n was parsed from.
//
// YAML changes a scalar's text on the way to its value: quotes and escapes
// are removed, block scalars (| and >) start on the line after their
// indicator and lose their indentation, and folded and plain scalars turn
// line breaks into spaces. valuePosition walks the value and the source side
// by side, skipping the characters YAML dropped (and a tag or anchor before
// the scalar), so a CEL error at offset off lands on the character the
// author wrote. The result is always inside src, whose line breaks must be
// \n or \r\n (see normalizeLineBreaks).
func valuePosition(src []byte, n *yaml.Node, off int) (line, col int) {
	// Find where the scalar's content starts in src.
	start := lineStart(src, n.Line)
	if start < 0 {
		// YAML places some empty values past the end of the file.
		return endOfFile(src)
	}
	s := []rune(string(src[start:]))
	j := 0 // index into s
	// Style is a set of bits: TaggedStyle may come with any other.
	double := n.Style&yaml.DoubleQuotedStyle != 0
	single := n.Style&yaml.SingleQuotedStyle != 0
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		// Content starts on the line after the | or > header, which may
		// come on a later line than a tag.
		j = skipProperties(s, n.Column-1)
		for j < len(s) && s[j] != '\n' {
			j++
		}
		j++
	default:
		j = skipProperties(s, n.Column-1)
		if double || single {
			j++ // skip the opening quote
		}
	}
	v := []rune(n.Value)
	off = min(max(off, 0), len(v))
	isSpace := func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }
	for i := 0; i < off && j < len(s); {
		switch {
		case double && s[j] == '\\':
			if j+1 < len(s) && s[j+1] == '\n' {
				j += 2 // an escaped line break adds nothing to the value
				continue
			}
			j += escapeLen(s[j:])
			i++
		case single && s[j] == '\'' && j+1 < len(s) && s[j+1] == '\'':
			j += 2
			i++
		case s[j] == v[i]:
			i, j = i+1, j+1
		case isSpace(s[j]) || (isSpace(v[i]) && s[j] != v[i]):
			// Indentation or a folded line break in the source, or a
			// space the value gained from folding.
			if isSpace(v[i]) && s[j] == '\n' {
				i++
			}
			j++
		default:
			j++
		}
	}
	// Land on the character at off itself, not on whitespace before it.
	if off < len(v) {
		for j < len(s) && s[j] != v[off] && isSpace(s[j]) {
			j++
		}
	}
	// Convert j back to a line and column.
	line, col = n.Line, 1
	for _, r := range s[:min(j, len(s))] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// skipProperties skips the tag (!name) and anchor (&name) that may come
// before a scalar, from index j of s, with the space and comments after
// them, and returns the index of the scalar itself.
func skipProperties(s []rune, j int) int {
	for j < len(s) && (s[j] == '!' || s[j] == '&') {
		if s[j] == '&' {
			// An anchor name is letters, digits, '_' and '-'.
			j++
			for j < len(s) && (s[j] < utf8.RuneSelf && (unicode.IsLetter(s[j]) || unicode.IsDigit(s[j])) || s[j] == '_' || s[j] == '-') {
				j++
			}
		} else {
			// A tag runs to the next space.
			for j < len(s) && !unicode.IsSpace(s[j]) {
				j++
			}
		}
		for j < len(s) {
			switch {
			case unicode.IsSpace(s[j]):
				j++
				continue
			case s[j] == '#':
				for j < len(s) && s[j] != '\n' {
					j++
				}
				continue
			}
			break
		}
	}
	return j
}

// escapeLen is the length of the escape sequence at the start of s, which
// begins with a backslash, in a double-quoted YAML scalar.
func escapeLen(s []rune) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case 'x':
		return min(4, len(s))
	case 'u':
		return min(6, len(s))
	case 'U':
		return min(10, len(s))
	}
	return 2
}

// endOfFile returns the line and column just after the last character of
// src.
func endOfFile(src []byte) (line, col int) {
	line = bytes.Count(src, []byte("\n")) + 1
	last := src[bytes.LastIndexByte(src, '\n')+1:]
	return line, utf8.RuneCount(bytes.TrimSuffix(last, []byte("\r"))) + 1
}

// lineStart returns the byte offset of the start of line n (1-based) in src,
// or -1.
func lineStart(src []byte, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src[off:], '\n')
		if j < 0 {
			return -1
		}
		off += j + 1
	}
	return off
}
