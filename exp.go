// exp.go holds the program's own e^x, ln(1 + x), ln x and normal random numbers: the only
// functions of the math that the standard library would otherwise give, and that it gives with
// other last bits on other computers.
//
// Why not math.Exp and math.Log1p? Their results are within an ulp of the truth everywhere, but
// which of the two neighbours of the truth they return depends on the computer: math.Exp is
// assembly on amd64, other assembly on arm64 and Go code on 386 and WebAssembly, three functions
// with three sets of last bits, and the Go code itself rounds differently where the compiler
// fuses its multiply-adds (arm64, amd64 built with GOAMD64=v3). σ(a), the loss and the initial
// weights all go through e^x or ln, and one bit there changes every weight after an epoch. The
// functions here are plain Go with every product rounded on its own (float64(x*y): see
// matrix.go, "Fused multiply-add"), so they give the same bits on every computer.
//
// The method is the one of fdlibm (Sun Microsystems, 1993; FreeBSD's msun), which Go's own
// pure-Go math.Exp and math.Log1p follow too:
//
//	e^x:       x = k·ln 2 + r with |r| ≤ ln(2)/2 (ln 2 in two parts, so that r is nearly exact),
//	           e^x = 2^k · e^r, and e^r from a rational form 1 + 2r/(R(r²) − r), whose R is a
//	           degree-5 polynomial fitted by Remez's algorithm (coefficients P1..P5).
//	ln(1 + f): for 1 + f in [√2/2, √2), with s = f/(2 + f): ln(1 + f) = 2 atanh s =
//	           2s + (2/3)s³ + (2/5)s⁵ + ..., the tail a degree-7 polynomial in s² (Lp1..Lp7).
//	ln x:      x = 2^k · (1 + f) with 1 + f in [√2/2, √2): ln x = k·ln 2 + ln(1 + f).
//
// exp_test.go checks them against math.Exp, math.Log1p and math.Log within 1 ulp over every
// input the program can meet, and the saturated ends exactly (σ(±1000) = 1 and 0).

package main

import (
	"math"
	"math/rand/v2"
)

// ln 2 in two parts: ln2Hi has its last 32 bits zero, so k·ln2Hi is exact for every k an
// exponent can have, and ln2Hi + ln2Lo is ln 2 to about 2⁻¹⁰⁶.
const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)

// exp returns e^x: +Inf above 709.78 (e^x past the largest float64), 0 below −745.13 (past the
// smallest), and NaN for NaN.
func exp(x float64) float64 {
	const (
		log2e     = 1.44269504088896338700e+00
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28) // below this, e^x rounds to 1 + x

		P1 = 1.66666666666666657415e-01
		P2 = -2.77777777770155933842e-03
		P3 = 6.61375632143793436117e-05
		P4 = -1.65339022054652515390e-06
		P5 = 4.13813679705723846039e-08
	)
	switch {
	case x != x: // NaN
		return x
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	// k, the nearest integer to x/ln 2, and r = x − k·ln 2, kept as hi − lo.
	var k int
	if x < 0 {
		k = int(float64(log2e*x) - 0.5)
	} else {
		k = int(float64(log2e*x) + 0.5)
	}
	hi := x - float64(float64(k)*ln2Hi)
	lo := float64(float64(k) * ln2Lo)
	r := hi - lo
	// e^r = 1 + r + r·c/(2 − c), with c = r − r²·(P1 + r²·(P2 + ...)).
	t := float64(r * r)
	p := P1 + float64(t*(P2+float64(t*(P3+float64(t*(P4+float64(t*P5)))))))
	c := r - float64(t*p)
	y := 1 - ((lo - (r*c)/(2-c)) - hi)
	return scale2(y, k)
}

// scale2 returns y·2^k, exactly (a change of exponent) unless the result is subnormal. Within
// the normal range 2^k is a float64 made from its bits, and the product is exact; math.Ldexp,
// which handles every case, is slower (a call and a branch for each case), and e^x is called
// for every σ(a).
func scale2(y float64, k int) float64 {
	if k < -1020 || k > 1020 {
		return math.Ldexp(y, k)
	}
	return y * math.Float64frombits(uint64(k+1023)<<52)
}

// log1p returns ln(1 + x) for x > −1, accurate also where 1 + x would round x away: softplus
// takes it of e^(−|a|), which can be far below the rounding step of 1.
func log1p(x float64) float64 {
	const (
		sqrt2M1     = 4.142135623730950488017e-01  // √2 − 1
		sqrt2HalfM1 = -2.928932188134524755992e-01 // √2/2 − 1
		tiny        = 1.0 / (1 << 54)              // below this, ln(1 + x) rounds to x
		two53       = 1 << 53                      // above this, 1 + x rounds to x
	)
	switch {
	case x != x || x < -1:
		return math.NaN()
	case x == -1:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case math.Abs(x) < tiny:
		return x
	case sqrt2HalfM1 < x && x < sqrt2M1: // 1 + x is in [√2/2, √2) already
		return lnKernel(x, 0, 0)
	}
	// u = 1 + x, rounded; c = ((1 + x) − u)/u, the part of x lost in rounding, relative to u,
	// is added back at the end: ln(1 + x) = ln u + ln(1 + c) ≈ ln u + c.
	u, c := x, 0.0
	if x < two53 {
		u = 1 + x
		if u >= 2 { // then u − x is exact
			c = (1 - (u - x)) / u
		} else { // then u − 1 is exact
			c = (x - (u - 1)) / u
		}
	}
	f, k := mantissa(u)
	return lnKernel(f, k, c)
}

// ln returns the natural logarithm of x > 0 (the polar method's ln s, for s in (0, 1)).
func ln(x float64) float64 {
	switch {
	case x != x || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	}
	f, k := mantissa(x)
	return lnKernel(f, k, 0)
}

// mantissa writes x > 0 as 2^k·(1 + f) with 1 + f in [√2/2, √2), where ln(1 + f) converges
// fastest. Both steps are exact.
func mantissa(x float64) (f float64, k int) {
	m, k := math.Frexp(x) // x = m·2^k, m in [1/2, 1)
	if m < math.Sqrt2/2 {
		m, k = m+m, k-1
	}
	return m - 1, k
}

// lnKernel returns k·ln 2 + ln(1 + f) + c for 1 + f in [√2/2, √2) and a small correction c.
// With s = f/(2 + f), ln(1 + f) = 2 atanh s = 2s + s·R(s²), R(z) = Lp1·z + Lp2·z² + ..., and
// since 2s = f − s·f, ln(1 + f) = f − (f²/2 − s·(f²/2 + R)): the leading f is exact and the
// rest is small, so rounding touches only the small part.
func lnKernel(f float64, k int, c float64) float64 {
	const (
		Lp1 = 6.666666666666735130e-01
		Lp2 = 3.999999999940941908e-01
		Lp3 = 2.857142874366239149e-01
		Lp4 = 2.222219843214978396e-01
		Lp5 = 1.818357216161805012e-01
		Lp6 = 1.531383769920937332e-01
		Lp7 = 1.479819860511658591e-01
	)
	hfsq := float64(float64(0.5*f) * f) // f²/2
	s := f / (2 + f)
	z := float64(s * s)
	R := float64(z * (Lp1 + float64(z*(Lp2+float64(z*(Lp3+float64(z*(Lp4+float64(z*(Lp5+float64(z*(Lp6+float64(z*Lp7)))))))))))))
	if k == 0 && c == 0 {
		return f - (hfsq - float64(s*(hfsq+R)))
	}
	kf := float64(k)
	return float64(kf*ln2Hi) - ((hfsq - (float64(s*(hfsq+R)) + (float64(kf*ln2Lo) + c))) - f)
}

// normals draws numbers from the standard normal distribution N(0, 1), by Marsaglia's polar
// method, from the uniform numbers of a seeded generator: take u, v uniform in (−1, 1) until
// s = u² + v² is in (0, 1); then u·√(−2 ln s / s) and v·√(−2 ln s / s) are two independent
// normal numbers. It needs only √, which IEEE arithmetic rounds correctly (math.Sqrt gives the
// same bits everywhere), and ln, the program's own (ln in this file), so it gives the same
// numbers on every computer. (math/rand/v2's NormFloat64 calls math.Exp and math.Log.)
type normals struct {
	rng   *rand.Rand
	spare float64 // the second number of the last pair, not yet handed out
	have  bool
}

// uniform returns a number uniform in [−1, 1): a 54-bit signed integer from the generator's
// 64 random bits, times 2⁻⁵³, which is exact.
func (n *normals) uniform() float64 {
	return float64(int64(n.rng.Uint64())>>10) / (1 << 53)
}

// next returns the next normal number: the first of a new pair, or the spare of the last one.
func (n *normals) next() float64 {
	if n.have {
		n.have = false
		return n.spare
	}
	for {
		u, v := n.uniform(), n.uniform()
		s := float64(u*u) + float64(v*v)
		if s > 0 && s < 1 {
			m := math.Sqrt(-2 * ln(s) / s)
			n.spare, n.have = v*m, true
			return u * m
		}
	}
}
