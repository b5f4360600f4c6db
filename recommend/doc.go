/*
Package recommend turns back-care guidance, written as YAML rules with CEL
conditions, into safe, explainable, cited advice for one person.

# Rules, profiles and results

A rule set is a tree of YAML files (see the README for the format). It
declares the sources the rules cite, the vocabulary of profile values, the
movements that can be advised, and the rules themselves. Each rule has a
CEL condition over the variable profile, one or more effects (recommend,
avoid or caution movements, or refer the person to a clinician), a reason,
and at least one citation. An effect may carry its own reason, shown on
the items it produces in place of the rule's.

A [Profile] describes the person: conditions, red flags, what makes the
symptoms worse and what eases them, equipment at hand, pain level, days
since onset, sitting hours and age. [Engine.Recommend] evaluates every rule
against it and returns a [Result]: referrals, recommended and avoided
movements, where the sources behind its rules disagree
([Result.Conflicts]), the movements that need equipment, a trace of every
rule ([Result.Trace], built on request), and the [RuleSet] (version and
digest) that produced it. Every item carries the citations
that justify it, and every citation its source's kind.

An [Engine] also offers read-only views of what it loaded, so that tools
never read the YAML themselves: [Engine.Vocabulary], [Engine.Movements],
[Engine.Rules] and [Engine.Sources]; [Engine.ProgressRules] lists the
progression rules that move a programme on from one check-in to the next.

With check-ins ([Profile.CheckIns]) the Result has a [Programme]. The
latest check-in's pain is the pain now: the rules read the higher of it
and [Profile.PainLevel] (failing toward caution), on every call that
reads a profile, and the progression rules read it as programme.pain_now
beside the trend of the check-ins' own pains. The advice has the last
word on the programme: a movement it does not recommend stops, at
level 1, whatever the progression rules say, and an urgent or emergency
referral holds progression (a clinical judgement call; see [Programme]
and [Step.Decided]).

[Engine.Explain] and [Engine.ExplainReferrals] say why: the outcome of one
movement, or of the referrals, from the same decision record Recommend
uses, and for each rule that names it, whether it matched and which
clauses of its condition decided that, read from the condition's direct
checks or cel-go's tracked evaluation state and worded with the
vocabulary's labels.
With check-ins, ExplainReferrals also lists every progression rule with
a review ([ReviewExplanation]), whether the check-ins called for it, and
the check-in facts it read, in words.
To explain several movements of one profile, [Engine.NewExplainer]
evaluates once and its [Explainer] answers every question; a program
that tracks a condition's evaluation state is built on the first
explanation that needs it. A rule's
explanation ([RuleExplanation]) is a read-only view: the engine keeps,
bounded, what explaining a condition found for what it read of the
profile, and the next Explainer that reads the same shares it.

A cache of answers can key them by [Engine.AppendDecisionKey]: the rules
a profile matches, its red flags and its equipment, which are all that
the stages after the conditions read of a profile without check-ins, so
that profiles with equal keys get equal Results.

[Engine.Analyze] explores a bounded space of profiles and reports dead
rules, gaps, conflicts with example profiles, redundant and always-true
rules, and with [WithCaseProfiles] the clause coverage of test cases.

# Stages

Loading and recommending run through five stages, each with one home:

  - parse (package internal/parse, the only reader of YAML): rule files to
    positioned declarations, checking the schema; each condition comes with
    a map from offsets in its text back to the file.
  - compile (compile.go; condition.go, astcheck.go and celmessage.go for
    CEL): cross-references checked, each condition type-checked, validated
    against the vocabulary and compiled once, effect selectors resolved to
    movements; then each condition that runs as CEL searched for runtime
    errors (runtimecheck.go) and each red flag's floor proved (floors.go).
    The checked ASTs serve those checks and are then dropped: the engine
    keeps each condition's text, and the Explainer (once per condition)
    and Analyze (on each call) compile it again as Load did (condsource.go).
  - evaluate (evaluate.go): one profile converted to CEL values once, every
    compiled condition run against it, the referral rules first.
    Engine.Recommend (engine.go) runs evaluate, resolve and build.
  - resolve (resolve.go): the safety policy turns the matched rules into a
    decision record: per movement, who recommends, avoids and cautions it,
    the equipment it lacks, and the outcome; and the referrals, with those
    that withhold advice. build.go makes the Result from that record.
  - present (package recommend/report): a Result laid out as the short
    report's outline (report.New), which the page of examples/server and
    the CDS Hooks cards render too, and written as the short report for
    people (report.WriteText, report.WriteMarkdown), the detailed report
    (report.WriteDetailedText) or JSON (report.WriteJSON); explanations as
    notes or JSON (report.WriteExplanation and its siblings). Package
    recommend keeps the engine and its data types; it writes nothing.

# Safety policy

The resolve stage applies these rules, in this order of precedence:

 1. A movement that any matched rule avoids is never recommended. If another
    matched rule recommends it, the disagreement is listed in
    Result.Conflicts with resolution "avoided", if the sources disagree.
 2. A caution keeps a recommended movement, attaches the caution rule's
    reason and citations to it, and lists the disagreement in Conflicts with
    resolution "cautioned", if the sources disagree. A conflict names its
    avoiding and its cautioning rules apart (AvoidRules, CautionRules).

A conflict is a disagreement between sources, not between rules: every
citation states its source's Position on the rule's advice, and a Conflict
has a side for (citations that support the movement) and a side against
(citations that advise against it or care with it), and exists only when
both hold a source. Background citations, and the cautions a rule author
adds on their own reasoning, are on no side; a source that supports the
movement is never on the side against, and its own cautions are listed as
Conflict.Conditional.
 3. Several rules recommending one movement merge into one item that keeps
    every reason and citation.
 4. Referrals are sorted emergency, then urgent, then routine, and within
    an urgency the soonest first (refer.within: see [Within]), then those
    that withhold advice. A matched referral with withhold set empties
    Recommended and NeedsEquipment, and drops the cautioned conflicts,
    which were about recommended movements; Avoided and the avoided
    conflicts stay, and Withheld and WithheldReason say why. The referral
    story (referral.go) makes several referrals one plan: the most pressing
    (the most urgent, then the soonest) leads, and a referral of its
    pathway, one whose rule names a reported red flag that a more urgent or
    sooner referral's rule names too (or an as pressing one of its
    pathway), or one that invites activity beside a more urgent referral or
    withheld advice, is folded into it: Result.FoldedReferrals keeps it,
    and a folded referral that withholds still withholds. One reported
    symptom is never given two urgencies, nor two timings, nor on one
    pathway two referrals. When every withholding referral says keep_active, the
    stay_active messages stay.
 5. A movement whose required equipment the profile lacks is never
    recommended; it is listed in NeedsEquipment instead.
 6. No failure hides a referral. Load refuses a rule set with no rules,
    proves each red flag's floor (see [Floor]) and searches every condition
    for runtime errors, each refused at file:line:col. The rules that refer
    to a clinician are evaluated first, all of them, whatever the context
    says (every condition's cost is bounded at load). If a rule still fails
    to evaluate, or the context is done before every rule has run,
    Recommend gives no movement advice, because a skipped avoid rule could
    let a harmful movement through: it returns a *PartialError naming the
    cause, whose Result holds the referrals with the rest withheld and
    Incomplete set, and the reviews the check-ins call for when no
    referral withholds advice. A referral rule that fails, or a review
    rule, counts as matched, so that it errs toward a clinician.
 7. Every red flag reaches its floor, whatever the conditions say. Load
    proves the floors over the profiles it explores, but a condition can
    miss a floor for a profile it did not explore; so each call also checks
    every reported red flag against its floor, and where the matched
    referral rules miss it (too low an urgency, or advice not withheld),
    the Result holds the floor's own referral: its urgency and withholding,
    words made from the flag's label, no citation, and the rule id
    [FloorRulePrefix] and the flag's id, which marks a gap in the rule set
    to fix. With the default rules it never fires (rules/invariants_test.go
    checks it over the profile space).

Where a clinical guideline and a web article disagree, the safer side wins
and the conflict is shown with both citations. The engine does not rank
evidence itself: the rules encode the guideline's side as an avoid or a
caution, and rule 1 makes the safer side win whatever the article says.
Every citation carries its source's kind (guideline, systematic_review,
trial, reference, clinic_article, practitioner_article,
general_health_article or personal_account; see [Source]), so a reader of
a conflict sees which side a guideline is on. Keeping the judgement in the
rules keeps it reviewable by clinicians, next to its citations, and lets a
rule set say where an article's advice is kept with a caution rather than
dropped.

A referral is advice to get assessed, not a diagnosis; every Result carries
the [Disclaimer].

# Key messages and the plan

A rule's say effect gives a key message (kind safety_net, reassurance,
stay_active or pacing). Result.Messages lists safety nets first, then the
other kinds in that order; a withheld result keeps only the safety nets,
and the stay_active messages when every withholding referral says
keep_active; beside an urgent or emergency referral, or a programme
review, the reassurance messages are left out.
A recommend effect with a priority (1 to 9) offers one movement for
Result.Plan: the first of its movements, in the order written, that is
recommended. The plan lists offered movements by their best priority, then
declaration order, at most [MaxPlan], and is empty when advice is withheld.
The plan only orders what the safety policy recommended (see build.go).

# Order

Results are deterministic: the same profile and rule set give the same
Result and byte-identical JSON. Rule files are read in lexical path order,
and declarations keep their order within a file. Movements in Recommended,
Avoided, Conflicts and NeedsEquipment follow movement declaration order;
referrals follow urgency, then timing (refer.within), then those that
withhold advice, then those that invite activity last, then rule order;
reasons, cautions and
citations within an item follow rule order, without repeats, and its
rules (Item.Rules) are its reasons' rules, then its cautions' that give
no reason; the trace follows rule order.

# Errors

[Load] reports every problem in a rule set at once, as a [*LoadError] whose
[Issue] values carry file, line and column, including positions inside CEL
conditions written as block scalars; it unwraps to the errors behind them,
such as a file that could not be read, so errors.Is(err, fs.ErrNotExist)
works. [DecodeProfile], [Engine.DecodeProfile], [Engine.Validate] and
Recommend report every problem with a profile as a [*ProfileError], with a
line and column where the input is known: Engine.DecodeProfile places the
vocabulary problems too. A profile refused still reaches its referrals
([Engine.Triage]): Engine.DecodeProfile returns what it could read, with
the red flags, and the conditions that can change a referral, that the
input names where it could not be read, and of a number or a choice given
twice the value whose referrals are the most pressing
([Engine.CountRepeated]), each with a problem saying so.
Evaluation failures are [*EvalError] values that name
the rule and its file and line. All of them work with errors.Is and
errors.As. Their texts escape control characters, so a hostile rule file,
file name or profile cannot act on a terminal.

Nil inputs are errors, not panics: a nil *Engine, a nil context, a nil
option, a nil io.Reader given to DecodeProfile, or a nil *Result or
io.Writer given to a writer. An Engine that Load did not
make, such as new(Engine), is an error too, not an empty answer.

# Limits

Rule files and profiles may come from people who make mistakes, or from
untrusted callers; neither can make Load or Recommend panic, run away or
pass something unsafe. Load accepts rule files of at most
DefaultMaxFileSize bytes (see [WithMaxFileSize]), in UTF-8, without YAML
anchors or aliases, and conditions of at most [MaxWhenLength] characters,
nested at most [MaxWhenDepth] levels, whose estimated worst-case cost, over
any valid profile, is within [MaxRuleCost]. [Engine.Validate] holds
profiles to [MaxListLen] entries a list and [MaxEntryLen] bytes an entry,
which is what makes that estimate a bound; [DecodeProfile] reads at most
[MaxProfileBytes]. When Recommend runs, conditions that loop stop when the
context is cancelled, in the middle of a comprehension; a deadline that has
passed is honoured even before the context's timer fires (the clock is read
before each condition that runs as CEL and at least every 16 rules).

# Concurrency

An [Engine] is immutable once loaded. Its methods may be called from any
number of goroutines at once. It keeps working memory that Recommend calls
reuse, one call at a time each, so use an Engine through its pointer, as
Load and Default return it (go vet reports a copy). A Result belongs to its
caller: changing it does not change the Engine or any other Result.
*/
package recommend
