/*
Package report is the present stage of backrules: it turns a
[recommend.Result], or an explanation, into what people and programs read.
It only formats; what is advised is decided by package recommend, and
nothing here changes it.

# One outline, several renderers

The short report of a Result has one shape, and [New] lays it out as an
[Outline]: the referrals (Result.Referrals; the referrals folded into
them belong to the detailed report), the key messages, the steps of the
plan (or every recommended movement when the rules give no plan), the
other recommended movements, the avoided ones, where the sources
disagree, each side with its citations and their positions, and the
sources, numbered once each in the order they are first cited. Movements
whose lines would read the same share a [Group], and conflicts described
the same way share a [Disagreement].

Several forms render that one outline, as text/template/parse gives one
tree to the packages that execute it:

  - [WriteText] and [WriteMarkdown], the short report for people;
  - the web page of examples/server, which adds a "Why?" to each entry;
  - the CDS Hooks cards of package cdshooks, one card per referral, plan
    step and list.

So a change to what the short report shows, or to its order, is made once,
here, and every form follows it.

# The other writers

[WriteDetailedText] writes everything a clinician or a rule author needs:
every referral, folded ones included, every reason, caution and citation
with the rules behind it, and the movements that wait for equipment.
[WriteJSON] writes the whole Result for programs, in the compact wire form
named by [Format] (each cited source listed once), the same bytes for the
same Result. [WriteExplanation] and [WriteReferralExplanation] write the
answer of [recommend.Engine.Explain] and [recommend.Engine.ExplainReferrals]
as a note; [WriteExplanationJSON] and [WriteReferralExplanationJSON] as
JSON.

Every writer returns an error, and writes nothing, for a nil io.Writer
or a nil Result or explanation, and returns the io.Writer's own error
when a write fails.

# Text from rule files

Text from a rule file is data. The Markdown writers, and the cards, escape
it with one escaper (internal/mdsafe), so that a rule cannot add a link, an
image or HTML to what a patient or a clinician reads; only http and https
addresses become links.
*/
package report
