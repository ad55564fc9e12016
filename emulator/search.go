package emulator

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The {operator, operands} query of the organization and member search endpoints. Operands
// are checked before anything is matched, with Stytch's error types: an unknown filter is
// <prefix>_filter_name_not_recognized, a fuzzy value under 3 characters is
// <prefix>_<filter>_too_short, a value of the wrong JSON type is <prefix>_expected_<type>.

// searchQuery is the query as sent.
type searchQuery struct {
	Operator string `json:"operator"`
	Operands []struct {
		FilterName  string `json:"filter_name"`
		FilterValue any    `json:"filter_value"`
	} `json:"operands"`
}

// filterKind is the JSON type a filter takes.
type filterKind int

const (
	filterStrings filterKind = iota // array of strings
	filterFuzzy                     // string of at least 3 characters, matched case-insensitively
	filterBool                      // boolean
)

// operand is one validated filter: Strings for filterStrings, Text (lower-cased) for
// filterFuzzy, Bool for filterBool.
type operand struct {
	Name    string
	Strings []string
	Text    string
	Bool    bool
}

// parsedQuery is a validated query: its operands and whether they are OR-ed.
type parsedQuery struct {
	ops []operand
	or  bool
}

// parse validates q against the endpoint's filters. prefix is organization_search or member_search.
func (q *searchQuery) parse(prefix string, filters map[string]filterKind) (*parsedQuery, error) {
	pq := &parsedQuery{}
	if q == nil {
		return pq, nil
	}
	switch strings.ToUpper(q.Operator) {
	case "", "AND":
	case "OR":
		pq.or = true
	default:
		return nil, newAPIError(400, prefix+"_invalid_operator", "operator must be AND or OR.")
	}
	for _, raw := range q.Operands {
		op, err := parseOperand(prefix, filters, raw.FilterName, raw.FilterValue)
		if err != nil {
			return nil, err
		}
		pq.ops = append(pq.ops, op)
	}
	return pq, nil
}

func parseOperand(prefix string, filters map[string]filterKind, name string, v any) (operand, error) {
	op := operand{Name: name}
	kind, ok := filters[name]
	switch {
	case name == "":
		return op, newAPIError(400, prefix+"_missing_filter_name", "Each operand needs a filter_name.")
	case !ok:
		return op, newAPIError(400, prefix+"_filter_name_not_recognized", "Unknown filter_name "+strconv.Quote(name)+".")
	case v == nil:
		return op, newAPIError(400, prefix+"_missing_filter_value", "Filter "+name+" needs a filter_value.")
	}
	badType := func(t string) error {
		return newAPIError(400, prefix+"_expected_"+t, "Filter "+name+" expects "+strings.ReplaceAll(t, "_", " ")+".")
	}
	switch kind {
	case filterStrings:
		list, ok := v.([]any)
		if !ok {
			return op, badType("array_of_strings")
		}
		for _, x := range list {
			s, ok := x.(string)
			if !ok {
				return op, badType("array_of_strings")
			}
			op.Strings = append(op.Strings, s)
		}
	case filterFuzzy:
		s, ok := v.(string)
		if !ok {
			return op, badType("string")
		}
		if utf8.RuneCountInString(s) < 3 {
			return op, newAPIError(400, prefix+"_"+name+"_too_short", "Filter "+name+" needs at least 3 characters.")
		}
		op.Text = strings.ToLower(s)
	case filterBool:
		b, ok := v.(bool)
		if !ok {
			return op, badType("boolean")
		}
		op.Bool = b
	}
	return op, nil
}

// match combines test over the operands with AND (default) or OR; no operands match all.
func (pq *parsedQuery) match(test func(op operand) (bool, error)) (bool, error) {
	if len(pq.ops) == 0 {
		return true, nil
	}
	for _, op := range pq.ops {
		ok, err := test(op)
		if err != nil {
			return false, err
		}
		if pq.or && ok {
			return true, nil
		}
		if !pq.or && !ok {
			return false, nil
		}
	}
	return !pq.or, nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// anyContains reports whether some element of list contains sub (sub is lower-case).
func anyContains(list []string, sub string) bool {
	for _, x := range list {
		if strings.Contains(strings.ToLower(x), sub) {
			return true
		}
	}
	return false
}

// paginate applies cursor (an offset) and limit (default 100, max 1000).
func paginate[T any](items []T, cursor string, limit int) ([]T, any, error) {
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	start := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return nil, nil, newAPIError(400, "invalid_cursor", "The cursor is invalid.")
		}
		start = n
	}
	start = min(start, len(items))
	end := min(start+limit, len(items))
	var next any
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}
