package simday

import "testing"

func TestVisitorsFollowTheProfile(t *testing.T) {
	p := StandardDay()
	vs := p.Visitors()
	if len(vs) != 600 {
		t.Fatalf("got %d visitors, want 600", len(vs))
	}
	var morning, peak, prio, noShow, transfer, rated int
	scores := map[int]int{}
	for i, v := range vs {
		if i > 0 && v.At < vs[i-1].At {
			t.Fatalf("visitor %d comes before %d", v.N, vs[i-1].N)
		}
		m := int(v.At.Minutes())
		if m < p.First || m >= p.Last {
			t.Errorf("visitor %d comes at minute %d, outside %d–%d", v.N, m, p.First, p.Last)
		}
		if m < p.Noon {
			morning++
		}
		if m >= Clock("08:00") && m < Clock("10:00") {
			peak++
		}
		if v.Priority != "" {
			prio++
		}
		if v.NoShow {
			noShow++
		}
		if v.TransferTo != "" {
			transfer++
			if v.TransferTo == v.Service {
				t.Errorf("visitor %d is transferred to their own service", v.N)
			}
		}
		if v.Score > 0 {
			rated++
			scores[v.Score]++
		}
	}
	within := func(what string, got int, want, tol float64) {
		t.Helper()
		if float64(got) < want-tol || float64(got) > want+tol {
			t.Errorf("%s: got %d, want %.0f ± %.0f", what, got, want, tol)
		}
	}
	within("morning", morning, 360, 30)
	within("peak 08:00–10:00 (most of the morning)", peak, 260, 40)
	within("priority", prio, 60, 20)
	within("no-shows", noShow, 30, 15)
	within("transfers", transfer, 17, 12)
	within("rated", rated, 0.7*570, 40)
	within("best score", scores[3], 0.7*0.7*570, 40)
	within("worst score", scores[1], 0.05*0.7*570, 15)
}
