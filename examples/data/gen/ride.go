package main

import (
	"math"
	"math/rand/v2"
)

// sample is one second of a recorded ride.
type sample struct {
	power    int
	hr       int
	cadence  int
	speed    float64 // m/s
	distance float64 // m, cumulative
}

// segment is a stretch of a workout ridden at a fraction of FTP.
type segment struct {
	secs  int
	frac  float64
	surgy bool // group-ride style accelerations
}

// workout returns the structure of the ride, totalling about secs seconds.
func workout(rng *rand.Rand, kindID string, secs int) []segment {
	warm := []segment{{300, 0.50, false}, {300, 0.62, false}}
	cool := []segment{{420, 0.48, false}}
	var main []segment
	switch kindID {
	case "vo2":
		for i := 0; i < 5; i++ {
			main = append(main, segment{240, between(rng, 1.10, 1.16), false}, segment{240, 0.50, false})
		}
	case "threshold":
		for i := 0; i < 2; i++ {
			main = append(main, segment{1200, between(rng, 0.95, 1.00), false}, segment{300, 0.55, false})
		}
	case "sweetspot":
		for i := 0; i < 3; i++ {
			main = append(main, segment{900, between(rng, 0.88, 0.92), false}, segment{300, 0.55, false})
		}
	case "tempo":
		for i := 0; i < 2; i++ {
			main = append(main, segment{1500, between(rng, 0.78, 0.84), false}, segment{300, 0.60, false})
		}
	case "ftptest":
		// Openers, then 20 minutes all out: the test the FTP setting comes from
		// (FTP = 95 % of the 20-minute average).
		main = append(main, segment{600, 0.65, false}, segment{300, 1.05, false}, segment{600, 0.50, false},
			segment{1200, between(rng, 0.995, 1.01) / 0.95, false}, segment{600, 0.50, false})
	case "group":
		main = append(main, segment{secs - 1320, 0.74, true})
	case "recovery":
		return []segment{{secs, 0.52, false}}
	default: // endurance, long, commute: steady with a few climbs
		left := secs - 1020
		for left > 0 {
			flat := min(left, 900+rng.IntN(1800))
			main = append(main, segment{flat, between(rng, 0.64, 0.70), false})
			left -= flat
			if left > 600 && kindID != "commute" {
				climb := 300 + rng.IntN(420)
				main = append(main, segment{climb, between(rng, 0.85, 0.98), false})
				left -= climb
			}
		}
	}
	used := 0
	for _, s := range warm {
		used += s.secs
	}
	for _, s := range main {
		used += s.secs
	}
	for _, s := range cool {
		used += s.secs
	}
	var fill []segment
	if used < secs {
		fill = []segment{{secs - used, 0.66, false}}
	}
	out := append(warm, main...)
	out = append(out, fill...)
	return append(out, cool...)
}

// simulateRide draws a 1 Hz recording for a and sets a's summary columns
// from it, so the CSV agrees with the FIT file.
func simulateRide(rng *rand.Rand, a *activity) []sample {
	secs := durationFor(rng, a)
	segs := workout(rng, a.kind.id, secs)
	ftp := float64(a.ftp)
	outdoor := !a.indoor

	var recs []sample
	noise := 0.0
	hr := float64(athlete.RestingHR + 30)
	speed := 0.0
	dist := 0.0
	coast := 0
	surge := 0
	for _, s := range segs {
		for t := 0; t < s.secs; t++ {
			noise = 0.9*noise + 0.1*rng.NormFloat64()*0.25
			target := s.frac * ftp * (1 + noise)
			if s.surgy {
				if surge == 0 && rng.Float64() < 0.004 {
					surge = 15 + rng.IntN(45)
				}
				if surge > 0 {
					target = between(rng, 1.1, 1.5) * ftp
					surge--
				}
			}
			if outdoor && coast == 0 && s.frac < 1 && rng.Float64() < 0.006 {
				coast = 3 + rng.IntN(20)
			}
			p := math.Max(0, target)
			if coast > 0 {
				p = 0
				coast--
			}
			power := int(math.Round(p))

			hrTarget := hrFor(math.Min(p/ftp, 1.25)) + float64(len(recs))/3600*4 // cardiac drift
			hr += (hrTarget - hr) / 30
			hrNow := int(math.Round(hr + rng.NormFloat64()))
			hrNow = min(hrNow, athlete.MaxHR)

			cad := 0
			if power > 0 {
				cad = int(math.Round(88 + 4*rng.NormFloat64() + 6*(p/ftp-0.7)))
			}

			if power > 0 {
				want := speedKmh(p, a.kind.id) / 3.6 * (1 + 0.05*math.Sin(float64(len(recs))/180))
				speed += (want - speed) / 8
			} else {
				speed *= 0.995
			}
			dist += speed
			recs = append(recs, sample{power: power, hr: hrNow, cadence: cad, speed: speed, distance: dist})
		}
	}

	a.durationS = len(recs)
	var sumP, sumHR, sumCad, cadN int
	maxHR := 0
	for _, r := range recs {
		sumP += r.power
		sumHR += r.hr
		if r.cadence > 0 {
			sumCad += r.cadence
			cadN++
		}
		maxHR = max(maxHR, r.hr)
	}
	n := len(recs)
	a.avgPower = int(math.Round(float64(sumP) / float64(n)))
	a.np = int(math.Round(normalizedPower(recs)))
	a.avgHR = int(math.Round(float64(sumHR) / float64(n)))
	a.maxHR = maxHR
	if cadN > 0 {
		a.avgCadence = int(math.Round(float64(sumCad) / float64(cadN)))
	}
	a.distanceKm = round2(dist / 1000)
	finish(rng, a)
	return recs
}

// normalizedPower is the fourth root of the mean fourth power of the 30 s
// rolling average power (Coggan).
func normalizedPower(recs []sample) float64 {
	const window = 30
	if len(recs) < window {
		return 0
	}
	sum := 0.0
	for i := 0; i < window; i++ {
		sum += float64(recs[i].power)
	}
	total := 0.0
	count := 0
	for i := window - 1; i < len(recs); i++ {
		if i >= window {
			sum += float64(recs[i].power) - float64(recs[i-window].power)
		}
		avg := sum / window
		total += avg * avg * avg * avg
		count++
	}
	return math.Pow(total/float64(count), 0.25)
}
