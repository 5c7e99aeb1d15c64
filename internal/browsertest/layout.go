package browsertest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

//go:embed layout.js
var layoutJS string

// Layout says what a person must see on a page at the tab's size. Every
// page is also checked for horizontal overflow.
type Layout struct {
	// Seen: every element matching each selector (at least one must) has
	// its box inside the viewport, is not cut by an ancestor that hides
	// overflow, and is the element painted at its centre (nothing covers
	// it: document.elementFromPoint).
	Seen []string `json:"seen,omitempty"`
	// OneLine: the text of every element matching each selector is on one
	// line (a number, its arrow and its counter side by side).
	OneLine []string `json:"one_line,omitempty"`
	// Whole: the content of every element matching each selector fits its
	// box (no ellipsis, nothing cut off).
	Whole []string `json:"whole,omitempty"`
	// MinFontPx: no text inside FontScope (the whole page if empty) is
	// drawn smaller than this many CSS px; SVG text counts at its scaled
	// size.
	MinFontPx float64 `json:"min_font_px,omitempty"`
	FontScope string  `json:"font_scope,omitempty"`
}

// CheckLayout runs the check in the page and returns its problems.
func (t *Tab) CheckLayout(l Layout) ([]string, error) {
	spec, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	return chromedp.Run(t.Ctx, chromedp.Evaluate[[]string](fmt.Sprintf("(%s)(%s)", layoutJS, spec)))
}

// MustLayout fails the test with every problem of the page at size v.
func (t *Tab) MustLayout(tb testing.TB, v Viewport, l Layout) {
	tb.Helper()
	problems, err := t.CheckLayout(l)
	if err != nil {
		tb.Fatalf("%v: layout check: %v", v, err)
	}
	for _, p := range problems {
		tb.Errorf("%v: %s", v, p)
	}
}
