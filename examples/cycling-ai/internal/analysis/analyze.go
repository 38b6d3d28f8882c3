package analysis

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/runner-bench/runner/examples/cycling-ai/internal/data"
)

// Input is everything Phase 1 loaded.
type Input struct {
	Activities   []data.Activity
	Profile      data.Profile
	Rides        []data.Ride // FIT recordings
	PeriodMonths int
}

// Aggregates is the result of Phase 1, written as aggregates.json and used
// to build the prompts and the reports.
type Aggregates struct {
	Athlete    data.Profile     `json:"athlete"`
	Period     Period           `json:"period"`
	Totals     Totals           `json:"totals"`
	Weekly     []Week           `json:"weekly"`
	PowerZones []ZoneTime       `json:"power_zones"`
	HRZones    []ZoneTime       `json:"hr_zones"`
	Current    DayLoad          `json:"current_load"`
	PeakCTL    DayLoad          `json:"peak_fitness"`
	Load       []DayLoad        `json:"daily_load"`
	FTPTrend   []MonthFTP       `json:"ftp_trend"`
	TopRides   []ActivityStress `json:"top_rides"`
	Recordings Recordings       `json:"recordings"`
	Activities []ActivityStress `json:"activities"`
	Warnings   []string         `json:"warnings,omitempty"`
}

// Period is the analysed window: the last Months months up to the newest activity.
type Period struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Months int    `json:"months"`
	Days   int    `json:"days"`
	Weeks  int    `json:"weeks"`
}

// Totals sums the period.
type Totals struct {
	Rides          int     `json:"rides"`
	IndoorRides    int     `json:"indoor_rides"`
	Hours          float64 `json:"hours"`
	Km             float64 `json:"km"`
	ElevationM     float64 `json:"elevation_m"`
	TSS            float64 `json:"tss"`
	Kilojoules     float64 `json:"kilojoules"`
	AvgWeeklyHours float64 `json:"avg_weekly_hours"`
	AvgWeeklyKm    float64 `json:"avg_weekly_km"`
	AvgWeeklyTSS   float64 `json:"avg_weekly_tss"`
	AvgIF          float64 `json:"avg_intensity_factor"` // time-weighted
}

// ActivityStress is the computed stress of one activity.
type ActivityStress struct {
	ID         int     `json:"id"`
	Date       string  `json:"date"`
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	Hours      float64 `json:"hours"`
	Km         float64 `json:"km"`
	ElevationM float64 `json:"elevation_m"`
	NP         float64 `json:"np"`
	FTP        float64 `json:"ftp"`
	IF         float64 `json:"if"`
	TSS        float64 `json:"tss"`
	HasFIT     bool    `json:"has_fit"`
	durationS  float64
}

// MonthFTP is one month of the FTP trend.
type MonthFTP struct {
	Month        string  `json:"month"` // YYYY-MM
	FTPSetting   float64 `json:"ftp_setting"`
	Best20MinW   float64 `json:"best_20min_w"`   // from FIT recordings, 0 if none
	EstimatedFTP float64 `json:"estimated_ftp"`  // 95 % of Best20MinW
	WattsPerKg   float64 `json:"ftp_w_per_kg"`   // FTPSetting / weight
	Recordings   int     `json:"fit_recordings"` // recordings that month
}

// Recordings summarises the FIT files used.
type Recordings struct {
	Files        int      `json:"files"`
	InPeriod     int      `json:"in_period"`
	Samples      int      `json:"samples"`
	Hours        float64  `json:"hours"`
	MatchedToCSV int      `json:"matched_to_csv"`
	Unmatched    []string `json:"unmatched,omitempty"`
	MissingFiles []string `json:"missing_files,omitempty"` // named in the CSV, not found
}

// Analyze computes the aggregates for the last PeriodMonths months.
func Analyze(in Input) (*Aggregates, error) {
	if len(in.Activities) == 0 {
		return nil, fmt.Errorf("no activities to analyse")
	}
	if in.PeriodMonths <= 0 {
		return nil, fmt.Errorf("period must be at least one month, got %d", in.PeriodMonths)
	}
	acts := append([]data.Activity(nil), in.Activities...)
	sort.SliceStable(acts, func(i, j int) bool { return acts[i].Start.Before(acts[j].Start) })

	to := day(acts[len(acts)-1].Start)
	from := monthsBefore(to, in.PeriodMonths).AddDate(0, 0, 1)
	inPeriod := func(t time.Time) bool { d := day(t); return !d.Before(from) && !d.After(to) }

	agg := &Aggregates{Athlete: in.Profile}
	agg.Period = Period{
		From: from.Format("2006-01-02"), To: to.Format("2006-01-02"), Months: in.PeriodMonths,
		Days: int(to.Sub(from).Hours()/24) + 1,
	}

	// Stress per activity over the whole history (CTL needs the run-up).
	fitNames := map[string]bool{}
	for _, r := range in.Rides {
		fitNames[r.File] = true
	}
	dailyTSS := map[string]float64{}
	var totalIFTime float64
	for _, a := range acts {
		ftp := a.FTP
		if ftp <= 0 {
			ftp = in.Profile.FTP
		}
		tss := TSS(a.DurationS, a.NormalizedPower, ftp)
		dailyTSS[day(a.Start).Format("2006-01-02")] += tss
		if !inPeriod(a.Start) {
			continue
		}
		s := ActivityStress{
			ID: a.ID, Date: a.Start.Format("2006-01-02"), Name: a.Name, Type: a.Type,
			Hours: round(a.DurationS/3600, 2), Km: round(a.DistanceKm, 1), ElevationM: a.ElevationM, NP: round(a.NormalizedPower, 0), FTP: ftp,
			IF: round(IntensityFactor(a.NormalizedPower, ftp), 3), TSS: round(tss, 1),
			HasFIT: a.FITFile != "" && fitNames[a.FITFile], durationS: a.DurationS,
		}
		agg.Activities = append(agg.Activities, s)
		if a.ReportedTSS > 0 && math.Abs(a.ReportedTSS-tss) > math.Max(2, 0.05*tss) {
			agg.Warnings = append(agg.Warnings, fmt.Sprintf("activity %d (%s): reported TSS %.1f, computed %.1f", a.ID, s.Date, a.ReportedTSS, tss))
		}
		if a.FITFile != "" && !fitNames[a.FITFile] {
			agg.Recordings.MissingFiles = append(agg.Recordings.MissingFiles, a.FITFile)
		}
		t := &agg.Totals
		t.Rides++
		if a.Type == "VirtualRide" {
			t.IndoorRides++
		}
		t.Hours += a.DurationS / 3600
		t.Km += a.DistanceKm
		t.ElevationM += a.ElevationM
		t.TSS += tss
		kj := a.Kilojoules
		if kj == 0 {
			kj = a.AvgPower * a.DurationS / 1000
		}
		t.Kilojoules += kj
		totalIFTime += s.IF * a.DurationS
	}

	agg.Weekly = weeklyVolume(agg.Activities, from, to)
	agg.Period.Weeks = len(agg.Weekly)
	t := &agg.Totals
	if t.Hours > 0 {
		t.AvgIF = round(totalIFTime/(t.Hours*3600), 3)
	}
	// Weekly averages over the period's length, so a partial first week
	// does not drag them down.
	weeks := float64(agg.Period.Days) / 7
	t.AvgWeeklyHours = round(t.Hours/weeks, 2)
	t.AvgWeeklyKm = round(t.Km/weeks, 1)
	t.AvgWeeklyTSS = round(t.TSS/weeks, 1)
	t.Hours, t.Km, t.ElevationM = round(t.Hours, 2), round(t.Km, 1), round(t.ElevationM, 0)
	t.TSS, t.Kilojoules = round(t.TSS, 1), round(t.Kilojoules, 0)

	// Fitness, fatigue and form.
	series := LoadSeries(dailyTSS, acts[0].Start, to)
	for _, d := range series {
		if d.Date >= agg.Period.From {
			agg.Load = append(agg.Load, d)
			if d.CTL > agg.PeakCTL.CTL {
				agg.PeakCTL = d
			}
		}
	}
	if len(agg.Load) > 0 {
		agg.Current = agg.Load[len(agg.Load)-1]
	}

	// Zones and FTP trend from the recordings.
	agg.PowerZones = TimeInZones(nil, PowerZones(in.Profile.FTP))
	agg.HRZones = TimeInZones(nil, HRZones(in.Profile.LTHR, in.Profile.MaxHR))
	csvFIT := map[string]bool{}
	for _, a := range acts {
		if a.FITFile != "" {
			csvFIT[a.FITFile] = true
		}
	}
	best20 := map[string]float64{}
	recCount := map[string]int{}
	rec := &agg.Recordings
	rec.Files = len(in.Rides)
	for _, r := range in.Rides {
		if csvFIT[r.File] {
			rec.MatchedToCSV++
		} else {
			rec.Unmatched = append(rec.Unmatched, r.File)
		}
		if !inPeriod(r.Start) {
			continue
		}
		rec.InPeriod++
		rec.Samples += len(r.Samples)
		rec.Hours += r.Duration().Hours()
		power, hr := series1Hz(r)
		AddTimeInZones(agg.PowerZones, power)
		AddTimeInZones(agg.HRZones, hr)
		month := r.Start.Format("2006-01")
		recCount[month]++
		for i := range power {
			if power[i] < 0 {
				power[i] = 0
			}
		}
		best20[month] = math.Max(best20[month], BestAverage(power, 1200))
	}
	rec.Hours = round(rec.Hours, 2)
	agg.FTPTrend = ftpTrend(acts, in.Profile, from, to, best20, recCount, inPeriod)

	top := append([]ActivityStress(nil), agg.Activities...)
	sort.SliceStable(top, func(i, j int) bool { return top[i].TSS > top[j].TSS })
	agg.TopRides = top[:min(5, len(top))]
	return agg, nil
}

// series1Hz resamples a recording to one value per second (holding the last
// value over gaps) and returns power and heart rate; -1 = not recorded.
func series1Hz(r data.Ride) (power, hr []float64) {
	if len(r.Samples) == 0 {
		return nil, nil
	}
	n := int(r.Duration().Seconds()) + 1
	if n > 48*3600 {
		n = 48 * 3600
	}
	power = make([]float64, 0, n)
	hr = make([]float64, 0, n)
	start := r.Samples[0].Time
	for i, s := range r.Samples {
		sec := int(s.Time.Sub(start).Seconds())
		if sec >= n {
			break
		}
		for len(power) < sec && i > 0 { // gap: hold the previous value
			power = append(power, power[len(power)-1])
			hr = append(hr, hr[len(hr)-1])
		}
		if len(power) > sec {
			continue // duplicate timestamp
		}
		power = append(power, s.Power)
		hr = append(hr, s.HeartRate)
	}
	return power, hr
}

// weeklyVolume sums the activities by Monday-to-Sunday week, including empty weeks.
func weeklyVolume(acts []ActivityStress, from, to time.Time) []Week {
	var weeks []Week
	index := map[string]int{}
	for w := weekStart(from); !w.After(to); w = w.AddDate(0, 0, 7) {
		key := w.Format("2006-01-02")
		index[key] = len(weeks)
		weeks = append(weeks, Week{Start: key})
	}
	for _, a := range acts {
		d, _ := time.Parse("2006-01-02", a.Date)
		i, ok := index[weekStart(d).Format("2006-01-02")]
		if !ok {
			continue
		}
		w := &weeks[i]
		w.Rides++
		w.Hours += a.durationS / 3600
		w.Km += a.Km
		w.TSS += a.TSS
		w.ElevationM += a.ElevationM
	}
	for i := range weeks {
		w := &weeks[i]
		w.Hours, w.Km, w.TSS = round(w.Hours, 2), round(w.Km, 1), round(w.TSS, 1)
	}
	return weeks
}

// ftpTrend lists each calendar month of the period with the FTP setting from
// the CSV and the FTP estimated from the best 20-minute power.
func ftpTrend(acts []data.Activity, p data.Profile, from, to time.Time, best20 map[string]float64, recs map[string]int, inPeriod func(time.Time) bool) []MonthFTP {
	setting := map[string]float64{}
	for _, a := range acts {
		if inPeriod(a.Start) && a.FTP > 0 {
			m := a.Start.Format("2006-01")
			setting[m] = math.Max(setting[m], a.FTP)
		}
	}
	var out []MonthFTP
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		f := MonthFTP{Month: key, FTPSetting: setting[key], Best20MinW: round(best20[key], 0), Recordings: recs[key]}
		if f.FTPSetting == 0 {
			f.FTPSetting = p.FTP
		}
		f.EstimatedFTP = round(0.95*best20[key], 0)
		if p.WeightKg > 0 {
			f.WattsPerKg = round(f.FTPSetting/p.WeightKg, 2)
		}
		out = append(out, f)
	}
	return out
}

// monthsBefore is the same day n months earlier, clamped to the end of a
// shorter month (31 August minus 6 months is 28 February).
func monthsBefore(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()-time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	lastDay := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(t.Day(), lastDay)-1)
}
