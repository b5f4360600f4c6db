// Package namedterms joins into a profile the red flags, and the
// conditions that can change a referral, that backrules' example HTTP
// handlers find named where they could not read a request (a body that
// is not JSON, a part of a form that cannot be read, the address), so
// that what they cannot read does not hide an emergency. The server and
// its web page share it, so that both add the same terms, in the same
// order.
package namedterms

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/backrules/backrules/recommend"
)

// The fields a term is added to, as Added reports them.
const (
	RedFlags   = "red_flags"
	Conditions = "conditions"
)

// Join returns list with each value of more that it lacks added, in the
// order of more: list itself when it adds none, a new slice otherwise,
// so that the array under list is never written to.
func Join(list, more []string) []string {
	for _, v := range more {
		if !slices.Contains(list, v) {
			list = append(slices.Clip(list), v)
		}
	}
	return list
}

// JoinProfile adds to p the red flags and the conditions of from that p
// lacks, as Join adds them: what one reading of a request found, joined
// to what another found.
func JoinProfile(p *recommend.Profile, from recommend.Profile) {
	p.RedFlags = Join(p.RedFlags, from.RedFlags)
	p.Conditions = Join(p.Conditions, from.Conditions)
}

// Add adds to p each red flag that text names and p lacks
// (recommend.Engine.NamedRedFlags), then each condition that text names,
// that can change a referral, and p lacks
// (recommend.Engine.NamedReferralConditions), as Join adds them, and
// calls added, when not nil, with the field (RedFlags or Conditions) and
// the id of each term added, in that order, for the caller to say so.
func Add(eng *recommend.Engine, p *recommend.Profile, text []byte, added func(field, id string)) {
	add := func(list *[]string, field string, named []string) {
		for _, id := range named {
			if !slices.Contains(*list, id) {
				*list = append(slices.Clip(*list), id)
				if added != nil {
					added(field, id)
				}
			}
		}
	}
	add(&p.RedFlags, RedFlags, eng.NamedRedFlags(text))
	add(&p.Conditions, Conditions, eng.NamedReferralConditions(text))
}

// Wrapped returns p, what a handler could read of body, a request with
// problems, with body's fields and each profile it wraps under a
// "profile" key (an explain request's, given twice too) read by eng as
// one profile, for the referrals of the answer that refuses it: an
// entry the vocabulary lacks as what its "did you mean" names, a pain
// beside a red flag as the pain, a field given both inside and outside
// as a field given twice. A body with a syntax error is read as far as
// it goes, as recommend.Engine.DecodeProfile reads one: the wrapped
// profiles before the error count, and so does the part of one that the
// error cuts short, so that a trailing comma does not hide what the
// profile says. whole is false for the start of a larger body, which is
// not read so, since the cut may leave a shorter value (of "pain_level":
// 10, 1): p is returned as it is for it, as when body wraps no profile,
// or eng is nil.
func Wrapped(eng *recommend.Engine, p recommend.Profile, body []byte, whole bool) recommend.Profile {
	if eng == nil || !whole {
		return p
	}
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\uFEFF")))
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return p
	}
	// Every profile the body wraps, a "profile" given twice too, and the
	// start of one a syntax error cuts short.
	var objs [][]byte
	var cutShort []byte
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			break
		}
		start := int(dec.InputOffset())
		for start < len(body) && bytes.IndexByte([]byte(" \t\r\n:"), body[start]) >= 0 {
			start++
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if key == "profile" && start < len(body) && body[start] == '{' {
				cutShort = body[start:]
			}
			break
		}
		if raw = bytes.TrimSpace(raw); key == "profile" && len(raw) > 0 && raw[0] == '{' {
			objs = append(objs, raw)
		}
	}
	if len(objs) == 0 && cutShort == nil {
		return p
	}
	// The wrapped profiles first, then the body's own fields, whose
	// syntax error, if any, stops the reading only after them; a
	// profile cut short instead of the body, last, read up to its error.
	if cutShort != nil {
		objs = append(objs, cutShort)
	} else {
		objs = append(objs, body)
	}
	wp, _ := eng.DecodeProfile(bytes.NewReader(JoinObjects(objs)))
	JoinProfile(&wp, p)
	return wp
}

// JoinObjects returns the JSON objects objs, each of which starts with
// '{', as one object holding the members of each in turn. The last may
// be cut short, or have a syntax error: the object returned has it
// where the last one has it.
func JoinObjects(objs [][]byte) []byte {
	out := []byte{'{'}
	for _, o := range objs {
		inner := bytes.TrimSpace(o[1:])
		inner = bytes.TrimSpace(bytes.TrimSuffix(inner, []byte("}")))
		if len(inner) == 0 {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, inner...)
	}
	return append(out, '}')
}
