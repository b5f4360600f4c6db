// Package casefile reads rule-set test cases: named profiles with what the
// advice for each must and must not contain. The default rules' tests and
// the rulecheck tool share it, so a case means the same thing to both.
//
// A case file is YAML. Below, every key of expect is shown once, with what
// it asserts: a list of the keys, not a case to run (no_referral and
// min_urgency, for one, cannot both hold; the README's "Writing rules"
// has a case that passes on the default rules):
//
//	cases:
//	  - name: disc herniation avoids flexion
//	    profile: {conditions: [disc_herniation]}
//	    expect:
//	      recommended: [towel_stretch]     # each must be recommended
//	      not_recommended: [knee_to_chest] # none may be recommended
//	      avoided: [knee_to_chest]         # each must be avoided
//	      conflicts: [childs_pose]         # each must be listed as a conflict
//	      cautioned: [hamstring_stretch]   # each must be recommended with a caution
//	      needs_equipment: [inversion_table]
//	      min_urgency: urgent              # the top referral is at least this urgent
//	      no_referral: true                # there is no referral at all
//	      referrals: [red-flag-fever]      # the shown referrals' rules, exactly, in order
//	      folded: [red-flag-night-pain]    # the folded referrals' rules, exactly, in order
//	      withheld: false                  # advice is (or is not) withheld
//	      plan: [towel_stretch, walking]   # the plan is exactly this, in order
//	      messages: [safety_net, pacing]   # the key messages' kinds, exactly, in order
//	      steps:                           # the programme's steps, exactly, in order
//	        - {movement: glute_bridge, change: progress, level: 3}
//	      reviews: [progress-review-not-improving] # the programme's review referrals' rules
//
// steps and reviews are for a profile with check_ins. steps compares the
// whole of Result.Programme.Steps, in order (the order movements were
// first reported): each step's movement, change (start, progress, hold,
// regress or stop) and level (from 1). steps: [] asserts that there are
// no steps, as for a profile without check-ins or one whose advice is
// withheld. reviews compares the rule ids of the referrals the programme
// calls for (those of progression rules: rules that are not in
// Result.Trace), in order; reviews: [] asserts that it calls for none.
//
// referrals and folded compare the rule ids of Result.Referrals (those a
// short report shows, the leading one first) and of
// Result.FoldedReferrals, each referral's rules in turn, in order:
// referrals: [] asserts that no referral is shown, folded: [] that none is
// folded.
//
// plan and messages compare the whole list, in order: plan: [] asserts
// that there is no plan, and messages: [safety_net] that the safety net is
// the only message. A messages entry is a message kind: safety_net,
// reassurance, stay_active or pacing.
//
// Every case has a name, unique in its file, and a profile ({} for the
// empty profile). Every expectation is optional; a case with none only
// checks that the profile is valid and evaluates.
//
// A case file is held to the limits of a rule file: a regular file (a link
// to one is followed; a pipe or a device is refused without being opened)
// of at most MaxFileSize bytes, in UTF-8, one YAML document without
// anchors, aliases, merge keys or unusual tags (see package
// internal/parse), whose numbers are written as JSON writes them (7, 7.5,
// -2, 1e3; see parse.ToJSON). The file is read in its JSON form, and a
// profile is decoded by recommend.DecodeProfile, as the command-line tool
// decodes one, so a profile a case accepts is one the tool accepts. Every
// problem is an *Error with the file, line and column of the offending
// node.
package casefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// MaxFileSize is the largest case file, in bytes: the rule loader's default
// limit for a rule file.
const MaxFileSize = recommend.DefaultMaxFileSize

// Case is one named profile with its expectations.
type Case struct {
	// Name is the case's name, unique in its file.
	Name string
	// Profile is the case's profile, as recommend.DecodeProfile reads it.
	Profile recommend.Profile
	// Expect is what the advice for Profile must show.
	Expect Expect
	// File is the name of the file the case is written in.
	File string
	// Line is the line where the case starts.
	Line int
	// Invalid, for a case read by LoadFSFor, holds the problems its
	// Engine finds with Profile (a value its vocabulary lacks, say),
	// each at its line and column in the case file, or nil. Such a case
	// is still read, and fails when run, as Recommend refuses its profile.
	Invalid *Error
}

// Expect is what a case requires of the advice.
type Expect struct {
	// Recommended are movement ids that must each be recommended.
	Recommended []string
	// NotRecommended are movement ids none of which may be recommended.
	NotRecommended []string
	// Avoided are movement ids that must each be avoided.
	Avoided []string
	// Conflicts are movement ids that must each be listed as a conflict.
	Conflicts []string
	// Cautioned are movement ids that must each be recommended with at
	// least one caution attached: a caution rule's or a source's care.
	Cautioned []string
	// NeedsEquipment are movement ids that must each be listed as needing
	// equipment the profile lacks.
	NeedsEquipment []string
	// MinUrgency, when not "", is the least urgency the top referral may
	// have.
	MinUrgency recommend.Urgency
	// NoReferral, when true, requires that there be no referral at all.
	NoReferral bool
	// Withheld, when not nil, is whether the advice must be withheld.
	Withheld *bool
	// Plan, when not nil, is the whole plan, in order: the movement ids
	// of Result.Plan.
	Plan []string
	// Messages, when not nil, are the kinds of all the key messages, in
	// order.
	Messages []recommend.MessageKind
	// Steps, when not nil, are the whole of the programme's steps, in
	// order: each one's movement, change and level.
	Steps []Step
	// Reviews, when not nil, are the rule ids of the referrals the
	// programme calls for, in order.
	Reviews []string
	// Referrals and Folded, when not nil, are the rule ids of the shown
	// referrals and of the folded ones, each referral's in turn, in order.
	Referrals, Folded []string
}

// Step is a programme step a case expects: a movement with its change
// this week and its level after it.
type Step struct {
	Movement string
	Change   string
	Level    int
}

// changes are the changes a step may make, as recommend names them.
var changes = []string{recommend.ChangeStart, recommend.ChangeProgress, recommend.ChangeHold, recommend.ChangeRegress, recommend.ChangeStop}

// Error is a problem with a case file.
type Error struct {
	// File is the file's name, as given to Parse or found by LoadFS.
	File string
	// Line and Column locate the offending node: 1-based, the column
	// counted in characters. They are 0 for a problem with the whole file.
	Line, Column int
	// Message says what is wrong.
	Message string
	// Err is the underlying error, when there is one: a
	// *recommend.ProfileError for an invalid profile (its problems
	// positioned in the case file), or a read error.
	Err error
}

// Error returns the problem on one line: "file:line:col: message", or
// "file: message" when there is no position.
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

// Unwrap returns the underlying error, or nil.
func (e *Error) Unwrap() error { return e.Err }

// Keys of a case file.
var (
	caseKeys   = []string{"name", "profile", "expect"}
	expectKeys = []string{"recommended", "not_recommended", "avoided", "conflicts", "cautioned", "needs_equipment",
		"min_urgency", "no_referral", "withheld", "plan", "messages", "steps", "reviews", "referrals", "folded"}
	stepKeys = []string{"movement", "change", "level"}
)

// Parse reads the cases in one case file, of at most MaxFileSize bytes.
// name is the file's name, for messages. The error is an *Error.
func Parse(name string, r io.Reader) ([]Case, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: name, Message: fmt.Sprintf("cannot read the file: %v", err), Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(name)
	}
	p := &fileParser{file: name}
	return p.parse(data)
}

func tooLarge(name string) *Error {
	return &Error{File: name, Message: fmt.Sprintf("file is over the limit of %d bytes: split it into smaller files", MaxFileSize)}
}

// fileParser reads one case file.
type fileParser struct {
	file string
	json *parse.JSON // the file as JSON, with the position of each line
	// eng, when not nil, checks each profile as its DecodeProfile does,
	// for Case.Invalid.
	eng *recommend.Engine
}

// errorAt returns an *Error at node n.
func (p *fileParser) errorAt(n *node, format string, args ...any) *Error {
	return &Error{File: p.file, Line: n.pos.Line, Column: n.pos.Column, Message: fmt.Sprintf(format, args...)}
}

// inProfile matches the path of a value inside a case's profile, and
// captures the profile's own path.
var inProfile = regexp.MustCompile(`^(cases\[[0-9]+\]\.profile)(?:$|[.\[])`)

func (p *fileParser) parse(data []byte) ([]Case, error) {
	doc, err := parse.Document(data, "a case file")
	if errors.Is(err, parse.ErrNoDocument) {
		return nil, &Error{File: p.file, Message: "no cases: the file is empty"}
	}
	if err != nil {
		return nil, p.parseError(err)
	}
	j, err := parse.ToJSON(doc)
	if err != nil {
		return nil, p.jsonError(err)
	}
	top, err := readTree(j)
	if err != nil {
		return nil, &Error{File: p.file, Message: "cannot read the file as JSON: " + err.Error(), Err: err}
	}
	p.json = j
	keys, err := p.mapping(top, "a case file", []string{"cases"}, "a case file holds only a cases: list")
	if err != nil {
		return nil, err
	}
	list := keys["cases"]
	if list == nil {
		return nil, p.errorAt(top, "no cases: key: a case file holds a cases: list")
	}
	if list.kind != kindList {
		return nil, p.errorAt(list, "cases: want a list of cases, found %s", list.kind)
	}
	var out []Case
	seen := map[string]int{}
	for i, n := range list.items {
		c, err := p.caseAt(n, fmt.Sprintf("cases[%d]", i))
		if err != nil {
			return nil, err
		}
		if line, ok := seen[c.Name]; ok {
			return nil, p.errorAt(n, "duplicate case name %s (first at line %d)", parse.Quote(c.Name), line)
		}
		seen[c.Name] = n.pos.Line
		out = append(out, c)
	}
	return out, nil
}

// parseError turns an error of package parse into an *Error.
func (p *fileParser) parseError(err error) error {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return &Error{File: p.file, Message: err.Error(), Err: err}
	}
	return &Error{File: p.file, Line: pe.Pos.Line, Column: pe.Pos.Column,
		Message: parse.Format(parse.Pos{}, pe.Path, pe.Value, pe.Message)}
}

// jsonError turns an error of parse.ToJSON into an *Error: a value JSON
// cannot hold is a problem of the profile it is in, as DecodeProfile
// reports it, or of the file.
func (p *fileParser) jsonError(err error) error {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return p.parseError(err)
	}
	m := inProfile.FindStringSubmatch(pe.Path)
	if m == nil {
		return p.parseError(err)
	}
	fp := recommend.FieldProblem{Field: strings.TrimPrefix(strings.TrimPrefix(pe.Path, m[1]), "."),
		Value: pe.Value, Message: pe.Message, Line: pe.Pos.Line, Column: pe.Pos.Column}
	return p.profileError(pe.Pos, &recommend.ProfileError{Problems: []recommend.FieldProblem{fp}})
}

// mapping checks that n is a mapping whose keys are among keys, each given
// once, and returns the value of each key. what names n for messages; hint
// follows the message about an unknown key.
func (p *fileParser) mapping(n *node, what string, keys []string, hint string) (map[string]*node, error) {
	if n.kind != kindMapping {
		return nil, p.errorAt(n, "%s is a mapping, found %s", what, n.kind)
	}
	out := map[string]*node{}
	for i := 0; i+1 < len(n.items); i += 2 {
		k, v := n.items[i], n.items[i+1]
		switch {
		case !slices.Contains(keys, k.text):
			if dym := words.DidYouMean(k.text, keys); dym != "" {
				return nil, p.errorAt(k, "unknown key %s in %s%s", parse.Quote(k.text), what, dym)
			}
			return nil, p.errorAt(k, "unknown key %s in %s: %s", parse.Quote(k.text), what, hint)
		case out[k.text] != nil:
			return nil, p.errorAt(k, "key %s is given twice in %s", parse.Quote(k.text), what)
		}
		out[k.text] = v
	}
	return out, nil
}

// caseAt reads the case at node n, whose path is at.
func (p *fileParser) caseAt(n *node, at string) (Case, error) {
	keys, err := p.mapping(n, "a case", caseKeys, "the keys are name, profile and expect")
	if err != nil {
		return Case{}, err
	}
	c := Case{File: p.file, Line: n.pos.Line}
	name := keys["name"]
	switch {
	case name == nil:
		return Case{}, p.errorAt(n, "%s has no name", at)
	case name.kind != kindString:
		return Case{}, p.errorAt(name, "name: want a string, found %s", name.kind)
	case strings.TrimSpace(name.text) == "":
		return Case{}, p.errorAt(name, "%s has an empty name", at)
	}
	c.Name = name.text
	prof := keys["profile"]
	if prof == nil {
		return Case{}, p.errorAt(n, "case %s has no profile: write profile: {} for the empty profile", parse.Quote(c.Name))
	}
	if c.Profile, err = p.profile(prof, recommend.DecodeProfile); err != nil {
		return Case{}, err
	}
	if p.eng != nil {
		if _, err := p.profile(prof, p.eng.DecodeProfile); err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				return Case{}, err
			}
			c.Invalid = ce
		}
	}
	if e := keys["expect"]; e != nil {
		if c.Expect, err = p.expect(e); err != nil {
			return Case{}, err
		}
	}
	return c, nil
}

// profile decodes a case's profile, whose JSON is n's text in the file's
// JSON, with decode (recommend.DecodeProfile, or an Engine's), and places
// its problems in the case file.
func (p *fileParser) profile(n *node, decode func(io.Reader) (recommend.Profile, error)) (recommend.Profile, error) {
	prof, err := decode(bytes.NewReader(p.json.Text[n.start:n.end]))
	if err != nil {
		var pe *recommend.ProfileError
		if !errors.As(err, &pe) {
			return recommend.Profile{}, &Error{File: p.file, Line: n.pos.Line, Column: n.pos.Column, Message: "profile: " + err.Error(), Err: err}
		}
		probs := slices.Clone(pe.Problems)
		for i := range probs {
			pos := parse.Pos{}
			if probs[i].Line > 0 {
				pos = p.json.Pos(n.line + probs[i].Line - 1)
			}
			if pos.Line == 0 {
				pos = n.pos
			}
			probs[i].Line, probs[i].Column = pos.Line, pos.Column
		}
		return recommend.Profile{}, p.profileError(n.pos, &recommend.ProfileError{Problems: probs})
	}
	return prof, nil
}

// profileError reports an invalid profile at its first problem, or at pos
// when that has no position.
func (p *fileParser) profileError(pos parse.Pos, pe *recommend.ProfileError) *Error {
	e := &Error{File: p.file, Line: pos.Line, Column: pos.Column, Err: pe}
	parts := make([]string, len(pe.Problems))
	for i, fp := range pe.Problems {
		if i == 0 && fp.Line > 0 {
			e.Line, e.Column = fp.Line, fp.Column
			fp.Line, fp.Column = 0, 0 // the error's own position
		}
		parts[i] = fp.String()
	}
	e.Message = "invalid profile: " + strings.Join(parts, "; ")
	return e
}

// expect reads a case's expectations.
func (p *fileParser) expect(n *node) (Expect, error) {
	keys, err := p.mapping(n, "expect", expectKeys, "the keys are "+strings.Join(expectKeys, ", "))
	if err != nil {
		return Expect{}, err
	}
	var e Expect
	for _, l := range []struct {
		key string
		ids *[]string
	}{
		{"recommended", &e.Recommended}, {"not_recommended", &e.NotRecommended}, {"avoided", &e.Avoided},
		{"conflicts", &e.Conflicts}, {"cautioned", &e.Cautioned}, {"needs_equipment", &e.NeedsEquipment}, {"plan", &e.Plan},
	} {
		if v := keys[l.key]; v != nil {
			if *l.ids, err = p.ids(v, l.key); err != nil {
				return Expect{}, err
			}
		}
	}
	if v := keys["min_urgency"]; v != nil {
		u := recommend.Urgency(v.text)
		if v.kind != kindString || u != recommend.UrgencyEmergency && u != recommend.UrgencyUrgent && u != recommend.UrgencyRoutine {
			return Expect{}, p.errorAt(v, "min_urgency %s must be emergency, urgent or routine%s", v.value(),
				words.DidYouMean(v.text, []string{string(recommend.UrgencyEmergency), string(recommend.UrgencyUrgent), string(recommend.UrgencyRoutine)}))
		}
		e.MinUrgency = u
	}
	if v := keys["no_referral"]; v != nil {
		if e.NoReferral, err = p.boolean(v, "no_referral"); err != nil {
			return Expect{}, err
		}
	}
	if v := keys["withheld"]; v != nil {
		w, err := p.boolean(v, "withheld")
		if err != nil {
			return Expect{}, err
		}
		e.Withheld = &w
	}
	if v := keys["messages"]; v != nil {
		if e.Messages, err = p.messageKinds(v); err != nil {
			return Expect{}, err
		}
	}
	if v := keys["steps"]; v != nil {
		if e.Steps, err = p.steps(v); err != nil {
			return Expect{}, err
		}
	}
	for _, l := range []struct {
		key, what string
		ids       *[]string
	}{
		{"reviews", "progression rule id", &e.Reviews}, {"referrals", "rule id", &e.Referrals}, {"folded", "rule id", &e.Folded},
	} {
		v := keys[l.key]
		if v == nil {
			continue
		}
		if v.kind != kindList {
			return Expect{}, p.errorAt(v, "%s: want a list of %ss, found %s", l.key, l.what, v.kind)
		}
		*l.ids = []string{}
		for i, c := range v.items {
			if c.kind != kindString || c.text == "" {
				return Expect{}, p.errorAt(c, "%s[%d] %s: want a %s", l.key, i, c.value(), l.what)
			}
			*l.ids = append(*l.ids, c.text)
		}
	}
	return e, nil
}

// steps reads a list of programme steps, each {movement, change, level}.
func (p *fileParser) steps(n *node) ([]Step, error) {
	if n.kind != kindList {
		return nil, p.errorAt(n, "steps: want a list of steps ({movement, change, level}), found %s", n.kind)
	}
	out := []Step{}
	for i, c := range n.items {
		at := fmt.Sprintf("steps[%d]", i)
		keys, err := p.mapping(c, at, stepKeys, "the keys are movement, change and level")
		if err != nil {
			return nil, err
		}
		var st Step
		for _, k := range stepKeys {
			if keys[k] == nil {
				return nil, p.errorAt(c, "%s has no %s: a step needs movement, change and level", at, k)
			}
		}
		switch m := keys["movement"]; {
		case m.kind != kindString || m.text == "":
			return nil, p.errorAt(m, "%s.movement %s: want a movement id", at, m.value())
		default:
			st.Movement = m.text
		}
		ch := keys["change"]
		if ch.kind != kindString || !slices.Contains(changes, ch.text) {
			return nil, p.errorAt(ch, "%s.change %s: want start, progress, hold, regress or stop", at, ch.value())
		}
		st.Change = ch.text
		lv := keys["level"]
		level, err := strconv.Atoi(lv.text)
		if lv.kind != kindNumber || err != nil || level < 1 || level > recommend.MaxLevels {
			return nil, p.errorAt(lv, "%s.level %s: want a whole number from 1 to %d", at, lv.value(), recommend.MaxLevels)
		}
		st.Level = level
		out = append(out, st)
	}
	return out, nil
}

// allMessageKinds are the kinds a messages expectation may name, in the order
// a Result lists them.
var allMessageKinds = []recommend.MessageKind{recommend.MessageKindSafetyNet, recommend.MessageKindReassurance, recommend.MessageKindStayActive, recommend.MessageKindPacing}

// messageKinds reads a list of message kinds.
func (p *fileParser) messageKinds(n *node) ([]recommend.MessageKind, error) {
	if n.kind != kindList {
		return nil, p.errorAt(n, "messages: want a list of message kinds, found %s", n.kind)
	}
	out := []recommend.MessageKind{}
	for i, c := range n.items {
		k := recommend.MessageKind(c.text)
		if c.kind != kindString || !slices.Contains(allMessageKinds, k) {
			return nil, p.errorAt(c, "messages[%d] %s: want a message kind: safety_net, reassurance, stay_active or pacing", i, c.value())
		}
		out = append(out, k)
	}
	return out, nil
}

// ids reads a list of movement ids.
func (p *fileParser) ids(n *node, key string) ([]string, error) {
	if n.kind != kindList {
		return nil, p.errorAt(n, "%s: want a list of movement ids, found %s", key, n.kind)
	}
	out := []string{}
	for i, c := range n.items {
		if c.kind != kindString {
			return nil, p.errorAt(c, "%s[%d]: want a movement id, found %s", key, i, c.kind)
		}
		out = append(out, c.text)
	}
	return out, nil
}

// boolean reads true or false.
func (p *fileParser) boolean(n *node, key string) (bool, error) {
	if n.kind == kindBoolean {
		return n.text == "true", nil
	}
	return false, p.errorAt(n, "%s %s: want true or false, found %s", key, n.value(), n.kind)
}

// IsCaseFile reports whether name, a slash-separated path, is a case file:
// *_test.yaml or *_test.yml, or any YAML file in a folder named tests. The
// rule loader skips exactly these files.
func IsCaseFile(name string) bool {
	return parse.IsCaseFile(name)
}

// LoadFS reads every case file under root in fsys (as IsCaseFile decides,
// or every YAML file when all is true), in lexical order. A file that is
// not a regular file, or a link to one, is refused without being opened,
// since reading a pipe or a device could block forever or never end. The
// first problem is returned, as an *Error, or as the error of listing the
// folders.
func LoadFS(fsys fs.FS, root string, all bool) ([]Case, error) {
	return load(fsys, root, all, nil)
}

// LoadFSFor is LoadFS for the cases of eng's rule set: it also checks each
// profile as eng.DecodeProfile does, and a case whose profile eng refuses
// (conditions: [disc_hernation]) gets those problems, at their lines and
// columns in the case file, in its Invalid field.
func LoadFSFor(eng *recommend.Engine, fsys fs.FS, root string, all bool) ([]Case, error) {
	if eng == nil {
		return nil, errors.New("casefile: nil *recommend.Engine")
	}
	return load(fsys, root, all, eng)
}

// load is LoadFS, with eng to fill Case.Invalid when it is not nil.
func load(fsys fs.FS, root string, all bool, eng *recommend.Engine) ([]Case, error) {
	var names []string
	err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(path.Ext(name))
		if d.IsDir() || (ext != ".yaml" && ext != ".yml") || (!all && !IsCaseFile(name)) {
			return nil
		}
		if !d.Type().IsRegular() {
			if msg := parse.Irregular(fsys, name, d.Type(), "case file"); msg != "" {
				return &Error{File: name, Message: msg}
			}
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(names) // lexical order of whole paths, as the rule loader uses
	var out []Case
	for _, name := range names {
		data, err := readFile(fsys, name)
		if err != nil {
			return nil, err
		}
		p := &fileParser{file: name, eng: eng}
		cs, err := p.parse(data)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// readFile reads the case file name, with the rule files' protections (see
// parse.ReadFile).
func readFile(fsys fs.FS, name string) ([]byte, error) {
	data, err := parse.ReadFile(fsys, name, MaxFileSize, "case file")
	if err != nil {
		var perr error
		if errors.Unwrap(err) != nil {
			perr = err
		}
		return nil, &Error{File: name, Message: err.Error(), Err: perr}
	}
	return data, nil
}

// Observe returns what res shows for each expectation in want, in the same
// shape, so that want equals the observation exactly when res meets every
// expectation. A test can then report cmp.Diff(want, Observe(want, res)).
//
// Lists keep only the wanted ids that hold (for not_recommended, those that
// are indeed not recommended), so a missing id shows as a removal; plan and
// messages are observed whole, as the result has them. For
// min_urgency the observation is want's value when the top referral is at
// least that urgent, and otherwise the top referral's urgency ("" for none).
func Observe(want Expect, res *recommend.Result) Expect {
	rec := ids(res.Recommended)
	got := Expect{
		Recommended:    keep(want.Recommended, rec, true),
		NotRecommended: keep(want.NotRecommended, rec, false),
		Avoided:        keep(want.Avoided, ids(res.Avoided), true),
		NeedsEquipment: keep(want.NeedsEquipment, needIDs(res.NeedsEquipment), true),
	}
	var conflicts []string
	for _, c := range res.Conflicts {
		conflicts = append(conflicts, c.Movement)
	}
	got.Conflicts = keep(want.Conflicts, conflicts, true)
	var cautioned []string
	for _, it := range res.Recommended {
		if len(it.Cautions) > 0 {
			cautioned = append(cautioned, it.Movement)
		}
	}
	got.Cautioned = keep(want.Cautioned, cautioned, true)
	var top recommend.Urgency
	if len(res.Referrals) > 0 {
		top = res.Referrals[0].Urgency
	}
	if want.MinUrgency != "" {
		got.MinUrgency = top
		if top != "" && top.AtLeast(want.MinUrgency) {
			got.MinUrgency = want.MinUrgency
		}
	}
	if want.NoReferral {
		got.NoReferral = len(res.Referrals) == 0
	}
	if want.Withheld != nil {
		w := res.Withheld
		got.Withheld = &w
	}
	if want.Plan != nil {
		got.Plan = []string{}
		for _, s := range res.Plan {
			got.Plan = append(got.Plan, s.Movement)
		}
	}
	if want.Messages != nil {
		got.Messages = []recommend.MessageKind{}
		for _, m := range res.Messages {
			got.Messages = append(got.Messages, m.Kind)
		}
	}
	if want.Steps != nil {
		got.Steps = []Step{}
		if res.Programme != nil {
			for _, st := range res.Programme.Steps {
				got.Steps = append(got.Steps, Step{Movement: st.Movement, Change: st.Change, Level: st.Level})
			}
		}
	}
	if want.Reviews != nil {
		got.Reviews = reviews(res)
	}
	if want.Referrals != nil {
		got.Referrals = []string{}
		for _, r := range res.Referrals {
			got.Referrals = append(got.Referrals, r.Rules...)
		}
	}
	if want.Folded != nil {
		got.Folded = []string{}
		for _, f := range res.FoldedReferrals {
			got.Folded = append(got.Folded, f.Rules...)
		}
	}
	return got
}

// reviews returns the rule ids of the referrals of res that no rule of
// its trace made: those the programme calls for, from progression rules.
func reviews(res *recommend.Result) []string {
	traced := map[string]bool{}
	for _, t := range res.Trace() {
		traced[t.Rule] = true
	}
	out := []string{}
	for _, ref := range res.Referrals {
		for _, id := range ref.Rules {
			if !traced[id] && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

func ids(items []recommend.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Movement
	}
	return out
}

func needIDs(needs []recommend.EquipmentNeed) []string {
	out := make([]string, len(needs))
	for i, n := range needs {
		out[i] = n.Movement
	}
	return out
}

// keep returns the ids of want that are (in is true) or are not (in is
// false) in have, in want's order; nil when want is nil.
func keep(want, have []string, in bool) []string {
	if want == nil {
		return nil
	}
	out := []string{}
	for _, id := range want {
		if slices.Contains(have, id) == in {
			out = append(out, id)
		}
	}
	return out
}
