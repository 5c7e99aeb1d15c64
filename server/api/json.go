package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hallq/hallq"
)

// WriteJSON answers v as JSON with status; nothing is cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// Decode reads a JSON body strictly, with the semantics of the Go team's
// encoding/json/v2 (github.com/go-json-experiment/json): field names match
// exactly ("Service" is not "service"), a field given twice, an unknown
// field, invalid UTF-8, trailing data, an empty body and wrong types are
// EINVALID errors that name the problem. A client can therefore never
// have one reader of a body see another value than the next.
func Decode(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return err
		}
		return hallq.Errorf(hallq.EINVALID, "reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return hallq.Errorf(hallq.EINVALID, "request body is empty; want a JSON object")
	}
	if err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return decodeError(err)
	}
	return nil
}

// decodeError is the EINVALID error for a body Unmarshal refused, naming
// the field where there is one.
func decodeError(err error) error {
	if se, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		switch {
		case errors.Is(se.Err, jsontext.ErrDuplicateName):
			return hallq.Errorf(hallq.EINVALID, "field %q is given twice", fieldName(se.JSONPointer))
		case se.JSONPointer != "":
			return hallq.Errorf(hallq.EINVALID, "malformed JSON at byte %d (in %q): %v", se.ByteOffset, fieldName(se.JSONPointer), se.Err)
		}
		return hallq.Errorf(hallq.EINVALID, "malformed JSON at byte %d: %v", se.ByteOffset, se.Err)
	}
	if se, ok := errors.AsType[*jsonv2.SemanticError](err); ok {
		field := fieldName(se.JSONPointer)
		switch {
		case errors.Is(se.Err, jsonv2.ErrUnknownName):
			return hallq.Errorf(hallq.EINVALID, "unknown field %q (field names are case-sensitive; docs/API.md lists each route's)", field)
		case field == "" && se.JSONKind != 0 && se.JSONKind != '{':
			return hallq.Errorf(hallq.EINVALID, "want a JSON object, not %s", kindName(se.JSONKind))
		case se.GoType != nil:
			return hallq.Errorf(hallq.EINVALID, "field %q must be %s, not %s", field, jsonKind(se.GoType.Kind().String()), kindName(se.JSONKind))
		}
		return hallq.Errorf(hallq.EINVALID, "field %q: %v", field, se.Err)
	}
	return hallq.Errorf(hallq.EINVALID, "malformed JSON: %v", err)
}

// fieldName names the field at ptr as docs/API.md does: "service",
// "hours.0.open".
func fieldName(ptr jsontext.Pointer) string {
	return strings.Join(slices.Collect(ptr.Tokens()), ".")
}

// kindName names a JSON kind as a client would.
func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "that"
}

// jsonKind names a Go kind as the JSON type a client must send.
func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice", k == "array":
		return "an array"
	}
	return "an object"
}

// DecodeEmpty accepts an empty body or an empty JSON object.
func DecodeEmpty(r *http.Request) error {
	var v struct{}
	return DecodeOptional(r, &v)
}

// DecodeOptional decodes a body strictly if there is one.
func DecodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	err := Decode(r, v)
	if err != nil && strings.Contains(hallq.ErrorMessage(err), "body is empty") {
		return nil
	}
	return err
}

// QueryInt reads an integer query parameter, def when it is absent.
func QueryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, hallq.Errorf(hallq.EINVALID, "query parameter %s=%q is not an integer", name, v)
	}
	return n, nil
}
