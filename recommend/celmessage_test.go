package recommend

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCelTypeErrorsSuggest checks that a type error in a condition says
// how the rule author most likely meant to write it, with an example in
// the variables of its kind of condition: profile fields in a rule's when,
// none in a progression rule's.
func TestCelTypeErrorsSuggest(t *testing.T) {
	tests := []struct {
		name, msg string
		vars      condVars
		want      string
	}{
		{"number in quotes", "found no matching overload for '_>_' applied to '(int, string)'", ruleVars(),
			"'>' cannot be applied to (int, string): a number is written without quotes, as in profile.pain_level >= 7"},
		{"string before a number", "found no matching overload for '_<_' applied to '(string, double)'", ruleVars(),
			"'<' cannot be applied to (string, double): a number is written without quotes, as in profile.pain_level >= 7"},
		{"list compared with ==", "found no matching overload for '_==_' applied to '(list(string), string)'", ruleVars(),
			"'==' cannot be applied to (list(string), string): to ask whether a list holds a value, write the value, then in, then the list, as in 'sitting' in profile.aggravated_by"},
		{"number in a list of ids", "found no matching overload for '@in' applied to '(int, list(string))'", ruleVars(),
			"'in' cannot be applied to (int, list(string)): 'in' asks whether a list holds a value of its kind, as in 'sitting' in profile.aggravated_by; compare a number with <, <=, >, >= or =="},
		{"a number negated", "found no matching overload for '!_' applied to '(int)'", ruleVars(),
			"'!' cannot be applied to (int): '!' turns true into false and back; compare a number instead, as in profile.pain_level == 0"},
		{"size of a number", "found no matching overload for 'size' applied to 'int.()'", ruleVars(),
			"'size' cannot be called on int: size() counts the entries of a list or the characters of a string; compare a number directly, as in profile.age > 1"},
		{"progression rule: no profile example", "found no matching overload for '_>_' applied to '(int, string)'", progressVars,
			"'>' cannot be applied to (int, string): a number is written without quotes"},
		{"a double equal to an int", "found no matching overload for '_==_' applied to '(double, int)'", ruleVars(),
			"'==' cannot be applied to (double, int): == compares numbers of one kind: write a double with a decimal point and an int without one, as in profile.sitting_hours == 8.0 and profile.pain_level == 7; <, <=, > and >= compare either kind"},
		{"an int not equal to a double", "found no matching overload for '_!=_' applied to '(int, double)'", ruleVars(),
			"'!=' cannot be applied to (int, double): != compares numbers of one kind: write a double with a decimal point and an int without one, as in profile.sitting_hours != 8.0 and profile.pain_level != 7; <, <=, > and >= compare either kind"},
		{"progression rule: a double equal to an int", "found no matching overload for '_==_' applied to '(double, int)'", progressVars,
			"'==' cannot be applied to (double, int): == compares numbers of one kind: write a double with a decimal point and an int without one; <, <=, > and >= compare either kind"},
		{"contains on a list", "found no matching overload for 'contains' applied to 'list(string).(string)'", ruleVars(),
			"'contains' cannot be called on list(string) with (string): to ask whether a list holds a value, write the value, then in, then the list, as in 'sitting' in profile.aggravated_by"},
		{"no common mistake: no hint", "found no matching overload for '_&&_' applied to '(bool, int)'", ruleVars(),
			"'&&' cannot be applied to (bool, int)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := celMessage(tt.msg, nil, 0, tt.vars)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("celMessage(%q) (-want +got):\n%s", tt.msg, diff)
			}
		})
	}
}
