// Package analysis computes the training aggregates of Phase 1: training
// stress, power and heart-rate zones, weekly volume, fitness / fatigue /
// form, and the FTP trend.
package analysis

import "math"

// NormalizedPower is Coggan's NP of a 1 Hz power series: the fourth root of
// the mean of the fourth powers of the 30-second rolling average. Series
// shorter than 30 s fall back to the plain average.
func NormalizedPower(watts []float64) float64 {
	const window = 30
	if len(watts) == 0 {
		return 0
	}
	if len(watts) < window {
		return mean(watts)
	}
	sum := 0.0
	for _, w := range watts[:window] {
		sum += w
	}
	total := 0.0
	n := 0
	for i := window - 1; i < len(watts); i++ {
		if i >= window {
			sum += watts[i] - watts[i-window]
		}
		avg := sum / window
		total += avg * avg * avg * avg
		n++
	}
	return math.Pow(total/float64(n), 0.25)
}

// IntensityFactor is NP / FTP.
func IntensityFactor(np, ftp float64) float64 {
	if ftp <= 0 {
		return 0
	}
	return np / ftp
}

// TSS is the training stress score: duration_s * NP * IF / (FTP * 3600) * 100.
func TSS(durationS, np, ftp float64) float64 {
	if ftp <= 0 {
		return 0
	}
	return durationS * np * IntensityFactor(np, ftp) / (ftp * 3600) * 100
}

// BestAverage is the highest mean of any window consecutive 1 Hz samples, or
// 0 when the series is shorter than the window.
func BestAverage(watts []float64, window int) float64 {
	if window <= 0 || len(watts) < window {
		return 0
	}
	sum := 0.0
	for _, w := range watts[:window] {
		sum += w
	}
	best := sum
	for i := window; i < len(watts); i++ {
		sum += watts[i] - watts[i-window]
		best = math.Max(best, sum)
	}
	return best / float64(window)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// round rounds to the given number of decimals (for stable JSON and prompts).
func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}
