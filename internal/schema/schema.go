// Package schema generates a JSON Schema (draft 2020-12) for rule files,
// so that an editor using the YAML language server can validate a rule file
// and complete it as an author types.
//
// The schema checks what a schema can: the keys of every mapping, which
// are required, the types of values, the closed sets (source, movement and
// message kinds, urgencies, priorities), the shape of ids, and that a rule
// has an effect. Generated for a rule set ([Generate] with an engine), it
// also lists the rule set's movement ids, tags, source ids and equipment
// ids as enums where a rule file refers to them, and names every vocabulary
// id in the description of when. What needs the whole rule set, such as
// duplicate ids, CEL conditions and the vocabulary in them, is left to
// recommend.Load.
package schema

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/figure"
	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/recommend"
)

// idPattern is the shape of every id, as the parse stage checks it.
const idPattern = "^[a-z][a-z0-9_-]*$"

// Fixed sets of values, as recommend checks them.
var (
	sourceKinds   = kindIDs()
	movementKinds = []string{"stretch", "mobility", "decompression", "strengthening", "self_massage", "lifestyle"}
	urgencies     = []string{string(recommend.UrgencyEmergency), string(recommend.UrgencyUrgent), string(recommend.UrgencyRoutine)}
	messageKinds  = []string{
		string(recommend.MessageKindSafetyNet), string(recommend.MessageKindReassurance), string(recommend.MessageKindStayActive), string(recommend.MessageKindPacing),
	}
	vocabularyFields = []string{"conditions", "red_flags", "aggravated_by", "eased_by", "equipment"}
	// choiceFields are the single-value profile fields whose values the
	// vocabulary declares; their entries take no codes.
	choiceFields = []string{"sex", "episode"}
	positions    = parse.Positions
)

// maxPriority is the largest priority of a recommend effect.
const maxPriority = 9

type object = map[string]any

// Generate returns the schema as indented JSON. With a nil engine the
// schema is generic: references are checked for their shape only. With an
// engine, the ids it declares become enums.
func Generate(eng *recommend.Engine) ([]byte, error) {
	movementRef := idRef("a movement id")
	tagRef := idRef("a movement tag")
	sourceRef := idRef("a source id")
	equipmentRef := idRef("an equipment id from vocabulary.equipment")
	whenDesc := "A CEL condition over the variable profile, such as 'sciatica' in profile.conditions or profile.pain_level >= 7; true applies to everyone. It must give a bool."
	title := "backrules rule file"
	if eng != nil {
		title += " (generated for one rule set)"
		var movements, tags, sources []string
		for _, m := range eng.Movements() {
			movements = append(movements, m.ID)
			for _, t := range m.Tags {
				if !slices.Contains(tags, t) {
					tags = append(tags, t)
				}
			}
		}
		slices.Sort(tags)
		for _, s := range eng.Sources() {
			sources = append(sources, s.ID)
		}
		v := eng.Vocabulary()
		movementRef = enumRef("a movement id", movements)
		tagRef = enumRef("a movement tag", tags)
		sourceRef = enumRef("a source id", sources)
		equipmentRef = enumRef("an equipment id from vocabulary.equipment", termIDs(v.Equipment))
		var b strings.Builder
		b.WriteString(whenDesc + " Vocabulary:")
		for _, f := range []struct {
			name  string
			terms []recommend.Term
		}{
			{"conditions", v.Conditions}, {"red_flags", v.RedFlags}, {"aggravated_by", v.AggravatedBy},
			{"eased_by", v.EasedBy}, {"equipment", v.Equipment}, {"sex", v.Sex}, {"episode", v.Episode},
		} {
			b.WriteString(" profile." + f.name + ": " + strings.Join(termIDs(f.terms), ", ") + ".")
		}
		whenDesc = b.String()
	}
	text := object{"type": "string", "minLength": 1}
	id := object{"type": "string", "pattern": idPattern}
	// A list is a set, as Load reads it: an entry listed twice is an error.
	ids := func(item object) object { return object{"type": "array", "items": item, "uniqueItems": true} }
	closed := func(kind string, props object, required ...string) object {
		o := object{"type": "object", "description": kind, "additionalProperties": false, "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	selector := func(effect string, priority bool) object {
		props := object{
			"movements": ids(object{"$ref": "#/$defs/movementRef"}),
			"tags":      ids(object{"$ref": "#/$defs/tagRef"}),
			"kinds":     ids(object{"enum": movementKinds}),
			"because":   text,
		}
		if priority {
			props["priority"] = object{"type": "integer", "minimum": 1, "maximum": maxPriority,
				"description": "Places the effect's first recommended movement in the plan: 1 starts first."}
		}
		mapping := closed("The movements to "+effect+", and the effect's own reason.", props)
		mapping["anyOf"] = []any{
			object{"required": []string{"movements"}}, object{"required": []string{"tags"}}, object{"required": []string{"kinds"}},
		}
		return object{"oneOf": []any{
			object{"type": "array", "minItems": 1, "items": object{"$ref": "#/$defs/movementRef"},
				"description": "The ids of the movements to " + effect + "."},
			mapping,
		}}
	}
	code := closed("A code of a clinical terminology that stands for the value; a system and code may be given to one value only.", object{
		"system": object{"type": "string", "format": "uri", "pattern": "^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]+$",
			"description": "The code system's absolute URI, such as http://snomed.info/sct (SNOMED CT), http://hl7.org/fhir/sid/icd-10 (ICD-10) or http://hl7.org/fhir/sid/icd-10-cm (ICD-10-CM)."},
		"code": object{"type": "string", "pattern": "^[^\\s]+$", "description": "The code in that system, written as text: quote a code of digits only."},
		"subcodes": object{"type": "boolean", "description": "true when the code is a category of a code system whose codes nest by prefix (" +
			strings.Join(parse.PrefixSystems, ", ") + "): every code that starts with it stands for the value too."},
	}, "system", "code")
	vocabEntry := closed("An allowed value of a profile list field.", object{
		"id": id, "label": text,
		"codes": object{"type": "array", "minItems": 1, "items": code},
	}, "id", "label")
	choiceEntry := closed("An allowed value of a single-value profile field, read in conditions as profile.<field> == 'id'; it takes no codes.", object{
		"id": id, "label": text,
	}, "id", "label")
	vocabProps := object{}
	for _, f := range vocabularyFields {
		vocabProps[f] = ids(vocabEntry)
	}
	for _, f := range choiceFields {
		vocabProps[f] = ids(choiceEntry)
	}
	vocabProps[parse.EquipmentField] = ids(closed("A piece of equipment a person may have, and the prop that draws it in the pictures of the movements that use it.", object{
		"id": id, "label": text,
		"prop": object{"enum": append(slices.Clone(figure.Props), figure.NoProp),
			"description": "The prop that draws the equipment: a movement that uses it must list this prop in its pose; " + figure.NoProp + " for equipment the pictures do not show, with the reason in a comment."},
		"codes": object{"type": "array", "minItems": 1, "items": code},
	}, "id", "label", "prop"))
	riskFactor := object{"type": "boolean", "description": "true when the value is a risk factor, or another condition, that changes the advice for a person with back pain but does not itself say that the person has back trouble; a record whose only values are risk factors (such as a chart the CDS Hooks service reads) gets advice framed as applying if back pain is reported."}
	countsWhenPast := object{"type": "boolean", "description": "true when the value's meaning includes the past, such as a history of cancer: a coded record of it that is no longer active (a FHIR Condition that is resolved, inactive or in remission) still stands for it, and the CDS Hooks service asks for such Conditions (its pastConditions prefetch) and counts their codes of this value."}
	vocabProps["conditions"] = ids(closed("A condition a person may have: a back condition, or a risk factor or other condition that changes the advice.", object{
		"id": id, "label": text,
		"codes":            object{"type": "array", "minItems": 1, "items": code},
		"risk_factor":      riskFactor,
		"counts_when_past": countsWhenPast,
	}, "id", "label"))
	vocabProps["red_flags"] = ids(closed("A red flag: a warning sign that needs a clinician, with its safety floor.", object{
		"id": id, "label": text,
		"risk_factor":      riskFactor,
		"counts_when_past": countsWhenPast,
		"codes":            object{"type": "array", "minItems": 1, "items": code},
		"also_called": object{"type": "array", "minItems": 1, "uniqueItems": true,
			"description": "Other names people write the red flag by (\"cauda equina syndrome\", \"CES\"), which the engine finds in text it cannot read as a profile and in chart Conditions the CDS Hooks service cannot map, as whole words in any case. A name stands for one red flag: Load refuses one that is another red flag's id, also_called name or a name its label gives, or its own.",
			"items": object{"type": "string", "pattern": "^[A-Za-z0-9 -]*[A-Za-z0-9][A-Za-z0-9 -]*$",
				"description": "A name of ASCII letters, digits, spaces and hyphens; one word must be at least 3 characters."}},
		"floor": closed("The least this red flag must lead to on its own, whatever else the profile holds; Load proves it.", object{
			"urgency":  object{"enum": append(slices.Clone(urgencies), "none"), "description": "The least urgency of the referral; none when the flag alone needs no referral."},
			"withhold": object{"type": "boolean", "description": "true when the flag must withhold movement advice."},
		}, "urgency", "withhold"),
	}, "id", "label", "floor"))
	schema := object{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  "https://github.com/backrules/backrules/rule-file.schema.json",
		"title":                title,
		"description":          "A backrules rule file: sources, vocabulary, movements and rules, any of them. Generated by rulecheck -schema.",
		"type":                 "object",
		"additionalProperties": false,
		"properties": object{
			"version": object{"type": "string", "minLength": 1, "description": "The rule set's version; declare it in one file only."},
			"sources": ids(closed("A document that rules cite.", object{
				"id": id, "title": text, "publisher": text, "kind": object{"enum": sourceKinds},
				"author": object{"type": "string"},
				"url": object{"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/@?#]+([/?#]\\S*)?$",
					"description": "The document's web address: an absolute http or https URL."},
				"sections": object{"type": "array", "minItems": 1, "items": text,
					"description": "The headings of the source that citations may point at; when given, every citation's locator must be one of them."},
			}, "id", "title", "publisher", "kind")),
			"vocabulary": closed("The allowed values of the profile's list fields.", vocabProps),
			"movements": ids(closed("A movement that rules can advise.", object{
				"id": object{"type": "string", "pattern": idPattern, "not": object{"const": parse.ReservedMovementID},
					"description": "The movement's id; \"" + parse.ReservedMovementID + "\" is reserved for explaining the referrals."},
				"name": text, "kind": object{"enum": movementKinds}, "how": text, "dose": text,
				"tags":      ids(id),
				"equipment": ids(object{"$ref": "#/$defs/equipmentRef"}),
				"pose":      poseSchema(closed),
				"levels": object{"type": "array", "minItems": 1, "maxItems": recommend.MaxLevels,
					"description": "Dose levels, easiest first; the movement's dose must be one of them, the level a programme starts at.",
					"items":       closed("One dose level.", object{"dose": text, "how": text}, "dose")},
			}, "id", "name", "kind", "how", "dose", "pose")),
			"rules": ids(object{"$ref": "#/$defs/rule"}),
			"progress": ids(closed("A progression rule: a CEL condition over the variables programme and move, with a step for the movement or a review referral.", object{
				"id": id, "when": text, "because": text,
				"step": object{"enum": []string{"start", "progress", "hold", "regress", "stop"}},
				"refer": closed("A review the programme calls for.", object{"urgency": object{"enum": urgencies}, "message": text,
					"clinician": object{"type": "string", "minLength": 1, "description": "The review for a clinician reading the chart: finding, action and timing, in the third person."}}, "urgency", "message"),
				"cite": object{"type": "array", "minItems": 1, "items": closed("A citation.", object{
					"source": object{"$ref": "#/$defs/sourceRef"}, "locator": text, "claim": text,
					"position": object{"enum": positions}}, "source", "locator", "claim")},
			}, "id", "when", "because", "cite")),
		},
		"$defs": object{
			"movementRef":  movementRef,
			"tagRef":       tagRef,
			"sourceRef":    sourceRef,
			"equipmentRef": equipmentRef,
			"rule": func() object {
				r := closed("A rule: when its condition holds, its effects apply.", object{
					"id":          id,
					"description": object{"type": "string"},
					"when": object{"description": whenDesc, "anyOf": []any{
						object{"type": "string", "minLength": 1}, object{"type": "boolean"},
					}},
					"because":   text,
					"recommend": selector("recommend", true),
					"avoid":     selector("avoid", false),
					"caution":   selector("caution against", false),
					"refer": closed("A referral to a clinician.", object{
						"urgency": object{"enum": urgencies}, "message": text, "withhold": object{"type": "boolean"},
						"clinician": object{"type": "string", "minLength": 1,
							"description": "The referral for a clinician reading the chart (the CDS Hooks cards): the finding, what to do and how soon, in the third person and locale-neutral (no you, your or GP). Optional in the format; the default rule set writes it on every referral."},
						"pathway": object{"type": "string", "pattern": idPattern,
							"description": "The clinical pathway the referral belongs to: matched referrals of one pathway tell one story, led by the most urgent; the others are folded into it."},
						"invites_activity": object{"type": "boolean",
							"description": "true when the message invites exercise or activity; the referral is then folded into a more urgent one, or into any when advice is withheld. Not with withhold."},
						"keep_active": object{"type": "boolean",
							"description": "true when, though this referral withholds advice, the person is still told to stay gently active (the stay_active messages). Needs withhold: true; not for an emergency."},
						"within": object{"enum": []string{"now", "today", "two_days", "few_days", "weeks"},
							"description": "How soon the message asks the person to be seen, as it says: now or today for an emergency; today, two_days (today or tomorrow) or few_days for urgent; weeks for routine. Referrals of one urgency are ordered by it, the soonest first, and one is folded into a sooner one of its urgency that shares its pathway or a reported red flag. Optional: without it a referral is taken as the latest timing its urgency allows (emergency today, urgent few_days, routine weeks), so deleting it can only make a referral later, which a reload refuses; the default rule set writes it on every emergency and urgent referral."},
					}, "urgency", "message"),
					"say": closed("A key message.", object{"kind": object{"enum": messageKinds}, "message": text}, "kind", "message"),
					"cite": object{"type": "array", "minItems": 1, "items": closed("A citation.", object{
						"source": object{"$ref": "#/$defs/sourceRef"}, "locator": text, "claim": text,
						"position": object{"enum": positions,
							"description": "Where the source stands on the rule's advice: supports (recommends what the rule recommends, or backs its referral or message), " +
								"against (advises against what it avoids or cautions against), caution (advises care with it) or background (a fact the rule builds on; takes no side). " +
								"Left out, it follows from the rule's effect: supports under recommend, against under avoid, caution under caution, background under refer or say; " +
								"a rule with several effects on movements must give it."},
					}, "source", "locator", "claim")},
				}, "id", "when", "because", "cite")
				r["anyOf"] = []any{
					object{"required": []string{"recommend"}}, object{"required": []string{"avoid"}},
					object{"required": []string{"caution"}}, object{"required": []string{"refer"}},
					object{"required": []string{"say"}},
				}
				return r
			}(),
		},
	}
	out, err := json.MarshalIndent(schema, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func idRef(desc string) object {
	return object{"type": "string", "pattern": idPattern, "description": desc}
}

func enumRef(desc string, values []string) object {
	if values == nil {
		values = []string{}
	}
	return object{"enum": values, "description": desc}
}

func termIDs(ts []recommend.Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// kindIDs returns the ids of recommend.SourceKinds, in order.
func kindIDs() []string {
	var out []string
	for _, k := range recommend.SourceKinds() {
		out = append(out, k.ID)
	}
	return out
}

// spineDocs describes figure.Spines in one line.
func spineDocs() string {
	var parts []string
	for _, s := range figure.Spines {
		parts = append(parts, s.Name+": "+s.Doc)
	}
	return strings.Join(parts, "; ")
}

// poseSchema is a movement's pose: what internal/figure draws.
func poseSchema(closed func(string, object, ...string) object) object {
	frame := object{}
	for _, j := range figure.Joints {
		frame[j.Name] = object{"type": "number", "minimum": j.Min, "maximum": j.Max, "description": "Degrees: " + j.Doc + "."}
	}
	fr := closed("A key frame: joint angles in degrees; one left out is 0, a far limb's one the near limb's.", frame)
	return closed("The movement's picture, which every movement has: a line figure, usually seen from the side, in a start (drawn faded) and an end position.", object{
		"base":   object{"enum": figure.Bases, "description": "How the body meets the ground."},
		"props":  object{"type": "array", "items": object{"enum": figure.Props}, "description": "Things drawn beside the figure; among them the prop of each piece of equipment the movement uses (vocabulary.equipment gives it)."},
		"start":  fr,
		"end":    fr,
		"under":  object{"type": "number", "minimum": 0, "maximum": 1, "description": "Where along the spine a prop under the back sits: 0 the pelvis, 1 the shoulders (default 0.25)."},
		"turn":   object{"type": "number", "minimum": 0, "maximum": figure.MaxTurn, "description": "Degrees the view turns from the side (0) so that the near side faces up: 90 shows a body lying on its side from the front."},
		"anchor": object{"enum": figure.Anchors, "description": "The part of the body that stays put from the start frame to the end: pelvis (the default) or feet (the far foot)."},
		"spine":  object{"enum": figure.SpineNames(), "description": "The shape of the back every frame keeps (the trunk angle's bounds); left out, the movement's tags give it: " + spineDocs() + "."},
	}, "base", "start", "end")
}
