package forecast

import (
	"errors"
	"math"
)

// poissonFit is a weighted Poisson regression with a log link and a ridge
// penalty that pulls each coefficient towards a prior value:
//
//	minimise Σ w·(μ − y·log μ) + ½ Σ λ_j (β_j − prior_j)²,  μ = exp(x·β + offset)
//
// solved by Newton's method. rows are the feature vectors.
type poissonFit struct {
	rows   [][]float64
	y, w   []float64
	offset []float64 // nil: none
	lambda []float64 // per coefficient; 0 leaves it free
	prior  []float64 // nil: zeros
}

// solve returns the coefficients and the inverse of the penalised Hessian
// at them (their covariance, as the model sees it).
func (f *poissonFit) solve(start []float64) ([]float64, [][]float64, error) {
	p := len(f.lambda)
	beta := make([]float64, p)
	copy(beta, start)
	prior := f.prior
	if prior == nil {
		prior = make([]float64, p)
	}
	obj := func(b []float64) float64 {
		var s float64
		for i, x := range f.rows {
			eta := f.eta(i, x, b)
			s += f.w[i] * (math.Exp(eta) - f.y[i]*eta)
		}
		for j := range b {
			d := b[j] - prior[j]
			s += 0.5 * f.lambda[j] * d * d
		}
		return s
	}
	cur := obj(beta)
	for range 100 {
		g := make([]float64, p)
		h := newMatrix(p)
		for i, x := range f.rows {
			mu := math.Exp(f.eta(i, x, beta))
			r := f.w[i] * (mu - f.y[i])
			wm := f.w[i] * mu
			for j, xj := range x {
				if xj == 0 {
					continue
				}
				g[j] += r * xj
				for k, xk := range x {
					h[j][k] += wm * xj * xk
				}
			}
		}
		for j := range beta {
			g[j] += f.lambda[j] * (beta[j] - prior[j])
			h[j][j] += f.lambda[j]
		}
		step, err := cholSolve(h, g)
		if err != nil {
			return nil, nil, err
		}
		// Step halving keeps every step downhill.
		t := 1.0
		var next []float64
		var val float64
		for range 30 {
			next = make([]float64, p)
			for j := range beta {
				next[j] = beta[j] - t*step[j]
			}
			if val = obj(next); val <= cur+1e-12*math.Abs(cur) {
				break
			}
			t /= 2
		}
		moved := 0.0
		for j := range beta {
			moved = math.Max(moved, math.Abs(next[j]-beta[j]))
		}
		beta, cur = next, val
		if moved < 1e-9 {
			break
		}
	}
	// The covariance at the optimum.
	h := newMatrix(p)
	for i, x := range f.rows {
		wm := f.w[i] * math.Exp(f.eta(i, x, beta))
		for j, xj := range x {
			if xj == 0 {
				continue
			}
			for k, xk := range x {
				h[j][k] += wm * xj * xk
			}
		}
	}
	for j := range beta {
		h[j][j] += f.lambda[j]
	}
	cov, err := invert(h)
	return beta, cov, err
}

func (f *poissonFit) eta(i int, x, beta []float64) float64 {
	var s float64
	if f.offset != nil {
		s = f.offset[i]
	}
	for j, v := range x {
		s += v * beta[j]
	}
	// Keep exp finite whatever a wild step tries.
	return math.Max(-50, math.Min(50, s))
}

func newMatrix(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
	}
	return m
}

var errSingular = errors.New("forecast: the regression has no unique solution")

// cholesky factors a symmetric positive definite matrix: a = L·Lᵀ.
func cholesky(a [][]float64) ([][]float64, error) {
	n := len(a)
	l := newMatrix(n)
	for i := range n {
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := range j {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if s <= 1e-12 {
					return nil, errSingular
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	return l, nil
}

// cholSolve solves a·x = b for a symmetric positive definite a.
func cholSolve(a [][]float64, b []float64) ([]float64, error) {
	l, err := cholesky(a)
	if err != nil {
		return nil, err
	}
	return lSolve(l, b), nil
}

func lSolve(l [][]float64, b []float64) []float64 {
	n := len(b)
	z := make([]float64, n)
	for i := range n {
		s := b[i]
		for k := range i {
			s -= l[i][k] * z[k]
		}
		z[i] = s / l[i][i]
	}
	x := make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := z[i]
		for k := i + 1; k < n; k++ {
			s -= l[k][i] * x[k]
		}
		x[i] = s / l[i][i]
	}
	return x
}

// invert inverts a symmetric positive definite matrix.
func invert(a [][]float64) ([][]float64, error) {
	l, err := cholesky(a)
	if err != nil {
		return nil, err
	}
	n := len(a)
	inv := newMatrix(n)
	for j := range n {
		e := make([]float64, n)
		e[j] = 1
		col := lSolve(l, e)
		for i := range n {
			inv[i][j] = col[i]
		}
	}
	return inv, nil
}

// quadForm is xᵀ·a·x.
func quadForm(a [][]float64, x []float64) float64 {
	var s float64
	for i, xi := range x {
		if xi == 0 {
			continue
		}
		for j, xj := range x {
			s += xi * a[i][j] * xj
		}
	}
	return s
}
