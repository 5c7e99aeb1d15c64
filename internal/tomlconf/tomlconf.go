// Package tomlconf reads the TOML configuration files of hallq's programs
// strictly: an unknown key, a value of the wrong type or a bad value is an
// error that names the file, the line and the key, so an installer's typo
// is found at start-up rather than in the hall.
package tomlconf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Problem is one thing wrong in a config file.
type Problem struct {
	File string
	Line int    // 0 when unknown
	Key  string // dotted path, with [i] for array elements
	Msg  string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Key != "" {
		fmt.Fprintf(&b, ": %s", p.Key)
	}
	fmt.Fprintf(&b, ": %s", p.Msg)
	return b.String()
}

// Error lists every problem found in one file.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// File is a config file that has been read, kept to place problems found
// after decoding on their lines.
type File struct {
	Path string
	Data []byte
	errs []Problem
}

// Read decodes the TOML file at path into v, refusing unknown keys.
func Read(path string, v any) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path, Data: data}
	return f, f.decode(v)
}

// Parse decodes TOML text (named path in messages) into v.
func Parse(path string, data []byte, v any) (*File, error) {
	f := &File{Path: path, Data: data}
	return f, f.decode(v)
}

func (f *File) decode(v any) error {
	dec := toml.NewDecoder(bytes.NewReader(f.Data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var sme *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case errors.As(err, &sme):
		for _, e := range sme.Errors {
			line, _ := e.Position()
			f.errs = append(f.errs, Problem{File: f.Path, Line: line, Key: strings.Join(e.Key(), "."), Msg: "unknown key"})
		}
	case errors.As(err, &de):
		line, _ := de.Position()
		f.errs = append(f.errs, Problem{File: f.Path, Line: line, Key: strings.Join(de.Key(), "."), Msg: strings.TrimPrefix(de.Error(), "toml: ")})
	default:
		f.errs = append(f.errs, Problem{File: f.Path, Msg: strings.TrimPrefix(err.Error(), "toml: ")})
	}
	return f.Err()
}

// Problemf records a problem with the value at key (a path such as
// "services[1].hours[0].open"), placed on the line where that key is set.
func (f *File) Problemf(key, format string, args ...any) {
	f.errs = append(f.errs, Problem{File: f.Path, Line: f.Line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// Err returns every problem recorded so far, or nil.
func (f *File) Err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return &Error{Problems: append([]Problem(nil), f.errs...)}
}

// Line finds the line on which key is set, or where its table starts;
// 0 if it is not in the file.
func (f *File) Line(key string) int {
	want := splitPath(key)
	p := unstable.Parser{}
	p.Reset(f.Data)
	var table []string         // current table path, with indices
	counts := map[string]int{} // array-table occurrences, by path
	best := 0
	for p.NextExpression() {
		n := p.Expression()
		switch n.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = resolve(table, keyParts(n), n.Kind == unstable.ArrayTable, counts)
			if pathPrefix(table, want) {
				if len(table) >= len(want) {
					return lineOf(f.Data, n)
				}
				best = lineOf(f.Data, n)
			}
		case unstable.KeyValue:
			full := append(append([]string(nil), table...), keyParts(n)...)
			if pathPrefix(full, want) && len(full) >= len(want) {
				return lineOf(f.Data, n)
			}
		}
	}
	return best
}

// lineOf finds a node's line from its key's position in the input.
func lineOf(data []byte, n *unstable.Node) int {
	it := n.Key()
	for it.Next() {
		k := it.Node()
		if len(k.Data) == 0 {
			continue
		}
		off := subsliceOffset(data, k.Data)
		if off >= 0 {
			return bytes.Count(data[:off], []byte("\n")) + 1
		}
	}
	return 0
}

func subsliceOffset(data, sub []byte) int {
	if len(sub) == 0 || len(data) == 0 {
		return -1
	}
	for i := range data {
		if &data[i] == &sub[0] {
			return i
		}
	}
	return -1
}

func keyParts(n *unstable.Node) []string {
	var out []string
	it := n.Key()
	for it.Next() {
		out = append(out, string(it.Node().Data))
	}
	return out
}

// resolve turns a table header into the current path: an array table gets
// the index of this occurrence.
func resolve(_ []string, parts []string, array bool, counts map[string]int) []string {
	var path []string
	for i, part := range parts {
		path = append(path, part)
		if i == len(parts)-1 && array {
			k := strings.Join(path, ".")
			idx := counts[k]
			counts[k]++
			// A new element resets the counts of tables nested in it.
			for c := range counts {
				if strings.HasPrefix(c, k+"[") {
					delete(counts, c)
				}
			}
			path[len(path)-1] = part + "[" + strconv.Itoa(idx) + "]"
			continue
		}
		// A nested header like [[services.hours]] refers to the latest
		// element of each enclosing array.
		if n, ok := counts[strings.Join(path, ".")]; ok && i < len(parts)-1 {
			path[len(path)-1] = part + "[" + strconv.Itoa(n-1) + "]"
		}
	}
	return path
}

// splitPath splits "a[1].b" into ["a[1]", "b"].
func splitPath(key string) []string {
	if key == "" {
		return nil
	}
	return strings.Split(key, ".")
}

// pathPrefix reports whether the shorter of two paths is a prefix of the other.
func pathPrefix(have, want []string) bool {
	if len(have) == 0 || len(want) == 0 {
		return false
	}
	for i := 0; i < min(len(have), len(want)); i++ {
		if have[i] != want[i] {
			return false
		}
	}
	return true
}
