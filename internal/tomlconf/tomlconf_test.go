package tomlconf

import (
	"strings"
	"testing"
)

type hours struct {
	Open  string `toml:"open"`
	Close string `toml:"close"`
}

type service struct {
	Code  string  `toml:"code"`
	Hours []hours `toml:"hours"`
}

type conf struct {
	Hall struct {
		Name string `toml:"name"`
		Port int    `toml:"port"`
	} `toml:"hall"`
	Services []service `toml:"services"`
}

const doc = `# a hall
[hall]
name = "Lộc Thọ"
port = 8080

[[services]]
code = "A"

[[services]]
code = "B"
  [[services.hours]]
  open = "07:30"
  close = "11:30"
  [[services.hours]]
  open = "13:30"
  close = "25:00"
`

func TestUnknownKeyNamesFileLineAndKey(t *testing.T) {
	bad := strings.Replace(doc, "port = 8080", "prot = 8080", 1)
	var c conf
	_, err := Parse("hall.toml", []byte(bad), &c)
	if err == nil {
		t.Fatal("no error for an unknown key")
	}
	if got, want := err.Error(), "hall.toml:4: hall.prot: unknown key"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWrongTypeNamesLine(t *testing.T) {
	bad := strings.Replace(doc, "port = 8080", `port = "eighty"`, 1)
	var c conf
	_, err := Parse("hall.toml", []byte(bad), &c)
	if err == nil {
		t.Fatal("no error for a string in an int")
	}
	if !strings.HasPrefix(err.Error(), "hall.toml:4:") {
		t.Errorf("got %q, want it to start with hall.toml:4:", err)
	}
}

func TestProblemfPlacesNestedArrayKeys(t *testing.T) {
	var c conf
	f, err := Parse("hall.toml", []byte(doc), &c)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		key  string
		line int
	}{
		{"hall.name", 3},
		{"hall.port", 4},
		{"services[0].code", 7},
		{"services[1].code", 10},
		{"services[1].hours[0].open", 12},
		{"services[1].hours[1].close", 16},
		{"services[1].hours[1]", 14},
		{"services[5].code", 0},
	}
	for _, tc := range cases {
		if got := f.Line(tc.key); got != tc.line {
			t.Errorf("Line(%q) = %d, want %d", tc.key, got, tc.line)
		}
	}
	f.Problemf("services[1].hours[1].close", "bad clock time %q", c.Services[1].Hours[1].Close)
	if got, want := f.Err().Error(), `hall.toml:16: services[1].hours[1].close: bad clock time "25:00"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
