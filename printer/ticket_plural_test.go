package printer

import "testing"

// TestWaitPlural: the English line says "about 1 minute", not "1 minutes";
// Vietnamese has one form.
func TestWaitPlural(t *testing.T) {
	for _, tc := range []struct {
		texts Texts
		m     int
		want  string
	}{
		{TextsEN, 1, "Estimated wait: about 1 minute"},
		{TextsEN, 3, "Estimated wait: about 3 minutes"},
		{TextsVI, 1, "Thời gian chờ dự kiến: khoảng 1 phút"},
		{TextsVI, 12, "Thời gian chờ dự kiến: khoảng 12 phút"},
		{Texts{Wait: "wait %d min"}, 1, "wait 1 min"}, // a hall's own text without a singular
	} {
		if got := tc.texts.wait(tc.m); got != tc.want {
			t.Errorf("%d minutes: got %q, want %q", tc.m, got, tc.want)
		}
	}
}
