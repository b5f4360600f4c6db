// Package web serves backrules as one web page: a form for a profile and,
// when it is posted, the advice for it, rendered from the short report's
// outline (package recommend/report, which report.WriteText writes too):
// the same referrals, key messages, plan, other recommended movements,
// avoided movements and disagreements, each list in the outline's order.
// The page puts the plan first, as people act on it: referrals, the plan
// with its pictures, "This week" with check-ins, the key messages (the
// safety net first), the other recommended movements, what to avoid and
// where the sources disagree (the text and Markdown reports put the key
// messages before the plan). Each item shows its sources as links with their claims, and a
// "Why?" toggle with the engine's explanation.
//
// After a result the form asks for a check-in and carries the earlier
// check-ins in hidden fields, so that the server keeps nothing (see
// checkin.go for the fields); with check-ins the page shows "This week",
// the programme's steps and the pain trend as an inline SVG chart and a
// table.
//
// The page is plain HTML from html/template with a little inline CSS and
// no script: the form posts to the page, so it works with JavaScript
// disabled. The form is built from the engine's vocabulary view, so a new
// vocabulary entry appears on the page with no Go change.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/enginelog"
	"github.com/backrules/backrules/internal/httpin"
	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/internal/namedterms"
	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

//go:embed templates/page.html templates/style.css
var files embed.FS

// MaxFormBytes is the largest form body the page reads; a larger POST
// gets 413: the page with the referrals of what its first MaxFormBytes
// say, or, for a client that waits for 100 Continue, a plain 413 before
// the body is read.
const MaxFormBytes = 64 << 10

// Handler serves the page. It is safe for concurrent use.
type Handler struct {
	engine func() *recommend.Engine
	log    *slog.Logger
	tmpl   *template.Template
	css    template.CSS
	csp    string
}

// Option configures a Handler.
type Option func(*Handler)

// WithLogger sets the logger of the page's errors: a rule that failed to
// evaluate, with its id, file and line, and a page that could not be
// rendered. The default is slog.Default(). A nil logger keeps it.
func WithLogger(l *slog.Logger) Option {
	return func(h *Handler) {
		if l != nil {
			h.log = l
		}
	}
}

// New returns a Handler that asks engine for the engine to use, once per
// request, so that a server can swap engines while it runs. It fails only
// when the embedded templates do not parse, or engine is nil. Nil
// options are skipped.
func New(engine func() *recommend.Engine, opts ...Option) (*Handler, error) {
	if engine == nil {
		return nil, errors.New("web: nil engine function")
	}
	css, err := files.ReadFile("templates/style.css")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	tmpl, err := template.New("page.html").Funcs(template.FuncMap{
		"kind":    report.KindNoun,
		"httpURL": httpURL,
		"lower":   strings.ToLower,
		"whyFor":  whyFor,
		"named":   named,
		"refs":    refs,
	}).ParseFS(files, "templates/page.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	sum := sha256.Sum256(css)
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	h := &Handler{engine: engine, log: slog.Default(), tmpl: tmpl, css: template.CSS(css), csp: csp}
	for _, o := range opts {
		if o != nil {
			o(h)
		}
	}
	return h, nil
}

// ServeHTTP serves GET (and HEAD) / with the empty form (with the
// referrals of what its address says that can change a referral, which
// the form then shows: see addressAnswers), and POST / with
// the advice for the posted profile, or the form with its problems marked:
// 400, 413 for a form over MaxFormBytes, of which the start is read
// (see readForm), or 415 for a post not sent as a form (see
// unsupported). Either way, when what could be read calls for a
// referral, the page shows it above the problems. Other paths get 404 and
// other methods 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.get(w, r)
	case http.MethodPost:
		h.post(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// ServePicture serves GET /movements/{id}.svg, the picture of a movement
// ([recommend.Engine.MovementSVG]), for the <img> of each plan step and
// also-helpful item. Mount it at "GET /movements/{file}" next to the page.
// A picture changes only with the rule files, but its address does not
// say which rule files: a reload that changes a pose must not leave the
// old picture beside the new advice. So a picture is served with an ETag
// of its bytes and "no-cache": a browser keeps it and asks again each
// time, and a picture that has not changed is a 304 with no body. An
// unknown movement, or one without a pose, is a 404.
func (h *Handler) ServePicture(w http.ResponseWriter, r *http.Request) {
	eng := h.engine()
	if eng == nil {
		h.unavailable(w)
		return
	}
	id, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	var svg []byte
	var err error
	if ok {
		svg, err = eng.MovementSVG(id)
	}
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "image/svg+xml")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", pictureETag(svg))
	hd.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match with a 304, and HEAD and
	// ranges as net/http does.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(svg))
}

// pictureETag returns the strong entity tag of a picture's bytes: the
// first 16 bytes of their SHA-256, in hex, quoted.
func pictureETag(svg []byte) string {
	sum := sha256.Sum256(svg)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	eng := h.engine()
	if eng == nil {
		h.unavailable(w)
		return
	}
	// The page reads answers from its form only, not from its address;
	// what the address says that can change a referral (a link that
	// sends answers, such as /?red_flags=saddle_numbness) is counted all
	// the same: the red flags and the conditions that can change a
	// referral it names, ticked on the form, and the numbers and choices
	// it gives, filled in (one given twice as a post reads it), with the
	// referrals shown above the form and a word saying so for each.
	p, in, probs := addressAnswers(eng, r.URL.RawQuery, inAddress)
	if len(probs) == 0 {
		h.render(w, http.StatusOK, h.newPage(eng.Vocabulary(), newEntries()))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	pg := h.newPage(eng.Vocabulary(), in)
	tp, counted := in.triageProfile(eng, p, true)
	pg.setProblems(countedProblems(eng.Vocabulary(), probs, counted))
	if !h.showReferrals(w, r, eng, pg, tp) {
		return
	}
	h.render(w, http.StatusOK, pg)
}

// sentIn says where the page found answers it does not read as answers,
// in its problems: place is where, and why is why they are not answers.
type sentIn struct{ place, why string }

var (
	// inAddress is the address of a GET.
	inAddress = sentIn{"in the address of this page", "which reads answers only from the form"}
	// inBody is the body of a post not sent as a form.
	inBody = sentIn{"in what was sent", "which this page could not read as a form"}
)

// addNamed adds to p the red flags, and the conditions that can change a
// referral, that text names, found sent, and to probs a problem for
// each, saying so (with the function addNamed), and returns probs.
func (sent sentIn) addNamed(eng *recommend.Engine, p *recommend.Profile, text []byte, probs []problem) []problem {
	return addNamed(eng, p, text, probs,
		"%q was named "+sent.counted()+" as a red flag, to be safe, and ticked below.",
		"%q was named "+sent.counted()+" as a condition toward any referral, to be safe, and ticked below.")
}

// counted says where an answer was found and that it is counted all the
// same: the words a problem puts before "toward any referral".
func (sent sentIn) counted() string {
	return sent.place + ", " + sent.why + ", so it is counted"
}

// addressAnswers returns what the page counts of query, written as a
// form's fields, which it does not read as answers: the address of a
// GET, or a body not sent as a form (in says which). That is a profile
// of the red flags and the conditions that can change a referral that
// query names, the entries to show on the form (those terms ticked, and
// the numbers and the choices of the vocabulary it gives filled in), and
// a problem for each, saying so.
func addressAnswers(eng *recommend.Engine, query string, sent sentIn) (recommend.Profile, entries, []problem) {
	where := sent.counted()
	var p recommend.Profile
	probs := sent.addNamed(eng, &p, []byte(httpin.Text(query)), nil)
	in := newEntries()
	in.lists["red_flags"], in.lists["conditions"] = p.RedFlags, p.Conditions
	vals, _ := formValues(query)
	voc := eng.Vocabulary()
	// An entry of a list the vocabulary lacks (red_flags=saddle_numbnes,
	// a typo in a link) names no term whole, but a post's entry is read
	// toward the referrals as what it stands for (Triage reads it the
	// one way its "did you mean" reads it): so is this one, with its
	// problem. It is not ticked, as there is no box for it.
	var unknown recommend.Profile
	for _, f := range listFields {
		for _, v := range vals[f.name] {
			if strings.TrimSpace(v) != "" && voc.Label(f.name, v) == "" {
				addEntry(&unknown, f.name, v)
			}
		}
	}
	in.unknown = unknown
	if err := eng.Validate(unknown); err != nil {
		var pe *recommend.ProfileError
		if errors.As(err, &pe) {
			for _, pr := range fromProfileError(pe, 0, nil) {
				probs = append(probs, problem{pr.field, fmt.Sprintf("%s It was given %s, %s; toward any referral it is read as the form reads it, to be safe.",
					pr.message, sent.place, sent.why)})
			}
		}
		for _, f := range listFields {
			for _, v := range entriesOf(unknown, f.name) {
				addEntry(&p, f.name, v)
			}
		}
	}
	for _, f := range numberFields {
		var given []string
		for _, v := range vals[f.name] {
			if strings.TrimSpace(v) != "" {
				given = append(given, v)
			}
		}
		if len(given) == 0 {
			continue
		}
		in.numbers[f.name] = given
		msg := fmt.Sprintf("%s was given %s toward any referral, to be safe, and filled in below.", words.Capital(strings.ToLower(f.label)), where)
		if len(given) > 1 {
			msg = "Enter one number."
		} else if _, ok := typedNumber(given, f.whole); !ok {
			// Triage reads no number of it: it is not counted.
			msg = fmt.Sprintf("%s was given %s as %q, which could not be read as a number, so it is not counted toward any referral: enter %s.",
				words.Capital(strings.ToLower(f.label)), sent.place, cutField(given[0]), f.want())
		}
		probs = append(probs, problem{f.name, msg})
	}
	for _, f := range choiceFields {
		var given []string
		for _, v := range vals[f.name] {
			if voc.Label(f.name, v) != "" && !slices.Contains(given, v) {
				given = append(given, v)
			}
		}
		if len(given) == 0 {
			continue
		}
		in.lists[f.name] = given
		msg := fmt.Sprintf("%q was given %s toward any referral, to be safe, and chosen below.", voc.Label(f.name, given[0]), where)
		if len(given) > 1 {
			msg = "Choose one answer."
		} else {
			setChoice(&p, f.name, given[0])
		}
		probs = append(probs, problem{f.name, msg})
	}
	return p, in, probs
}

// addEntry appends v to the list field named name of p, in a new array,
// so that no list p shares is changed.
func addEntry(p *recommend.Profile, name, v string) {
	if l := listOf(p, name); l != nil {
		*l = append(slices.Clip(*l), v)
	}
}

// entriesOf returns the list field named name of p.
func entriesOf(p recommend.Profile, name string) []string {
	if l := listOf(&p, name); l != nil {
		return *l
	}
	return nil
}

// listOf returns the list field named name of p, or nil when p has none
// of that name.
func listOf(p *recommend.Profile, name string) *[]string {
	switch name {
	case "conditions":
		return &p.Conditions
	case "red_flags":
		return &p.RedFlags
	case "aggravated_by":
		return &p.AggravatedBy
	case "eased_by":
		return &p.EasedBy
	case "equipment":
		return &p.Equipment
	}
	return nil
}

// setChoice sets the choice field named name of p to v.
func setChoice(p *recommend.Profile, name, v string) {
	switch name {
	case "sex":
		p.Sex = v
	case "episode":
		p.Episode = v
	}
}

// showReferrals puts on pg the referrals of what the page could read of
// an answer it refuses, p (recommend.Engine.Triage), when there are any,
// with the rest of the advice withheld, and an emergency in the title. A
// referral rule that fails is logged, and counted as matched by Triage.
// It answers the request itself, and returns false, when the referrals
// cannot be shown.
func (h *Handler) showReferrals(w http.ResponseWriter, r *http.Request, eng *recommend.Engine, pg *page, p recommend.Profile) bool {
	res, err := eng.Triage(r.Context(), p)
	if err != nil {
		h.logError(r.Context(), err)
	}
	if res == nil || len(res.Referrals) == 0 {
		return true
	}
	if pg.Result, err = newResultView(r.Context(), eng, p, res, nil); err != nil {
		h.failed(w, r, err)
		return false
	}
	if pg.Result.Emergency {
		pg.Title = "Emergency: get help now"
	}
	return true
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	// Every answer to a post, the form with its problems too, shows what
	// the person said of their health: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	// A body without a Content-Type would not be read as a form, and
	// what it says, a red flag too, would be dropped without a word.
	if ct := r.Header.Get("Content-Type"); ct != "" || r.ContentLength != 0 {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
			h.unsupported(w, r)
			return
		}
	}
	if r.ContentLength > MaxFormBytes && httpin.ExpectsContinue(r) {
		// Answered before reading, so that a client that waits for 100
		// Continue gets the 413 rather than a reset connection; reading
		// would send it the 100 Continue. Any other client has sent its
		// form already, and the start of it is read (readForm).
		http.Error(w, errFormTooLarge, http.StatusRequestEntityTooLarge)
		return
	}
	form, formProbs, unread, over, err := readForm(w, r)
	if err != nil {
		http.Error(w, "the form could not be read", http.StatusBadRequest)
		return
	}
	r.PostForm = form
	eng := h.engine()
	if eng == nil {
		h.unavailable(w)
		return
	}
	voc := eng.Vocabulary()
	in := readEntries(r)
	// The earlier check-ins, and the one this post adds. When an earlier
	// one cannot be read, the check-ins are left out of what Validate
	// sees, since its problems would be numbered wrong.
	earlier, eprobs := decodeEarlier(in.ci.earlier)
	ci, cprobs := in.ci.newCheckIn()
	// The onset moves on with the programme before anything reads it.
	today, dayOK := programmeDay(in.ci, earlier, eprobs, ci, cprobs)
	onsetProbs := in.moveOnsetOn(today, dayOK)
	onsetProbs = append(onsetProbs, in.followCheckInPain(ci, dayOK)...)
	// The numbers that could not be accepted are 0 in p, so Validate
	// finds the other problems, and the page shows them all at once;
	// Triage reads them as typed (see triageProfile).
	p, probs := in.profile()
	probs = append(probs, onsetProbs...)
	probs = append(probs, formProbs...)
	unknown, unknownText := unknownFields(r)
	probs = append(probs, unknown...)
	// A red flag named where the page could not read it (a part with a
	// semicolon, a field the form lacks, the address) counts all the
	// same, and says so: what the page cannot read must not hide an
	// emergency.
	probs = addNamed(eng, &p, []byte(strings.Join(append(unread, unknownText...), "\n")), probs,
		"%q was named where this page could not read it, so it is counted as a red flag, to be safe.",
		"%q was named where this page could not read it, so it is counted as a condition toward any referral, to be safe.")
	// So is one written in a box that wants a number ("9, and my bottom
	// is numb" for the pain, at a check-in too): the page reads no
	// number from it, and the JSON channels count what it names.
	probs = addNamed(eng, &p, []byte(strings.Join(in.notNumbers(), "\n")), probs,
		"%q was named in an answer that wants a number, which this page could not read, so it is counted as a red flag, to be safe.",
		"%q was named in an answer that wants a number, which this page could not read, so it is counted as a condition toward any referral, to be safe.")
	// So is one sent as a check-in's movement that the rule set does
	// not have (ci_movement=saddle_numbness): with nothing reported for
	// it, nothing else reads it.
	probs = addNamed(eng, &p, []byte(strings.Join(in.ci.unknownMovements(eng), "\n")), probs,
		"%q was named where this page could not read it, so it is counted as a red flag, to be safe.",
		"%q was named where this page could not read it, so it is counted as a condition toward any referral, to be safe.")
	probs = append(probs, eprobs...)
	if len(eprobs) > 0 {
		// None of the earlier check-ins is read then: a red flag they
		// name ("saddle numbness" in broken JSON, a red_flags key a
		// check-in lacks) counts as one named in an unread part does.
		probs = addNamed(eng, &p, []byte(strings.Join(in.ci.earlier, "\n")), probs,
			"%q was named in an earlier check-in this page could not read, so it is counted as a red flag, to be safe.",
			"%q was named in an earlier check-in this page could not read, so it is counted as a condition toward any referral, to be safe.")
	}
	probs = append(probs, cprobs...)
	if len(eprobs) == 0 {
		p.CheckIns = earlier
		if ci != nil {
			p.CheckIns = append(p.CheckIns, *ci)
		}
	}
	in.keepOnsetZero(r.Context(), eng, &p)
	if err := eng.Validate(p); err != nil {
		var pe *recommend.ProfileError
		if !errors.As(err, &pe) {
			h.failed(w, r, err)
			return
		}
		probs = append(probs, fromProfileError(pe, len(earlier), ci)...)
	}
	if len(probs) > 0 {
		pg := h.newPage(voc, in)
		pg.Earlier = in.ci.earlier
		if in.ci.posted || len(in.ci.earlier) > 0 {
			day := 0
			if n := len(earlier); n > 0 {
				day = min(earlier[n-1].Day+7, recommend.MaxCheckInDay)
			}
			pg.CheckIn = newCheckInView(eng, len(in.ci.earlier), day, in.ci, in.ci.movements, nil)
		}
		// A mistake in one answer, a part of the form that cannot be
		// read or a form over the limit does not hide the emergency
		// another answer reports: the referrals of what could be read
		// are shown above the form, the rest of the advice withheld.
		tp, counted := in.triageProfile(eng, p, len(eprobs) == 0 && ci != nil)
		if r.URL.RawQuery != "" {
			// What the address says that can change a referral counts
			// as a GET's address counts it: an entry the vocabulary
			// lacks as what its "did you mean" names, a pain beside a
			// red flag as the pain, the most pressing of the form's
			// and the address's.
			tp = JoinForm(eng, tp, r.URL.RawQuery)
		}
		pg.setProblems(countedProblems(voc, probs, counted))
		if !h.showReferrals(w, r, eng, pg, tp) {
			return
		}
		status := http.StatusBadRequest
		if over {
			status = http.StatusRequestEntityTooLarge
		}
		h.render(w, status, pg)
		return
	}
	// One evaluation gives both the Result and the explanations of it:
	// NewExplainer fails as Recommend fails.
	var res *recommend.Result
	x, err := eng.NewExplainer(r.Context(), p)
	var pe *recommend.PartialError
	if errors.As(err, &pe) && pe.Result != nil {
		// Only the referrals could be worked out: show them, an
		// emergency among them, and say the rest could not be.
		h.logError(r.Context(), err)
		res, err = pe.Result, nil
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if x != nil {
		res = x.Result()
	}
	rv, err := newResultView(r.Context(), eng, p, res, x)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	pg := h.newPage(voc, in)
	pg.Result = rv
	pg.Title = "Your advice"
	if pg.Earlier, err = encodeCheckIns(p.CheckIns); err != nil {
		h.failed(w, r, err)
		return
	}
	if !rv.Withheld {
		day := 0
		if n := len(p.CheckIns); n > 0 {
			day = min(p.CheckIns[n-1].Day+7, recommend.MaxCheckInDay)
		}
		pg.CheckIn = newCheckInView(eng, len(p.CheckIns), day, checkInEntries{}, rv.checkInMovements(), stepStatus(rv.Programme))
	}
	if rv.Emergency {
		pg.Title = "Emergency: get help now"
	}
	h.render(w, http.StatusOK, pg)
}

// errNotForm is the message of a post not sent as a form.
const errNotForm = "the form must be sent as application/x-www-form-urlencoded"

// unsupported answers 415 to a post not sent as a form. The page does
// not read it as answers, but what it says that can change a referral
// is counted, as for any other answer the page refuses (see
// showReferrals): the red flags, and the conditions that can change a
// referral, that its first MaxFormBytes name, and, when it is a JSON
// object, the profile it is (recommend.Engine.DecodeProfile), or else
// the numbers and choices it gives as a form's fields would (a form sent
// as text, read as the address is: addressAnswers); the page shows their
// referrals above the form, with a problem for each, and the terms
// ticked (a JSON profile that refers, an age of 12, names none). A
// body that names none and refers nowhere gets the plain 415, as does
// one that a client waiting for 100 Continue has not sent.
func (h *Handler) unsupported(w http.ResponseWriter, r *http.Request) {
	eng := h.engine()
	if eng == nil || (r.ContentLength > MaxFormBytes && httpin.ExpectsContinue(r)) {
		http.Error(w, errNotForm, http.StatusUnsupportedMediaType)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, MaxFormBytes))
	t := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\uFEFF")), " \t\r\n")
	isJSON := len(t) > 0 && t[0] == '{'
	var p recommend.Profile
	var in entries
	var probs []problem
	if isJSON {
		p, _ = eng.DecodeProfile(bytes.NewReader(body))
		// A profile wrapped as an explain request wraps it counts as
		// the server's routes count it (a typo in it as what its "did
		// you mean" names), read as far as a syntax error lets it be.
		p = namedterms.Wrapped(eng, p, body, len(body) < MaxFormBytes)
		var named recommend.Profile
		probs = inBody.addNamed(eng, &named, body, nil)
		namedterms.JoinProfile(&p, named)
		in = newEntries()
		in.lists["red_flags"], in.lists["conditions"] = named.RedFlags, named.Conditions
	} else {
		// Anything else is read as the address is (a form sent as text,
		// say): its named terms, numbers and choices count.
		var counted map[string]repeatCount
		p, in, probs = addressAnswers(eng, string(body), inBody)
		if len(probs) == 0 {
			http.Error(w, errNotForm, http.StatusUnsupportedMediaType)
			return
		}
		p, counted = in.triageProfile(eng, p, true)
		probs = countedProblems(eng.Vocabulary(), probs, counted)
	}
	pg := h.newPage(eng.Vocabulary(), in)
	pg.setProblems(append([]problem{{"", "This page reads answers sent from its form, and what was sent is not a form, so nothing in it was used as an answer: send the form below."}}, probs...))
	if !h.showReferrals(w, r, eng, pg, p) {
		return
	}
	if len(probs) == 0 && pg.Result == nil {
		// A JSON profile that names no term and refers nowhere.
		http.Error(w, errNotForm, http.StatusUnsupportedMediaType)
		return
	}
	h.render(w, http.StatusUnsupportedMediaType, pg)
}

// failed answers a request the engine could not serve: a cancelled or
// timed-out request with 503, and a rule that failed to evaluate with 500
// and the error in the log. The page does not show the error. (When the
// referrals could be worked out, Recommend returns a
// *recommend.PartialError, and post shows them instead, with a note that
// the rest of the advice could not be worked out, with status 200: a
// proxy may replace the body of a 5xx with its own page, and the
// emergency box with it.)
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		http.Error(w, "the request was cancelled or took too long", http.StatusServiceUnavailable)
		return
	}
	h.logError(r.Context(), err)
	http.Error(w, "the advice could not be worked out; please try again later", http.StatusInternalServerError)
}

// logError logs an error of the engine: a rule that failed to evaluate
// with its id, file and line; anything else with its text, which never
// holds the profile.
func (h *Handler) logError(ctx context.Context, err error) {
	enginelog.Log(ctx, h.log, "web", ": showed the referrals only", err)
}

func (h *Handler) unavailable(w http.ResponseWriter) {
	http.Error(w, "no rules are loaded; please try again later", http.StatusServiceUnavailable)
}

// render executes the page into a buffer first, so a template error never
// sends half a page.
func (h *Handler) render(w http.ResponseWriter, status int, pg *page) {
	var buf bytes.Buffer
	if err := h.tmpl.Execute(&buf, pg); err != nil {
		h.log.Error("web: render failed", slog.String("error", err.Error()))
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// The form.

// listFields are the profile's list fields, in the order of the form,
// with the words around their checkboxes.
var listFields = []struct {
	name, legend, hint string
	terms              func(recommend.Vocabulary) []recommend.Term
}{
	{"conditions", "Conditions", "What you have been told you have, or may have.",
		func(v recommend.Vocabulary) []recommend.Term { return v.Conditions }},
	{"red_flags", "Warning signs", "Tick any you have now. Some of them need a doctor straight away.",
		func(v recommend.Vocabulary) []recommend.Term { return v.RedFlags }},
	{"aggravated_by", "What makes it worse", "",
		func(v recommend.Vocabulary) []recommend.Term { return v.AggravatedBy }},
	{"eased_by", "What makes it better", "",
		func(v recommend.Vocabulary) []recommend.Term { return v.EasedBy }},
	{"equipment", "What you have at hand", "",
		func(v recommend.Vocabulary) []recommend.Term { return v.Equipment }},
}

// choiceFields are the profile's single-value fields, in the order of the
// form, after the list fields, with the words around their radio buttons.
// Each group starts with a button for "not stated", whose value is empty.
var choiceFields = []struct {
	name, legend, hint string
	terms              func(recommend.Vocabulary) []recommend.Term
}{
	{"sex", "Sex", "Some causes of back pain are more common in one sex.",
		func(v recommend.Vocabulary) []recommend.Term { return v.Sex }},
	{"episode", "How long you have had this back pain", "",
		func(v recommend.Vocabulary) []recommend.Term { return v.Episode }},
}

// notStated labels the radio button that leaves a choice field out.
const notStated = "No answer"

// numberField is a number field of the profile, with its range as
// recommend.Engine.Validate checks it.
type numberField struct {
	name, label, hint string
	max               float64
	whole             bool
}

// want says what f takes: "a whole number from 0 to 10".
func (f numberField) want() string {
	if f.whole {
		return fmt.Sprintf("a whole number from 0 to %g", f.max)
	}
	return fmt.Sprintf("a number from 0 to %g", f.max)
}

// numberFields are the profile's number fields, in the order of the form.
var numberFields = []numberField{
	{"pain_level", "Pain level now", "From 0, no pain, to 10, the worst pain you can imagine. When you check in, the page sets it to your pain at the check-in; the advice reads the higher of this and your latest check-in's pain.", 10, true},
	{"days_since_onset", "Days since this episode began", "0 if it began today. When you check in, the page moves it on to the check-in's day; change it if a new episode begins.", recommend.MaxDaysSinceOnset, true},
	{"sitting_hours", "Hours spent sitting on a usual day", "From 0 to 24; halves are fine, such as 7.5.", 24, false},
	{"age", "Age in years", "Leave empty if you would rather not say.", recommend.MaxAge, true},
	{"pregnancy_week", "Week of pregnancy", "Leave empty if you are not pregnant or do not know.", recommend.MaxPregnancyWeek, true},
}

// entries is what the user entered, kept to show it again.
type entries struct {
	lists   map[string][]string
	numbers map[string][]string
	ci      checkInEntries
	// unknown holds the entries of the list fields that the vocabulary
	// lacks, as addressAnswers found them (FormAnswers reports them).
	unknown recommend.Profile
	// onsetNote and painNote say how the days since onset were moved on
	// with the programme, and the pain now brought up to date with a
	// check-in, for their fields (see onset.go).
	onsetNote, painNote string
	// onsetFromZero is the onset record to keep when an onset of 0 was
	// moved on (see keepOnsetZero); nil when none was.
	onsetFromZero *onsetState
}

func newEntries() entries {
	return entries{lists: map[string][]string{}, numbers: map[string][]string{}}
}

func readEntries(r *http.Request) entries {
	in := newEntries()
	for _, f := range listFields {
		in.lists[f.name] = r.PostForm[f.name]
	}
	for _, f := range choiceFields {
		in.lists[f.name] = r.PostForm[f.name]
	}
	for _, f := range numberFields {
		in.numbers[f.name] = r.PostForm[f.name]
	}
	in.ci = readCheckIns(r)
	return in
}

// notNumbers returns the answers of the fields that want a number, the
// profile's and the check-in's (its day, pain, function and each
// movement's sessions), that are not numbers as typedNumber reads them:
// text that may name a red flag, which the page reads no number from.
func (in entries) notNumbers() []string {
	var out []string
	add := func(vals []string) {
		for _, v := range vals {
			if _, ok := typedNumber([]string{v}, false); !ok {
				out = append(out, v)
			}
		}
	}
	for _, f := range numberFields {
		add(in.numbers[f.name])
	}
	add(in.ci.day)
	add(in.ci.onsetShown)
	add(in.ci.onsetDay)
	add(in.ci.painShown)
	add(in.ci.pain)
	add(in.ci.function)
	for _, id := range slices.Sorted(maps.Keys(in.ci.sessions)) {
		add(in.ci.sessions[id])
	}
	return out
}

// unknownFields reports every field of a post that the form does not
// have, such as red_flag for red_flags, and every value sent in the
// address rather than the body: the page reads neither, and ignoring a
// red flag without a word could cost someone an emergency referral.
func unknownFields(r *http.Request) (probs []problem, unread []string) {
	var names []string
	for _, f := range listFields {
		names = append(names, f.name)
	}
	for _, f := range choiceFields {
		names = append(names, f.name)
	}
	for _, f := range numberFields {
		names = append(names, f.name)
	}
	for _, k := range slices.Sorted(maps.Keys(r.PostForm)) {
		if slices.Contains(names, k) || isCheckInField(k) {
			continue
		}
		unread = append(unread, k)
		unread = append(unread, r.PostForm[k]...)
		msg := fmt.Sprintf("This form has no field %q, so nothing it says could be used", cutField(k))
		if c := words.Closest(strings.ToLower(k), names); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		probs = append(probs, problem{k, msg + ": send the fields the form shows."})
	}
	query, parts := formValues(r.URL.RawQuery)
	for _, k := range slices.Sorted(maps.Keys(query)) {
		probs = append(probs, problem{"?" + k, fmt.Sprintf("%q was sent in the address, where the page does not read it as an answer, though what it says that can change a referral is counted, to be safe: send it in the form.", cutField(k))})
		unread = append(unread, k)
		unread = append(unread, query[k]...)
	}
	for _, u := range parts {
		probs = append(probs, problem{"?" + u.field, fmt.Sprintf("%q was sent in the address, where the page does not read it, and could not be read there (at byte %d: %s): send it in the form.",
			cutField(u.text), u.offset, u.why)})
		unread = append(unread, httpin.Text(u.text))
	}
	return probs, unread
}

// cutField shortens a field name quoted in a problem.
func cutField(s string) string {
	const most = 40
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	return string([]rune(s)[:most]) + "..."
}

// problem is one problem with one field of the form.
type problem struct {
	field, message string
}

// profile turns the entries into a profile, and reports the numbers that
// are not numbers or are out of range; those are left 0 in the profile.
// The list fields are left to Engine.Validate.
func (in entries) profile() (recommend.Profile, []problem) {
	p := recommend.Profile{
		Conditions:   in.lists["conditions"],
		RedFlags:     in.lists["red_flags"],
		AggravatedBy: in.lists["aggravated_by"],
		EasedBy:      in.lists["eased_by"],
		Equipment:    in.lists["equipment"],
	}
	var probs []problem
	for _, f := range choiceFields {
		switch vals := in.lists[f.name]; {
		case len(vals) > 1:
			probs = append(probs, problem{f.name, "Choose one answer."})
		case len(vals) == 1 && f.name == "sex":
			p.Sex = vals[0]
		case len(vals) == 1 && f.name == "episode":
			p.Episode = vals[0]
		}
	}
	for _, f := range numberFields {
		vals := in.numbers[f.name]
		if len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
			continue
		}
		if len(vals) > 1 {
			probs = append(probs, problem{f.name, "Enter one number."})
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(vals[0]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > f.max || (f.whole && v != math.Trunc(v)) {
			probs = append(probs, problem{f.name, "Enter " + f.want() + "."})
			continue
		}
		setNumber(&p, f.name, v)
	}
	return p, probs
}

// setNumber sets the number field named name of p to v, which is whole
// for a field that holds whole numbers.
func setNumber(p *recommend.Profile, name string, v float64) {
	switch name {
	case "pain_level":
		p.PainLevel = int(v)
	case "days_since_onset":
		p.DaysSinceOnset = int(v)
	case "sitting_hours":
		p.SittingHours = v
	case "age":
		p.Age = int(v)
	case "pregnancy_week":
		p.PregnancyWeek = int(v)
	}
}

// typedNumber reads vals, the values of a number field, as
// Engine.Triage reads a number it cannot accept: the one value, when it
// is a number, as typed, rounded when whole is true, whatever its range
// (Triage reads a pain of 11 as 10, and an age out of range as
// unknown). ok is false for no value, several, or text that is not a
// number.
func typedNumber(vals []string, whole bool) (v float64, ok bool) {
	if len(vals) != 1 {
		return 0, false
	}
	// Full-width digits ("９") are the digits a person typed.
	v, err := strconv.ParseFloat(strings.TrimSpace(parse.ASCIIDigits(vals[0])), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(v) {
		return 0, false
	}
	// Far past every range, and within an int's: Triage reads it as
	// the range's bound, or as unknown, as it reads the number typed.
	const far = 1e9
	v = min(max(v, -far), far)
	if whole {
		v = math.Round(v)
	}
	return v, true
}

// triageProfile returns p, the profile of the form with its numbers that
// could not be accepted left 0, with what Engine.Triage reads of them
// instead: each number as typed (see typedNumber), and, when the
// check-in this post adds has problems (added is false), the pain typed
// for it as the latest check-in's, which Triage reads toward the pain
// now. So that an answer out of range does not lower a referral: a pain
// of 11 beside belly pain is severe pain, as JSON's 11 is, not no pain.
// A number or choice sent more than once counts as the value, of those
// sent, whose referrals are the most pressing
// (recommend.Engine.CountRepeated), as a JSON key given twice does:
// counted holds, by field, each such field with what was sent and the
// value counted, for countedProblems.
func (in entries) triageProfile(eng *recommend.Engine, p recommend.Profile, added bool) (tp recommend.Profile, counted map[string]repeatCount) {
	for _, f := range numberFields {
		if v, ok := typedNumber(in.numbers[f.name], f.whole); ok {
			setNumber(&p, f.name, v)
		}
	}
	if !added {
		if v, ok := typedNumber(in.ci.pain, true); ok {
			p.CheckIns = append(slices.Clip(p.CheckIns), recommend.CheckIn{PainLevel: int(v)})
		}
	}
	var reps []recommend.Repeated
	for _, f := range choiceFields {
		if vals := in.lists[f.name]; len(vals) > 1 {
			reps = append(reps, recommend.Repeated{Field: f.name, Values: vals})
		}
	}
	for _, f := range numberFields {
		if vals := in.numbers[f.name]; len(vals) > 1 {
			reps = append(reps, recommend.Repeated{Field: f.name, Values: vals})
		}
	}
	if len(reps) == 0 {
		return p, nil
	}
	p, values := eng.CountRepeated(p, reps)
	counted = map[string]repeatCount{}
	for i, rp := range reps {
		counted[rp.Field] = repeatCount{rp.Values, values[i]}
	}
	return p, counted
}

// repeatCount is a field of the form sent more than once: the values
// sent, and the one counted ("" when none could be read).
type repeatCount struct {
	sent    []string
	counted string
}

// countedProblems returns probs with the problem of each field of
// counted, sent more than once, saying which value is counted toward
// the referrals, so that the page never chooses one without a word.
func countedProblems(voc recommend.Vocabulary, probs []problem, counted map[string]repeatCount) []problem {
	if len(counted) == 0 {
		return probs
	}
	out := slices.Clone(probs)
	for i, pr := range out {
		c, ok := counted[pr.field]
		if !ok || c.counted == "" && !slices.Contains(c.sent, "") {
			continue
		}
		say := func(v string) string {
			if v == "" {
				return notStated
			}
			if l := voc.Label(pr.field, v); l != "" && l != v {
				return l
			}
			return v
		}
		var sent []string
		for _, v := range c.sent {
			if q := strconv.Quote(cutField(say(strings.TrimSpace(v)))); !slices.Contains(sent, q) {
				sent = append(sent, q)
			}
		}
		out[i].message = strings.TrimSuffix(pr.message, ".") + fmt.Sprintf(": %s were sent, and %q is counted toward any referral, as the answer with the most pressing referrals, to be safe.",
			strings.Join(sent, " and "), say(c.counted))
	}
	return out
}

// addNamed adds to p each red flag that text, which the page could not
// read, names and p lacks (recommend.Engine.NamedRedFlags), and each
// condition it names that can change a referral
// (recommend.Engine.NamedReferralConditions), and to probs a problem for
// each, flagMsg or condMsg with the term's label, and returns probs.
func addNamed(eng *recommend.Engine, p *recommend.Profile, text []byte, probs []problem, flagMsg, condMsg string) []problem {
	voc := eng.Vocabulary()
	namedterms.Add(eng, p, text, func(field, id string) {
		msg := flagMsg
		if field == namedterms.Conditions {
			msg = condMsg
		}
		probs = append(probs, problem{field, fmt.Sprintf(msg, voc.Label(field, id))})
	})
	return probs
}

// fromProfileError turns the problems Engine.Validate found into problems
// of the form's fields: "conditions[1]" is a problem of "conditions".
// A problem of the check-ins is one of the check-in's fields (see
// checkInProblem), for a profile whose first n check-ins are the earlier
// ones and whose last, if it has more, is ci.
func fromProfileError(pe *recommend.ProfileError, n int, ci *recommend.CheckIn) []problem {
	var out []problem
	for _, fp := range pe.Problems {
		if p, ok := checkInProblem(fp, n, ci); ok {
			out = append(out, p)
			continue
		}
		field, _, _ := strings.Cut(fp.Field, "[")
		msg := words.Capital(fp.Message)
		if fp.Value != "" {
			msg = fp.Value + ": " + fp.Message
		}
		if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
			msg += "."
		}
		out = append(out, problem{field, msg})
	}
	return out
}

// page is what the template shows.
type page struct {
	Title      string
	CSS        template.CSS
	Disclaimer string
	Groups     []group
	Numbers    []number
	// Problems are every problem, for the summary above the form.
	Problems []summaryProblem
	Result   *resultView
	// Earlier are the earlier check-ins, the hidden check_in fields of
	// the form, oldest first.
	Earlier []string
	// CheckIn is the check-in fieldset, or nil when the form has none.
	CheckIn *checkInView
	// Onset is what the hidden onset fields hold, or nil for none (see
	// onset.go).
	Onset *onsetState
	// Pain is what the hidden pain field holds, or nil for none (see
	// onset.go).
	Pain *int
}

type group struct {
	Name, Legend, Hint string
	// Input is the type of the group's inputs: "checkbox" for a list
	// field, "radio" for a choice field.
	Input    string
	Terms    []checkbox
	Problems []string
}

// DescribedBy returns the ids of the group's hint and problems, for
// aria-describedby.
func (g group) DescribedBy() string { return describedBy(g.Name, g.Hint != "", len(g.Problems) > 0) }

// DescribedBy returns the ids of the field's hint and problems, for
// aria-describedby.
func (n number) DescribedBy() string {
	ids := describedBy(n.Name, n.Hint != "", len(n.Problems) > 0)
	if n.Note != "" {
		ids = strings.TrimSpace(ids + " " + n.Name + "-note")
	}
	return ids
}

func describedBy(name string, hint, problems bool) string {
	var ids []string
	if hint {
		ids = append(ids, name+"-hint")
	}
	if problems {
		ids = append(ids, name+"-error")
	}
	return strings.Join(ids, " ")
}

type checkbox struct {
	ID, Value, Label string
	Checked          bool
}

// number is a number field. It is a text field with an input mode, not
// an input of type number: a browser sends an empty value for what such an
// input cannot read ("ten", "1e"), and the page could not tell the person
// that it had ignored their answer.
type number struct {
	Name, Label, Hint, Value, InputMode string
	// Note says what the page changed of the value, such as the days
	// since onset moved on with a check-in.
	Note     string
	Problems []string
}

type summaryProblem struct {
	Target, Label, Message string
}

func (h *Handler) newPage(voc recommend.Vocabulary, in entries) *page {
	pg := &page{Title: "Back-care advice", CSS: h.css, Disclaimer: recommend.Disclaimer}
	for _, f := range listFields {
		terms := f.terms(voc)
		if len(terms) == 0 {
			continue
		}
		g := group{Name: f.name, Legend: f.legend, Hint: f.hint, Input: "checkbox"}
		for _, t := range terms {
			g.Terms = append(g.Terms, checkbox{
				ID: f.name + "-" + t.ID, Value: t.ID, Label: t.Label,
				Checked: slices.Contains(in.lists[f.name], t.ID),
			})
		}
		pg.Groups = append(pg.Groups, g)
	}
	for _, f := range choiceFields {
		terms := f.terms(voc)
		if len(terms) == 0 {
			continue
		}
		chosen := in.lists[f.name]
		g := group{Name: f.name, Legend: f.legend, Hint: f.hint, Input: "radio"}
		g.Terms = append(g.Terms, checkbox{ID: f.name + "-none", Label: notStated,
			Checked: len(chosen) == 0 || slices.Contains(chosen, "")})
		for _, t := range terms {
			g.Terms = append(g.Terms, checkbox{
				ID: f.name + "-" + t.ID, Value: t.ID, Label: t.Label,
				Checked: slices.Contains(chosen, t.ID),
			})
		}
		pg.Groups = append(pg.Groups, g)
	}
	for _, f := range numberFields {
		n := number{Name: f.name, Label: f.label, Hint: f.hint, InputMode: "numeric"}
		if !f.whole {
			n.InputMode = "decimal"
		}
		if vals := in.numbers[f.name]; len(vals) > 0 {
			n.Value = vals[0]
		}
		switch f.name {
		case fieldOnset:
			n.Note = in.onsetNote
		case fieldPain:
			n.Note = in.painNote
		}
		pg.Numbers = append(pg.Numbers, n)
	}
	pg.Onset = in.ci.onsetNext
	pg.Pain = in.ci.painNext
	return pg
}

// setProblems marks the problems on their fields and lists them for the
// summary, in the order of the form.
func (pg *page) setProblems(probs []problem) {
	if pg.CheckIn != nil {
		pg.Problems = append(pg.Problems, pg.CheckIn.setProblems(probs)...)
	}
	for i := range pg.Groups {
		g := &pg.Groups[i]
		for _, p := range probs {
			if p.field == g.Name {
				g.Problems = append(g.Problems, p.message)
				pg.Problems = append(pg.Problems, summaryProblem{Target: g.Terms[0].ID, Label: g.Legend, Message: p.message})
			}
		}
	}
	for i := range pg.Numbers {
		n := &pg.Numbers[i]
		for _, p := range probs {
			if p.field == n.Name {
				n.Problems = append(n.Problems, p.message)
				pg.Problems = append(pg.Problems, summaryProblem{Target: n.Name, Label: n.Label, Message: p.message})
			}
		}
	}
	// A problem with no field of the form, such as one with a field the
	// vocabulary has no terms for, still goes in the summary.
	for _, p := range probs {
		known := slices.ContainsFunc(pg.Groups, func(g group) bool { return g.Name == p.field }) ||
			slices.ContainsFunc(pg.Numbers, func(n number) bool { return n.Name == p.field }) ||
			(pg.CheckIn != nil && pg.CheckIn.hasField(p))
		if !known {
			pg.Problems = append(pg.Problems, summaryProblem{Label: cutField(p.field), Message: p.message})
		}
	}
	pg.Title = "Error: " + pg.Title
}

// whyFor names what explanations explain, "Cat-cow and Pelvic tilt", so
// that each "Why?" toggle has a name of its own for a screen reader.
func whyFor(explanations []whyView) string {
	names := make([]string, 0, len(explanations))
	for _, x := range explanations {
		if x.Name != "" {
			names = append(names, x.Name)
		}
	}
	return words.List(names)
}

// namedCites are an item's citations with the item's name, for the
// "sources" template: the name makes each "Sources" toggle's accessible
// name unique.
type namedCites struct {
	Name  string
	Cites []cite
}

func named(name string, cites []cite) namedCites { return namedCites{name, cites} }

// shortNames returns a short name for each of texts, for the accessible
// name of its "Sources" toggle: its first six words, with an ellipsis when
// there are more, or as many more words as it takes to tell it apart from
// the other texts, so that two referrals that begin alike ("Book a
// doctor's appointment in the next few days." and "Book a doctor's
// appointment in the next few days and tell them...") do not give two
// toggles one name. Words are compared without case or the punctuation
// around them, as a screen reader says them.
func shortNames(texts []string) []string {
	fields := make([][]string, len(texts))
	for i, s := range texts {
		fields[i] = strings.Fields(s)
	}
	// sameStart reports whether a and b begin with the same n words.
	sameStart := func(a, b []string, n int) bool {
		if len(b) < n {
			return false
		}
		for k := range n {
			if spoken(a[k]) != spoken(b[k]) {
				return false
			}
		}
		return true
	}
	out := make([]string, len(texts))
	for i, w := range fields {
		n := min(6, len(w))
		for n < len(w) {
			alike := false
			for j, other := range fields {
				if j != i && sameStart(w, other, n) {
					alike = true
					break
				}
			}
			if !alike {
				break
			}
			n++
		}
		out[i] = strings.Join(w[:n], " ")
		if n < len(w) {
			out[i] += "…"
		}
	}
	return out
}

// spoken returns word as a screen reader tells it from another: in lower
// case, without the punctuation around it.
func spoken(word string) string {
	return strings.ToLower(strings.TrimFunc(word, func(r rune) bool { return unicode.IsPunct(r) }))
}

// httpURL returns u when it may be a link (mdsafe.LinkURL), and ""
// otherwise, so that only web addresses become links.
func httpURL(u string) string {
	if mdsafe.LinkURL(u) {
		return u
	}
	return ""
}
