package recommend

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/backrules/backrules/rules"
	"github.com/google/cel-go/cel"
)

// Engine holds a compiled rule set. It is immutable once built and safe for
// concurrent use by any number of goroutines.
type Engine struct {
	sources   []Source
	sourceIdx map[string]int
	vocab     [numListFields]vocabulary
	movements []movement
	rules     []rule
	// citations holds every distinct citation of the rule set once.
	citations []Citation
}

// Source describes a document that rules cite.
type Source struct {
	ID        string
	Title     string
	Publisher string
	Author    string
	URL       string
	Kind      string
}

type vocabulary struct {
	entries []vocabEntry
	byID    map[string]int
}

type vocabEntry struct{ id, label string }

func (v *vocabulary) index(id string) int {
	if i, ok := v.byID[id]; ok {
		return i
	}
	return -1
}

func (v *vocabulary) ids() []string {
	out := make([]string, len(v.entries))
	for i, e := range v.entries {
		out[i] = e.id
	}
	return out
}

type movement struct {
	id, name, kind, how, dose string
	tags                      []string
	equipment                 []int // indexes into the equipment vocabulary
}

type rule struct {
	id, description string
	// reason is the rule's own because; because holds, per effect, the
	// reason shown on the items it produces: the effect's own, or reason.
	reason  string
	because [numEffects]string
	when    string
	pos     position
	prg     cel.Program
	loops   bool              // the condition has a comprehension
	effects [numEffects][]int // movement indexes, ascending
	// selectors are the effects as written, for Engine.Rules; nil where
	// the rule has no such effect.
	selectors [numEffects]*effectSelector
	refer     *compiledReferral
	cites     []int // indexes into Engine.citations
}

// effectSelector is an effect's selector as the rule file writes it.
type effectSelector struct {
	movements, tags, kinds []string
}

type compiledReferral struct {
	urgency  Urgency
	message  string
	withhold bool
}

// DefaultMaxFileSize is the largest rule file Load accepts unless
// WithMaxFileSize says otherwise.
const DefaultMaxFileSize = 1 << 20

// Option configures Load.
type Option func(*loadConfig)

type loadConfig struct {
	maxFileSize int64
	// costLimit is the runtime cost limit of each condition; tests lower
	// it to prove that the limit applies.
	costLimit uint64
}

// WithMaxFileSize sets the largest rule file, in bytes, that Load accepts.
// The default is DefaultMaxFileSize, which a value of 0 or less also selects.
func WithMaxFileSize(n int64) Option {
	return func(c *loadConfig) {
		switch {
		case n <= 0:
			c.maxFileSize = DefaultMaxFileSize
		case n > math.MaxInt64-1:
			c.maxFileSize = math.MaxInt64 - 1
		default:
			c.maxFileSize = n
		}
	}
}

// Load reads every rule file under the root of fsys, compiles it, and
// returns the engine. Rule files are the files named *.yaml or *.yml, in any
// folder, except the files that hold test cases: *_test.yaml, *_test.yml,
// and any file in a folder named tests. They are read in lexical path
// order, and that order is the rule set's order.
//
// Rule files must be UTF-8, as one YAML document without anchors or
// aliases, of at most DefaultMaxFileSize bytes (see WithMaxFileSize). A
// UTF-8 byte order mark at the start of a file, which some Windows editors
// add, is accepted and skipped, so that columns match what the editor
// shows. Each when condition must be at most MaxWhenLength characters,
// nest at most MaxWhenDepth levels, and have an estimated cost within
// MaxRuleCost.
//
// Load reports every problem it finds, not just the first: the error is a
// *LoadError, which matches ErrInvalidRules, and lists each problem with its
// file, line and column.
func Load(fsys fs.FS, opts ...Option) (*Engine, error) {
	cfg := loadConfig{maxFileSize: DefaultMaxFileSize, costLimit: MaxRuleCost}
	for _, o := range opts {
		o(&cfg)
	}
	doc := &document{files: map[string][]byte{}}
	iss := &issueList{files: doc.files}
	var names []string
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isRuleFile(name) {
			return nil
		}
		if !d.Type().IsRegular() {
			// A link is followed; a pipe or device is refused, since
			// reading it could block forever.
			if info, err := fs.Stat(fsys, name); err != nil || !info.Mode().IsRegular() {
				iss.add(position{file: name}, "not a regular file: rule files must be plain files")
				return nil
			}
		}
		names = append(names, name)
		return nil
	})
	// WalkDir visits a folder's entries in name order, which puts a/x.yaml
	// before a-b.yaml; sort the whole paths so the order is lexical.
	slices.Sort(names)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	if len(names) == 0 {
		if err := iss.err(); err != nil {
			return nil, err
		}
		return nil, errors.New("load rules: no rule files (*.yaml or *.yml) found")
	}
	for _, name := range names {
		src, err := readLimited(fsys, name, cfg.maxFileSize)
		if err != nil {
			iss.add(position{file: name}, "%v", err)
			continue
		}
		src = normalizeLineBreaks(bytes.TrimPrefix(src, []byte("\uFEFF")))
		doc.files[name] = src
		parseFile(name, src, doc, iss)
	}
	e, err := compile(doc, iss, &cfg)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// isRuleFile reports whether name, a slash-separated path, is a rule file:
// a YAML file that is not a test-case file (*_test.yaml, or any file in a
// folder named tests).
func isRuleFile(name string) bool {
	ext := path.Ext(name)
	if e := strings.ToLower(ext); e != ".yaml" && e != ".yml" {
		return false
	}
	if strings.HasSuffix(strings.TrimSuffix(name, ext), "_test") {
		return false
	}
	return !slices.Contains(strings.Split(path.Dir(name), "/"), "tests")
}

func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > limit {
		return nil, fmt.Errorf("file is %d bytes, over the limit of %d bytes: split it into smaller files", st.Size(), limit)
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("file is over the limit of %d bytes: split it into smaller files", limit)
	}
	return buf.Bytes(), nil
}

var defaultEngine = sync.OnceValues(func() (*Engine, error) {
	return Load(rules.FS)
})

// Default returns the engine for the default rule set embedded in package
// github.com/backrules/backrules/rules. It compiles the rules on first use
// and returns the same engine after that.
func Default() (*Engine, error) {
	return defaultEngine()
}
