package report

// appendWire writes the compact wire form without encoding/json: the same
// bytes as encoding/json gives for wireResult (TestAppendWireMatches
// proves it), with the encoding of each distinct citation, note and
// movement text kept, since none of them ever changes.

import (
	"bytes"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/backrules/backrules/recommend"
)

// maxCached bounds the values whose encoding each cache keeps: an
// engine's citations, notes and movement texts number in the hundreds,
// and a Result built by hand or decoded from JSON must not grow a cache
// without end.
const maxCached = 1 << 14

// encodings keeps, for values that never change (a Citation, a Note and a
// MovementText are each a handle to interned text; a wireSource is
// text), what the wire writes of them, made once per distinct value, for
// about maxCached values (callers at the same moment may each add one
// past it). What it keeps is shared by every caller: read only.
type encodings[K comparable, V any] struct {
	m sync.Map // K → V
	n atomic.Int64
}

// get returns what the cache keeps for k, made by mk when it is not kept.
func (c *encodings[K, V]) get(k K, mk func(K) V) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v := mk(k)
	if c.n.Load() < maxCached {
		if _, loaded := c.m.LoadOrStore(k, v); !loaded {
			c.n.Add(1)
		}
	}
	return v
}

var (
	citationCache encodings[recommend.Citation, *wireCite]
	noteCache     encodings[recommend.Note, []byte]
	textCache     encodings[recommend.MovementText, []byte]
	// sourceCache interns each source as the wire lists it, so that an
	// answer tells the sources it has listed by pointer (noteSource).
	sourceCache encodings[wireSource, *wireSource]
)

// wireCite is what the wire needs of a citation, worked out once per
// distinct citation: its encoding, and its source as "sources" lists it.
// (A Citation's accessors each read its interned text; reading them all
// for every citation of every answer was a third of WriteJSON.)
type wireCite struct {
	enc []byte
	src *wireSource
}

// citationOf returns what the wire needs of c, from the cache when it is
// there.
func citationOf(c recommend.Citation) *wireCite {
	return citationCache.get(c, func(c recommend.Citation) *wireCite {
		b := appendString(append(make([]byte, 0, 64), `{"source":`...), c.Source())
		b = appendString(append(b, `,"locator":`...), c.Locator())
		b = appendString(append(b, `,"claim":`...), c.Claim())
		if p := c.Position(); p != "" {
			b = appendString(append(b, `,"position":`...), string(p))
		}
		b = slices.Clip(append(b, '}'))
		src := wireSource{ID: c.Source(), Title: c.Title(), Publisher: c.Publisher(), Kind: c.Kind(), URL: c.URL()}
		return &wireCite{enc: b, src: sourceCache.get(src, func(s wireSource) *wireSource { return &s })}
	})
}

// noteEncoding returns n's encoding, {"rule":…,"text":…}.
func noteEncoding(n recommend.Note) []byte {
	return noteCache.get(n, func(n recommend.Note) []byte {
		b := appendString(append(make([]byte, 0, 64), `{"rule":`...), n.Rule())
		b = appendString(append(b, `,"text":`...), n.Text())
		return slices.Clip(append(b, '}'))
	})
}

// textEncoding returns the members of an item that m gives:
// ,"name":…,"kind":…,"how":…,"dose":….
func textEncoding(m recommend.MovementText) []byte {
	return textCache.get(m, func(m recommend.MovementText) []byte {
		b := appendString(append(make([]byte, 0, 128), `,"name":`...), m.Name())
		b = appendString(append(b, `,"kind":`...), m.Kind())
		b = appendString(append(b, `,"how":`...), m.How())
		return slices.Clip(appendString(append(b, `,"dose":`...), m.Dose()))
	})
}

// wireBufs holds the buffers WriteJSON encodes into, so that a call does
// not grow a new one from nothing; buffers above maxPooledWire are let go.
var wireBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledWire = 1 << 20

const hexDigits = "0123456789abcdef"

// Masks of plainWord: a byte of each word, and each byte's top bit.
const (
	eachByte = 0x0101010101010101
	topBits  = 0x8080808080808080
)

// plainWord reports whether the 8 bytes of s from i are all ASCII that a
// JSON string holds as it is (no control byte, quote or backslash), by
// testing the 8 at once as a word: no byte with its top bit set, none
// below 0x20, none equal to '"' or '\\' (the tests of "Bit Twiddling
// Hacks": a byte below n, for n at most 128, among bytes below 128; a
// zero byte after an XOR with the byte sought). s must have 8 bytes from
// i; the compiler makes the eight loads one.
func plainWord(s string, i int) bool {
	w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
	quote := w ^ (eachByte * '"')
	backslash := w ^ (eachByte * '\\')
	bad := w | (w-eachByte*0x20)&^w | (quote-eachByte)&^quote | (backslash-eachByte)&^backslash
	return bad&topBits == 0
}

// appendString appends s as a JSON string, escaped as encoding/json does
// with HTML escaping off. Runs of plain ASCII are passed over 8 bytes at
// a time (plainWord); the rest byte by byte.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainWord(s, i) {
			i += 8
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// appendStrings appends ss as a JSON array; nil as [].
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendItemRules appends the JSON array of it.Rules() without making
// the list: the reasons' rules, then each caution's whose rule gives no
// reason.
func appendItemRules(b []byte, it *recommend.Item) []byte {
	b = append(b, '[')
	first := true
	add := func(rule string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, rule)
	}
	for _, n := range it.Reasons {
		add(n.Rule())
	}
	for _, n := range it.Cautions {
		if r := n.Rule(); !slices.ContainsFunc(it.Reasons, func(m recommend.Note) bool { return m.Rule() == r }) {
			add(r)
		}
	}
	return append(b, ']')
}

func appendNotes(b []byte, ns []recommend.Note) []byte {
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNote(b, n)
	}
	return append(b, ']')
}

func appendNote(b []byte, n recommend.Note) []byte {
	return append(b, noteEncoding(n)...)
}

// appender writes a Result's wire form and collects its sources.
type appender struct {
	wireBuilder
	b []byte
}

func (a *appender) cites(cs []recommend.Citation) {
	a.b = append(a.b, '[')
	for i, c := range cs {
		w := citationOf(c)
		a.noteSource(w.src)
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = append(a.b, w.enc...)
	}
	a.b = append(a.b, ']')
}

func (a *appender) referral(r recommend.Referral) {
	a.b = appendString(append(a.b, `{"urgency":`...), string(r.Urgency))
	a.b = appendString(append(a.b, `,"message":`...), r.Message)
	if r.Clinician != "" {
		a.b = appendString(append(a.b, `,"clinician":`...), r.Clinician)
	}
	if r.Within != "" {
		a.b = appendString(append(a.b, `,"within":`...), string(r.Within))
	}
	a.b = appendBool(append(a.b, `,"withhold":`...), r.Withhold)
	a.b = append(a.b, `,"citations":`...)
	a.cites(r.Citations)
	a.b = appendStrings(append(a.b, `,"rules":`...), r.Rules)
}

func (a *appender) items(its []recommend.Item) {
	a.b = append(a.b, '[')
	for i, it := range its {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendString(append(a.b, `{"movement":`...), it.Movement)
		a.b = append(a.b, textEncoding(it.Text)...)
		a.b = appendNotes(append(a.b, `,"reasons":`...), it.Reasons)
		a.b = appendNotes(append(a.b, `,"cautions":`...), it.Cautions)
		a.b = append(a.b, `,"citations":`...)
		a.cites(it.Citations)
		a.b = appendItemRules(append(a.b, `,"rules":`...), &it)
		a.b = append(a.b, '}')
	}
	a.b = append(a.b, ']')
}

func (a *appender) side(s recommend.Side) {
	a.b = appendStrings(append(a.b, `{"rules":`...), s.Rules)
	a.b = append(a.b, `,"citations":`...)
	a.cites(s.Citations)
	a.b = append(a.b, '}')
}

// appendWire appends r's wire form, with a final newline, to b, with its
// trace when trace is true.
func appendWire(b []byte, r *recommend.Result, trace bool) ([]byte, error) {
	a := &appender{b: b}
	a.b = append(a.b, `{"format":"`+Format+`","referrals":[`...)
	for i, ref := range r.Referrals {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.referral(ref)
		a.b = append(a.b, '}')
	}
	a.b = append(a.b, ']')
	if r.Programme != nil {
		// Rare (only with check-ins): encoded as encoding/json would,
		// its sources noted in the order they come.
		var pb bytes.Buffer
		if err := encodeWire(&pb, a.programme(r.Programme), ""); err != nil {
			return nil, err
		}
		a.b = append(a.b, `,"programme":`...)
		a.b = append(a.b, bytes.TrimSuffix(pb.Bytes(), []byte("\n"))...)
	}
	a.b = append(a.b, `,"folded_referrals":[`...)
	for i, f := range r.FoldedReferrals {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.referral(f.Referral)
		a.b = appendStrings(append(a.b, `,"into":`...), f.Into)
		a.b = appendString(append(a.b, `,"because":`...), string(f.Because))
		if len(f.RedFlags) > 0 {
			a.b = appendStrings(append(a.b, `,"red_flags":`...), f.RedFlags)
		}
		a.b = append(a.b, '}')
	}
	a.b = appendBool(append(a.b, `],"withheld":`...), r.Withheld)
	if r.WithheldReason != "" {
		a.b = appendString(append(a.b, `,"withheld_reason":`...), r.WithheldReason)
	}
	if r.Incomplete {
		a.b = append(a.b, `,"incomplete":true`...)
	}
	a.b = append(a.b, `,"messages":[`...)
	for i, m := range r.Messages {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendString(append(a.b, `{"kind":`...), string(m.Kind))
		a.b = appendString(append(a.b, `,"text":`...), m.Text)
		a.b = append(a.b, `,"citations":`...)
		a.cites(m.Citations)
		a.b = appendStrings(append(a.b, `,"rules":`...), m.Rules)
		a.b = append(a.b, '}')
	}
	a.b = append(a.b, `],"plan":[`...)
	for i, s := range r.Plan {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendString(append(a.b, `{"movement":`...), s.Movement)
		a.b = appendString(append(a.b, `,"name":`...), s.Name)
		a.b = strconv.AppendInt(append(a.b, `,"priority":`...), int64(s.Priority), 10)
		a.b = appendNote(append(a.b, `,"reason":`...), s.Reason)
		a.b = append(a.b, `,"citations":`...)
		a.cites(s.Citations)
		a.b = append(a.b, '}')
	}
	a.b = append(a.b, `],"recommended":`...)
	a.items(r.Recommended)
	a.b = append(a.b, `,"avoided":`...)
	a.items(r.Avoided)
	a.b = append(a.b, `,"conflicts":[`...)
	for i, c := range r.Conflicts {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendString(append(a.b, `{"movement":`...), c.Movement)
		a.b = appendString(append(a.b, `,"name":`...), c.Name)
		a.b = appendString(append(a.b, `,"resolution":`...), string(c.Resolution))
		a.b = append(a.b, `,"for":`...)
		a.side(c.For)
		a.b = append(a.b, `,"against":`...)
		a.side(c.Against)
		a.b = appendStrings(append(a.b, `,"avoid_rules":`...), c.AvoidRules)
		a.b = appendStrings(append(a.b, `,"caution_rules":`...), c.CautionRules)
		a.b = append(a.b, `,"conditional":`...)
		a.cites(c.Conditional)
		a.b = append(a.b, '}')
	}
	a.b = append(a.b, `],"needs_equipment":[`...)
	for i, n := range r.NeedsEquipment {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendString(append(a.b, `{"movement":`...), n.Movement)
		a.b = appendString(append(a.b, `,"name":`...), n.Name)
		a.b = appendStrings(append(a.b, `,"missing":`...), n.Missing)
		a.b = appendStrings(append(a.b, `,"rules":`...), n.Rules)
		a.b = append(a.b, '}')
	}
	a.b = append(a.b, ']')
	if trace {
		a.b = append(a.b, `,"trace":[`...)
		for i, e := range r.Trace() {
			if i > 0 {
				a.b = append(a.b, ',')
			}
			a.b = appendString(append(a.b, `{"rule":`...), e.Rule)
			a.b = appendBool(append(a.b, `,"matched":`...), e.Matched)
			a.b = append(a.b, '}')
		}
		a.b = append(a.b, ']')
	}
	a.b = append(a.b, `,"sources":[`...)
	for i, s := range a.sources {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendString(append(a.b, `{"id":`...), s.ID)
		a.b = appendString(append(a.b, `,"title":`...), s.Title)
		a.b = appendString(append(a.b, `,"publisher":`...), s.Publisher)
		a.b = appendString(append(a.b, `,"kind":`...), s.Kind)
		a.b = appendString(append(a.b, `,"url":`...), s.URL)
		a.b = append(a.b, '}')
	}
	a.b = append(a.b, `],"rule_set":{`...)
	if r.RuleSet.Version != "" {
		a.b = appendString(append(a.b, `"version":`...), r.RuleSet.Version)
		a.b = append(a.b, ',')
	}
	a.b = appendString(append(a.b, `"digest":`...), r.RuleSet.Digest)
	a.b = appendString(append(a.b, `},"disclaimer":`...), r.Disclaimer)
	a.b = append(a.b, "}\n"...)
	return a.b, a.err
}
