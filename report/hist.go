package report

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// Hist counts non-negative whole numbers (seconds, scores) exactly: entry i
// is how many values equal i. Medians and percentiles read from it are
// exact, and two histograms merge by adding entries, so daily roll-ups add up
// to exact figures for any range of days.
type Hist []uint32

// Add counts one value; negative values count as 0.
func (h *Hist) Add(v int) {
	v = min(max(v, 0), maxHistValue)
	if v >= len(*h) {
		*h = append(*h, make(Hist, v+1-len(*h))...)
	}
	(*h)[v]++
}

// Merge adds o's counts to h.
func (h *Hist) Merge(o Hist) {
	if len(o) > len(*h) {
		*h = append(*h, make(Hist, len(o)-len(*h))...)
	}
	for i, n := range o {
		(*h)[i] += n
	}
}

// Less is h without the values of o, which h must hold (o counted a part
// of what h did).
func (h Hist) Less(o Hist) Hist {
	out := slices.Clone(h)
	for i, n := range o {
		if i < len(out) {
			out[i] -= min(n, out[i])
		}
	}
	return out
}

// N is how many values were counted.
func (h Hist) N() int {
	n := 0
	for _, c := range h {
		n += int(c)
	}
	return n
}

// Rank is the k-th smallest value (k from 1), or -1 when k is out of range.
func (h Hist) Rank(k int) int {
	if k < 1 {
		return -1
	}
	for v, c := range h {
		k -= int(c)
		if k <= 0 {
			return v
		}
	}
	return -1
}

// Median is the middle value, or the mean of the two middle values for an
// even count; NaN when empty.
func (h Hist) Median() float64 {
	n := h.N()
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return float64(h.Rank(n/2 + 1))
	}
	return float64(h.Rank(n/2)+h.Rank(n/2+1)) / 2
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100): the
// smallest value with at least p % of the values at or below it; -1 when
// empty.
func (h Hist) Percentile(p float64) int {
	n := h.N()
	if n == 0 {
		return -1
	}
	k := int(math.Ceil(p / 100 * float64(n)))
	return h.Rank(max(k, 1))
}

// Mean is the mean of the values; NaN when empty. Computed from the same
// whole values as the median and the percentiles, it never exceeds Max.
func (h Hist) Mean() float64 {
	n, sum := 0, 0
	for v, c := range h {
		n += int(c)
		sum += v * int(c)
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(sum) / float64(n)
}

// Max is the largest value, -1 when empty.
func (h Hist) Max() int {
	for v := len(h) - 1; v >= 0; v-- {
		if h[v] != 0 {
			return v
		}
	}
	return -1
}

// AtMost counts the values ≤ v.
func (h Hist) AtMost(v int) int {
	n := 0
	for i := 0; i <= v && i < len(h); i++ {
		n += int(h[i])
	}
	return n
}

// appendHist encodes h sparsely: the number of non-zero entries, then for
// each its distance from the previous one and its count, as uvarints.
func appendHist(b []byte, h Hist) []byte {
	nz := 0
	for _, c := range h {
		if c != 0 {
			nz++
		}
	}
	b = binary.AppendUvarint(b, uint64(nz))
	prev := -1
	for i, c := range h {
		if c == 0 {
			continue
		}
		b = binary.AppendUvarint(b, uint64(i-prev))
		b = binary.AppendUvarint(b, uint64(c))
		prev = i
	}
	return b
}

var errCorrupt = errors.New("report: corrupt roll-up data")

// mergeHist decodes a histogram written by appendHist into h (adding to
// what it holds) and returns the rest of b.
func mergeHist(b []byte, h *Hist) ([]byte, error) {
	nz, b, err := uvarint(b)
	if err != nil {
		return nil, err
	}
	v := -1
	for range nz {
		var gap, c uint64
		if gap, b, err = uvarint(b); err != nil {
			return nil, err
		}
		if c, b, err = uvarint(b); err != nil {
			return nil, err
		}
		v += int(gap)
		if v < 0 || v > maxHistValue {
			return nil, errCorrupt
		}
		if v >= len(*h) {
			*h = append(*h, make(Hist, v+1-len(*h))...)
		}
		(*h)[v] += uint32(c)
	}
	return b, nil
}

// maxHistValue bounds a decoded value (a week in seconds), so that corrupt
// data cannot make a huge allocation.
const maxHistValue = 7 * 24 * 3600

func uvarint(b []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, errCorrupt
	}
	return v, b[n:], nil
}

func varint(b []byte) (int64, []byte, error) {
	v, n := binary.Varint(b)
	if n <= 0 {
		return 0, nil, errCorrupt
	}
	return v, b[n:], nil
}
