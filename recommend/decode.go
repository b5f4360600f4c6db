package recommend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
)

// DecodeProfile reads one profile, as JSON or YAML, from r, reading at
// most MaxProfileBytes+1 bytes. Input whose first non-blank byte is '{' is
// read as JSON, anything else as YAML; a leading UTF-8 byte order mark is
// skipped. A YAML profile is converted to JSON and both go through one
// strict JSON decoder, so that they accept the same profiles and, YAML
// syntax aside, refuse the rest with the same messages:
//
//   - the profile is a mapping of the fields of [Profile], by their JSON
//     names, each given at most once; an unknown field is an error, with a
//     did-you-mean; a field given twice is an error, and read for Triage
//     as a list of the entries of each, or, for a number or a choice, as
//     its first value here and as the value whose referrals are the most
//     pressing by [Engine.DecodeProfile] (see [Engine.CountRepeated]),
//     its problem naming the value counted (a value that cannot be read,
//     such as null or "abc" for a number, is named so, and counts as not
//     given, as Triage reads it);
//   - a list field holds strings; a choice field (sex, episode) holds a
//     string, "" meaning not stated; a number field holds a number: a whole
//     number for pain_level, days_since_onset, age and pregnancy_week (7,
//     7.0 and 7e0 are the same; 7.5 is an error), within the field's range
//     (see [Engine.Validate]), quoted in messages exactly as written;
//   - null is not a value: a null field, list entry (in YAML also ~ or an
//     empty "- " entry) or profile is an error, and so is an input with no
//     profile in it ({} is the empty profile);
//   - in YAML, the input is one document without anchors, aliases, merge
//     keys (<<) or tags other than !!str, !!int, !!float, !!bool, !!null,
//     !!seq and !!map; numbers are written as JSON writes them (7, 7.5,
//     -2, 1e3; not .inf, .nan, 0x1F, 017, +7 or 1_000); keys are strings;
//   - in JSON, nothing but blanks follows the profile, and a \u escape of
//     half a surrogate pair is an error, as it is in YAML;
//   - the text is UTF-8.
//
// An empty list is the same as a missing one: the field stays nil.
//
// A problem with the content, including input over MaxProfileBytes, is
// reported as a *ProfileError (which matches ErrInvalidProfile) listing up
// to ten problems in the order of the input, each with the line and column
// of the offending text when the decoder knows them (every problem but
// "input holds no profile" and "input is larger than ..."). The profile
// returned with it holds what could be read: the fields read before the
// decoder stopped, without those it could not read; pass it to
// [Engine.Triage], so that a mistake in one field does not hide the
// emergency another reports. What could be read is what the input means
// where that is well defined, and never a value made of text the decoder
// did not read as one:
//
//   - YAML refused for its YAML alone is read as YAML means it: an alias
//     as its anchor's value (an alias of what holds it, or past what the
//     input's length allows aliases to repeat, as nothing), a merge key's
//     mappings merged in (the keys the mapping gives itself kept), a
//     scalar with a tag it may not carry as if untagged, the first of
//     several documents; a pair whose key is not a string is left out; a
//     value JSON cannot hold (.nan, 017) is left out;
//   - YAML with a syntax error, or nesting too deep, is read up to the
//     longest start of it, in whole lines, that parses (a plain or block
//     scalar that the first line left out would have gone on is read as
//     far as that line);
//   - a byte that is not UTF-8 is read as U+FFFD;
//   - input over MaxProfileBytes is read as if it ended after its first
//     MaxProfileBytes bytes: JSON up to there, less a number that runs
//     into the cut (of 10 it may have left 1), YAML in whole lines, the
//     line the cut ends left out.
//
// A failure to read r is returned wrapped, and
// is not a *ProfileError; nor is a nil r, which is an error. DecodeProfile
// does not check list and choice values against a vocabulary, nor the
// lengths of lists and entries: [Engine.Validate] does, and Engine.Recommend calls it.
// [Engine.DecodeProfile] does both, with positions for every problem.
func DecodeProfile(r io.Reader) (Profile, error) {
	data, err := readProfileInput(r)
	if err != nil {
		return Profile{}, err
	}
	p, _, err := decodeProfile(data, false)
	return p, err
}

// DecodeProfile reads one profile from r as the function [DecodeProfile]
// does, then checks it with [Engine.Validate], so that a value the
// vocabulary lacks, a duplicate entry or a list too long is reported with
// the line and column where the input gives it, as the decoding problems
// are. It returns the profile, or a *ProfileError listing the problems of
// the first check that finds any, decoding then validation, with the
// profile as read (see the function; [Engine.Triage] reads what it can
// of it). When the input cannot be read whole (a syntax error, an
// unknown field, input over MaxProfileBytes), the profile returned also
// holds each red flag the input names where it could not be read as one
// (see [Engine.NamedRedFlags]), and each condition it names that can
// change a referral (see [Engine.NamedReferralConditions]), with a
// problem for each at the line and column where the input first names
// it: a syntax error before the red flags, or before sciatica beside a
// cancer, does not hide them. Programs that
// read profiles from people, such as a command-line tool or a service,
// should use it rather than the function, for the positions.
func (e *Engine) DecodeProfile(r io.Reader) (Profile, error) {
	if err := e.unusable(); err != nil {
		return Profile{}, err
	}
	data, err := readProfileInput(r)
	if err != nil {
		return Profile{}, err
	}
	p, pr, err := decodeProfile(data, false)
	if err != nil {
		var perr *ProfileError
		if errors.As(err, &perr) {
			text := data[:min(len(data), MaxProfileBytes)]
			e.addNamedTerms(&p, perr, parse.TrimBOM(text))
			if pr != nil && len(pr.repeated) > 0 {
				p = e.countRepeated(p, perr, pr)
			}
		}
		return p, err
	}
	err = e.Validate(p)
	if err == nil {
		return p, nil
	}
	var perr *ProfileError
	if !errors.As(err, &perr) {
		return p, err
	}
	// Where each value starts is worked out only for a profile that has a
	// problem to place: its input is decoded again, recording positions,
	// as it decoded without a problem the first time.
	if _, rec, rerr := decodeJSON(pr.data, pr.yaml, true); rerr == nil {
		pr = rec
	}
	for i := range perr.Problems {
		fp := &perr.Problems[i]
		if off, ok := pr.at[fp.Field]; ok && fp.Line == 0 {
			pos := pr.pos(off)
			fp.Line, fp.Column = pos.Line, pos.Column
		}
	}
	return p, perr
}

// countRepeated returns p with the value of each field that pr, the
// reader of the input, found given more than once, that CountRepeated
// counts, and says in the problem of each value given again which it
// is. That problem is added to perr when the reader's problems are not
// its own (a YAML syntax error is the problem, and what could be read
// before it was read for Triage), so that no value is chosen without a
// word.
func (e *Engine) countRepeated(p Profile, perr *ProfileError, pr *profileReader) Profile {
	p, counted := e.CountRepeated(p, pr.repeated)
	added := false
	for i, rp := range pr.repeated {
		if counted[i] == "" && choiceFieldIndex(rp.Field) < 0 {
			continue
		}
		msg := repeatedMessage(rp, pr.repeatedUnread[i], counted[i])
		found := false
		for j := range perr.Problems {
			if fp := &perr.Problems[j]; fp.Field == rp.Field && fp.Message == givenTwice {
				fp.Message, found = msg, true
			}
		}
		if found {
			continue
		}
		for _, fp := range pr.probs {
			if fp.Field == rp.Field && fp.Message == givenTwice {
				fp.Message = msg
				perr.Problems = append(perr.Problems, fp)
				added = true
			}
		}
	}
	if added {
		sortProblems(perr.Problems)
	}
	return p
}

// givenTwice is the problem of a field given again.
const givenTwice = "given twice"

// unreadValue names, in the problem of a field given again, a value that
// could not be read.
const unreadValue = "a value that could not be read"

// repeatedMessage is the problem of rp, a number or choice field given
// again, counted as counted; unread says, of each value, whether it
// could not be read (null, "abc" for a number), and is then named so,
// not as what Triage reads of it (not given). When counted is only what
// such a value is read as, the problem says that value is counted.
func repeatedMessage(rp Repeated, unread []bool, counted string) string {
	quote := func(v string) string {
		if choiceFieldIndex(rp.Field) >= 0 {
			return quoteValue(v)
		}
		return numberText(v)
	}
	var given, read []string
	for i, v := range rp.Values {
		q := unreadValue
		if i >= len(unread) || !unread[i] {
			q = quote(v)
			read = append(read, q)
		}
		if !slices.Contains(given, q) {
			given = append(given, q)
		}
	}
	if len(given) > 4 {
		given = append(given[:4], "...")
	}
	what := quote(counted)
	if !slices.Contains(read, what) {
		what = "the value that could not be read"
		if choiceFieldIndex(rp.Field) >= 0 {
			what += " counted, as not stated,"
		} else {
			what += " counted, as not given,"
		}
	} else {
		what += " counted,"
	}
	return fmt.Sprintf("%s (%s): %s the value with the most pressing referrals, to be safe",
		givenTwice, strings.Join(given, ", "), what)
}

// readProfileInput reads the input of DecodeProfile: at most
// MaxProfileBytes+1 bytes of r.
func readProfileInput(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, errNilReader
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxProfileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	return data, nil
}

// errNilReader is returned by DecodeProfile for a nil io.Reader.
var errNilReader = errors.New("read profile: nil io.Reader")

// decodeProfile is DecodeProfile of data, as readProfileInput read it.
// With record, the reader it returns, on success, knows where each field
// and list entry starts in the input.
func decodeProfile(data []byte, record bool) (Profile, *profileReader, error) {
	if len(data) > MaxProfileBytes {
		p, r := readCutShort(data[:MaxProfileBytes])
		return p, r, &ProfileError{Problems: []FieldProblem{{
			Message: fmt.Sprintf("input is larger than %d bytes", MaxProfileBytes)}}}
	}
	data = parse.TrimBOM(data)
	noProfile := &ProfileError{Problems: []FieldProblem{{Message: "input holds no profile: write {} for an empty profile"}}}
	switch trimmed := bytes.TrimLeft(data, " \t\r\n"); {
	case len(trimmed) == 0:
		return Profile{}, nil, noProfile
	case trimmed[0] == '{':
		if err := parse.CheckUTF8(data); err != nil {
			// What can be read with each bad byte as U+FFFD, for Triage.
			p, r, _ := decodeJSON(bytes.ToValidUTF8(data, []byte("\uFFFD")), nil, false)
			return p, r, parseProblem(err)
		}
		return decodeJSON(data, nil, record)
	}
	// A cheap first pass refuses nesting far deeper than a profile needs,
	// before the YAML decoder builds every level.
	if err := parse.CheckNesting(data, "a profile"); err != nil {
		p, r := readYAML(data)
		return p, r, parseProblem(err)
	}
	top, err := parse.Document(data, "a profile")
	if errors.Is(err, parse.ErrNoDocument) {
		return Profile{}, nil, noProfile
	}
	if err != nil {
		// What can be read of the YAML all the same (an alias as its
		// anchor's value, the first document, the lines before a
		// syntax error: parse.ReadablePart), for Triage; Document's
		// error is the problem.
		p, r := readYAML(data)
		return p, r, parseProblem(err)
	}
	j, errs := parse.ReadableJSON(top)
	if len(errs) > 0 {
		// What can be read around the values JSON cannot hold (.nan,
		// 017, 1_000), for Triage; the first of them is the problem.
		p, r, _ := decodeJSON(j.Text, j, false)
		return p, r, parseProblem(errs[0])
	}
	return decodeJSON(j.Text, j, record)
}

// readYAML returns what can be read of data, a YAML profile that
// parse.Document refuses, as parse.ReadablePart reads it, for Triage,
// and the reader that read it, or nil.
func readYAML(data []byte) (Profile, *profileReader) {
	top := parse.ReadablePart(data)
	if top == nil {
		return Profile{}, nil
	}
	j, _ := parse.ReadableJSON(top)
	p, r, _ := decodeJSON(j.Text, j, false)
	return p, r
}

// readCutShort returns what can be read of data, the first
// MaxProfileBytes of a larger input, for Triage: the input read as if it
// ended there, without the text the cut may have made into another
// value. JSON is read up to the cut, as a JSON input cut short is, less
// a number that runs into the cut (of 10, the cut may have left 1); a
// string the cut ends is not closed, and not read. YAML is read in whole
// lines, the line the cut ends left out, as parse.ReadablePart reads a
// text it refuses. It returns the reader that read it too, or nil.
func readCutShort(data []byte) (Profile, *profileReader) {
	data = parse.TrimBOM(data)
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		data = bytes.TrimRight(data, "0123456789+-.eE")
		p, r, _ := decodeJSON(bytes.ToValidUTF8(data, []byte("\uFFFD")), nil, false)
		return p, r
	}
	return readYAML(data[:bytes.LastIndexAny(data, "\n\r")+1])
}

// parseProblem turns an error of package parse into a *ProfileError.
func parseProblem(err error) error {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return fmt.Errorf("decode profile: %w", err)
	}
	return &ProfileError{Problems: []FieldProblem{{Field: pe.Path, Value: pe.Value, Message: pe.Message,
		Line: pe.Pos.Line, Column: pe.Pos.Column}}}
}

// maxDecodeProblems is the most problems DecodeProfile reports.
const maxDecodeProblems = 10

// profileFieldIndex maps each field's JSON name to its index in Profile.
var profileFieldIndex = sync.OnceValue(func() map[string]int {
	t := reflect.TypeFor[Profile]()
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
})

// profileReader decodes the JSON form of a profile.
type profileReader struct {
	data []byte
	dec  *json.Decoder
	// yaml, when the JSON was converted from YAML, maps positions in data
	// to positions in the YAML.
	yaml  *parse.JSON
	probs []FieldProblem
	p     Profile
	// at, when not nil, maps each field's name and each list entry's path
	// ("conditions[0]") to the offset in data where its value starts.
	at map[string]int
	// repeated are the number and choice fields given more than once,
	// each with what Triage reads of every value given, in the order
	// given (see again); repeatedUnread says, of each value, whether it
	// could not be read (null, "abc" for a number): Repeated holds it
	// as Triage reads it, not given, and the problem says it could not
	// be read (see repeatedMessage).
	repeated       []Repeated
	repeatedUnread [][]bool
	// read is whether the last number or string field decoded (field)
	// was read, and firstUnread holds each field whose first value was
	// not, for the problem of the field given again.
	read        bool
	firstUnread map[string]bool
}

// decodeJSON decodes data, the JSON form of a profile. yaml is the YAML
// the JSON came from, or nil. With record, the reader notes where each
// value starts. It returns the reader, problems or not.
func decodeJSON(data []byte, yaml *parse.JSON, record bool) (Profile, *profileReader, error) {
	r := &profileReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), yaml: yaml}
	if record {
		r.at = map[string]int{}
	}
	r.dec.UseNumber()
	if err := r.profile(); err != nil {
		r.syntaxError(err)
	}
	if len(r.probs) > 0 {
		return r.p, r, &ProfileError{Problems: r.probs}
	}
	return r.p, r, nil
}

// syntaxError reports the first syntax error in the data, which the
// decoder met as err. The decoder's own error does not say where it is in
// the input, so the data is scanned again, as a whole.
func (r *profileReader) syntaxError(err error) {
	var raw json.RawMessage
	var se *json.SyntaxError
	switch verr := json.Unmarshal(r.data, &raw); {
	case errors.As(verr, &se) && se.Error() == "unexpected end of JSON input":
		r.add(len(r.data), FieldProblem{Message: "invalid JSON: unexpected end of input"})
	case errors.As(verr, &se) && strings.HasSuffix(se.Error(), "exceeded max depth"):
		r.add(int(se.Offset)-1, FieldProblem{Message: "invalid JSON: lists or mappings nest too deeply (exceeded max depth of 10000)"})
	case errors.As(verr, &se):
		r.add(int(se.Offset)-1, FieldProblem{Message: "invalid JSON: " + se.Error()})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		r.add(len(r.data), FieldProblem{Message: "invalid JSON: unexpected end of input"})
	default:
		r.add(int(r.dec.InputOffset()), FieldProblem{Message: "invalid JSON: " + err.Error()})
	}
}

// add records a problem at byte offset off of the data, up to
// maxDecodeProblems: past them, decoding goes on, so that what comes
// after is still read (for Triage), and no more are placed. It returns
// nil; its callers return what it returns, as the ones that meet a syntax
// error return that.
func (r *profileReader) add(off int, fp FieldProblem) error {
	if len(r.probs) >= maxDecodeProblems {
		return nil
	}
	pos := r.pos(off)
	fp.Line, fp.Column = pos.Line, pos.Column
	r.probs = append(r.probs, fp)
	return nil
}

// pos returns the position in the input of byte offset off of the data.
func (r *profileReader) pos(off int) parse.Pos {
	pos := parse.PosAt(r.data, off)
	if r.yaml != nil {
		pos = r.yaml.Pos(pos.Line)
	}
	return pos
}

// note records that the value at path starts at offset off, when the
// reader records positions.
func (r *profileReader) note(path string, off int) {
	if r.at != nil {
		r.at[path] = off
	}
}

// next returns the next token and the offset where it starts.
func (r *profileReader) next() (json.Token, int, error) {
	off := skipBlanks(r.data, int(r.dec.InputOffset()))
	if off < len(r.data) && (r.data[off] == ',' || r.data[off] == ':') {
		off = skipBlanks(r.data, off+1)
	}
	tok, err := r.dec.Token()
	return tok, off, err
}

func skipBlanks(data []byte, off int) int {
	for off < len(data) && (data[off] == ' ' || data[off] == '\t' || data[off] == '\n' || data[off] == '\r') {
		off++
	}
	return off
}

func (r *profileReader) profile() error {
	tok, off, err := r.next()
	if err != nil {
		return err
	}
	if tok == nil {
		return r.add(off, FieldProblem{Message: "the profile is null: write {} for an empty profile"})
	}
	if tok != json.Delim('{') {
		return r.wrongType(tok, off, FieldProblem{}, "a profile is a mapping of fields", "")
	}
	seen := map[string]bool{}
	index := profileFieldIndex()
	for r.dec.More() {
		tok, off, err := r.next()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		fi, known := index[key]
		var err2 error
		switch {
		case seen[key]:
			fp := FieldProblem{Field: key, Message: givenTwice}
			switch {
			case known && key == "check_ins":
				fp.Message = givenTwice + ": the check-ins of each are read, the list whose latest pain is higher last, to be safe"
			case known && reflect.TypeFor[Profile]().Field(fi).Type == reflect.TypeFor[[]string]():
				fp.Message = givenTwice + ": the entries of each are read, to be safe"
			}
			if !known {
				fp = FieldProblem{Value: quoteValue(key), Message: givenTwice}
			}
			if err2 = r.add(off, fp); err2 == nil {
				err2 = r.again(key, fi, known)
			}
		case !known:
			if err2 = r.add(off, FieldProblem{Value: quoteValue(key), Message: unknownField(key)}); err2 == nil {
				err2 = r.skipValue()
			}
		default:
			err2 = r.field(key, reflect.ValueOf(&r.p).Elem().Field(fi))
			if k := reflect.TypeFor[Profile]().Field(fi).Type.Kind(); !r.read && k != reflect.Slice {
				if r.firstUnread == nil {
					r.firstUnread = map[string]bool{}
				}
				r.firstUnread[key] = true
			}
		}
		seen[key] = true
		if err2 != nil {
			return err2
		}
	}
	if _, _, err := r.next(); err != nil { // the closing brace
		return err
	}
	if off := skipBlanks(r.data, int(r.dec.InputOffset())); off < len(r.data) {
		return r.add(off, FieldProblem{Message: "unexpected data after the profile"})
	}
	return nil
}

// again reads the value of a key given a second time, whose problem is
// reported: a list of strings is read and added to the first one, so that
// Triage counts every entry either gives (an emergency in the second list
// is not lost to the first); a number or a choice is read as the first
// is, and noted with the first in r.repeated, for Engine.DecodeProfile
// to count the value whose referrals are the most pressing
// (Engine.CountRepeated), not the one that came first; the check-ins
// are read and joined to the first's, the list whose latest pain is
// higher last, since the latest check-in's pain is the pain now
// (painNow); any other value is skipped.
func (r *profileReader) again(key string, fi int, known bool) error {
	fv := reflect.ValueOf(&r.p).Elem()
	if !known {
		return r.skipValue()
	}
	if key == "check_ins" {
		first := r.p.CheckIns
		r.p.CheckIns = nil
		err := r.field(key, fv.Field(fi))
		second := r.p.CheckIns
		if len(first) > 0 && len(second) > 0 && first[len(first)-1].PainLevel > second[len(second)-1].PainLevel {
			first, second = second, first
		}
		r.p.CheckIns = append(first[:len(first):len(first)], second...)
		if len(r.p.CheckIns) == 0 {
			r.p.CheckIns = nil
		}
		return err
	}
	if fv.Field(fi).Type() != reflect.TypeFor[[]string]() {
		return r.repeat(key, fv.Field(fi))
	}
	v := fv.Field(fi)
	first := v.Interface().([]string)
	v.SetZero()
	err := r.field(key, v)
	v.Set(reflect.ValueOf(append(first[:len(first):len(first)], v.Interface().([]string)...)))
	return err
}

// repeat reads the value of key, a number or choice field given again,
// whose first value is in cur, and notes both in r.repeated, as Triage
// reads them: a number as its readable value, a choice as given.
func (r *profileReader) repeat(key string, cur reflect.Value) error {
	i := slices.IndexFunc(r.repeated, func(rp Repeated) bool { return rp.Field == key })
	if i < 0 {
		r.repeated = append(r.repeated, Repeated{Field: key, Values: []string{scalarText(cur)}})
		r.repeatedUnread = append(r.repeatedUnread, []bool{r.firstUnread[key]})
		i = len(r.repeated) - 1
	}
	v := reflect.New(cur.Type()).Elem()
	err := r.field(key, v)
	r.repeated[i].Values = append(r.repeated[i].Values, scalarText(v))
	r.repeatedUnread[i] = append(r.repeatedUnread[i], !r.read)
	return err
}

// scalarText returns v, a number or string field of a Profile, as
// Repeated holds it.
func scalarText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	default:
		return strconv.FormatInt(v.Int(), 10)
	}
}

// unknownField is the message for an unknown key.
func unknownField(key string) string {
	names := append(profileFieldNames(), "check_ins")
	if lower := strings.ToLower(key); lower != key {
		if _, ok := profileFieldIndex()[lower]; ok {
			return fmt.Sprintf("unknown field (field names are lowercase: did you mean %q?)", lower)
		}
	}
	if s := words.DidYouMean(key, names); s != "" {
		return "unknown field" + s
	}
	return "unknown field (the fields are " + strings.Join(names, ", ") + ")"
}

// field decodes the value of one known field into v.
func (r *profileReader) field(name string, v reflect.Value) error {
	tok, off, err := r.next()
	if err != nil {
		return err
	}
	r.note(name, off)
	r.read = false
	if name == "check_ins" {
		return r.checkIns(tok, off)
	}
	if v.Kind() == reflect.Slice {
		return r.list(name, v, tok, off)
	}
	if v.Kind() == reflect.String {
		s, ok := tok.(string)
		if !ok {
			return r.wrongType(tok, off, FieldProblem{Field: name}, "want a string", "field")
		}
		if raw := r.data[off:r.dec.InputOffset()]; strings.ContainsRune(s, utf8.RuneError) && loneSurrogate(raw) {
			return r.add(off, FieldProblem{Field: name, Value: numberText(string(raw)),
				Message: "a \\u escape is half of a UTF-16 surrogate pair: write the character itself"})
		}
		v.SetString(s)
		r.read = true
		return nil
	}
	f, found := numberFieldNamed(name)
	if !found {
		return r.add(off, FieldProblem{Field: name, Message: "no number field of this name"}) // unreachable: the tables agree
	}
	num, ok := tok.(json.Number)
	if !ok {
		// A number written as a string ("72", or in full-width digits,
		// "７２") is read as the number, for Triage, when JSON would
		// write it so (not Go's 0x1p3); the problem is reported all
		// the same.
		if s, isString := tok.(string); isString && parse.IsJSONNumber(strings.TrimSpace(parse.ASCIIDigits(s))) {
			x, _ := numberValue(strings.TrimSpace(parse.ASCIIDigits(s)), f)
			setNumber(v, x)
			r.read = true
		}
		return r.wrongType(tok, off, FieldProblem{Field: name}, "want a number", "field")
	}
	x, msg := numberValue(string(num), f)
	setNumber(v, x)
	r.read = true
	if msg != "" {
		return r.add(off, FieldProblem{Field: name, Value: numberText(string(num)), Message: msg})
	}
	return nil
}

// list decodes a list of strings whose first token, tok, starts at off.
func (r *profileReader) list(name string, v reflect.Value, tok json.Token, off int) error {
	if tok != json.Delim('[') {
		if s, ok := tok.(string); ok {
			// A lone string is read as a list of one, for Triage; the
			// problem is reported all the same.
			v.Set(reflect.ValueOf([]string{s}))
		}
		return r.wrongType(tok, off, FieldProblem{Field: name}, "want a list of strings", "field")
	}
	var vals []string
	// The entries read are kept whatever stops the list, a syntax error
	// included, so that Triage still reads them.
	defer func() {
		if len(vals) > 0 {
			v.Set(reflect.ValueOf(vals))
		}
	}()
	for i := 0; r.dec.More(); i++ {
		tok, off, err := r.next()
		if err != nil {
			return err
		}
		s, ok := tok.(string)
		if !ok {
			if err := r.wrongType(tok, off, FieldProblem{Field: fmt.Sprintf("%s[%d]", name, i)}, "want a string", "entry"); err != nil {
				return err
			}
			continue
		}
		if raw := r.data[off:r.dec.InputOffset()]; strings.ContainsRune(s, utf8.RuneError) && loneSurrogate(raw) {
			// encoding/json would put U+FFFD in its place; YAML refuses it.
			if err := r.add(off, FieldProblem{Field: fmt.Sprintf("%s[%d]", name, i), Value: numberText(string(raw)),
				Message: "a \\u escape is half of a UTF-16 surrogate pair: write the character itself"}); err != nil {
				return err
			}
			continue
		}
		if r.at != nil {
			r.note(fmt.Sprintf("%s[%d]", name, i), off)
		}
		vals = append(vals, s)
	}
	_, _, err := r.next() // the closing bracket
	return err
}

// numberFieldNamed returns the number field named name.
func numberFieldNamed(name string) (numberField, bool) {
	for _, f := range numberFields {
		if f.name == name {
			return f, true
		}
	}
	return numberField{}, false
}

// setNumber sets v, a float64 or int field of a Profile, to x, which is
// whole for an int field.
func setNumber(v reflect.Value, x float64) {
	if v.Kind() == reflect.Float64 {
		v.SetFloat(x)
	} else {
		v.SetInt(int64(x))
	}
}

// loneSurrogate reports whether raw, a JSON string as written, holds a \u
// escape of half a UTF-16 surrogate pair without the other half.
func loneSurrogate(raw []byte) bool {
	escape := func(i int) (rune, bool) { // the \uXXXX escape at raw[i:], if any
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		return rune(v), err == nil
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		r, ok := escape(i)
		switch {
		case !ok:
			i++ // another escape, such as \\: skip its second byte
		case r >= 0xD800 && r < 0xDC00:
			if low, ok := escape(i + 6); ok && low >= 0xDC00 && low < 0xE000 {
				i += 11
				continue
			}
			return true
		case r >= 0xDC00 && r < 0xE000:
			return true
		default:
			i += 5
		}
	}
	return false
}

// wrongType reports a value of the wrong kind, whose first token, tok,
// starts at off, and skips the rest of it. want says what was expected;
// what is "field" or "entry", for the message about null.
func (r *profileReader) wrongType(tok json.Token, off int, fp FieldProblem, want, what string) error {
	var kind string
	switch t := tok.(type) {
	case nil:
		if what == "" {
			fp.Message = "the profile is null: write {} for an empty profile"
		} else {
			fp.Message = fmt.Sprintf("null is not a value: give one, or leave the %s out", what)
		}
		return r.add(off, fp)
	case bool:
		kind, fp.Value = "a boolean", strconv.FormatBool(t)
	case json.Number:
		kind, fp.Value = "a number", numberText(string(t))
	case string:
		kind, fp.Value = "a string", quoteValue(t)
	case json.Delim:
		kind = "a list"
		if t == '{' {
			kind = "a mapping"
		}
	}
	fp.Message = want + ", found " + kind
	if err := r.add(off, fp); err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok {
		return r.skipRest(d)
	}
	return nil
}

// skipValue skips the next value.
func (r *profileReader) skipValue() error {
	tok, _, err := r.next()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); ok {
		return r.skipRest(d)
	}
	return nil
}

// skipRest skips the rest of the list or mapping that the delimiter open
// starts, however deeply it nests, without recursion.
func (r *profileReader) skipRest(open json.Delim) error {
	if open != '[' && open != '{' {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := r.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
	return nil
}

// numberText returns a number, or other JSON text, as written, cut short
// when long.
func numberText(s string) string {
	if len(s) <= MaxEntryLen {
		return s
	}
	cut := MaxEntryLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// numberValue reads the number s, as written in the input, for field f:
// its value, or, with a message saying what is wrong, the value to keep
// for Triage (numberField.readable): a number out of range as its nearest
// bound (a pain of 11 is read as 10, so that it still counts as high), or
// as unknown for a field read so (an age of 200); one that is not whole,
// rounded first (a pain of 7.9 is read as 8). It works on the digits as
// written, so that a number too large for any Go type is out of range
// rather than a parse failure.
func numberValue(s string, f numberField) (float64, string) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, f.rangeMessage() // not a number: unreachable for a JSON number
	}
	if f.isDouble {
		if math.IsInf(x, 0) || x < f.min || x > f.max {
			return f.readable(x), f.rangeMessage()
		}
		return x + 0, "" // + 0 turns -0 into 0
	}
	w, whole, fits := wholeValue(s)
	switch {
	case !whole:
		return f.readableWhole(x), "must be a whole number"
	case !fits || float64(w) < f.min || float64(w) > f.max:
		return f.readable(x), f.rangeMessage()
	}
	return float64(w), ""
}

// rangeMessage says that a value is outside f's range.
func (f numberField) rangeMessage() string {
	return fmt.Sprintf("out of range, want %g to %g", f.min, f.max)
}

// maxWholeDigits is the most digits wholeValue computes a value for; the
// integer fields' ranges are far smaller.
const maxWholeDigits = 9

// wholeValue reads s, a number in JSON syntax. whole reports whether it is
// a whole number (7, 7.0, 7e0, 70e-1), and fits whether it has at most
// maxWholeDigits digits, in which case x is its value.
func wholeValue(s string) (x int64, whole, fits bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	mant, expText, _ := strings.Cut(strings.ToLower(s), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	exp := 0
	expNeg := strings.HasPrefix(expText, "-")
	for _, c := range strings.TrimLeft(expText, "+-") {
		exp = min(exp*10+int(c-'0'), 1<<30) // beyond any number of digits the input can hold
	}
	if expNeg {
		exp = -exp
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	if digits == "" {
		return 0, true, true
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	digits = trimmed
	if exp < 0 {
		return 0, false, false
	}
	if len(digits)+exp > maxWholeDigits {
		return 0, true, false
	}
	x, _ = strconv.ParseInt(digits+strings.Repeat("0", exp), 10, 64)
	if neg {
		x = -x
	}
	return x, true, true
}
