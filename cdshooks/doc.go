/*
Package cdshooks serves backrules advice as a CDS Hooks 2.0 service
(HL7 CDS Hooks v2.0.1), so that a clinical system can show it as cards
when a clinician opens a patient's record.

# Endpoints

[Service] is an http.Handler for three endpoints:

  - GET /cds-services, discovery: one service, id "backrules", for the
    patient-view hook, with four prefetch templates: patient
    (Patient/{{context.patientId}}), conditions
    (Condition?patient={{context.patientId}}&clinical-status=active,recurrence,relapse:
    recurrence and relapse are active too, but FHIR R4 makes them
    children of active, and a token search matches its code exactly),
    pastConditions
    (Condition?patient={{context.patientId}}&clinical-status=inactive,remission,resolved&_count=100,
    see [PastConditionsTemplate] and "Past conditions" below) and,
    optional, painScores
    (Observation?patient={{context.patientId}}&code=http://loinc.org|72514-3&_sort=-date&_count=52):
    the patient's latest pain scores, newest first (all a programme
    holds: asking for every score would make the call of a patient with
    years of them larger than the service reads), which become the
    profile's check-ins, so that the programme's pain trend and review
    referrals reach the cards (see [PrefetchPainScores] and
    [Mapping.UnreadPainScores]). A score's valueQuantity in a unit that
    is not of a 0 to 10 score ({score}, 1 or none), such as mm of a
    100 mm visual analogue scale, % or cm, is not converted and not read
    as 0 to 10: it is listed as unread, with the warning card, as is a
    value with a comparator (">= 5" is a bound, not a score). A coding of
    code 72514-3 with no system, or LOINC written another way, is read,
    and listed in [Mapping.AssumedPainScores] with a warning card; an
    Observation of another code is listed as unread.
  - POST /cds-services/backrules: a request with hook, hookInstance,
    context and prefetch in; {"cards": [...]} out.
  - POST /cds-services/backrules/feedback ([FeedbackPath]): the CDS Hooks
    2.0 feedback on cards, read as strictly as a service call, and with
    no key the specification does not define ([ParseFeedback]; a card
    that is not a UUID is a 400 naming it), answered with 200 and
    reported through [WithEvents] with nothing the client wrote freely
    ([FeedbackRecord]): no comment, no override reason the cards do not
    offer (only that one was given), no suggestion ids (only how many).

Each answers a CORS preflight (OPTIONS) with 204, allowing the
Authorization and Content-Type headers: from any origin for discovery,
and for the other two from the origins the trust file lists, or any when
it lists none or there is no trust file.

# Trust

With [WithTrust] (a [Trust] from [ParseTrust], the JSON trust file), the
service and feedback endpoints accept only calls carrying a JWT signed
with RS384 or ES384 by a listed client, for the path called (for
feedback, the feedback endpoint or the service's own), unexpired but
expiring within [MaxTokenLife], not issued in the future and not
replayed, in the one Authorization header (several are refused, whatever
their order; see [Trust.Verify]);
any other call gets 401 with a WWW-Authenticate header. Discovery stays open.
Without it the service authenticates no one and must sit behind
something that does. When a trusted client's request lacks the patient or
conditions prefetch (or the past conditions), and its fhirServer is one the client listed in
fhir_servers, the service reads Patient/{id}, the active Conditions and the past ones
(following next links on that server, at most [MaxConditionPages] pages
and [MaxSearchEntries] entries) with the request's fhirAuthorization
token, within timeouts and size limits, and all of one call's reads
within one budget ([WithFHIRBudget], [DefaultFHIRBudget]); it never
calls another host and follows no redirect. When the conditions prefetch
it sent is one page of several (CDS Hooks lets a client page prefetch,
and leaves the rest to the service), the service reads the other pages
from that server the same way, and uses every page.

A read that fails, or that the budget cuts short, is never taken for the
whole: a red flag may be on a page that could not be read. When the
Conditions read call for a referral, the call is answered with those
referral cards, a warning card "Not every active condition could be
read: exercise advice withheld; check the chart for red flags" (whose
detail gives the first five reasons, and how many more) and why
under [ExtensionUnreadConditions], and no other advice; when they call
for none, it is a 412 that names the cause ("status 500", "status 302, a
redirect: not followed", "more than 10 pages", the budget run out),
without the token or the patient's id. A Patient that cannot be read is
answered as an unreadable birth date is (see below): the Conditions are
read all the same, with what is left of the budget, the age is taken as
unknown (and the sex as not stated), the Patient is listed with why
under [ExtensionUnreadPatient], and a warning card "Patient could not be
read: age-related referrals not assessed; check the age on the chart"
follows the referral cards. When the Conditions could not all be read
either, and those read (if any) call for no referral, the call is a 412
for the patient that names both causes: a Patient read that used up the
budget leaves nothing for the Conditions. The call's [Event] records the
first cause in FHIRError. A conditions Bundle that says its search failed
in part (an OperationOutcome entry of severity error or fatal, or of
code incomplete, too-costly, throttled or timeout whatever its severity,
or one whose issues cannot be read), prefetched or read, is answered the same
way: the referral cards of the Conditions it holds and the warning card,
or, when they call for no referral, the 412 that names the entry; and so
is a Bundle with an entry, or a Condition's code or coding, that cannot
be read (see below), since a red flag may be in it.

Errors are JSON, {"status": N, "error": "...", "field": "..."}: 400 for
a body that is not a valid request (malformed JSON, with the line and
column; a value of the wrong type, or a key given twice or in the wrong
case, outside the prefetch and the context's patientId and userId, with
its path; a hook other than patient-view; a context with no patient id;
and, when no Condition calls for a referral, a conditions prefetch that is
not a Bundle, a part of the conditions Bundle that cannot be read,
such as an entry without its resourceType, a Condition subject that is not
the patient in context, or a prefetch or context key given twice or in the
wrong case: see below), 401 for a call the trust file does not admit, 412 for
a missing or incomplete prefetch not read from fhirServer (or whose read
failed, saying why), 413 for a body over the limit
([WithMaxBodyBytes]), 415 for a body not sent as application/json
([WithRequireJSON]), 405 with an Allow header for another method, 404
for another path, and 503 when no engine is loaded or the rules run out
of time ([WithTimeout]).

# From FHIR to a profile

[MapRequest] reads the request as follows (FHIR R4):

  - The prefetch keys patient and conditions are both required. A key that
    is missing is a 412: without the conditions the service cannot tell a
    red flag from none, and it does not guess. Without the patient it
    cannot tell the age, but the Conditions may hold a red flag: when
    they call for a referral, the call is answered as for a patient of
    null (below), with the warning card "Patient missing", and the 412
    names the patient only when they call for none. (pastConditions, when
    discovery asks for it, is needed too, but what keeps it from being
    read is answered with a warning card, never a 412: see "Past
    conditions".) An OperationOutcome in
    place of the conditions (the client could not fetch them) is a 412
    too. Neither hides a referral the rest of the request calls for (a
    past cancer among the past Conditions, the pain trend): the call is
    then answered as a Bundle read in part is (below), with the referral
    cards and the warning card "Not every active condition could be
    read", the conditions listed under [ExtensionUnreadConditions]. A conditions Bundle with a next link, or a total greater than
    the Conditions it holds, that the service could not complete from
    fhirServer (see Trust), or with an OperationOutcome entry of
    severity error or fatal, or of a code that says the results are not
    complete (incomplete, too-costly, throttled, timeout) whatever its
    severity, or one whose issues cannot be read, is
    known only in part: it is answered as a failed read from fhirServer
    is (see Trust), with the referral cards of the Conditions it holds,
    or a 412 when they call for none; an OperationOutcome entry that
    only warns or informs otherwise (suppressed among them: what it
    withholds is withheld from the clinician too) is ignored. A key whose
    value is JSON null, which CDS Hooks uses for "no data", means no
    birth date, or no conditions; a null patient is reported as a
    Patient without a birthDate is, with the warning card "Patient
    missing: age-related referrals not assessed; check the age on the
    chart", since the advice of an unknown age is an adult's. An OperationOutcome in place of the
    Patient is not a 412: it is answered as a Patient not read from
    fhirServer (see Trust), with the age unknown and the warning card.
  - Patient.birthDate gives the profile's age on the service's date
    ([WithClock]): the age the patient has certainly reached, so "1961"
    counts as born on 31 December 1961; and when born on 1 January 1961
    (or the first of the month, for "1961-05") would give another age,
    that one is [Mapping.AgeUpTo]. Neither age is picked alone, since each
    fails against a clinician for some rule (the younger for a rule of 65
    or 75 and over, the older for one under 16): the service works out the
    cards of both, and when they differ answers with the referrals of both,
    the most urgent first, a warning card "Birth date gives age 74 or 75:
    referrals for both ages given, exercise advice withheld; check the date
    of birth", and the movement advice only when it is the same at both
    ages and neither withholds it (the card then does not say it is
    withheld). A patient under one year old counts
    as 1, the youngest age a profile records (0 would read as unknown and
    give a baby an adult's advice): like every child, outside the
    guidance and referred to be seen first. A birth date that is not a
    date of the calendar ("1964-13-45"), is in the future, or gives an age
    over 130 leaves the age unknown too, and so does a birthDate that is
    not a JSON string (1950): it is reported (see below), and the cards
    the Conditions call for still come, with a warning card saying the
    age-related referrals were not assessed. A Patient without a
    birthDate (or with null) is reported the same way, with the warning
    card "Birth date missing: age-related referrals not assessed; check
    the age on the chart": the advice of an unknown age is an adult's. A gender that is not a
    string leaves the sex not stated, with a warning card the same way,
    and an id that is not a string, or is another patient's, leaves both
    (the Patient cannot be told to be the patient in context, so none of
    it is read). So does a patient that cannot be read: one that is not a
    JSON object, whose resourceType is neither Patient nor
    OperationOutcome, or with a key given twice or in the wrong case
    ("BirthDate"), listed with its path; the Conditions' referrals still
    come, with the warning card "Patient could not be read".
  - A Patient that says the patient has died (deceasedBoolean true, or a
    deceasedDateTime not after now, a time with its zone or a day not
    after today, UTC; [Mapping.Deceased]) gets
    {"cards": []}: the advice, a referral included, is not for anyone. A
    deceased[x] that is false, cannot be read or is in the future leaves
    the cards; one that cannot be read or is in the future is listed under
    [ExtensionUnreadPatient] with its path.
  - The JSON is read strictly: a key given twice in one object is never
    read as one (encoding/json would keep the last value, so a second
    clinicalStatus could replace the first without a word), nor is a key
    that differs only in case from one the service reads
    ("ClinicalStatus"): JSON keys are case-sensitive. Outside the
    prefetch data either is a 400; in the conditions Bundle it costs the
    entry, or the part of the Bundle, that holds it (see below). A prefetch key in
    the wrong case ("Conditions", "PastConditions") is not the key either,
    but what it holds may be an emergency, so it no longer makes the call
    a 400 that hides the other keys' red flags: the Conditions under it
    are read for their referrals only, and the key is listed, with
    "wrong case" and its name, under [ExtensionUnreadConditions] (or
    [ExtensionUnreadPastConditions]); the call is answered as an entry
    that cannot be read is (the referral cards, the warning card, the
    rest of the advice withheld), and with the 400 naming the key when
    nothing calls for a referral. The same holds of the earlier value of
    a prefetch key given twice ("conditions" twice: encoding/json would
    keep the last, which is read as the key), and of each key of a
    prefetch object in the wrong case ("Prefetch", listed as
    "Prefetch.conditions") or given twice; a prefetch key the service does
    not read is listed too, but not read; and when the patient or the
    conditions are then missing, the 400 names the prefetch at fault in
    place of the 412. A "Patient" or "PainScores" key, or one given
    twice, is not read, and is listed as a Patient, or pain scores, that
    could not be read, with their warning cards; the keys it misspells
    need not be there.
  - context.patientId is the patient in context, whom the Patient and the
    Conditions' subjects are checked against. A key in the wrong case
    ("PatientId") is not the key, and is listed by name under
    [ExtensionUnreadConditions], the call answered as above (the 400
    naming it when nothing calls for a referral); without a patientId, its
    value is the patient in context all the same, so that the prefetch is
    checked against it (but the service reads nothing from fhirServer for
    it). A context with no patient id at all (missing, null, not a
    string, empty, or in the wrong case twice) is a 400, whatever the
    prefetch holds: nothing in it could be told to be the patient's, and
    a referral shown on the chart in view may be for another patient;
    every call of such a client fails alike, so the fault shows on its
    first call, not on one patient's chart. A patientId given twice with
    the same value, and a userId given twice that names no patient or
    proxy, are listed by path and answered as above; a patientId given
    twice with another value is a 400 (whose chart is in view cannot be
    told), and a userId given twice of which an earlier value names a
    patient or their proxy is a 400, as a UserId is (when the last names
    one, the call gets no cards, as for one userId). When such a context
    key, or a prefetch key the service does not read, is all that could
    not be read, every active Condition was: the warning card then says
    so, "Part of the request could not be read: exercise advice withheld;
    every active condition was read", and names what was not read. A key of the patient in the wrong case ("BirthDate") costs only
    the Patient, and a problem of the pain scores prefetch (a score of
    another patient, a key given twice) only the scores, each listed with
    its path.
  - Every entry's resource has a resourceType. An entry that cannot be
    read may be an active Condition with a red flag, and costs only
    itself: one that is null or not a JSON object, or whose resource is
    missing, null or not a JSON object, and one whose resourceType is
    missing, is not a string or is not spelled as FHIR spells resource
    types ("condition"), whose resource is itself a Bundle (a search
    Bundle holds resources, and what a nested one holds would go unread),
    or with a key given twice or in the wrong case anywhere in it ("code"
    twice, "Code", "ClinicalStatus", a coding's "Code"). It is listed with
    its path and why under [ExtensionUnreadConditions], and scanned for
    codes: in every object in it, each string of a key "code" (whatever
    its case) with each "system", and those of a term of the rule set
    count, erring toward a referral (only those that count in the past, in
    the past conditions), and are listed with it. The call is answered as
    a search that failed in part (see Trust), with the referral cards, a
    red flag of the entry's own among them, and the warning card; when
    nothing calls for a referral, a 412 naming an entry that is null or
    not an object, and for the others the 400 naming the value at fault,
    as before. The same holds of a part of the Bundle that cannot be read:
    an entry list that is not an array (one entry sent as an object), a
    total that is not a number or is negative, a link list that is not an
    array of links, a key given twice or in the wrong case ("Entry", or
    "entry" twice, whose first value encoding/json would drop), or a key
    given twice in a part the service does not read ("meta"): it is
    listed and scanned, and a total or link that cannot be read says
    nothing of the Conditions the Bundle lacks, so the rest of the advice
    is withheld. So does a conditions prefetch that cannot be told to be
    the search Bundle: a resourceType other than "Bundle" (a misspelt
    "Bundl", another resource's "Patient") or not a string, or a value
    that is not a JSON object (the Conditions sent as an array). None of
    it is read, but it is listed at its key and scanned for codes, with
    the 400 naming it when nothing calls for a referral (an
    OperationOutcome in its place stays the 412 of a search that failed).
    A page that the service reads from fhirServer and cannot read as a
    Bundle (see Trust) is scanned for codes the same way, and listed at
    the prefetch key with why. A Bundle whose total is greater than the Conditions it holds (search mode
    match) is a 412, like a next link, unless the service could run the
    search again on fhirServer and get them all. Such a part, or entry,
    does not stop the service from reading the other pages (see Trust):
    it is listed as it would be on its own; only an entry or link list
    that cannot be read keeps the pages from being put together.
  - A Condition is skipped when its verificationStatus is refuted or
    entered-in-error, or its clinicalStatus is inactive, remission or
    resolved, each of its R4 code system
    (http://terminology.hl7.org/CodeSystem/condition-ver-status,
    http://terminology.hl7.org/CodeSystem/condition-clinical). It counts
    when its clinicalStatus is active, recurrence or relapse. When its
    status cannot be read (a clinicalStatus that is missing, has no
    system, is of another system such as STU3's
    http://hl7.org/fhir/condition-clinical, has a code the system does
    not define, or two that disagree, or is of the wrong type, such as
    the string "resolved"; or the same of a verificationStatus), it
    counts too: the service errs toward a referral, and reports it; the
    same for a subject of the wrong type, counted as the patient's. A
    subject reference that cannot be told to be the patient in context
    (another Patient, a Group, "#p1" for a contained resource, a urn that
    no entry's fullUrl resolves to the Patient in context) is no longer a
    400 that hides the other Conditions' red flags: the search was for
    the patient's Conditions, so it counts as the patient's, and is
    listed with why under [ExtensionUnreadConditions]; the call is
    answered as an entry that cannot be read is (the referral cards, a
    red flag of its own among them, and the warning card), and with the
    400 naming the reference when nothing calls for a referral. A
    Condition's code is read one coding at a time: a coding that cannot
    be read (a value of the wrong type in it, such as "display": 42, or
    a coding that is a string) costs only itself, and the others are
    looked up; a code or coding list of the wrong type costs the whole
    code. Either way, when the Condition counts (or is no longer active,
    and so could be a past cancer), what could not be read may be a red
    flag: the Condition is listed under [ExtensionUnreadConditions] with
    the path of the value at fault ("code.coding[1].display") and the
    call is answered as an entry that cannot be read is. A refuted or
    entered-in-error Condition is skipped all the same.
  - A history of cancer counts whatever the clinicalStatus: a Condition
    with a code of history_of_cancer (such as Z85.3, or C50.911) that is
    resolved, inactive or in remission is a cancer in the past, which is
    the red flag itself, so its history_of_cancer codes count (its other
    codes do not, and it is reported as skipped when it has any). This is
    data of the rule set: the vocabulary marks the term counts_when_past
    (recommend.Term.CountsWhenPast), and any term so marked is read the
    same way; refuted or entered-in-error, it is skipped as any
    Condition is. Such Conditions come in the pastConditions prefetch
    (see "Past conditions"), or in the conditions prefetch when a client
    sends them there.
  - Each coding (system and code) of a counted Condition's code is looked
    up in the codes of the rule set's vocabulary (recommend.Term.Codes,
    written in rules/vocabulary.yaml): a code of a conditions term adds
    that term to the profile's conditions, one of a red_flags term to its
    red_flags. A term is added once, and the lists follow vocabulary
    order. A code stands for one term in the whole vocabulary; the parse
    stage checks that. A coding written another way is looked up as the
    vocabulary writes it: ICD-10-CM, the WHO's ICD-10 and SNOMED CT under
    their HL7 OIDs (urn:oid:2.16.840.1.113883.6.90, .6.3 and .6.96, the
    "urn:oid:" in any case) as under their FHIR URIs; an ICD-10-CM or
    ICD-10 code trimmed, in capitals, without a dot at its end and with
    the dot after its third character (" m5126" and "M51.26." are
    M51.26), and a WHO ICD-10 code without the dagger or asterisk of its
    dual coding ("G83.4†" is G83.4); a SNOMED CT code trimmed. The two
    ICD-10s stay apart: a code of one never stands for a term coded only
    in the other, as their codes below the category differ.
    Codes of terms of the other vocabulary fields are not looked up, and
    resources other than Condition in the Bundle are ignored.
  - The other profile fields (pain level, days since onset, sitting hours,
    what aggravates or eases the pain, equipment) are not in the prefetch
    data and stay unset, so the advice is what the rules give for the
    conditions, red flags and age alone.

# Conditions without a clinical status

FHIR R4 lets a Condition have no clinicalStatus (con-3 asks for one only
on a problem-list item, so an encounter diagnosis may lack it). Such a
Condition, when it comes, counts, erring toward a referral, and is listed
under [ExtensionAssumedActive]; but the prefetch templates filter by
clinical-status, so a client that fills them as written sends none. The
search that would ask for them, clinical-status:missing=true, uses a token
modifier that CDS Hooks 2.0 leaves out of the prefetch subset it
recommends ("token search parameters using equality ... and optionally the
:in modifier (no other modifiers for token parameters)", Prefetch query
restrictions), and a template without the clinical-status filter would
bring every Condition of the record, encounter diagnoses of years among
them, over the body limit or onto several pages. So discovery does not ask
for them: a red flag recorded only on a Condition without a clinical
status is not seen unless the client sends it, in conditions or
pastConditions, where it is read as above.

# Past conditions

A cancer recorded as resolved, inactive or in remission is a cancer in the
past, which with back pain is a red flag (NICE NG234). When a term of the
rule set's vocabulary counts when past, discovery asks for the
pastConditions prefetch ([PrefetchPastConditions],
[PastConditionsTemplate]): the Conditions the conditions template leaves
out, by clinical-status, at most [PastConditionsPageSize] a page. The
template carries no codes: CDS Hooks 2.0 lets a prefetch template use
token search by equality only, and optionally :in (no other token
modifier), while a vocabulary code with subcodes: true (Z85) stands for
every code under it, which exact tokens cannot say, and the service reads
codes written another way (an OID system, no dot, a dot at the end) that
a token search would miss. The page size keeps a long history from
bringing the body over the service's limit, a 413 without cards
([WithMaxBodyBytes]); the rest of it comes with a next link, read as the
conditions' are.

What keeps the service from reading every past Condition (the key missing
and not read from fhirServer, an OperationOutcome in its place, a page of
several it could not complete, an OperationOutcome entry of a failed
search, an entry or code that cannot be read, a Bundle that is not one, a
read from fhirServer that failed) is never a 412 or a 400, and never hides
the active Conditions' referrals: the call is answered with their referral
cards, a warning card "Past conditions could not all be read: exercise
advice withheld; check the chart for a past cancer" (with no referral card
when they call for none), the key messages' safety nets, and why under
[ExtensionUnreadPastConditions]; on a chart that records no back
condition, the referral and key messages cards are framed with IfBackPain,
as they are when the past Conditions are read (see "Cards"). A chart with
nothing the rule set knows (no term of its vocabulary, no pain scores),
which gets no cards when the past Conditions are read, gets the warning
card alone: not the referrals its age alone calls for, nor the key
messages. JSON null means no past conditions.

# What the service could not use

Codes of counted Conditions that no vocabulary term has are ignored for
the advice. They, and the Conditions the service skipped or counted
without reading their status, are reported in the response's extension
object, which CDS Hooks reserves for this kind of use ([Extension]):

  - com.github.backrules.unknown-codes ([ExtensionUnknownCodes]): a list
    of codings (system, code, display) without repeats, in the order met;
  - com.github.backrules.skipped-conditions
    ([ExtensionSkippedConditions]): the Conditions left out, each with
    its entry (the JSON path in the request), id, codes and reason;
  - com.github.backrules.assumed-active-conditions
    ([ExtensionAssumedActive]): the Conditions counted as active although
    their status could not be read (or as the patient's although their
    subject could not be), in the same form;
  - com.github.backrules.unread-patient ([ExtensionUnreadPatient]): the
    values of the patient that could not be read (a birthDate that is
    missing or gives no age, a gender or id of the wrong type, a deceased[x] that cannot be
    read or is in the future, or the Patient itself, not read from
    fhirServer), each with its path and why;
  - com.github.backrules.unread-conditions
    ([ExtensionUnreadConditions]): why not every active Condition could
    be read (from fhirServer, an OperationOutcome of the search in the
    Bundle, or an entry, code or coding that could not be read, with its
    path and the codings read), when the call was answered with the
    referrals of those read;
  - com.github.backrules.unread-past-conditions
    ([ExtensionUnreadPastConditions]): the same of the past Conditions.

Each list is left out when empty, and the extension when all are. They
are reported there rather than in a card, so that a clinician's screen
is not filled with cards about data the service could not use; the
exceptions are what could hide a referral: an unreadable birth date,
gender or Patient, the Conditions not all read, and the pain scores,
each with a warning card after the referral cards; and the Conditions
counted but not mapped, when what they are called may be a red flag (see
"Conditions not read").

# Conditions not read

An active Condition counted whose code stands for no vocabulary term
(coded only in text, code.text with no coding; only under a local or
unknown code system; or with codes no term has) is [Mapping.Unmapped],
and is not used for the advice. Its text is never read as a red flag:
"no saddle numbness" and "family history of cancer" would be one. But
what it is called (code.text, each coding's display and code) is read
for names: those of the vocabulary's red flags, as
recommend.Engine.NamedRedFlags reads them (the words of the id; the
other names the vocabulary lists for it under also_called, such as
"CES", "metastases" or "saddle anaesthesia"; or a name a red flag's
label gives, such as "spine infection", listed after the colon of
known_serious_spinal_condition's, and "cancer" for "a history of
cancer", since a Condition on the chart is itself the history: "Prostate
cancer" names it; full-width letters read as ASCII), and of the conditions that can change
a referral (recommend.Engine.NamedReferralConditions). When one names a
red flag, the answer has one warning card, "N conditions on the chart
could not be read by this service: review them for red flags", after the
referral cards and those saying the advice is unavailable, before the
other warning cards of what could not be read; on any chart, relevant or
not, since a red flag is always relevant (a chart of nothing else the
rule set knows gets it alone). When none names a red flag but one names
such a condition, the card is info, "... review them, as the advice does
not include them". When none names anything the rule set knows, there is
no card: every chart holds conditions outside the rule set, and a card
on every chart about them is what the relevance rule keeps from the
clinician. The card lists the first ten by name (escaped, each at most
80 characters) and how many more, asks the clinician to review them for
red flags, never says one is present, and gives no referral; its topic
is conditions-not-read. A Condition no longer active (inactive,
remission or resolved) with no code of a term is read the same way, but
only for the names of the red flags that count in the past: a past
cancer written in text ("Breast cancer 2015", resolved) gets the warning
card, listed "(no longer active)", as its ICD-10-CM code would get a
referral; one that names no such red flag (a resolved sciatica) is
neither listed nor counted. An active Condition whose codes stand for
conditions of the vocabulary but for no red flag ([Mapping.MappedNames])
is used for the advice, and what it is called is read too, for the
names of red flags only: "Sciatica due to metastatic prostate cancer"
coded as sciatica gets the warning card, listed with what its codes
were read as, since its codes alone give exercise advice with no word
of the red flag; named as its codes are, it gets none. A coding sent
under a code system the vocabulary has no code of (none, or FHIR's
written another way, such as "https://hl7.org/fhir/sid/icd-10-cm") is
not counted, but its code is looked up under the systems the
vocabulary has: when it stands for a red flag there ("G83.4"), the
Condition gets the warning card too; so does a code sent under a
system the vocabulary has but not listed there, when another system
lists it as a red flag (the WHO's ICD-10 "G83.4", which only
ICD-10-CM's code stands for so far), never counted, since the two
ICD-10s differ below their categories. A Condition whose code could not be read is not
among them: it has the warning card of the Conditions not all read. The
skipped, assumed and unread Conditions are also logged ([WithLogger]),
on one line per call with the entry and reason of each (no ids or
codes; a status code is named only when it is one of FHIR's value set,
otherwise as "an unknown code"): a warning when any was assumed active
or not read.

# Cards

[Cards] turns a recommend.Result into cards with the specification's
field names: one card per referral (critical for an emergency, warning
when urgent, info when routine), one info card with the key messages,
one info card per plan step with how, dose and why, one info card "Also
helpful" with the other recommended movements, and one warning card
"Avoid for now" with the movements to avoid and where the sources
disagree. When advice is withheld there are no exercise cards, and the
referral card says that exercises are on hold.

When only the referrals could be worked out (Recommend returned a
*recommend.PartialError: a rule failed at runtime, or the call ran out of
time after the referral rules ran), the service answers 200 with the
cards of the partial Result: the referral cards, then an info card "Exercise
advice unavailable", then the key messages' card with the safety nets,
which a partial Result keeps. It logs the failing rule's id, file
and line (see WithLogger), never the patient's data. A profile the
engine refuses (recommend.ErrInvalidProfile, which Recommend also wraps
in a *recommend.PartialError) is not such a case: the mapping builds
every profile within the engine's bounds, so it is the service's mistake,
answered with 500 and no cards, and logged with the fields at fault,
never their values.

A chart gets cards when it is relevant (Mapping.Relevant): when one
of its active Conditions has a code of a vocabulary term under conditions
or red_flags. A chart that is not, but whose pain scores the service
read call for a referral (the review of pain not improving by six weeks,
or rising; or the age with the pain), gets its cards too: the rules run
on every chart with pain scores, and no referral they give for what the
service read is dropped. Any other chart, such as an empty one, a
child's without conditions or pain scores, or one whose pain scores call
for no referral, gets {"cards": []}, as CDS Hooks asks when there is
nothing to say; age alone is not relevant. A chart that records no back
condition gets its cards framed as applying if the patient reports back
pain, which the rules assume and the chart does not say (Mapping.Cards):
each summary starts with IfBackPain, and the detail says why. That is a
chart whose terms are all risk factors (recommend.Term's RiskFactor: a
history of cancer, osteoporosis, high blood pressure, pregnancy;
Mapping.RiskFactorsOnly), and one with no term whose cards come from its
pain scores, which do not say where the pain is.

Cards are written for the clinician reading the chart, and only a
clinician gets them: patient-view is also fired for a patient, or their
proxy, viewing their own record (context.userId "Patient/123" or
"RelatedPerson/7"), and such a call is answered with {"cards": []}
before any of the chart is read, since "assess within days for spinal
metastases" is not how a patient should hear of a red flag. A userId that
is missing, of the wrong type or of another form errs toward the cards. A
key in the wrong case ("UserId") is not the userId: when, read as one, it
names a patient or their proxy, the call is a 400 (a patient may be
viewing, who would get no cards, so nothing is hidden from a clinician);
otherwise the user is taken to be a clinician, as without a userId, and
the key is listed under [ExtensionUnreadConditions], the call answered with
the referral cards, the warning card and the rest of the advice withheld,
or the 400 naming it when nothing calls for a referral. A referral card's
summary is its urgency and the first sentence of the rule's
refer.clinician (third person, locale-neutral), which, framed with
IfBackPain and too long to fit whole, loses the clauses that say no timing
before the finding is cut, so that it still says how soon to act; its
detail adds what the patient is told, after "**The patient is told:** ". Key message cards
give their count and the patient's words in the detail; plan cards name
the step. Every second-person sentence of a detail is the patient's, and
labelled so: the key messages, a plan step's how, dose, why and cautions,
and the dose, reason and cautions of each movement of the also-helpful
and avoid cards are a list after a paragraph "**What the patient is
told:**", and where the sources disagree about a movement follows it in
the clinician's words, with every passage of each side in the card's
sources (a passage the card's own advice does not rest on, such as the
side that suggests a movement the avoid card avoids, is listed last, with
the side it takes). The cards say what the short report says: a plan
step or movement the check-ins have moved gives its level and dose this
week (or that it is stopped, and why), not the dose it started at, and
the also-helpful and avoid cards list their movements in the order of
the report's groups. Referral and avoid cards
offer overrideReasons (OverrideReasonSystem), and every card's
source.topic (TopicSystem) says what it is about (conditions-not-read
for the card of "Conditions not read").

Every card has a summary of one sentence and at most 139 characters (the
whole text is in the detail; a referral's clinician sentence too long for
it is shortened at whole phrases that keep what to do and how soon: its
interpretation dropped, then the reason of its action or the end of its
finding, marked "…", cut), a detail in GitHub-flavoured markdown (rule text is escaped,
so a rule file cannot add links or HTML), and a source: the title and
publisher of its first citation of the strongest kind of evidence (a
guideline before a review, a review before a trial, and so on to a
personal account; on a card about movements, one that takes a side
before one cited for background only, and the rule set when all are
background), with its URL when known. Every citation of the card
is listed in its detail, the source first; the others with an address
are also links of type absolute, labelled with their title (or, lacking
one, their publisher, id or address). A card's uuid, which feedback
names, identifies the card of one call: it is a version 5 (name-based)
UUID of the rule set's digest, the request's hookInstance, the card's
place and its content, so that no other call, for this patient or
another, gets it, and the same request sent again gets the same uuids.
The call's [Event] records the hookInstance beside the uuids.
*/
package cdshooks
