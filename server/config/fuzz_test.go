package config

import (
	"os"
	"testing"
)

// FuzzParse: any text either loads as a hall that passes the store's own
// checks, or is refused with an error; never a panic, never a hall the
// engine would reject later.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../../firmware-config/hall.toml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("[hall]\nname = \"x\"\n[[services]]\ncode = \"A\"\nname = \"a\"\nprefix = \"A\"\n[[counters]]\nid = 1\nservices = [\"A\"]\n"))
	f.Add([]byte("[hall]\nname = \"x\"\n[[services]]\ncode = \"A\"\nname = \"a\"\nrange = [1, 0]\n[[services.hours]]\nopen = \"25:00\"\n"))
	f.Add([]byte("[[rating_scale]]\nscore = 1\n[[rating_scale]]\nscore = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse("fuzz.toml", data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error with no message")
			}
			return
		}
		if err := h.Settings.Validate(); err != nil {
			t.Fatalf("config accepted settings the hall refuses: %v", err)
		}
		for i := range h.Services {
			if err := h.Services[i].Validate(); err != nil {
				t.Fatalf("config accepted a service the hall refuses: %v", err)
			}
		}
	})
}
