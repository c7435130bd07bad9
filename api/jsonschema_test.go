package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
)

// schemaValidator checks JSON values against the subset of JSON Schema
// (2020-12, as OpenAPI 3.1 uses it) that api/openapi.yaml is written
// in: type (a name or a list, "null" for nullable), properties,
// required, additionalProperties, items, enum, const, oneOf, anyOf,
// allOf, $ref, minimum, maximum, minItems, maxItems, minLength and
// maxLength. format and the other annotations are not checked; any
// other keyword is an error (checkKeywords), so that the description
// never relies on a rule nobody checks.
type schemaValidator struct {
	doc *openAPI
}

// checked are the keywords validate applies; annotations it ignores.
var (
	checkedKeywords = []string{"$ref", "type", "properties", "required", "additionalProperties", "items",
		"enum", "const", "oneOf", "anyOf", "allOf", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength"}
	annotationKeywords = []string{"description", "title", "format", "default", "examples", "deprecated",
		"readOnly", "writeOnly", "contentMediaType"}
)

// checkKeywords fails on a keyword the validator does not know,
// anywhere in schema s.
func (v *schemaValidator) checkKeywords(s any, at string) error {
	m, ok := s.(map[string]any)
	if !ok {
		if _, isBool := s.(bool); isBool {
			return nil
		}
		return fmt.Errorf("%s: a schema must be a mapping or a boolean", at)
	}
	for k, sub := range m {
		if !slices.Contains(checkedKeywords, k) && !slices.Contains(annotationKeywords, k) {
			return fmt.Errorf("%s: keyword %q is not checked by the test validator (jsonschema_test.go)", at, k)
		}
		var err error
		switch k {
		case "properties":
			for name, ps := range sub.(map[string]any) {
				if err = v.checkKeywords(ps, at+"/properties/"+name); err != nil {
					break
				}
			}
		case "items", "additionalProperties":
			err = v.checkKeywords(sub, at+"/"+k)
		case "oneOf", "anyOf", "allOf":
			for i, alt := range sub.([]any) {
				if err = v.checkKeywords(alt, fmt.Sprintf("%s/%s/%d", at, k, i)); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// validate returns the problems of value (decoded with UseNumber)
// against schema, each naming its JSON path from at ("$").
func (v *schemaValidator) validate(schema, value any, at string) []string {
	if b, ok := schema.(bool); ok {
		if b {
			return nil
		}
		return []string{at + ": no value is allowed here"}
	}
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: schema %v is not a mapping", at, schema)}
	}
	var out []string
	if ref, ok := s["$ref"].(string); ok {
		target, err := v.doc.resolve(ref)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		out = append(out, v.validate(target, value, at)...)
	}
	if t, ok := s["type"]; ok && !typeMatches(t, value) {
		return append(out, fmt.Sprintf("%s: %s, want type %v", at, jsonKind(value), t))
	}
	out = append(out, v.validateEnum(s, value, at)...)
	out = append(out, v.validateCombinators(s, value, at)...)
	out = append(out, validateBounds(s, value, at)...)
	switch x := value.(type) {
	case map[string]any:
		out = append(out, v.validateObject(s, x, at)...)
	case []any:
		if items, ok := s["items"]; ok {
			for i, e := range x {
				out = append(out, v.validate(items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return out
}

func (v *schemaValidator) validateEnum(s map[string]any, value any, at string) []string {
	if c, ok := s["const"]; ok && !jsonEqual(c, value) {
		return []string{fmt.Sprintf("%s: %s, want %v", at, short(value), c)}
	}
	enum, ok := s["enum"].([]any)
	if !ok {
		return nil
	}
	for _, e := range enum {
		if jsonEqual(e, value) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: %s is not one of %v", at, short(value), enum)}
}

func (v *schemaValidator) validateCombinators(s map[string]any, value any, at string) []string {
	var out []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			out = append(out, v.validate(sub, value, at)...)
		}
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		alts, ok := s[k].([]any)
		if !ok {
			continue
		}
		matched := 0
		var why []string
		for i, alt := range alts {
			p := v.validate(alt, value, at)
			if len(p) == 0 {
				matched++
				continue
			}
			why = append(why, fmt.Sprintf("[%d] %s", i, strings.Join(p, "; ")))
		}
		switch {
		case matched == 0:
			out = append(out, fmt.Sprintf("%s: matches none of %s: %s", at, k, strings.Join(why, " | ")))
		case k == "oneOf" && matched > 1:
			out = append(out, fmt.Sprintf("%s: matches %d schemas of oneOf, want exactly 1", at, matched))
		}
	}
	return out
}

func (v *schemaValidator) validateObject(s map[string]any, obj map[string]any, at string) []string {
	var out []string
	req, _ := s["required"].([]any)
	for _, r := range req {
		if _, ok := obj[r.(string)]; !ok {
			out = append(out, fmt.Sprintf("%s: required field %q is missing", at, r))
		}
	}
	props, _ := s["properties"].(map[string]any)
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if ps, ok := props[k]; ok {
			out = append(out, v.validate(ps, obj[k], at+"."+k)...)
			continue
		}
		if ap, ok := s["additionalProperties"]; ok {
			if ap == false {
				out = append(out, fmt.Sprintf("%s.%s: field not in the description", at, k))
				continue
			}
			out = append(out, v.validate(ap, obj[k], at+"."+k)...)
		}
	}
	return out
}

// validateBounds checks minimum, maximum and the length keywords.
func validateBounds(s map[string]any, value any, at string) []string {
	var out []string
	check := func(key string, n float64, tooSmall bool) {
		limit, ok := toFloat(s[key])
		if ok && ((tooSmall && n < limit) || (!tooSmall && n > limit)) {
			out = append(out, fmt.Sprintf("%s: %v breaks %s %v", at, n, key, limit))
		}
	}
	var n float64
	switch x := value.(type) {
	case json.Number:
		f, _ := x.Float64()
		check("minimum", f, true)
		check("maximum", f, false)
		return out
	case []any:
		n = float64(len(x))
		check("minItems", n, true)
		check("maxItems", n, false)
	case string:
		n = float64(len([]rune(x)))
		check("minLength", n, true)
		check("maxLength", n, false)
	}
	return out
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// typeMatches reports whether value has type t, a name or a list.
func typeMatches(t, value any) bool {
	if list, ok := t.([]any); ok {
		for _, e := range list {
			if typeMatches(e, value) {
				return true
			}
		}
		return false
	}
	kind := jsonKind(value)
	return t == kind || (t == "number" && kind == "integer")
}

// jsonKind is the JSON Schema type of a decoded value; a number is
// "integer" when it has no fractional part.
func jsonKind(value any) string {
	switch x := value.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		f, _, err := big.ParseFloat(x.String(), 10, 200, big.ToNearestEven)
		if err == nil && f.IsInt() {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", value)
}

// jsonEqual compares a YAML scalar of the description with a JSON value.
func jsonEqual(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// short shows a value in a message, cut to 60 bytes.
func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

// decodeJSONValue decodes a JSON document keeping numbers exact.
func decodeJSONValue(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}
