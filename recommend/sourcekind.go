package recommend

// SourceKind describes one kind of source a rule may cite. The kinds are a
// closed set: a source of any other kind is a load error.
type SourceKind struct {
	// ID is the kind as rule files write it, and as [Source].Kind and
	// [Citation.Kind] give it: "systematic_review".
	ID string
	// Name is what a person calls the kind, and Plural the plural:
	// "research review", "research reviews".
	Name, Plural string
	// Class groups the kinds for telling who is on each side of a
	// conflict: "evidence" for guidelines, systematic reviews and trials,
	// "reference" for medical reference pages, and "article" for web
	// articles and personal accounts.
	Class string
}

// sourceKindTable is SourceKinds' answer, shared; SourceKinds copies it.
var sourceKindTable = []SourceKind{
	{"guideline", "guideline", "guidelines", "evidence"},
	{"systematic_review", "research review", "research reviews", "evidence"},
	{"trial", "trial", "trials", "evidence"},
	{"reference", "medical reference", "medical references", "reference"},
	{"clinic_article", "clinic article", "clinic articles", "article"},
	{"practitioner_article", "practitioner's article", "practitioners' articles", "article"},
	{"general_health_article", "health website", "health websites", "article"},
	{"personal_account", "personal account", "personal accounts", "article"},
}

// SourceKinds returns every kind of source, from the strongest kind of
// evidence to the weakest. It is the one list of kinds: the loader checks
// sources against it, and the reports, the analysis and the integrations
// name and rank kinds with it. The caller may change the slice returned.
func SourceKinds() []SourceKind {
	return append([]SourceKind(nil), sourceKindTable...)
}

// sourceKindIDs returns the ids of the kinds, in order; of class only,
// when class is not "".
func sourceKindIDs(class string) []string {
	var out []string
	for _, k := range sourceKindTable {
		if class == "" || k.Class == class {
			out = append(out, k.ID)
		}
	}
	return out
}
