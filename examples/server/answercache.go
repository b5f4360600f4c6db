package main

import (
	"container/list"
	"context"
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"

	"github.com/backrules/backrules/recommend"
)

// The answer cache keeps the encoded bodies of POST /recommend answers,
// so that a profile asked about again is answered without Recommend or
// the encoder. A Result is a pure function of the profile and the rule
// set, and its encoding a pure function of the Result and the encoding
// options, so a body is kept under a key that holds everything that
// decides it:
//
//   - the engine: each cache belongs to one engine (answerCache.eng), and
//     a request uses the cache only when it belongs to the engine the
//     request took; a reload that swaps the engine swaps in a new, empty
//     cache, so an answer of the old rule set is never served, not even
//     one that a request still running on the old engine stores after the
//     swap;
//   - the query, verbatim: every option of the answer comes from the
//     query string, so two requests whose queries differ in any way never
//     share an answer;
//   - the profile: either the request body, byte for byte (a body key:
//     DecodeProfile is a pure function of the body and the engine), or
//     what decides the decoded, validated profile's Result: its decision
//     key (recommend.Engine.AppendDecisionKey: the rules it matches, its
//     red flags and its equipment), so that every person whose Result the
//     same things decide, whatever their age or the days since onset, is
//     answered from one entry, and the same profile sent with other
//     spacing or key order too. A profile with check-ins, whose programme
//     reads them, has no decision key: it is kept under a canonical
//     encoding of the whole profile (a profile key: appendProfileKey).
//
// An answer is kept only the second time its decision or profile key is
// asked about (a doorkeeper, as in TinyLFU): the first time, only the
// key's 64-bit hash is noted, in a table of doorkeeperSlots slots where a
// later key may overwrite it. A decision asked about once then costs no
// copy and no room, and is not kept in memory beyond its request. An
// answer found by its decision key is kept under the request's body key
// too only the second time that body comes (most such hits are other
// people, whose bodies would only take room).
//
// Only complete answers are kept: never an error, nor a partial answer
// (a *recommend.PartialError: a rule failed, or time ran out), nor a
// Result marked Incomplete. Each entry keeps the body as it is and, once
// a client that accepts gzip has asked for it, compressed with gzip
// (gzipBytes, once: when it is stored for such a client, or at the first
// such client's hit; never for a body shorter than minGzipBytes), so that
// a client that accepts gzip is answered from the cache without
// compression work, and an answer no such client asks for costs none. The cache is
// bounded by bytes: each entry is charged its key, both forms of its body
// and entryOverhead, the least recently used entries are dropped to make
// room, and an entry larger than an eighth of the bound is not kept. A
// body stored under both a body key and a decision or profile key is
// charged twice, so the bound holds.
//
// The cache holds the profiles it was asked about (in its keys) and the
// answers, in memory only, for as long as they stay in it.

// DefaultAnswerCacheBytes is the default of Config.AnswerCacheBytes.
const DefaultAnswerCacheBytes = 32 << 20

// entryOverhead is what an entry is charged beyond its key and body: the
// map slot, the list element and the entry itself.
const entryOverhead = 160

// doorkeeperSlots is the number of slots of a cache's doorkeeper.
const doorkeeperSlots = 4096

// Key kinds, the first byte of a key, so that keys of different kinds
// (a body, a decision, a profile) never collide.
const (
	bodyKey     = 'b'
	profileKey  = 'p'
	decisionKey = 'd'
)

// answerCache is a byte-bounded LRU cache of encoded answers of one
// engine. A nil *answerCache caches nothing.
type answerCache struct {
	eng *recommend.Engine
	max int64

	seed maphash.Seed

	mu      sync.Mutex
	used    int64
	entries map[string]*list.Element // of *cachedAnswer
	lru     list.List                // most recently used first
	// seen holds the hashes of keys asked about once (decision, profile
	// and, at a decision key's hit, body keys), each at its hash modulo
	// doorkeeperSlots; 0 is an empty slot.
	seen [doorkeeperSlots]uint64
}

// cachedAnswer is one entry: the body, and the same body compressed with
// gzip, once a client that accepts gzip has asked for it (never for a
// body shorter than minGzipBytes). gz is set at most once, under the
// cache's lock, and read without it.
type cachedAnswer struct {
	key  string
	body []byte
	gz   atomic.Pointer[[]byte]
}

// newAnswerCache returns an empty cache for eng's answers, of at most
// maxBytes bytes; nil when maxBytes is not positive.
func newAnswerCache(eng *recommend.Engine, maxBytes int64) *answerCache {
	if maxBytes <= 0 {
		return nil
	}
	return &answerCache{eng: eng, max: maxBytes, seed: maphash.MakeSeed(), entries: map[string]*list.Element{}}
}

// forEngine returns c when it caches eng's answers, nil otherwise.
func (c *answerCache) forEngine(eng *recommend.Engine) *answerCache {
	if c == nil || c.eng != eng {
		return nil
	}
	return c
}

// get returns the entry stored under key. Its bodies are shared: the
// caller must not change them.
func (c *answerCache) get(key []byte) (*cachedAnswer, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[string(key)]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cachedAnswer), true
}

// admit reports whether the answer of key (a decision or profile key that
// missed, or the body key of a decision key's hit) is to be kept: whether
// key was asked about before, as the doorkeeper remembers.
// When it was not, admit notes it.
func (c *answerCache) admit(key []byte) bool {
	if c == nil {
		return false
	}
	h := max(maphash.Bytes(c.seed, key), 1)
	slot := &c.seen[h%doorkeeperSlots]
	c.mu.Lock()
	defer c.mu.Unlock()
	if *slot == h {
		*slot = 0
		return true
	}
	*slot = h
	return false
}

// cost is what an entry of a key and bodies of these lengths (the body
// and its compressed copy together) is charged.
func cost(keyLen, bodyLen int) int64 {
	return int64(keyLen) + int64(bodyLen) + entryOverhead
}

// newAnswer returns the entry of body, with its compressed copy when
// compress is true (the client that asked accepts gzip) and body is long
// enough: body is kept as it is and must not be changed afterwards. The
// key is set by put. An answer asked for only by clients that do not
// accept gzip is never compressed.
func newAnswer(body []byte, compress bool) *cachedAnswer {
	a := &cachedAnswer{body: body}
	if compress && len(body) >= minGzipBytes {
		gz := gzipBytes(body)
		a.gz.Store(&gz)
	}
	return a
}

// size is what the entry's bodies are charged.
func (a *cachedAnswer) size() int {
	n := len(a.body)
	if gz := a.gz.Load(); gz != nil {
		n += len(*gz)
	}
	return n
}

// gzipped returns ans's body compressed, compressing it now, once, if no
// client that accepts gzip has asked for it before; ans is an entry of c
// (or one about to be stored in it). The compressed copy is kept, and
// charged to the cache, while the entry is in c.
func (c *answerCache) gzipped(ans *cachedAnswer) []byte {
	if gz := ans.gz.Load(); gz != nil {
		return *gz
	}
	gz := gzipBytes(ans.body)
	if c == nil {
		return gz
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have := ans.gz.Load(); have != nil {
		return *have // another request compressed it first
	}
	el, ok := c.entries[ans.key]
	if !ok || el.Value.(*cachedAnswer) != ans {
		return gz // dropped meanwhile: not kept
	}
	ans.gz.Store(&gz)
	c.used += int64(len(gz))
	c.lru.MoveToFront(el) // so that only other entries make room
	for c.used > c.max {
		last := c.lru.Back()
		if last == nil || last.Value.(*cachedAnswer) == ans {
			break
		}
		c.remove(last)
	}
	return gz
}

// remove drops the entry of el; c.mu is held.
func (c *answerCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cachedAnswer)
	delete(c.entries, e.key)
	c.used -= cost(len(e.key), e.size())
}

// put stores the bodies of ans under key, which it copies; ans is not
// changed (the same bodies may be stored under another key too). An
// entry over an eighth of the bound is not stored.
func (c *answerCache) put(key []byte, ans *cachedAnswer) {
	if c == nil || ans == nil {
		return
	}
	e := &cachedAnswer{key: string(key), body: ans.body}
	if gz := ans.gz.Load(); gz != nil {
		e.gz.Store(gz)
	}
	n := cost(len(key), e.size())
	if n > c.max/8 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[e.key]; ok {
		return // another request stored the same answer first
	}
	for c.used+n > c.max {
		last := c.lru.Back()
		if last == nil {
			break
		}
		c.remove(last)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.used += n
}

// size returns the bytes charged and the number of entries.
func (c *answerCache) size() (int64, int) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, len(c.entries)
}

// appendKeyHead appends the kind of key and the query, length-prefixed.
func appendKeyHead(b []byte, kind byte, query string) []byte {
	b = append(b, kind)
	return appendKeyString(b, query)
}

// appendBodyKey appends the body key of a request with query and body.
func appendBodyKey(b []byte, query string, body []byte) []byte {
	b = appendKeyHead(b, bodyKey, query)
	return append(b, body...)
}

// appendAnswerKey appends the key under which the answer of a request
// with query and the decoded, validated profile p is kept, and reports
// whether it is a decision key: the profile's decision key when eng gives
// one (recommend.Engine.AppendDecisionKey: the rules p matches, its red
// flags and its equipment), so that people whose Results the same things
// decide share one answer; otherwise (check-ins, or a condition that
// failed or ran out of time, which Recommend then reports) its profile
// key.
func appendAnswerKey(ctx context.Context, b []byte, eng *recommend.Engine, query string, p *recommend.Profile) ([]byte, bool) {
	if k, ok, _ := eng.AppendDecisionKey(ctx, appendKeyHead(b, decisionKey, query), *p); ok {
		return k, true
	}
	return appendProfileKey(b, query, p), false
}

// appendProfileKey appends the profile key of a request with query and
// the decoded, validated profile p: every field of p, in a fixed order,
// each string and list length-prefixed, so that two profiles that differ
// in any field, list order included, have different keys
// (TestProfileKeyCoversEveryField checks that a change to any field of a
// Profile, of its check-ins and of their movements changes the key).
func appendProfileKey(b []byte, query string, p *recommend.Profile) []byte {
	b = appendKeyHead(b, profileKey, query)
	b = appendKeyList(b, p.Conditions)
	b = appendKeyList(b, p.RedFlags)
	b = appendKeyList(b, p.AggravatedBy)
	b = appendKeyList(b, p.EasedBy)
	b = appendKeyList(b, p.Equipment)
	b = binary.AppendVarint(b, int64(p.PainLevel))
	b = binary.AppendVarint(b, int64(p.DaysSinceOnset))
	b = binary.AppendUvarint(b, math.Float64bits(p.SittingHours))
	b = binary.AppendVarint(b, int64(p.Age))
	b = appendKeyString(b, p.Sex)
	b = appendKeyString(b, p.Episode)
	b = binary.AppendVarint(b, int64(p.PregnancyWeek))
	b = binary.AppendUvarint(b, uint64(len(p.CheckIns)))
	for _, ci := range p.CheckIns {
		b = binary.AppendVarint(b, int64(ci.Day))
		b = binary.AppendVarint(b, int64(ci.PainLevel))
		if ci.Function == nil {
			b = append(b, 0)
		} else {
			b = binary.AppendVarint(append(b, 1), int64(*ci.Function))
		}
		b = binary.AppendUvarint(b, uint64(len(ci.Done)))
		for _, d := range ci.Done {
			b = appendKeyString(b, d.Movement)
			b = binary.AppendVarint(b, int64(d.Sessions))
			b = appendKeyString(b, d.Response)
		}
	}
	return b
}

// appendKeyString appends s, length-prefixed.
func appendKeyString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendKeyList appends l, length-prefixed.
func appendKeyList(b []byte, l []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(l)))
	for _, s := range l {
		b = appendKeyString(b, s)
	}
	return b
}
