package display

import "testing"

// TestTextsBothLanguages: every word the pages show is there in both
// languages, so an English page never shows a key or a Vietnamese gap.
func TestTextsBothLanguages(t *testing.T) {
	for key := range texts["vi"] {
		if texts["en"][key] == "" {
			t.Errorf("%q has no English text", key)
		}
	}
	for key := range texts["en"] {
		if texts["vi"][key] == "" {
			t.Errorf("%q has no Vietnamese text", key)
		}
	}
}
