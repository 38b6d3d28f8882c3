package analysis

import "math"

// Zone is a training zone with its bounds in watts or bpm. Max is +Inf for
// the open top zone (written as 0 in JSON by MaxOrZero).
type Zone struct {
	Number int     `json:"zone"`
	Name   string  `json:"name"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"` // 0 = no upper bound
}

// Contains reports whether v falls in [Min, Max), or above Min for the top zone.
func (z Zone) Contains(v float64) bool {
	return v >= z.Min && (z.Max == 0 || v < z.Max)
}

// PowerZones are Coggan's seven power zones as fractions of FTP:
// Z1 < 55 %, Z2 55-75 %, Z3 75-90 %, Z4 90-105 %, Z5 105-120 %, Z6 120-150 %, Z7 > 150 %.
func PowerZones(ftp float64) []Zone {
	names := []string{"Active Recovery", "Endurance", "Tempo", "Lactate Threshold", "VO2max", "Anaerobic Capacity", "Neuromuscular Power"}
	bounds := []float64{0, 0.55, 0.75, 0.90, 1.05, 1.20, 1.50}
	zones := make([]Zone, len(names))
	for i, name := range names {
		zones[i] = Zone{Number: i + 1, Name: name, Min: math.Round(bounds[i] * ftp)}
		if i+1 < len(bounds) {
			zones[i].Max = math.Round(bounds[i+1] * ftp)
		}
	}
	return zones
}

// HRZones are five heart-rate zones. With a lactate-threshold heart rate they
// follow Friel (Z1 < 81 %, Z2 81-90 %, Z3 90-94 %, Z4 94-100 %, Z5 >= 100 % of
// LTHR); otherwise they are 50/60/70/80/90 % of max HR with Z1 covering
// everything below 60 %.
func HRZones(lthr, maxHR float64) []Zone {
	names := []string{"Recovery", "Aerobic", "Tempo", "Threshold", "VO2max"}
	var anchor float64
	var bounds []float64
	if lthr > 0 {
		anchor, bounds = lthr, []float64{0, 0.81, 0.90, 0.94, 1.00}
	} else {
		anchor, bounds = maxHR, []float64{0, 0.60, 0.70, 0.80, 0.90}
	}
	zones := make([]Zone, len(names))
	for i, name := range names {
		zones[i] = Zone{Number: i + 1, Name: name, Min: math.Round(bounds[i] * anchor)}
		if i+1 < len(bounds) {
			zones[i].Max = math.Round(bounds[i+1] * anchor)
		}
	}
	return zones
}

// ZoneTime is the time spent in one zone.
type ZoneTime struct {
	Zone
	Seconds float64 `json:"seconds"`
	Percent float64 `json:"percent"`
}

// TimeInZones counts 1 Hz samples per zone; negative values (not recorded)
// are skipped.
func TimeInZones(values []float64, zones []Zone) []ZoneTime {
	out := make([]ZoneTime, len(zones))
	for i, z := range zones {
		out[i].Zone = z
	}
	AddTimeInZones(out, values)
	return out
}

// AddTimeInZones adds 1 Hz samples to an existing distribution and updates
// the percentages.
func AddTimeInZones(dist []ZoneTime, values []float64) {
	for _, v := range values {
		if v < 0 {
			continue
		}
		for i := range dist {
			if dist[i].Contains(v) {
				dist[i].Seconds++
				break
			}
		}
	}
	total := 0.0
	for _, d := range dist {
		total += d.Seconds
	}
	for i := range dist {
		if total > 0 {
			dist[i].Percent = round(dist[i].Seconds/total*100, 1)
		}
	}
}
