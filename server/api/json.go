package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

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

// Decode reads a JSON body strictly: unknown fields, trailing data, an empty
// body and wrong types are EINVALID errors that name the problem.
func Decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			return hallq.Errorf(hallq.EINVALID, "request body is empty; want a JSON object")
		case errors.As(err, &se):
			return hallq.Errorf(hallq.EINVALID, "malformed JSON at byte %d: %v", se.Offset, se)
		case errors.As(err, &te) && te.Field == "":
			return hallq.Errorf(hallq.EINVALID, "want a JSON object, not %s", te.Value)
		case errors.As(err, &te):
			return hallq.Errorf(hallq.EINVALID, "field %q must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return hallq.Errorf(hallq.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return hallq.Errorf(hallq.EINVALID, "malformed JSON: %v", err)
	}
	if dec.More() {
		return hallq.Errorf(hallq.EINVALID, "unexpected data after the JSON object")
	}
	return nil
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
