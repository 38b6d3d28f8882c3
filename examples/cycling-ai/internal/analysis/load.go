package analysis

import "time"

// Time constants of the performance-management model, in days.
const (
	FitnessDays = 42 // chronic training load (CTL)
	FatigueDays = 7  // acute training load (ATL)
)

// DayLoad is one day of the performance-management chart.
type DayLoad struct {
	Date string  `json:"date"` // YYYY-MM-DD
	TSS  float64 `json:"tss"`
	CTL  float64 `json:"ctl"` // fitness
	ATL  float64 `json:"atl"` // fatigue
	TSB  float64 `json:"tsb"` // form = CTL - ATL
}

// LoadSeries runs the exponentially weighted fitness / fatigue model over
// daily TSS from the first to the last day (inclusive), starting from zero:
// CTL_d = CTL_{d-1} + (TSS_d - CTL_{d-1}) / 42, ATL likewise with 7, and
// TSB_d = CTL_d - ATL_d.
func LoadSeries(dailyTSS map[string]float64, first, last time.Time) []DayLoad {
	first, last = day(first), day(last)
	var out []DayLoad
	ctl, atl := 0.0, 0.0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		key := d.Format("2006-01-02")
		tss := dailyTSS[key]
		ctl += (tss - ctl) / FitnessDays
		atl += (tss - atl) / FatigueDays
		out = append(out, DayLoad{Date: key, TSS: round(tss, 1), CTL: round(ctl, 2), ATL: round(atl, 2), TSB: round(ctl-atl, 2)})
	}
	return out
}

// day truncates t to midnight UTC.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// weekStart is the Monday of t's ISO week.
func weekStart(t time.Time) time.Time {
	d := day(t)
	offset := (int(d.Weekday()) + 6) % 7 // Monday = 0
	return d.AddDate(0, 0, -offset)
}

// Week is the training volume of one Monday-to-Sunday week.
type Week struct {
	Start      string  `json:"week_start"` // Monday, YYYY-MM-DD
	Rides      int     `json:"rides"`
	Hours      float64 `json:"hours"`
	Km         float64 `json:"km"`
	ElevationM float64 `json:"elevation_m"`
	TSS        float64 `json:"tss"`
}
