package staff_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hallq/hallq/server/web/staff"
)

// TestLangFilesHaveNoDuplicateKeys reads every language file token by token:
// a key written twice (lang/vi.json and lang/en.json once held admin.code
// twice) is refused, as is a value that is not a string.
func TestLangFilesHaveNoDuplicateKeys(t *testing.T) {
	files, err := filepath.Glob("lang/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no language files found (%v)", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := staff.DecodeTexts(raw)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		// Every key line of the file is one text: none was lost to a
		// duplicate the decoder missed.
		if n := strings.Count(string(raw), `": "`); n != len(m) {
			t.Errorf("%s: %d key lines, %d texts", f, n, len(m))
		}
	}
}

// TestDecodeTextsRefuses: what DecodeTexts must refuse, each with the key
// it names.
func TestDecodeTextsRefuses(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a.b": "x", "a.c": "y", "a.b": "z"}`, `"a.b" is written twice`},
		{`{"a": 1}`, `key "a"`},
		{`{"a": {"b": "c"}}`, `key "a"`},
		{`["a"]`, "want one object"},
		{`{"a": "x"} {"b": "y"}`, "want the end of the file"},
		{`{"a": "x"`, "EOF"},
	} {
		_, err := staff.DecodeTexts([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DecodeTexts(%s) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
	m, err := staff.DecodeTexts([]byte(`{"a": "x", "b": "Mã"}`))
	if err != nil || m["a"] != "x" || m["b"] != "Mã" || len(m) != 2 {
		t.Errorf("a good file: %v, %v", m, err)
	}
}
